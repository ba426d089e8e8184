package server

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"

	"connectrpc.com/connect"
)

// observer hands the outcome of each RPC to the edge middleware, which logs
// and counts it. It is the outermost interceptor, so it sees the code the
// client gets after recovery, validation and the error boundary.
type observer struct{}

func (observer) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		res, err := next(ctx, req)
		recordOutcome(ctx, err)
		return res, err
	}
}

func (observer) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (observer) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		err := next(ctx, conn)
		recordOutcome(ctx, err)
		return err
	}
}

func recordOutcome(ctx context.Context, err error) {
	info := requestInfoFrom(ctx)
	if info == nil {
		return
	}
	info.handled, info.codeSet = true, true
	if err == nil {
		info.ok = true
		return
	}
	info.ok, info.code = false, connect.CodeOf(err)
}

// boundary is the innermost interceptor: the one place where errors that
// handlers return become Connect codes (see toConnectError).
type boundary struct{ logger *slog.Logger }

func (b boundary) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		res, err := next(ctx, req)
		if err != nil {
			return nil, toConnectError(ctx, b.logger, req.Spec().Procedure, err)
		}
		return res, nil
	}
}

func (b boundary) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (b boundary) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		return toConnectError(ctx, b.logger, conn.Spec().Procedure, next(ctx, conn))
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
		return internalError(ctx)
	}
}
