package secrets

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const leaked = "s3cr3t-VALUE-never-printed"

func TestSecretNeverPrints(t *testing.T) {
	s := NewSecretString(leaked)
	ps := &s
	type holder struct {
		Name   string
		Key    Secret
		KeyPtr *Secret
		keyLow Secret
	}
	h := holder{Name: "jwt", Key: s, KeyPtr: ps, keyLow: s}

	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v", "%10s", "%-10v"} {
		outs = append(outs, fmt.Sprintf(verb, s), fmt.Sprintf(verb, ps), fmt.Sprintf(verb, h), fmt.Sprintf(verb, &h))
	}
	outs = append(outs, fmt.Sprint(s), fmt.Sprintln(s, ps), s.String(), s.GoString(), "x"+s.String())
	outs = append(outs, fmt.Sprintf("%v", []Secret{s}), fmt.Sprintf("%v", map[string]Secret{"k": s}))

	for _, v := range []any{s, ps, h, &h, []Secret{s}, map[string]Secret{"k": s}} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, string(b))
	}
	if b, err := s.MarshalText(); err == nil {
		outs = append(outs, string(b))
	}

	var buf bytes.Buffer
	for _, handler := range []slog.Handler{slog.NewJSONHandler(&buf, nil), slog.NewTextHandler(&buf, nil)} {
		l := slog.New(handler)
		l.Info("loaded", "key", s, "ptr", ps, "holder", h, "hp", &h)
		l.Info("loaded", slog.Any("innocent", s), slog.Group("g", "v", s))
		l.With("with", s).Info("x")
	}
	outs = append(outs, buf.String())

	var gbuf bytes.Buffer
	if err := gob.NewEncoder(&gbuf).Encode(h); err == nil {
		outs = append(outs, gbuf.String())
	}

	err := fmt.Errorf("load key %v: %w", s, errors.New("boom"))
	outs = append(outs, err.Error())

	for _, o := range outs {
		if strings.Contains(o, leaked) {
			t.Fatalf("secret printed: %s", o)
		}
		if strings.Contains(o, fmt.Sprintf("%x", leaked)) {
			t.Fatalf("secret printed as hex: %s", o)
		}
	}
	if !strings.Contains(fmt.Sprintf("%v", s), Redacted) || fmt.Sprintf("%q", s) != `"[redacted]"` {
		t.Fatalf("unexpected redaction text %v %q", s, s)
	}
}

func TestSecretReveal(t *testing.T) {
	src := []byte("abc")
	s := NewSecret(src)
	src[0] = 'X' // the caller's buffer is copied
	got := s.Reveal()
	if string(got) != "abc" || s.RevealString() != "abc" {
		t.Fatalf("Reveal = %q", got)
	}
	got[1] = 'Y' // and Reveal answers a copy
	if s.RevealString() != "abc" {
		t.Fatal("Reveal exposed internal storage")
	}
	var zero Secret
	if !zero.IsZero() || zero.Reveal() != nil || s.IsZero() {
		t.Fatal("IsZero")
	}
	if !s.Equal(NewSecretString("abc")) || s.Equal(NewSecretString("abd")) || s.Equal(zero) {
		t.Fatal("Equal")
	}
}

func TestSecretDoesNotDecodeSilently(t *testing.T) {
	var s Secret
	//lint:ignore SA9005 decoding must fail, which is what this test checks
	if err := json.Unmarshal([]byte(`"value"`), &s); err == nil {
		t.Fatal("a Secret decoded from JSON; redacted payloads must fail loudly, not carry \"[redacted]\"")
	}
}
