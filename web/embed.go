// Package web is Slipway's browser console: a TypeScript single-page app
// (Connect-Web clients generated from the same protos as the Go code), built
// by Vite into dist and embedded here so the one binary serves it.
//
// dist is generated and committed, like the protobuf and sqlc output: `go
// build` and `go install` need no node, and `make check-generated` rebuilds
// it and fails when the committed copy is stale.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

//go:embed dist
var dist embed.FS

// Config is what the console learns from the server it is served by, at
// /config.json.
type Config struct {
	// TemporalUIURL is the base URL of the Temporal Web UI, for links to a
	// deployment's workflow run; empty hides the links.
	TemporalUIURL string `json:"temporalUiUrl"`
	// TemporalNamespace is the namespace deployments run in.
	TemporalNamespace string `json:"temporalNamespace"`
}

// ContentSecurityPolicy lets the console load only its own scripts, styles
// and images and talk only to its own origin (the API on the same port).
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

type asset struct {
	body, gz    []byte
	contentType string
	etag        string
	immutable   bool
}

// Handler serves the console: its files, /config.json, and index.html for
// any other path that is not the API's, so the app's own routes
// (/deployments/…) survive a reload. Files under /assets/ carry content
// hashes in their names and are cached for a year; everything else is
// revalidated on every use.
func Handler(cfg Config) http.Handler {
	files := map[string]*asset{}
	_ = fs.WalkDir(dist, "dist", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := dist.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "dist")
		files[name] = newAsset(name, b, strings.HasPrefix(name, "/assets/"))
		return nil
	})
	if cfg.TemporalNamespace == "" {
		cfg.TemporalNamespace = "default"
	}
	conf, _ := json.Marshal(cfg)
	files["/config.json"] = newAsset("/config.json", conf, false)
	index := files["/index.html"]
	if index == nil {
		index = newAsset("/index.html", []byte(placeholder), false)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			h.Set("Cache-Control", "no-store")
			http.Error(w, "method "+r.Method+" is not allowed on "+r.URL.Path+"; use GET", http.StatusMethodNotAllowed)
			return
		}
		p := path.Clean("/" + r.URL.Path)
		a := files[p]
		if a == nil {
			if isAPIPath(p) || strings.HasPrefix(p, "/assets/") || path.Ext(p) != "" {
				// A missing file is a 404, not the app: a stale script
				// tag must fail loudly rather than parse HTML as code.
				h.Set("Cache-Control", "no-store")
				http.NotFound(w, r)
				return
			}
			a = index
		}
		a.serve(w, r)
	})
}

// isAPIPath matches what the API's own routes serve, for when they did not:
// an unknown procedure or REST path answers 404 rather than the console.
func isAPIPath(p string) bool {
	return strings.HasPrefix(p, "/api/") || p == "/api" || strings.HasPrefix(p, "/slipway.") || strings.HasPrefix(p, "/grpc.")
}

func newAsset(name string, b []byte, immutable bool) *asset {
	sum := sha256.Sum256(b)
	a := &asset{body: b, immutable: immutable, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
	a.contentType = mime.TypeByExtension(path.Ext(name))
	if a.contentType == "" {
		a.contentType = http.DetectContentType(b)
	}
	if len(b) > 1024 && !strings.HasPrefix(a.contentType, "image/png") {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(b)
		_ = zw.Close()
		if buf.Len() < len(b) {
			a.gz = buf.Bytes()
		}
	}
	return a
}

func (a *asset) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("ETag", a.etag)
	h.Set("Vary", "Accept-Encoding")
	if a.immutable {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if etagMatch(r.Header.Get("If-None-Match"), a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.body
	if a.gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		h.Set("Content-Encoding", "gzip")
		body = a.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "W/"))
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "q") {
				q, err := strconv.ParseFloat(v, 64)
				return err == nil && q > 0
			}
		}
		return true
	}
	return false
}

// placeholder answers when the binary was built without the console.
const placeholder = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Slipway</title>
<p>This Slipway binary was built without its web console. Run <code>make generate</code> (or <code>make build</code>) and rebuild.</p></html>`
