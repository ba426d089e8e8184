package secrets

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
)

// sensitiveWords make a log attribute's key sensitive; see SensitiveKey.
var sensitiveWords = []string{
	"password", "passwd", "passphrase", "secret", "token", "apikey",
	"privatekey", "signingkey", "authorization", "cookie", "credential",
	"mnemonic", "seedphrase",
}

// nonSensitiveKeys end in "key" but name values that are safe and useful in
// logs.
var nonSensitiveKeys = []string{"idempotencykey", "publickey", "cachekey", "apikeyid", "apikeyprefix"}

// sensitiveCache remembers SensitiveKey's answers: log keys are mostly
// constants, so a lookup replaces the word scan. It stops growing at
// sensitiveCacheMax keys so that keys taken from input cannot bloat it.
var (
	sensitiveCache     sync.Map // string → bool
	sensitiveCacheSize atomic.Int64
)

const sensitiveCacheMax = 4096

// SensitiveKey reports whether a log attribute's key names a secret, so that
// its value is dropped whatever it holds. The key is compared after
// lower-casing it and dropping '_', '-', '.' and spaces ("refresh_token",
// "X-API-Key" and "privateKey" all match). It is sensitive when it contains
// one of
//
//	password passwd passphrase secret token apikey privatekey signingkey
//	authorization cookie credential mnemonic seedphrase
//
// or is "key" or ends in "key" (jwt_key, deployer_key, hmac.key), except
// idempotency_key, public_key, cache_key, api_key_id and api_key_prefix,
// which are safe and useful in logs.
func SensitiveKey(key string) bool {
	if v, ok := sensitiveCache.Load(key); ok {
		return v.(bool)
	}
	r := sensitiveKey(key)
	if sensitiveCacheSize.Load() < sensitiveCacheMax {
		if _, loaded := sensitiveCache.LoadOrStore(key, r); !loaded {
			sensitiveCacheSize.Add(1)
		}
	}
	return r
}

func sensitiveKey(key string) bool {
	var buf [64]byte
	k := normaliseKey(buf[:0], key)
	for _, n := range nonSensitiveKeys {
		if string(k) == n {
			return false
		}
	}
	for _, w := range sensitiveWords {
		if bytes.Contains(k, []byte(w)) {
			return true
		}
	}
	return bytes.HasSuffix(k, []byte("key"))
}

