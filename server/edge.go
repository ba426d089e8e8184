package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"
	"go.opentelemetry.io/otel/trace"

	"github.com/slipway-dev/slipway/server/apierr"
	"github.com/slipway-dev/slipway/server/clientip"
)

// edge is the outermost middleware. It does, in this order: panic recovery
// (deferred, so it covers everything below), request id, security headers,
// and after the answer: error-body normalisation, the access log line and
// the request metrics. Its limitBody half runs inside CORS. Doing these in one layer costs one
// context value, one request copy and one response wrapper per request,
// which keeps the chain within a few microseconds of a bare handler.
type edge struct {
	next     http.Handler
	logger   *slog.Logger
	metrics  *metrics
	errors   *connect.ErrorWriter
	maxBytes int64
	hsts     bool
	// streaming holds the server-streaming procedure paths, whose
	// connections must outlive the server's read and write timeouts.
	streaming map[string]bool
	// ready is refreshed periodically while Serve runs (see background).
	ready *readiness
	// resolver finds each request's client address (callctx.ClientAddr).
	resolver clientip.Resolver
	// failures limits failed authentications per client address.
	failures *failureLimiter
}

// background runs what the handler does on its own while served: the
// periodic readiness evaluation behind slipway_ready. Serve starts it.
func (e *edge) background(ctx context.Context) {
	if e.ready != nil {
		e.ready.refresh(ctx)
	}
}

// securityHeaders go on every answer. The API never serves documents, so
// the strictest policy costs nothing. The value slices are shared between
// responses; net/http only ever replaces or appends to them, never writes
// into them.
var securityHeaders = []struct {
	key string
	val []string
}{
	{"X-Content-Type-Options", []string{"nosniff"}},
	{"X-Frame-Options", []string{"DENY"}},
	{"Content-Security-Policy", []string{"default-src 'none'; frame-ancestors 'none'"}},
	{"Referrer-Policy", []string{"no-referrer"}},
	// Answers carry tokens and per-user data: no shared cache may keep them.
	{"Cache-Control", []string{"no-store"}},
}

// hstsValue asks browsers to use HTTPS for two years, the preload-list norm.
var hstsValue = []string{"max-age=63072000; includeSubDomains"}

// bodySlack is what the raw body may exceed MaxRequestBytes by: envelope
// framing of gRPC, gRPC-Web and Connect streaming around one message.
const bodySlack = 1024

func (e *edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	info := &requestInfo{
		id:       requestIDFor(r.Header.Get(RequestIDHeader)),
		client:   e.resolver.ClientIP(r.RemoteAddr, r.Header.Values("X-Forwarded-For")),
		failures: e.failures,
	}

	h := w.Header()
	h[RequestIDHeader] = []string{info.id}
	for _, sh := range securityHeaders {
		h[sh.key] = sh.val
	}
	if e.hsts {
		h["Strict-Transport-Security"] = hstsValue
	}

	ctx := withRequestInfo(r.Context(), info)
	if e.streaming[r.URL.Path] || isUpdatesPath(r.URL.Path) {
		// Streams last as long as the deployment they follow: lift the
		// server's read and write deadlines for this request only, and end
		// the stream when the server starts draining instead.
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Time{})
		_ = rc.SetWriteDeadline(time.Time{})
		if drain := drainContext(ctx); drain != nil {
			var cancel context.CancelFunc
			ctx, cancel = context.WithCancel(ctx)
			defer cancel()
			defer context.AfterFunc(drain, cancel)()
		}
	}
	r = r.WithContext(ctx)
	// The transcoder rewrites the request's URL and headers in place, so
	// what the client sent is kept aside for logs, metrics and errors.
	rec := &recorder{
		ResponseWriter: w,
		info:           info,
		method:         r.Method,
		path:           r.URL.Path,
		contentType:    r.Header.Get("Content-Type"),
		rest:           strings.HasPrefix(r.URL.Path, "/api/"),
	}
	info.rec = rec
	defer e.finish(rec, r, info, start)
	e.next.ServeHTTP(rec, r)
}

