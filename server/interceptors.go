package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"

	"connectrpc.com/connect"
	"go.opentelemetry.io/otel/trace"

	"github.com/slipway-dev/slipway/server/apierr"
	"github.com/slipway-dev/slipway/server/callctx"
	"github.com/slipway-dev/slipway/server/identity"
)

// observer hands the outcome of each RPC to the edge middleware, which logs
// and counts it. It is the outermost interceptor, so it sees the code the
// client gets after recovery, validation and the error boundary.
//
// It also stops RPCs whose answer is already out: when the REST transcoder
// fails to decode a request it answers the error itself, then hands the
// handler an empty body. Running the handler on that phantom empty request
// could have effects the client never asked for.
type observer struct{}

// errAnswered is returned for an RPC the transcoder already refused; the
// client has that answer, not this one.
var errAnswered = connect.NewError(connect.CodeInvalidArgument, errors.New("request refused before it reached the handler"))

func (observer) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		// Unary requests are decoded before the interceptors run.
		info := requestInfoFrom(ctx)
		if info != nil {
			if info.answered {
				return nil, errAnswered
			}
			info.entered = true
		}
		if info != nil {
			info.span = trace.SpanContextFromContext(ctx)
		}
		res, err := next(ctx, req)
		recordOutcome(info, err)
		return res, err
	}
}

func (observer) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (observer) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		info := requestInfoFrom(ctx)
		if info == nil {
			return next(ctx, conn)
		}
		if info.answered {
			return errAnswered
		}
		info.span = trace.SpanContextFromContext(ctx)
		err := next(ctx, &observedConn{StreamingHandlerConn: conn, info: info})
		recordOutcome(info, err)
		return err
	}
}

// observedConn marks a streaming RPC as entered once its request message is
// decoded, which for streams happens inside the handler. A failure before
// that is the request's: connect-go reports a torn envelope or a compressed
// flag without an encoding as internal, and the client is told
// invalid_argument instead.
type observedConn struct {
	connect.StreamingHandlerConn
	info *requestInfo
}

func (c *observedConn) Receive(msg any) error {
	err := c.StreamingHandlerConn.Receive(msg)
	switch {
	case err == nil:
		c.info.entered = true
	case !c.info.entered && isServerFaultCode(connect.CodeOf(err)):
		return connect.NewError(connect.CodeInvalidArgument, errors.New(errorMessage(err)))
	}
	return err
}

func isServerFaultCode(c connect.Code) bool {
	return c == connect.CodeInternal || c == connect.CodeUnknown || c == connect.CodeDataLoss
}

// errorMessage answers err's message without the code prefix Connect adds.
func errorMessage(err error) string {
	if ce := new(connect.Error); errors.As(err, &ce) {
		return ce.Message()
	}
	return err.Error()
}

func recordOutcome(info *requestInfo, err error) {
	if info == nil {
		return
	}
	info.codeSet = true
	if err == nil {
		info.ok = true
		return
	}
	info.ok, info.code = false, connect.CodeOf(err)
}

// boundary is the innermost interceptor: the one place where errors that
// handlers return become Connect codes (see apierr.ToConnect).
type boundary struct{ logger *slog.Logger }

func (b boundary) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		noteCaller(ctx)
		res, err := next(ctx, req)
		if err != nil {
			return nil, apierr.ToConnect(ctx, b.logger, req.Spec().Procedure, err)
		}
		return res, nil
	}
}

func (b boundary) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (b boundary) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		noteCaller(ctx)
		return apierr.ToConnect(ctx, b.logger, conn.Spec().Procedure, next(ctx, conn))
	}
}

// noteCaller records the caller the guard interceptors (further out)
// authenticated, for the request's log line.
func noteCaller(ctx context.Context) {
	if p, ok := identity.FromContext(ctx); ok {
		callctx.AnnotateUser(ctx, p.UserID)
	}
}

// recoverRPC turns a handler panic into an internal error in the RPC's own
// protocol (so gRPC clients get trailers, not a torn stream), logging the
// panic and its stack; the client learns only the request id.
func recoverRPC(logger *slog.Logger) func(context.Context, connect.Spec, http.Header, any) error {
	return func(ctx context.Context, spec connect.Spec, _ http.Header, p any) error {
		logger.LogAttrs(ctx, slog.LevelError, "panic in rpc handler",
			slog.String("procedure", spec.Procedure),
			slog.Any("panic", p),
			slog.String("stack", string(debug.Stack())),
		)
		return apierr.Internal(ctx)
	}
}
