package secrets

import (
	"fmt"
	"strconv"
	"strings"
)

// Scheme names where a secret lives.
type Scheme string

// The schemes a Ref may use.
const (
	SchemeEnv   Scheme = "env"
	SchemeFile  Scheme = "file"
	SchemeVault Scheme = "vault"
)

// maxRefLen bounds a reference; config values longer than this are mistakes.
const maxRefLen = 4096

// Ref is a parsed secret reference, as written in config and flags:
//
//	env:NAME                               the environment variable NAME; when it is
//	                                       unset or empty, the file named by NAME_FILE
//	                                       (setting both is an error)
//	file:/run/secrets/jwt_key              a file holding only the secret (the Docker
//	                                       and Kubernetes secrets convention); one
//	                                       trailing newline is dropped
//	vault:<mount>/data/<path>#<field>      field <field> of the latest version of the
//	                                       KV v2 secret <path> on mount <mount>
//	vault:<mount>/data/<path>?version=N#<field>
//	                                       the same, pinned to version N
//
// The vault form is the secret's HTTP API path, as in `vault read` and in
// policies: the first "/data/" segment separates the mount (which may itself
// contain slashes, e.g. "team/kv/data/app") from the secret's path, so no
// round trip is needed to find the mount; so a mount cannot have a segment
// named "data". String fields are returned as they are; numbers, booleans
// and objects as their JSON text. Example:
// "vault:secret/data/slipway#jwt_key" reads data.data.jwt_key from
// GET /v1/secret/data/slipway.
type Ref struct {
	Scheme Scheme
	// Name is the variable of an env reference.
	Name string
	// Path is the file of a file reference.
	Path string
	// Mount, SecretPath, Field and Version locate a vault secret; Version 0
	// means the latest.
	Mount      string
	SecretPath string
	Field      string
	Version    int
}

// ParseRef parses a reference and answers an error wrapping ErrInvalidRef
// when it is malformed; use it to validate config at start-up. The error
// quotes the input only when its scheme is known: a value without one may
// be a secret pasted where its reference belongs.
func ParseRef(s string) (Ref, error) {
	if len(s) > maxRefLen {
		return Ref{}, fmt.Errorf("%w: longer than %d characters", ErrInvalidRef, maxRefLen)
	}
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok {
		return Ref{}, fmt.Errorf("%w: no scheme (want env:NAME, file:PATH or vault:MOUNT/data/PATH#FIELD)", ErrInvalidRef)
	}
	switch Scheme(scheme) {
	case SchemeEnv, SchemeFile, SchemeVault:
		if strings.ContainsFunc(rest, isControl) {
			return Ref{}, fmt.Errorf("%w: %s reference contains control characters", ErrInvalidRef, scheme)
		}
	}
	switch Scheme(scheme) {
	case SchemeEnv:
		if !validEnvName(rest) {
			return Ref{}, fmt.Errorf("%w: %q: an environment variable name is letters, digits and underscores, not starting with a digit", ErrInvalidRef, s)
		}
		return Ref{Scheme: SchemeEnv, Name: rest}, nil
	case SchemeFile:
		if rest == "" {
			return Ref{}, fmt.Errorf("%w: %q names no file", ErrInvalidRef, s)
		}
		return Ref{Scheme: SchemeFile, Path: rest}, nil
	case SchemeVault:
		return parseVaultRef(s, rest)
	default:
		return Ref{}, fmt.Errorf("%w: unknown scheme (want env:NAME, file:PATH or vault:MOUNT/data/PATH#FIELD)", ErrInvalidRef)
	}
}

func parseVaultRef(s, rest string) (Ref, error) {
	loc, field, ok := strings.Cut(rest, "#")
	if !ok || field == "" {
		return Ref{}, fmt.Errorf("%w: %q names no field (want vault:MOUNT/data/PATH#FIELD)", ErrInvalidRef, s)
	}
	if strings.Contains(field, "?") {
		return Ref{}, fmt.Errorf("%w: %q: ?version=N goes before #FIELD", ErrInvalidRef, s)
	}
	loc, query, hasQuery := strings.Cut(loc, "?")
	version := 0
	if hasQuery {
		v, found := strings.CutPrefix(query, "version=")
		n, err := strconv.Atoi(v)
		if !found || err != nil || n < 1 {
			return Ref{}, fmt.Errorf("%w: %q: the only query is ?version=N with N a positive integer", ErrInvalidRef, s)
		}
		version = n
	}
	mount, path, ok := strings.Cut(loc, "/data/")
	if !ok || mount == "" || path == "" {
		return Ref{}, fmt.Errorf("%w: %q: want vault:MOUNT/data/PATH#FIELD, e.g. vault:secret/data/slipway#jwt_key", ErrInvalidRef, s)
	}
	for _, part := range [2]string{mount, path} {
		for seg := range strings.SplitSeq(part, "/") {
			// Empty, "." and ".." segments could steer the request to
			// another Vault endpoint with our token.
			if seg == "" || seg == "." || seg == ".." {
				return Ref{}, fmt.Errorf("%w: %q: empty, \".\" or \"..\" path segment", ErrInvalidRef, s)
			}
		}
	}
	return Ref{Scheme: SchemeVault, Mount: mount, SecretPath: path, Field: field, Version: version}, nil
}

// String answers the reference in the syntax ParseRef reads. A reference
// names where a secret is, not the secret, so it may be logged.
func (r Ref) String() string {
	switch r.Scheme {
	case SchemeEnv:
		return "env:" + r.Name
	case SchemeFile:
		return "file:" + r.Path
	case SchemeVault:
		s := "vault:" + r.apiPath()
		if r.Version > 0 {
			s += "?version=" + strconv.Itoa(r.Version)
		}
		return s + "#" + r.Field
	default:
		return ""
	}
}

// apiPath is the KV v2 read path under /v1/.
func (r Ref) apiPath() string { return r.Mount + "/data/" + r.SecretPath }

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
