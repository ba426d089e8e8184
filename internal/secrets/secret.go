package secrets

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"log/slog"
)

// Redacted is what every printed, logged or marshalled Secret turns into.
const Redacted = "[redacted]"

// Secret holds a secret value so that it cannot leak by accident: fmt (every
// verb, %#v included), encoding/json, encoding (text), slog and reflection
// based dumpers (go-spew, testify diffs) all see "[redacted]" or an opaque
// function, never the bytes. Reveal is the one way out, meant for the single
// place that needs the value (a signer, a key parser).
//
// The zero Secret is empty. Secrets are immutable: Reveal answers a copy.
type Secret struct {
	// A closure rather than a []byte field: reflection walks struct fields
	// and would print bytes, but it prints a func as an address.
	reveal func() []byte
}

// NewSecret wraps a copy of b, so the caller may wipe its own buffer.
func NewSecret(b []byte) Secret {
	c := bytes.Clone(b)
	return Secret{reveal: func() []byte { return bytes.Clone(c) }}
}

// NewSecretString wraps s; for values that come as strings (env, JSON).
func NewSecretString(s string) Secret {
	return Secret{reveal: func() []byte { return []byte(s) }}
}

// Reveal answers a copy of the secret bytes. Call it only where the value is
// consumed, and do not log or return what it answers.
func (s Secret) Reveal() []byte {
	if s.reveal == nil {
		return nil
	}
	return s.reveal()
}

// RevealString answers the secret as a string; see Reveal.
func (s Secret) RevealString() string { return string(s.Reveal()) }

// IsZero reports whether the secret is empty, so that callers can check
// configuration without revealing the value.
func (s Secret) IsZero() bool { return len(s.Reveal()) == 0 }

// Equal compares two secrets in constant time (for equal lengths), so that
// comparing a presented credential leaks no timing about where it differs.
func (s Secret) Equal(o Secret) bool {
	return subtle.ConstantTimeCompare(s.Reveal(), o.Reveal()) == 1
}

// String keeps the value out of %s, %v, string concatenation via Sprint and
// anything else that uses fmt.Stringer.
func (Secret) String() string { return Redacted }

// GoString keeps the value out of %#v.
func (Secret) GoString() string { return Redacted }

// Format handles every fmt verb (%x, %d, %q included), which Stringer alone
// does not.
func (Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", Redacted)
		return
	}
	_, _ = f.Write([]byte(Redacted))
}

// MarshalJSON keeps the value out of API answers, Temporal payloads (the
// default data converter is JSON) and JSON logs.
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText keeps the value out of text encoders (TOML, YAML, slog text).
func (Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// LogValue keeps the value out of every slog handler, whatever the key.
func (Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }
