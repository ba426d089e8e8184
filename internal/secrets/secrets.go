// Package secrets resolves secret references from config ("env:NAME",
// "file:/run/secrets/x", "vault:secret/data/app#field") into values that
// cannot leak by accident, and supplies the slog redaction that the rest of
// Slipway installs in its loggers.
//
// Secrets never appear in errors: errors name the reference (variable, file,
// Vault path and HTTP status), never the value, the Vault token or the
// AppRole credentials. Reference syntax: see Ref. Every value the provider
// resolves is registered with Conceal, so that the redacting log handler
// hides it wherever it turns up later (a library's error quoting a resolved
// URL, a key logged under an innocent attribute).
//
// Typical wiring in a command:
//
//	logger := slog.New(secrets.NewRedactingHandler(slog.NewJSONHandler(os.Stderr, nil)))
//	p, err := secrets.NewProvider(secrets.Config{Vault: secrets.VaultConfigFromEnv(os.Getenv), Logger: logger})
//	key, err := p.Get(ctx, cfg.JWTKeyRef) // e.g. "file:/run/secrets/jwt_key"
//	priv := ed25519.PrivateKey(key.Reveal())
//
// Errors wrap ErrInvalidRef, ErrNotFound or ErrPermissionDenied (retrying
// will not help) or ErrUnavailable (transient: retry with backoff).
package secrets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"time"
)

// Sentinel errors, so that callers can tell what retrying may fix.
var (
	// ErrInvalidRef: the reference is malformed or uses a scheme that is
	// not configured. A config error; retrying will not help.
	ErrInvalidRef = errors.New("invalid secret reference")
	// ErrNotFound: the variable, file, Vault secret or field does not exist
	// or is empty. Retrying will not help until someone creates it.
	ErrNotFound = errors.New("secret not found")
	// ErrPermissionDenied: Vault refused the credentials or the policy does
	// not allow the read. Retrying will not help.
	ErrPermissionDenied = errors.New("secret access denied")
	// ErrUnavailable: the store could not answer now (Vault down, sealed,
	// timing out, rate limiting, answering 5xx). Transient: retry later.
	ErrUnavailable = errors.New("secret store unavailable")
)

// Provider resolves a reference to its secret. It is the narrow interface
// consumers (JWT signing keys, deployer keys) depend on, so tests can hand
// them a Static provider.
type Provider interface {
	Get(ctx context.Context, ref string) (Secret, error)
}

// Config says how to reach the stores behind the schemes. The env and file
// schemes need nothing; the vault scheme needs Vault.Addr.
type Config struct {
	Vault VaultConfig
	// Logger receives Vault login and renewal events (never values or
	// tokens); nil discards them.
	Logger *slog.Logger
}

// maxSecretSize bounds what a file or Vault answer may hold; a secret is
// small, and a larger read means a misconfigured path (a log file, a device).
const maxSecretSize = 1 << 20

// NewProvider answers a provider for every scheme Config allows: env and file
// always, vault when Vault.Addr is set (vault references are otherwise
// refused with ErrInvalidRef). It checks the Vault config but does not
// contact Vault: the first Get logs in, so start-up order does not matter.
// env and file references are read on every Get (a rotated secret file is
// seen at once); Vault reads are cached for VaultConfig.CacheTTL, and an
// expired entry is not served while Vault is down.
func NewProvider(cfg Config) (Provider, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	p := &provider{local: localProvider{getenv: os.LookupEnv, readFile: readSecretFile}}
	if cfg.Vault.Addr != "" {
		v, err := newVault(cfg.Vault, p.local, logger)
		if err != nil {
			return nil, err
		}
		p.vault = v
	}
	return p, nil
}

type provider struct {
	local localProvider
	vault *vaultClient
}

// Get resolves ref and registers the value with Conceal, so that a secret
// once resolved never shows in a log line, whatever carries it there (an
// RPC URL in a library's error, a key under an innocent attribute).
func (p *provider) Get(ctx context.Context, ref string) (Secret, error) {
	s, err := p.get(ctx, ref)
	if err == nil {
		Conceal(s.RevealString())
	}
	return s, err
}

func (p *provider) get(ctx context.Context, ref string) (Secret, error) {
	r, err := ParseRef(ref)
	if err != nil {
		return Secret{}, err
	}
	if r.Scheme == SchemeVault {
		if p.vault == nil {
			return Secret{}, fmt.Errorf("%w: %s: no Vault address configured", ErrInvalidRef, r)
		}
		return p.vault.get(ctx, r)
	}
	return p.local.get(r)
}

// localProvider reads the env and file schemes; the Vault client uses it to
// read its own credentials.
type localProvider struct {
	getenv   func(string) (string, bool)
	readFile func(string) ([]byte, error)
}

func (l localProvider) get(r Ref) (Secret, error) {
	switch r.Scheme {
	case SchemeEnv:
		return l.env(r.Name)
	case SchemeFile:
		b, err := l.readFile(r.Path)
		if err != nil {
			return Secret{}, err
		}
		return NewSecret(b), nil
	default:
		return Secret{}, fmt.Errorf("%w: %s cannot be read here", ErrInvalidRef, r)
	}
}

// env reads NAME, or else the file named by NAME_FILE: the convention of the
// official Docker images (postgres, mysql) for passing secrets as files
// while keeping one variable name. Setting both is refused, as those images
// do, because silently preferring one hides a mistake.
func (l localProvider) env(name string) (Secret, error) {
	v, set := l.getenv(name)
	fileVar := name + "_FILE"
	path, fileSet := l.getenv(fileVar)
	fileSet = fileSet && path != ""
	switch {
	case set && v != "" && fileSet:
		return Secret{}, fmt.Errorf("%w: both %s and %s are set; set only one", ErrInvalidRef, name, fileVar)
	case set && v != "":
		return NewSecretString(v), nil
	case fileSet:
		b, err := l.readFile(path)
		if err != nil {
			return Secret{}, fmt.Errorf("read %s: %w", fileVar, err)
		}
		return NewSecret(b), nil
	case set:
		return Secret{}, fmt.Errorf("%w: environment variable %s is empty", ErrNotFound, name)
	default:
		return Secret{}, fmt.Errorf("%w: environment variable %s is not set (nor %s)", ErrNotFound, name, fileVar)
	}
}

// readSecretFile reads a Docker/Kubernetes secret file: the whole file is the
// secret, less one trailing newline (what `echo x > file` and editors add).
// The errors name the path, never the content.
func readSecretFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: secret file %s does not exist", ErrNotFound, path)
		}
		return nil, fmt.Errorf("open secret file: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%w: secret file %s is a directory", ErrInvalidRef, path)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxSecretSize+1))
	if err != nil {
		return nil, fmt.Errorf("read secret file: %w", err)
	}
	if len(b) > maxSecretSize {
		return nil, fmt.Errorf("%w: secret file %s is larger than %d bytes", ErrInvalidRef, path, maxSecretSize)
	}
	b = trimNewline(b)
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: secret file %s is empty", ErrNotFound, path)
	}
	return b, nil
}

func trimNewline(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

// Static is a Provider over a fixed map from reference to value, for tests
// of the packages that consume secrets.
type Static map[string]Secret

// Get answers the secret stored under ref, or ErrNotFound.
func (s Static) Get(_ context.Context, ref string) (Secret, error) {
	v, ok := s[ref]
	if !ok {
		return Secret{}, fmt.Errorf("%w: %s", ErrNotFound, refForError(ref))
	}
	return v, nil
}

// refForError names a reference in an error only when it parses, so that a
// value pasted where a reference belongs is never echoed.
func refForError(ref string) string {
	r, err := ParseRef(ref)
	if err != nil {
		return "(malformed reference)"
	}
	return r.String()
}

// durationOr answers d, or def when d is zero.
func durationOr(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
