package secrets

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Some secrets have no shape a pattern could catch: the API key an RPC
// provider puts in a URL's path or query, a hex signer key logged under an
// innocent attribute. They can only be recognised by value, so the values
// themselves are registered (Conceal) as they are resolved, and ScrubString
// replaces them wherever they appear, in every log line that passes through
// RedactingHandler. The provider registers every secret it reveals; callers
// register secrets that do not come through it (a literal RPC URL in the
// networks file).

// replacement is a value to hide and what to write in its place.
type replacement struct{ old, new string }

// Scrubber replaces known secret values in text. The zero Scrubber changes
// nothing.
type Scrubber struct {
	// pairs, longest old first: a whole URL is replaced before its path,
	// so the replacement of the whole keeps the host.
	pairs []replacement
	// anchors has a bit set for the hash of every value's first 4 bytes,
	// so that text holding none of them (nearly every log string) is
	// passed over in one scan rather than one search per value; nil when
	// a value is shorter than 4 bytes.
	anchors *[anchorWords]uint64
}

const anchorWords = 1 << 10 // 65536 bits

func anchorHash(b0, b1, b2, b3 byte) uint32 {
	w := uint32(b0) | uint32(b1)<<8 | uint32(b2)<<16 | uint32(b3)<<24
	return (w * 2654435761) >> 16
}

// mayLeak is false when text certainly holds none of the values.
func (s Scrubber) mayLeak(text string) bool {
	if len(s.pairs) == 0 {
		return false
	}
	if s.anchors == nil {
		return true
	}
	for i := 0; i+4 <= len(text); i++ {
		h := anchorHash(text[i], text[i+1], text[i+2], text[i+3])
		if s.anchors[h>>6]&(1<<(h&63)) != 0 {
			return true
		}
	}
	return false
}

// Scrub answers text with every known value replaced.
func (s Scrubber) Scrub(text string) string {
	if !s.mayLeak(text) {
		return text
	}
	for _, p := range s.pairs {
		if strings.Contains(text, p.old) {
			text = strings.ReplaceAll(text, p.old, p.new)
		}
	}
	return text
}

// Leaks reports whether text contains one of the values.
func (s Scrubber) Leaks(text string) bool {
	if !s.mayLeak(text) {
		return false
	}
	for _, p := range s.pairs {
		if strings.Contains(text, p.old) {
			return true
		}
	}
	return false
}

func (s Scrubber) with(pairs []replacement) Scrubber {
	out := slices.Clone(s.pairs)
	for _, p := range pairs {
		if !slices.ContainsFunc(out, func(q replacement) bool { return q.old == p.old }) {
			out = append(out, p)
		}
	}
	slices.SortStableFunc(out, func(a, b replacement) int { return len(b.old) - len(a.old) })
	var anchors *[anchorWords]uint64
	if len(out) > 0 && len(out[len(out)-1].old) >= 4 {
		anchors = new([anchorWords]uint64)
		for _, p := range out {
			h := anchorHash(p.old[0], p.old[1], p.old[2], p.old[3])
			anchors[h>>6] |= 1 << (h & 63)
		}
	}
	return Scrubber{pairs: out, anchors: anchors}
}

// NewURLScrubber answers a Scrubber that hides what in rawURL may carry a
// credential — user info, path and query, whole or in part — and keeps the
// scheme and host, so that an error still says which endpoint failed. The
// whole URL becomes RedactURL's form; the path, the query, the user info, and
// path segments and query values of 16 characters or more (a provider
// echoing the bare key) become "[redacted]" wherever they appear alone.
func NewURLScrubber(rawURL string) Scrubber {
	return Scrubber{}.with(urlReplacements(rawURL, 1))
}

// RedactURL keeps scheme and host of a URL and hides path, query and user
// info, where hosted RPC providers put API keys.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "<invalid url>"
	}
	if (u.Path == "" || u.Path == "/") && u.RawQuery == "" && u.User == nil && u.Fragment == "" {
		return u.Scheme + "://" + u.Host
	}
	return u.Scheme + "://" + u.Host + "/…"
}

// minPartLen is the shortest path segment or query value hidden on its own:
// provider keys are 20 to 64 characters, and hiding short words ("v3",
// "mainnet") everywhere would make errors and logs unreadable.
const minPartLen = 16

// urlReplacements lists what of rawURL to hide, leaving out values shorter
// than minLen (the global registry skips short ones, which would hide
// common words).
func urlReplacements(rawURL string, minLen int) []replacement {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return nil
	}
	var out []replacement
	add := func(old, new string) {
		if len(old) >= minLen && old != new {
			out = append(out, replacement{old, new})
		}
	}
	safe := RedactURL(rawURL)
	if safe == u.Scheme+"://"+u.Host {
		return nil // nothing but scheme and host: nothing secret
	}
	add(rawURL, safe)
	add(u.String(), safe)
	if u.User != nil {
		add(u.User.String()+"@", Redacted+"@")
		if pw, ok := u.User.Password(); ok {
			add(pw, Redacted)
		}
	}
	for _, p := range []string{u.EscapedPath(), u.Path, u.RawPath} {
		if p != "" && p != "/" {
			add(p, "/"+Redacted)
		}
	}
	for seg := range strings.SplitSeq(u.Path, "/") {
		if len(seg) >= minPartLen {
			add(seg, Redacted)
		}
	}
	if u.RawQuery != "" {
		add("?"+u.RawQuery, "?"+Redacted)
		add(u.RawQuery, Redacted)
		for _, vs := range u.Query() {
			for _, v := range vs {
				if len(v) >= minPartLen {
					add(v, Redacted)
				}
			}
		}
	}
	if u.Fragment != "" {
		add("#"+u.EscapedFragment(), "#"+Redacted)
	}
	return out
}

