package server

import (
	"context"
	"log/slog"
	"net/netip"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"go.opentelemetry.io/otel/trace"

	"github.com/slipway-dev/slipway/server/callctx"
)

// RequestIDHeader carries the request id in both directions, so a client can
// quote it in a bug report and a proxy can pass its own id through.
const RequestIDHeader = callctx.RequestIDHeader

// maxRequestIDLen bounds an accepted incoming id: long enough for any tracing
// scheme in use, short enough that ids cannot bloat every log line.
const maxRequestIDLen = 128

// requestInfo is the per-request state the edge middleware shares with the
// layers below it through the context. The handler chain runs on the
// goroutine that created it, so its fields need no locking.
type requestInfo struct {
	id string
	// procedure is the RPC procedure once the request reached a Connect
	// handler (directly or through the REST transcoder), else "".
	procedure string
	// code is the outcome, valid when codeSet: ok when the RPC succeeded,
	// else the Connect code the client got.
	code    connect.Code
	codeSet bool
	ok      bool
	// entered is set when the RPC enters the interceptor chain: an error
	// answered before that is about the request (it could not be read or
	// decoded), never about the server.
	entered bool
	// answered is set when the response status is committed.
	answered bool
	// rec is the request's response recorder, for the layers that answer
	// errors themselves.
	rec *recorder
	// userID is the authenticated caller, once known; deploymentID and
	// workflowID the deployment the request is about, when it names one.
	// They go into the request's log line.
	userID       string
	deploymentID string
	workflowID   string
	// authFailure is the reason the request failed to authenticate
	// (RecordAuthFailure), or "".
	authFailure string
	// client is the client's address, resolved through the trusted
	// proxies (zero when the peer address is not an IP address).
	client netip.Addr
	// failures is the failed-authentication limiter RecordAuthFailure
	// charges, or nil when it is off.
	failures *failureLimiter
	// span is the request's RPC span when tracing is on, for the request's
	// log line (the edge runs outside the span).
	span trace.SpanContext
}

type requestInfoKey struct{}

func withRequestInfo(ctx context.Context, info *requestInfo) context.Context {
	return callctx.With(context.WithValue(ctx, requestInfoKey{}, info), info)
}

// ID is callctx.Call's: the request id.
func (info *requestInfo) ID() string { return info.id }

func requestInfoFrom(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return info
}

// Client is callctx.Call's: the client's address (callctx.ClientAddr).
func (info *requestInfo) Client() netip.Addr { return info.client }

// NoteUser is callctx.Call's: the authenticated caller, for the log line.
func (info *requestInfo) NoteUser(id uuid.UUID) { info.userID = id.String() }

// NoteDeployment is callctx.Call's: the deployment the request is about,
// for the log line.
func (info *requestInfo) NoteDeployment(id uuid.UUID, workflowID string) {
	info.deploymentID, info.workflowID = id.String(), workflowID
}

// saneRequestID reports whether a client-supplied id may be reused as is:
// 1 to 128 characters from a set that is safe in logs, headers and URLs.
func saneRequestID(id string) bool {
	if len(id) == 0 || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '_', c == '.', c == ':', c == '/', c == '+', c == '=', c == '@':
		default:
			return false
		}
	}
	return true
}

// requestIDFor reuses the client's id when it is sane and mints a UUID
// otherwise, so every request has exactly one usable id.
func requestIDFor(incoming string) string {
	if saneRequestID(incoming) {
		return incoming
	}
	return uuid.NewString()
}

// NewLogHandler wraps h so that every record logged with a request's context
// carries that request's id as request_id: handlers and domain code only need
// to log with ctx (slog.InfoContext and friends) to be correlated. Build the
// process's logger with it and pass that logger to New and to every
// component. Under a logger.WithGroup the id lands inside the group, as any
// attribute added at log time does.
func NewLogHandler(h slog.Handler) slog.Handler {
	// Already in the chain, under wrappers that say what they wrap (the
	// trace id handler): adding it again would log request_id twice.
	for inner := h; inner != nil; {
		if _, ok := inner.(requestIDHandler); ok {
			return h
		}
		u, ok := inner.(interface{ Unwrap() slog.Handler })
		if !ok {
			break
		}
		inner = u.Unwrap()
	}
	return requestIDHandler{h}
}

// Unwrap answers the wrapped handler.
func (h requestIDHandler) Unwrap() slog.Handler { return h.Handler }

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := callctx.RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// AnnotateWorkflow records the Temporal workflow that the request ctx
// belongs to started or acted on, so that the request's log line names it
// as workflow_id. Outside a request it does nothing.
func AnnotateWorkflow(ctx context.Context, workflowID string) {
	if info := requestInfoFrom(ctx); info != nil {
		info.workflowID = workflowID
	}
}
