// Package servertest holds what tests of Slipway's HTTP API share: a test
// server that speaks HTTP/1.1 and cleartext HTTP/2 on one port as
// `slipway serve` does (so Connect, gRPC, gRPC-Web and REST all reach it), a
// client for gRPC's h2c, plain and JSON requests and their REST errors, the
// series of a metrics registry, a buffer that server goroutines may log into
// while the test reads, a runner for background listeners such as the
// deployment hub, and the fixtures of deployment tests (a stand-in
// authentication and workflows, requests, the WebSocket feed). It imports
// neither package server nor the capability packages, so that their own
// tests can use it.
package servertest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// NewServer starts h on a loopback port with HTTP/1.1 and h2c, closed when
// the test ends.
func NewServer(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// Listen runs run in the background until the test ends (then cancels its
// context and waits for it to return) and waits up to ten seconds for
// listening to close; name is what failed the test if it does not.
func Listen(t testing.TB, name string, run func(context.Context) error, listening <-chan struct{}) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-listening:
	case <-time.After(10 * time.Second):
		t.Fatal(name + " did not start listening")
	}
}

// Do sends req with c and answers the response, its body read whole and
// closed.
func Do(t testing.TB, c *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// NewRequest is a method request to url with body of contentType ("" for
// none) and header, name and value pairs.
func NewRequest(t testing.TB, method, url, contentType string, body io.Reader, header ...string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

// JSONBody is v as a JSON request body; nil for a nil v, a request without
// a body.
func JSONBody(t testing.TB, v any) io.Reader {
	t.Helper()
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b)
}

// RESTError decodes a REST error answer (google.rpc.Status JSON) into its
// code and message.
func RESTError(t testing.TB, header http.Header, body []byte) (int, string) {
	t.Helper()
	if ct := header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("content type %q, body %s", ct, body)
	}
	var st struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	return st.Code, st.Message
}

// H2CClient speaks cleartext HTTP/2 only, as gRPC clients do without TLS.
func H2CClient() *http.Client {
	p := new(http.Protocols)
	p.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: &http.Transport{Protocols: p}}
}

// SyncBuffer collects output written by other goroutines while the test
// reads it.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String answers everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Bytes answers a copy of everything written so far.
func (b *SyncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}