// normaliseKey appends key to dst lower-cased (ASCII) without separators;
// with a stack buffer it does not allocate for ordinary keys.
func normaliseKey(dst []byte, key string) []byte {
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c == '_' || c == '-' || c == '.' || c == ' ':
		case c >= 'A' && c <= 'Z':
			dst = append(dst, c+('a'-'A'))
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// Value patterns scrubbed whatever the key: they catch a secret logged under
// an innocent key ("msg", "err", "url"). Hex private keys cannot be told
// from transaction hashes by value, so they rely on their key.
var (
	jwtPattern    = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*`)
	bearerPattern = regexp.MustCompile(`(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}`)
	pemPattern    = regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)`)
	userinfoPat   = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*):[^@\s/]*@`)
)

// ScrubString replaces, inside free text, what is or looks like a secret
// whatever its key: the values registered with Conceal (secrets the provider
// resolved, RPC URLs' paths and queries), JWTs, "Bearer …" credentials (8
// characters or more), PEM private keys, the password of a URL's userinfo
// (postgres://user:pw@host), and in URLs the values of sensitive query
// parameters (?apikey=…) and path segments or values that look like API
// keys (a run of 20 or more letters and digits).
func ScrubString(s string) string {
	s = scrubConcealed(s)
	if strings.Contains(s, "eyJ") {
		s = jwtPattern.ReplaceAllString(s, Redacted)
	}
	if containsFold(s, "bearer") {
		s = bearerPattern.ReplaceAllString(s, "$1 "+Redacted)
	}
	if strings.Contains(s, "PRIVATE KEY-----") {
		s = pemPattern.ReplaceAllString(s, Redacted)
	}
	if strings.Contains(s, "://") {
		if strings.Contains(s, "@") {
			s = userinfoPat.ReplaceAllString(s, "$1:"+Redacted+"@")
		}
		s = scrubURLKeys(s)
	}
	return s
}

// containsFold reports whether s contains the lower-case ASCII word sub in
// any case, without allocating.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i]|0x20 == sub[0] && strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// ReplaceAttr redacts one attribute; it has the signature of
// slog.HandlerOptions.ReplaceAttr, for handlers built in place:
//
//	slog.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: secrets.ReplaceAttr})
//
// An attribute whose key, or any enclosing group's name, is sensitive
// (see SensitiveKey) becomes "[redacted]"; string values, errors and the
// message are scrubbed (ScrubString); structs, maps and slices are walked
// as their JSON form with the same rules. Prefer RedactingHandler, which
// also covers handlers that take no ReplaceAttr.
func ReplaceAttr(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 {
		switch a.Key {
		case slog.TimeKey, slog.LevelKey, slog.SourceKey:
			// The built-in handlers' own attributes carry no secret.
			return a
		}
	}
	for _, g := range groups {
		if SensitiveKey(g) {
			return slog.String(a.Key, Redacted)
		}
	}
	return redactAttr(a)
}

func redactAttr(a slog.Attr) slog.Attr {
	if a.Key != "" && SensitiveKey(a.Key) {
		return slog.String(a.Key, Redacted)
	}
	a.Value = redactValue(a.Value)
	return a
}

func redactValue(v slog.Value) slog.Value {
	v = v.Resolve()
	switch v.Kind() {
	case slog.KindString:
		s := v.String()
		if t := ScrubString(s); t != s {
			return slog.StringValue(t)
		}
		return v
	case slog.KindGroup:
		attrs := v.Group()
		out := make([]slog.Attr, len(attrs))
		for i, a := range attrs {
			out[i] = redactAttr(a)
		}
		return slog.GroupValue(out...)
	case slog.KindAny:
		return redactAny(v)
	default:
		return v
	}
}

func redactAny(v slog.Value) slog.Value {
	x := v.Any()
	switch x := x.(type) {
	case nil, Secret, *Secret, *slog.Source:
		return v
	case error:
		s := x.Error()
		if t := ScrubString(s); t != s {
			return slog.StringValue(t)
		}
		return v
	case []byte:
		return v
	}
	if !composite(reflect.TypeOf(x)) {
		var str string
		if s, ok := x.(interface{ String() string }); ok {
			str = s.String()
		} else if rv := reflect.ValueOf(x); rv.Kind() == reflect.String {
			str = rv.String()
		} else {
			return v
		}
		if t := ScrubString(str); t != str {
			return slog.StringValue(t)
		}
		return v
	}
	// A struct, map or slice: what the JSON handler would print is its
	// JSON form, so walk that and redact by key. Values JSON cannot encode
	// (funcs, channels, cycles) are not printed at all.
	b, err := json.Marshal(x)
	if err != nil {
		return slog.StringValue("[unloggable " + reflect.TypeOf(x).String() + "]")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return slog.StringValue("[unloggable " + reflect.TypeOf(x).String() + "]")
	}
	return slog.AnyValue(redactTree(tree))
}

// composite reports whether values of t are printed field by field.
func composite(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return true
	case reflect.Slice, reflect.Array:
		return t.Elem().Kind() != reflect.Uint8
	}
	return false
}

func redactTree(x any) any {
	switch x := x.(type) {
	case map[string]any:
		for k, v := range x {
			if SensitiveKey(k) {
				x[k] = Redacted
			} else {
				x[k] = redactTree(v)
			}
		}
		return x
	case []any:
		for i, v := range x {
			x[i] = redactTree(v)
		}
		return x
	case string:
		return ScrubString(x)
	default:
		return x
	}
}

// RedactingHandler wraps a slog.Handler so that nothing logged through it
// carries a secret: each attribute (those added with With too) and the
// message pass through the rules of ReplaceAttr before the wrapped handler
// sees them. Install it once around the process's handler.
type RedactingHandler struct {
	next   slog.Handler
	groups []string
}

// NewRedactingHandler wraps next.
func NewRedactingHandler(next slog.Handler) *RedactingHandler {
	return &RedactingHandler{next: next}
}

// Enabled defers to the wrapped handler.
func (h *RedactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

// Handle redacts the record and passes it on.
func (h *RedactingHandler) Handle(ctx context.Context, r slog.Record) error {
	nr := slog.NewRecord(r.Time, r.Level, ScrubString(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		nr.AddAttrs(ReplaceAttr(h.groups, a))
		return true
	})
	return h.next.Handle(ctx, nr)
}

// WithAttrs redacts attrs once, when they are attached.
func (h *RedactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		out[i] = ReplaceAttr(h.groups, a)
	}
	return &RedactingHandler{next: h.next.WithAttrs(out), groups: h.groups}
}

// WithGroup remembers the group so that attributes inside a sensitive group
// are redacted.
func (h *RedactingHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &RedactingHandler{next: h.next.WithGroup(name), groups: append(h.groups[:len(h.groups):len(h.groups)], name)}
}