// limitBody enforces MaxRequestBytes. It runs inside CORS, so a browser can
// read the 413 it answers.
func (e *edge) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := requestInfoFrom(r.Context())
		if info == nil || info.rec == nil {
			next.ServeHTTP(w, r)
			return
		}
		rec := info.rec
		if r.ContentLength > e.maxBytes {
			e.writeError(rec, r, info, http.StatusRequestEntityTooLarge, connect.CodeResourceExhausted,
				fmt.Sprintf("request body is %d bytes, over the %d-byte limit", r.ContentLength, e.maxBytes))
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			if r.ContentLength < 0 && !isStreamContentType(rec.contentType) {
				// A unary body of unknown length (chunked): read it here,
				// as the handler would, so an oversized one gets the same
				// 413 as one that declared its length.
				if !e.bufferBody(rec, r, info) {
					return
				}
			} else {
				// The server's own writer, not the recorder: MaxBytesReader
				// tells the server to close the connection through an
				// unexported method of it.
				r.Body = http.MaxBytesReader(rec.ResponseWriter, r.Body, e.maxBytes+bodySlack)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// bufferBody replaces a body of unknown length by its bytes, answering 413
// (and false) when it is over the limit.
func (e *edge) bufferBody(rec *recorder, r *http.Request, info *requestInfo) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, e.maxBytes+1))
	_ = r.Body.Close()
	switch {
	case err != nil:
		e.writeError(rec, r, info, http.StatusBadRequest, connect.CodeInvalidArgument, "reading the request body failed: "+err.Error())
		return false
	case int64(len(body)) > e.maxBytes:
		e.writeError(rec, r, info, http.StatusRequestEntityTooLarge, connect.CodeResourceExhausted,
			fmt.Sprintf("request body is over the %d-byte limit", e.maxBytes))
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return true
}

// finish runs after the answer (or a panic): it recovers, completes a
// normalised error, and records the request.
func (e *edge) finish(rec *recorder, r *http.Request, info *requestInfo, start time.Time) {
	p := recover()
	if p != nil {
		if p == http.ErrAbortHandler { // net/http compares the sentinel itself.
			e.observe(rec, r, info, start)
			panic(p)
		}
		e.logger.LogAttrs(r.Context(), slog.LevelError, "panic serving request",
			slog.String("method", rec.method),
			slog.String("path", rec.path),
			slog.Any("panic", p),
			slog.String("stack", string(debug.Stack())),
		)
		if rec.wroteHeader && !rec.normalize {
			// Part of the answer is out: all that is left is to cut the
			// connection so the client sees a failure, not a short answer.
			info.code, info.codeSet, info.ok = connect.CodeInternal, true, false
			e.observe(rec, r, info, start)
			panic(http.ErrAbortHandler)
		}
		rec.normalize = false
		e.writeError(rec, r, info, http.StatusInternalServerError, connect.CodeInternal, apierr.Internal(r.Context()).Message())
	}
	if rec.normalize {
		e.normalize(rec, r, info)
	}
	if !info.entered {
		// gRPC trailers are still unsent here: fix their code as well.
		h := rec.Header()
		if v := h[http.TrailerPrefix+"Grpc-Status"]; len(v) == 1 && isServerFaultStatus(v[0]) {
			h[http.TrailerPrefix+"Grpc-Status"] = []string{strconv.Itoa(int(connect.CodeInvalidArgument))}
		}
	}
	e.observe(rec, r, info, start)
}

// isServerFaultStatus reports gRPC statuses that blame the server: unknown,
// internal and data loss. connect-go answers some malformed requests
// (a compressed flag without an encoding, a torn envelope, bad base64 in a
// GET) with these; before the RPC reached the interceptors such an error can
// only be the request's, and the client is told invalid_argument instead.
func isServerFaultStatus(v string) bool {
	return v == "2" || v == "13" || v == "15"
}