// The registry of concealed values. Reads (every log line) load a pointer;
// writes (a newly resolved secret) copy the scrubber under the lock.
var (
	concealMu    sync.Mutex
	concealed    atomic.Pointer[Scrubber]
	concealCount int
)

const (
	// minConcealLen: shorter values ("true", a port) would hide common
	// words in every log line.
	minConcealLen = 8
	// maxConcealed bounds the registry, so that a secret rotated in a loop
	// cannot grow it without end; past it, new values are not registered
	// (the pattern rules of ScrubString still apply).
	maxConcealed = 1024
)

// Conceal registers secret values that ScrubString (and so every log line
// through RedactingHandler) replaces wherever they appear. A value that is
// a URL with a host registers its user info, path and query (as
// NewURLScrubber hides them) and keeps its host readable; any other value of
// 8 characters or more is replaced whole. Registering a value again is
// cheap and changes nothing.
func Conceal(values ...string) {
	var add []replacement
	for _, v := range values {
		add = append(add, concealReplacements(v)...)
	}
	if len(add) == 0 {
		return
	}
	cur := concealed.Load()
	if cur != nil && !slices.ContainsFunc(add, func(p replacement) bool {
		return !slices.ContainsFunc(cur.pairs, func(q replacement) bool { return q.old == p.old })
	}) {
		return // all known: no lock, no copy
	}
	concealMu.Lock()
	defer concealMu.Unlock()
	var base Scrubber
	if cur := concealed.Load(); cur != nil {
		base = *cur
	}
	if concealCount+len(add) > maxConcealed {
		return
	}
	next := base.with(add)
	concealCount = len(next.pairs)
	concealed.Store(&next)
}

func concealReplacements(v string) []replacement {
	v = strings.TrimSpace(v)
	if len(v) < minConcealLen {
		return nil
	}
	if strings.Contains(v, "://") && !strings.ContainsAny(v, " \n") {
		if u, err := url.Parse(v); err == nil && u.Host != "" {
			return urlReplacements(v, minConcealLen)
		}
	}
	return []replacement{{v, Redacted}}
}

// scrubConcealed replaces the registered values.
func scrubConcealed(s string) string {
	if c := concealed.Load(); c != nil {
		return c.Scrub(s)
	}
	return s
}

// URLs in free text whose path or query looks like it holds a credential
// are caught by shape even when nobody registered them: a query parameter
// whose name is sensitive (SensitiveKey: key, apikey, token, …) and any
// path segment or query value that looks like a provider key.
var (
	urlPattern = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>` + "`" + `\\]+`)
	// keyRun is a run of letters and digits as long as provider keys
	// (Infura 32 hex, Alchemy 32, QuickNode 40, Ankr 64).
	keyRun = regexp.MustCompile(`[A-Za-z0-9]{20,}`)
)

// keyLike reports whether s holds a run of 20 or more letters and digits
// mixing both: what API keys look like, and what words, UUIDs (runs of at
// most 12) and ids such as "deployment-<uuid>" do not.
func keyLike(s string) bool {
	if len(s) < 20 {
		return false
	}
	for _, run := range keyRun.FindAllString(s, -1) {
		if strings.ContainsAny(run, "0123456789") && strings.IndexFunc(run, func(r rune) bool {
			return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z'
		}) >= 0 {
			return true
		}
	}
	return false
}

// scrubURLKeys hides what looks like a key in each URL of s.
func scrubURLKeys(s string) string {
	return urlPattern.ReplaceAllStringFunc(s, scrubURLKey)
}

func scrubURLKey(u string) string {
	rest, frag, hasFrag := strings.Cut(u, "#")
	rest, query, hasQuery := strings.Cut(rest, "?")
	_, afterScheme, _ := strings.Cut(rest, "://")
	hostEnd := strings.IndexByte(afterScheme, '/')
	var b strings.Builder
	b.Grow(len(u))
	if hostEnd < 0 {
		b.WriteString(rest)
	} else {
		b.WriteString(rest[:len(rest)-len(afterScheme)+hostEnd])
		for seg := range strings.SplitSeq(afterScheme[hostEnd+1:], "/") {
			b.WriteByte('/')
			if keyLike(seg) {
				b.WriteString(Redacted)
			} else {
				b.WriteString(seg)
			}
		}
	}
	if hasQuery {
		b.WriteByte('?')
		for i, kv := range strings.Split(query, "&") {
			if i > 0 {
				b.WriteByte('&')
			}
			k, v, hasV := strings.Cut(kv, "=")
			if hasV && v != "" && (SensitiveKey(k) || keyLike(v)) {
				b.WriteString(k + "=" + Redacted)
			} else {
				b.WriteString(kv)
			}
		}
	}
	if hasFrag {
		b.WriteByte('#')
		b.WriteString(frag)
	}
	return b.String()
}
