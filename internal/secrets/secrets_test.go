package secrets

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testLogger sends the package's logs to the test log, through the
// redacting handler as production would.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(NewRedactingHandler(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(b []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

func TestParseRef(t *testing.T) {
	good := map[string]Ref{
		"env:JWT_KEY":                        {Scheme: SchemeEnv, Name: "JWT_KEY"},
		"env:_x1":                            {Scheme: SchemeEnv, Name: "_x1"},
		"file:/run/secrets/jwt_key":          {Scheme: SchemeFile, Path: "/run/secrets/jwt_key"},
		"file:relative/key.pem":              {Scheme: SchemeFile, Path: "relative/key.pem"},
		"vault:secret/data/slipway#jwt_key":  {Scheme: SchemeVault, Mount: "secret", SecretPath: "slipway", Field: "jwt_key"},
		"vault:team/kv/data/a/b#f":           {Scheme: SchemeVault, Mount: "team/kv", SecretPath: "a/b", Field: "f"},
		"vault:secret/data/x?version=3#key":  {Scheme: SchemeVault, Mount: "secret", SecretPath: "x", Field: "key", Version: 3},
		"vault:secret/data/app/data/deep#kk": {Scheme: SchemeVault, Mount: "secret", SecretPath: "app/data/deep", Field: "kk"},
	}
	for in, want := range good {
		got, err := ParseRef(in)
		if err != nil {
			t.Errorf("ParseRef(%q): %v", in, err)
			continue
		}
		if got != want {
			t.Errorf("ParseRef(%q) = %+v, want %+v", in, got, want)
		}
		if got.String() != in {
			t.Errorf("String() = %q, want %q", got.String(), in)
		}
	}
	bad := []string{
		"", "JWT_KEY", "env:", "env:1X", "env:A-B", "env:A B", "file:", "vault:", "vault:secret/slipway#k",
		"vault:secret/data/slipway", "vault:secret/data/slipway#", "vault:/data/x#k", "vault:secret/data/#k",
		"vault:secret/data/../../sys/seal#k", "vault:secret/data/a//b#k", "vault:secret/data/./x#k",
		"vault:secret/data/x?version=0#k", "vault:secret/data/x?version=-1#k", "vault:secret/data/x?v=1#k",
		"vault:secret/data/x#k?version=2", "s3:bucket/key", "file:/tmp/x\x00y", "env:A\nB",
	}
	for _, in := range bad {
		if _, err := ParseRef(in); !errors.Is(err, ErrInvalidRef) {
			t.Errorf("ParseRef(%q) = %v, want ErrInvalidRef", in, err)
		}
	}
}

func TestParseRefDoesNotEchoPastedSecrets(t *testing.T) {
	// A value pasted where its reference belongs must not end up in the
	// start-up error (and so in logs).
	for _, s := range []string{
		"0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318",
		"hunter2:correct-horse-battery",
		"-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA\n-----END PRIVATE KEY-----",
	} {
		_, err := ParseRef(s)
		if err == nil || strings.Contains(err.Error(), s) || strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "MC4CAQ") {
			t.Fatalf("ParseRef error echoes the input: %v", err)
		}
	}
}

func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"env:JWT_KEY", "file:/run/secrets/x", "vault:secret/data/a?version=2#f", "vault:a/data/b/../c#d", ":", "vault:#"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRef(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidRef) {
				t.Fatalf("error does not wrap ErrInvalidRef: %v", err)
			}
			if i := strings.IndexByte(s, ':'); i >= 0 {
				switch Scheme(s[:i]) {
				case SchemeEnv, SchemeFile, SchemeVault:
				default:
					if len(s) > 8 && strings.Contains(err.Error(), s) {
						t.Fatalf("error echoes unknown-scheme input: %v", err)
					}
				}
			}
			return
		}
		// A parsed reference prints back to something that parses to the
		// same reference.
		again, err := ParseRef(r.String())
		if err != nil || again != r {
			t.Fatalf("round trip %q → %q → %+v, %v", s, r.String(), again, err)
		}
		if r.Scheme == SchemeVault {
			for seg := range strings.SplitSeq(r.apiPath(), "/") {
				if seg == ".." || seg == "." || seg == "" {
					t.Fatalf("vault path %q escapes its mount", r.apiPath())
				}
			}
		}
	})
}