// writeError answers with an error in the shape the client's protocol
// expects: google.rpc.Status JSON for REST; a trailers-only answer for
// gRPC, gRPC-Web and Connect streaming calls to a procedure; and Connect's
// JSON error body, keeping the HTTP status, for everything else.
func (e *edge) writeError(rec *recorder, r *http.Request, info *requestInfo, status int, code connect.Code, msg string) {
	info.code, info.codeSet, info.ok = code, true, false
	w := rec.ResponseWriter
	rec.wroteHeader, rec.status = true, status
	info.answered = true
	switch {
	case rec.rest:
		apierr.WriteREST(w, status, code, msg)
	case rec.method == http.MethodPost && isRPCPath(rec.path) && isStreamContentType(rec.contentType):
		rec.status = http.StatusOK
		h := w.Header()
		h.Del("Content-Length")
		h.Del("Content-Encoding")
		_ = e.errors.Write(w, r, connect.NewError(code, errors.New(msg)))
	default:
		apierr.WriteConnectUnary(w, status, code, msg)
	}
}

// normalize rewrites an error answer held back by the recorder: plain text
// or empty bodies (router, transcoder, Connect's 415), the transcoder's
// JSON errors with their broken content type, and server-fault codes that
// were answered before the RPC reached the interceptors.
func (e *edge) normalize(rec *recorder, r *http.Request, info *requestInfo) {
	rec.normalize = false
	status := rec.status
	body := strings.TrimSpace(rec.buf.String())
	code := apierr.CodeForHTTPStatus(status, !rec.rest && isRPCPath(rec.path))
	msg := e.describe(rec, status, body)

	// Both error shapes carry a message worth keeping.
	var st struct {
		Code    json.RawMessage `json:"code"`
		Message string          `json:"message"`
	}
	if json.Unmarshal([]byte(body), &st) == nil && st.Message != "" {
		msg = st.Message
		var n int
		var c connect.Code
		switch {
		case json.Unmarshal(st.Code, &n) == nil && n > 0 && n <= int(connect.CodeUnauthenticated):
			code = connect.Code(n) // range checked.
		case c.UnmarshalText(bytes.Trim(st.Code, `"`)) == nil:
			code = c
		}
	}
	switch status {
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusUnsupportedMediaType:
		msg = e.describe(rec, status, "")
	}
	if status >= 500 && status != http.StatusNotImplemented && (rec.rest || isRPCPath(rec.path)) {
		if rec.preRPC {
			// The transcoder or Connect refused the request before any of
			// our code ran (an unknown query parameter, a body on a GET,
			// bad base64): whatever code they chose, the request is wrong.
			status, code, msg = http.StatusBadRequest, connect.CodeInvalidArgument, "invalid request: "+msg
		} else {
			e.logger.ErrorContext(r.Context(), "answer failed after the handler", slog.String("err", msg))
			status, code, msg = http.StatusInternalServerError, connect.CodeInternal, apierr.Internal(r.Context()).Message()
		}
	}
	e.writeError(rec, r, info, status, code, msg)
}

// describe words an error the router, transcoder or Connect answered
// without a useful body.
func (e *edge) describe(rec *recorder, status int, body string) string {
	switch status {
	case http.StatusNotFound:
		if !rec.rest && isRPCPath(rec.path) {
			return "no such procedure: " + rec.path
		}
		return "no route for " + rec.method + " " + rec.path
	case http.StatusMethodNotAllowed:
		msg := "method " + rec.method + " is not allowed on " + rec.path
		if allow := rec.Header().Get("Allow"); allow != "" {
			msg += "; use " + allow
		}
		return msg
	case http.StatusUnsupportedMediaType:
		ct := rec.contentType
		switch {
		case rec.rest:
			return fmt.Sprintf("unsupported content type %q: the REST API takes application/json", ct)
		case rec.method == http.MethodGet:
			return "a Connect GET request takes its message in the query string, not in a body"
		default:
			return fmt.Sprintf("unsupported content type %q: use application/json or application/proto (Connect), "+
				"application/grpc (gRPC) or application/grpc-web (gRPC-Web)", ct)
		}
	}
	if body != "" {
		return body
	}
	return statusText(status)
}

