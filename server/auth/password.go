package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// PasswordParams are the argon2id cost parameters. They are stored in every
// hash (PHC string format), so raising them never locks anyone out: old
// hashes still verify with the parameters they were made with, and a
// successful login rehashes them with the current ones (NeedsRehash).
type PasswordParams struct {
	// Memory is in KiB.
	Memory uint32
	// Time is the number of passes over the memory.
	Time uint32
	// Threads is the degree of parallelism (lanes).
	Threads uint8
	// SaltLen and KeyLen are in bytes.
	SaltLen uint32
	KeyLen  uint32
}

// DefaultPasswordParams cost 50–80 ms and 64 MiB per hash on the 2-core
// machine this was tuned on (BenchmarkHashPassword): slow enough that an
// offline attacker with the database gets a few dozen guesses per second per
// core, fast enough that a login stays well under a second. They exceed the
// OWASP minimum for argon2id (m=19 MiB, t=2, p=1) and follow RFC 9106's
// second recommended option (m=64 MiB) with fewer passes (t=2 rather than 3)
// and lanes (p=2, the cores we have) to fit the latency budget. Raise them
// as hardware allows; existing hashes upgrade on the next login.
var DefaultPasswordParams = PasswordParams{
	Memory:  64 * 1024,
	Time:    2,
	Threads: 2,
	SaltLen: 16,
	KeyLen:  32,
}

// Bounds on parameters read back from a stored hash, so that a corrupted or
// planted row cannot make one verification allocate gigabytes or spin for
// minutes.
const (
	maxHashMemory  = 1 << 20 // KiB: 1 GiB
	maxHashTime    = 64
	maxHashKeyLen  = 128
	maxHashSaltLen = 128
)

// errMalformedHash means a stored password hash is not an argon2id PHC
// string this package can verify. It is a server fault, never the user's.
var errMalformedHash = errors.New("malformed argon2id password hash")

func (p PasswordParams) validate() error {
	switch {
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxHashMemory:
		return fmt.Errorf("argon2id memory %d KiB: want 8×threads to %d", p.Memory, maxHashMemory)
	case p.Time < 1 || p.Time > maxHashTime:
		return fmt.Errorf("argon2id time %d: want 1 to %d", p.Time, maxHashTime)
	case p.Threads < 1:
		return errors.New("argon2id threads: want at least 1")
	case p.SaltLen < 16 || p.SaltLen > maxHashSaltLen:
		return fmt.Errorf("argon2id salt length %d: want 16 to %d bytes", p.SaltLen, maxHashSaltLen)
	case p.KeyLen < 16 || p.KeyLen > maxHashKeyLen:
		return fmt.Errorf("argon2id key length %d: want 16 to %d bytes", p.KeyLen, maxHashKeyLen)
	}
	return nil
}

// b64 is the PHC string format's base64: standard alphabet, no padding.
var b64 = base64.RawStdEncoding.Strict()

// HashPassword hashes password with argon2id under p and a fresh random
// salt, answering the PHC string
// $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>.
func HashPassword(password string, p PasswordParams) (string, error) {
	if err := p.validate(); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("read salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches the PHC string encoded,
// using the parameters stored in it and a constant-time comparison of the
// derived keys. A malformed hash is an error, never a match.
func VerifyPassword(password, encoded string) (bool, error) {
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether encoded was made with parameters other than
// p (or cannot be read), so that login replaces it while it has the
// password in hand.
func NeedsRehash(encoded string, p PasswordParams) bool {
	got, _, _, err := decodeHash(encoded)
	return err != nil || got != p
}

func decodeHash(encoded string) (PasswordParams, []byte, []byte, error) {
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, hash
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return PasswordParams{}, nil, nil, errMalformedHash
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return PasswordParams{}, nil, nil, fmt.Errorf("%w: unsupported version %q", errMalformedHash, parts[2])
	}
	var p PasswordParams
	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return PasswordParams{}, nil, nil, errMalformedHash
	}
	for i, want := range []string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(fields[i], want)
		if !ok {
			return PasswordParams{}, nil, nil, errMalformedHash
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return PasswordParams{}, nil, nil, errMalformedHash
		}
		switch i {
		case 0:
			p.Memory = uint32(n)
		case 1:
			p.Time = uint32(n)
		case 2:
			if n > 255 {
				return PasswordParams{}, nil, nil, errMalformedHash
			}
			p.Threads = uint8(n)
		}
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return PasswordParams{}, nil, nil, errMalformedHash
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil {
		return PasswordParams{}, nil, nil, errMalformedHash
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key)) // bounded by validate below.
	if err := p.validate(); err != nil {
		return PasswordParams{}, nil, nil, fmt.Errorf("%w: %w", errMalformedHash, err)
	}
	return p, salt, key, nil
}

// hasher runs argon2id with a bound on concurrent hashes. Each hash holds
// Memory KiB for its whole duration, so a burst of logins would otherwise
// allocate 64 MiB apiece with no limit; beyond the bound, callers wait
// (honouring their context) instead of exhausting memory.
type hasher struct {
	params PasswordParams
	slots  chan struct{}
	// dummy is a hash of a random password under params: verifying
	// against it for an unknown email costs what a real check costs, so
	// timing does not tell which emails have accounts.
	dummy string
}

func newHasher(p PasswordParams, concurrency int) (*hasher, error) {
	if concurrency < 1 {
		concurrency = 1
	}
	dummyPassword := make([]byte, 32)
	if _, err := rand.Read(dummyPassword); err != nil {
		return nil, fmt.Errorf("read dummy password: %w", err)
	}
	dummy, err := HashPassword(string(dummyPassword), p)
	if err != nil {
		return nil, fmt.Errorf("hash dummy password: %w", err)
	}
	return &hasher{params: p, slots: make(chan struct{}, concurrency), dummy: dummy}, nil
}

func (h *hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *hasher) release() { <-h.slots }

func (h *hasher) hash(ctx context.Context, password string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return HashPassword(password, h.params)
}

// verify checks password against encoded; an empty encoded (no such
// account) is checked against the dummy hash and never matches.
func (h *hasher) verify(ctx context.Context, password, encoded string) (bool, error) {
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	if encoded == "" {
		_, _ = VerifyPassword(password, h.dummy)
		return false, nil
	}
	return VerifyPassword(password, encoded)
}
