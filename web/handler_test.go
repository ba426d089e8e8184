package web

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	rd := r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			t.Fatal(err)
		}
		rd = zr
	}
	b, err := io.ReadAll(rd)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The committed build is what the binary serves: index.html and the hashed
// assets it names.
func TestServesTheBuiltConsole(t *testing.T) {
	h := Handler(Config{TemporalUIURL: "http://127.0.0.1:8233"})
	r := get(t, h, "GET", "/", nil)
	html := body(t, r)
	if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET / = %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	if r.Header.Get("Cache-Control") != "no-cache" || r.Header.Get("ETag") == "" {
		t.Errorf("index caching: %q etag %q", r.Header.Get("Cache-Control"), r.Header.Get("ETag"))
	}
	if got := r.Header.Get("Content-Security-Policy"); got != ContentSecurityPolicy {
		t.Errorf("CSP = %q", got)
	}
	for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
		if r.Header.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, r.Header.Get(k), want)
		}
	}
	scripts := regexp.MustCompile(`(?:src|href)="(/assets/[^"]+)"`).FindAllStringSubmatch(html, -1)
	if len(scripts) < 2 {
		t.Fatalf("index.html names no built assets (is web/dist a real build?):\n%s", html)
	}
	if strings.Contains(html, "<script>") || strings.Contains(html, " style=") {
		t.Errorf("index.html has inline script or style, which the CSP refuses:\n%s", html)
	}
	for _, m := range scripts {
		a := get(t, h, "GET", m[1], map[string]string{"Accept-Encoding": "gzip, br"})
		if a.StatusCode != 200 || a.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("GET %s = %d, Cache-Control %q", m[1], a.StatusCode, a.Header.Get("Cache-Control"))
		}
		if strings.HasSuffix(m[1], ".js") {
			if a.Header.Get("Content-Encoding") != "gzip" || !strings.HasPrefix(a.Header.Get("Content-Type"), "text/javascript") {
				t.Errorf("GET %s: encoding %q type %q", m[1], a.Header.Get("Content-Encoding"), a.Header.Get("Content-Type"))
			}
			if js := body(t, a); !strings.Contains(js, "Temporal Web UI") {
				t.Errorf("%s is not the console's script", m[1])
			}
		}
	}
}

func TestAppRoutesGetIndexButMissingFilesDoNot(t *testing.T) {
	h := Handler(Config{})
	index := body(t, get(t, h, "GET", "/", nil))
	for _, p := range []string{"/deployments", "/deployments/0b5f2a8e-0000-4000-8000-000000000000", "/login?next=/keys", "/keys/"} {
		r := get(t, h, "GET", p, nil)
		if r.StatusCode != 200 || body(t, r) != index {
			t.Errorf("GET %s = %d, want index.html", p, r.StatusCode)
		}
	}
	for _, p := range []string{"/assets/gone-1234.js", "/missing.png", "/api/v1/nope", "/slipway.v1.Nope/Nothing", "/grpc.health.v1.Health/Nope"} {
		if r := get(t, h, "GET", p, nil); r.StatusCode != 404 || r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s = %d (%q), want an uncached 404", p, r.StatusCode, r.Header.Get("Cache-Control"))
		}
	}
	if r := get(t, h, "POST", "/deployments", nil); r.StatusCode != 405 || r.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST = %d Allow %q", r.StatusCode, r.Header.Get("Allow"))
	}
	if r := get(t, h, "HEAD", "/", nil); r.StatusCode != 200 || body(t, r) != "" || r.Header.Get("Content-Length") == "" {
		t.Errorf("HEAD / = %d", r.StatusCode)
	}
}

func TestRevalidationAndEncoding(t *testing.T) {
	h := Handler(Config{})
	first := get(t, h, "GET", "/", nil)
	etag := first.Header.Get("ETag")
	if r := get(t, h, "GET", "/", map[string]string{"If-None-Match": etag}); r.StatusCode != 304 {
		t.Errorf("If-None-Match %s = %d, want 304", etag, r.StatusCode)
	}
	if r := get(t, h, "GET", "/", map[string]string{"If-None-Match": `"other"`}); r.StatusCode != 200 {
		t.Errorf("other etag = %d", r.StatusCode)
	}
	var js string
	_ = fs.WalkDir(dist, "dist/assets", func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".js") {
			js = strings.TrimPrefix(p, "dist")
		}
		return nil
	})
	if js == "" {
		t.Fatal("no built script")
	}
	for enc, gz := range map[string]bool{"": false, "gzip": true, "gzip;q=0": false, "deflate, gzip;q=0.5": true, "identity": false} {
		r := get(t, h, "GET", js, map[string]string{"Accept-Encoding": enc})
		if got := r.Header.Get("Content-Encoding") == "gzip"; got != gz {
			t.Errorf("Accept-Encoding %q: gzip %v, want %v", enc, got, gz)
		}
		if r.Header.Get("Vary") != "Accept-Encoding" {
			t.Errorf("Vary = %q", r.Header.Get("Vary"))
		}
	}
}

func TestConfigJSON(t *testing.T) {
	h := Handler(Config{TemporalUIURL: "http://127.0.0.1:8233"})
	r := get(t, h, "GET", "/config.json", nil)
	var c Config
	if err := json.Unmarshal([]byte(body(t, r)), &c); err != nil || r.StatusCode != 200 {
		t.Fatalf("config.json = %d %v", r.StatusCode, err)
	}
	if c.TemporalUIURL != "http://127.0.0.1:8233" || c.TemporalNamespace != "default" {
		t.Errorf("config = %+v", c)
	}
	if r.Header.Get("Cache-Control") != "no-cache" || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Errorf("config.json headers %v", r.Header)
	}
}