// observe writes the access log line and the metrics of one request.
func (e *edge) observe(rec *recorder, r *http.Request, info *requestInfo, start time.Time) {
	elapsed := time.Since(start)
	status := rec.status
	if !rec.wroteHeader {
		status = http.StatusOK // net/http answers 200 when a handler writes nothing
	}
	code := "ok"
	switch {
	case info.codeSet && !info.ok:
		code = info.code.String()
	case info.codeSet:
	case rec.grpcStatus() != "":
		if n, err := strconv.Atoi(rec.grpcStatus()); err == nil && n != 0 {
			code = connect.Code(n).String() // Code formats any value.
		}
	case status >= 400:
		code = apierr.CodeForHTTPStatus(status, isRPCPath(rec.path)).String()
	}

	procedure := info.procedure
	if procedure == "" {
		switch {
		case r.Pattern != "" && r.Pattern != "/":
			procedure = r.Pattern
		case rec.method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "":
			procedure = procedurePreflight
		default:
			procedure = procedureUnmatched
		}
	}
	protocol := protocolOf(rec)

	e.metrics.requests.WithLabelValues(procedure, protocol, code).Inc()
	e.metrics.duration.WithLabelValues(procedure, code).Observe(elapsed.Seconds())
	if info.authFailure != "" {
		e.metrics.authFailures.WithLabelValues(info.authFailure).Inc()
	}

	level := slog.LevelInfo
	switch {
	case code == "internal" || code == "unknown" || code == "data_loss":
		level = slog.LevelError
	case info.procedure == "" && strings.HasPrefix(r.Pattern, "GET /"):
		// Probes and scrapes arrive every few seconds; keep them out of
		// the default log level.
		level = slog.LevelDebug
	}
	ctx := r.Context()
	if !e.logger.Enabled(ctx, level) {
		return
	}
	if info.span.IsValid() {
		// The RPC's span ended inside; its ids still name the request's
		// trace, for the log handler that adds trace_id and span_id.
		ctx = trace.ContextWithSpanContext(ctx, info.span)
	}
	attrs := make([]slog.Attr, 0, 12)
	attrs = append(attrs,
		slog.String("method", rec.method),
		slog.String("path", rec.path),
		slog.String("procedure", procedure),
		slog.String("protocol", protocol),
		slog.Int("status", status),
		slog.String("code", code),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
	)
	if info.userID != "" {
		attrs = append(attrs, slog.String("user_id", info.userID))
	}
	if info.deploymentID != "" {
		attrs = append(attrs, slog.String("deployment_id", info.deploymentID))
	}
	if info.workflowID != "" {
		attrs = append(attrs, slog.String("workflow_id", info.workflowID))
	}
	if info.authFailure != "" {
		attrs = append(attrs, slog.String("auth_failure", info.authFailure))
	}
	e.logger.LogAttrs(ctx, level, "request", attrs...)
}

// protocolOf names the wire protocol of the request for logs and metrics.
func protocolOf(rec *recorder) string {
	if rec.rest {
		return "rest"
	}
	ct := rec.contentType
	switch {
	case strings.HasPrefix(ct, "application/grpc-web"):
		return "grpcweb"
	case strings.HasPrefix(ct, "application/grpc"):
		return "grpc"
	case isRPCPath(rec.path):
		return "connect"
	default:
		return "http"
	}
}

// isRPCPath reports whether path addresses an RPC procedure
// (/package.Service/Method) rather than a REST or probe route.
func isRPCPath(path string) bool {
	return strings.HasPrefix(path, "/slipway.") || strings.HasPrefix(path, "/grpc.")
}