func TestEnvProvider(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "jwt_key")
	if err := os.WriteFile(keyFile, []byte(leaked+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"JWT_KEY":        leaked,
		"EMPTY":          "",
		"FROM_FILE_FILE": keyFile,
		"BOTH":           leaked,
		"BOTH_FILE":      keyFile,
		"DANGLING_FILE":  filepath.Join(dir, "missing"),
		"MULTILINE":      "line1\nline2\n",
		"EMPTY_FILE":     "", // an empty _FILE variable is ignored
	}
	l := localProvider{getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }, readFile: readSecretFile}
	p := &provider{local: l}
	ctx := context.Background()

	for ref, want := range map[string]string{
		"env:JWT_KEY":   leaked,
		"env:FROM_FILE": leaked, // JWT_KEY_FILE indirection, newline trimmed
		"env:MULTILINE": "line1\nline2\n",
	} {
		got, err := p.Get(ctx, ref)
		if err != nil || got.RevealString() != want {
			t.Errorf("%s = %q, %v", ref, got.RevealString(), err)
		}
	}

	_, err := p.Get(ctx, "env:NOPE")
	wantErr(t, err, ErrNotFound, "NOPE", "NOPE_FILE", "not set")
	_, err = p.Get(ctx, "env:EMPTY")
	wantErr(t, err, ErrNotFound, "EMPTY", "empty")
	_, err = p.Get(ctx, "env:BOTH")
	wantErr(t, err, ErrInvalidRef, "BOTH", "BOTH_FILE")
	noLeak(t, err, leaked)
	_, err = p.Get(ctx, "env:DANGLING")
	wantErr(t, err, ErrNotFound, "DANGLING_FILE", "missing")
	_, err = p.Get(ctx, "env:bad-name")
	wantErr(t, err, ErrInvalidRef)
}

func TestFileProvider(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p, err := NewProvider(Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pem := "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA\n-----END PRIVATE KEY-----\n"
	for name, c := range map[string]struct{ content, want string }{
		"plain":     {leaked, leaked},
		"newline":   {leaked + "\n", leaked},
		"crlf":      {leaked + "\r\n", leaked},
		"two":       {leaked + "\n\n", leaked + "\n"},
		"pem":       {pem, strings.TrimSuffix(pem, "\n")},
		"binary":    {"\x00\x01\xff", "\x00\x01\xff"},
		"spaces_in": {"  padded  ", "  padded  "},
	} {
		got, err := p.Get(ctx, "file:"+write(name, c.content))
		if err != nil || got.RevealString() != c.want {
			t.Errorf("%s: %q, %v", name, got.RevealString(), err)
		}
	}

	_, err = p.Get(ctx, "file:"+filepath.Join(dir, "absent"))
	wantErr(t, err, ErrNotFound, "absent", "does not exist")
	_, err = p.Get(ctx, "file:"+write("empty", "\n"))
	wantErr(t, err, ErrNotFound, "empty")
	_, err = p.Get(ctx, "file:"+dir)
	wantErr(t, err, ErrInvalidRef, "directory")
	big := write("big", strings.Repeat("x", maxSecretSize+1))
	_, err = p.Get(ctx, "file:"+big)
	wantErr(t, err, ErrInvalidRef, "larger")

	if os.Geteuid() != 0 { // root reads anything
		locked := write("locked", leaked)
		if err := os.Chmod(locked, 0); err != nil {
			t.Fatal(err)
		}
		_, err = p.Get(ctx, "file:"+locked)
		if err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Fatalf("unreadable file: %v", err)
		}
		noLeak(t, err, leaked)
	}
}

func TestStatic(t *testing.T) {
	s := Static{"env:K": NewSecretString("v")}
	got, err := s.Get(context.Background(), "env:K")
	if err != nil || got.RevealString() != "v" {
		t.Fatal(got, err)
	}
	_, err = s.Get(context.Background(), "env:MISSING")
	wantErr(t, err, ErrNotFound, "env:MISSING")
	_, err = s.Get(context.Background(), "pasted-value")
	wantErr(t, err, ErrNotFound)
	noLeak(t, err, "pasted-value")
}