// isStreamContentType reports the content types of gRPC, gRPC-Web and
// Connect streaming, whose errors travel in trailers or an end-of-stream
// message rather than as an HTTP error status.
func isStreamContentType(ct string) bool {
	return ct == "application/grpc" || strings.HasPrefix(ct, "application/grpc+") ||
		ct == "application/grpc-web" || strings.HasPrefix(ct, "application/grpc-web+") ||
		strings.HasPrefix(ct, "application/connect+")
}

// isUpdatesPath matches /api/v1/deployments/{id}/updates, the WebSocket feed.
func isUpdatesPath(path string) bool {
	const prefix, suffix = "/api/v1/deployments/", "/updates"
	if !strings.HasPrefix(path, prefix) || !strings.HasSuffix(path, suffix) || len(path) <= len(prefix)+len(suffix) {
		return false
	}
	return !strings.Contains(path[len(prefix):len(path)-len(suffix)], "/")
}

// maxErrorBody bounds what the recorder keeps of an error body it rewrites.
const maxErrorBody = 4 << 10

// recorder remembers the status of an answer and holds back error answers
// that need rewriting. It exposes Flush (Connect streaming, gRPC and vanguard
// need it) and Unwrap (http.ResponseController: deadlines, hijacking).
type recorder struct {
	http.ResponseWriter
	info                      *requestInfo
	method, path, contentType string
	status                    int
	wroteHeader               bool
	rest                      bool
	// preRPC is set when the status was committed before the RPC entered
	// the interceptor chain.
	preRPC bool
	// normalize is set when the answer is an error whose body edge
	// replaces; writes then go to buf instead of the client.
	normalize bool
	buf       bytes.Buffer
}

func (w *recorder) WriteHeader(status int) {
	if w.wroteHeader {
		return
	}
	if status >= 100 && status < 200 && status != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(status) // informational: more headers follow
		return
	}
	w.wroteHeader, w.status = true, status
	w.info.answered = true
	w.preRPC = !w.info.entered
	if status >= 400 && w.needsRewrite(status) {
		w.normalize = true
		return
	}
	if w.preRPC {
		// A gRPC-Web trailers-only error travels in these headers.
		h := w.Header()
		if v := h["Grpc-Status"]; len(v) == 1 && isServerFaultStatus(v[0]) {
			h["Grpc-Status"] = []string{strconv.Itoa(int(connect.CodeInvalidArgument))}
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

// needsRewrite decides whether an error answer reaches the client as is:
// JSON and RPC error answers do, unless they blame the server for a request
// that never reached our code.
func (w *recorder) needsRewrite(status int) bool {
	ct := w.Header().Get("Content-Type")
	if strings.HasPrefix(ct, "application/grpc") || strings.HasPrefix(ct, "application/connect+") {
		return false
	}
	if !strings.HasPrefix(ct, "application/json") {
		return true
	}
	return status >= 500 && status != http.StatusNotImplemented && w.preRPC && (w.rest || isRPCPath(w.path))
}

func (w *recorder) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.normalize {
		if room := maxErrorBody - w.buf.Len(); room > 0 {
			w.buf.Write(p[:min(len(p), room)])
		}
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

func (w *recorder) Flush() {
	if w.normalize {
		return
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
		return
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the server's writer.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// grpcStatus answers the gRPC status of the answer, from the headers of a
// trailers-only answer or from the trailers.
func (w *recorder) grpcStatus() string {
	h := w.Header()
	if v := h["Grpc-Status"]; len(v) > 0 {
		return v[0]
	}
	if v := h[http.TrailerPrefix+"Grpc-Status"]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// statusText words an HTTP status for an error message when nothing better is
// known.
func statusText(status int) string {
	if t := http.StatusText(status); t != "" {
		return t
	}
	return fmt.Sprintf("HTTP status %d", status)
}
