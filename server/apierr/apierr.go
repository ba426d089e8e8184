// Package apierr is where errors meet the wire, for the server and for the
// capability packages below it that answer outside the server's
// interceptors (server/deployments' WebSocket feed): the one error boundary
// that gives a handler's error its Connect code (ToConnect), the one table
// pairing Connect codes with HTTP statuses (HTTPStatus, CodeForHTTPStatus),
// and the JSON error bodies of REST and Connect. It is a leaf package, like
// server/callctx and server/identity, so that capability packages share it
// without importing the server.
package apierr

import (
	"context"
	"errors"
	"log/slog"
	"math"

	"connectrpc.com/connect"

	"github.com/slipway-dev/slipway/activities/compile"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"github.com/slipway-dev/slipway/activities/generate"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/server/callctx"
)

// errNotAvailable is what a handler returns for a capability this build does
// not have yet. The error boundary answers it as unimplemented (HTTP 501), so
// clients can tell "not yet" from "broken".
type errNotAvailable struct {
	subject    string
	capability string
}

// NotAvailable reports that subject (such as "account registration") arrives
// with the named capability.
func NotAvailable(subject, capability string) error {
	return &errNotAvailable{subject: subject, capability: capability}
}

func (e *errNotAvailable) Error() string {
	return e.subject + " is not available yet: it arrives with the " + e.capability + " capability"
}

// ErrInvalidText marks a request whose strings cannot be stored: Postgres
// text refuses NUL bytes and invalid UTF-8, and a refusal there surfaces as
// a server fault (500) for what is the client's mistake. The server's input
// gate wraps it; the error boundary answers it invalid_argument (see
// domainCodes).
var ErrInvalidText = errors.New("invalid text in request")

// Codes maps sentinel errors to the Connect code a client should see, first
// match first. A capability lists its own sentinels in one such table
// rather than building connect errors deep inside its code.
type Codes []struct {
	Err  error
	Code connect.Code
}

// code answers the code of the first sentinel err wraps.
func (c Codes) code(err error) (connect.Code, bool) {
	for _, m := range c {
		if errors.Is(err, m.Err) {
			return m.Code, true
		}
	}
	return 0, false
}

// Wrap answers err as a *connect.Error with the code of the first sentinel
// it wraps, and err as it is when it wraps none (for the error boundary to
// judge).
func (c Codes) Wrap(err error) error {
	if code, ok := c.code(err); ok {
		return connect.NewError(code, err)
	}
	return err
}

// domainCodes maps the sentinel errors of domain packages to the Connect code
// a client should see. It is the one place where domain errors meet the wire:
// a capability adds its sentinels here (or, for sentinels of its own
// package, in its own Codes) instead of building connect errors deep inside
// its own code.
var domainCodes = Codes{
	{context.Canceled, connect.CodeCanceled},
	{context.DeadlineExceeded, connect.CodeDeadlineExceeded},
	{generate.ErrInvalidTemplate, connect.CodeInvalidArgument},
	{compile.ErrNoCompiler, connect.CodeInvalidArgument},
	{compile.ErrOutputTooLarge, connect.CodeInvalidArgument},
	{compile.ErrCompiler, connect.CodeInvalidArgument},      // solc threw on the input
	{compile.ErrLimitExceeded, connect.CodeInvalidArgument}, // the input ran solc past its limits
	{ErrInvalidText, connect.CodeInvalidArgument},
}

// ToConnect is the error boundary: every error a handler returns passes
// through it exactly once. Connect errors pass as they are; known domain
// errors get their code; anything else is an internal error whose text is
// logged but never sent, since it may name hosts, queries or secrets.
// procedure names the RPC in that log line ("" outside one).
func ToConnect(ctx context.Context, logger *slog.Logger, procedure string, err error) error {
	if err == nil {
		return nil
	}
	if ce := new(connect.Error); errors.As(err, &ce) {
		return err
	}
	if ce := new(compile.CompileError); errors.As(err, &ce) {
		return compileFailure(ctx, logger, ce)
	}
	if na := new(errNotAvailable); errors.As(err, &na) {
		return connect.NewError(connect.CodeUnimplemented, na)
	}
	if code, ok := domainCodes.code(err); ok {
		return connect.NewError(code, err)
	}
	logger.ErrorContext(ctx, "rpc failed", slog.String("procedure", procedure), slog.Any("err", err))
	return Internal(ctx)
}

// compileFailure answers sources that do not compile: invalid_argument
// whose message names the first error, as a terminal would show it, and
// whose CompileErrorDetails detail carries every diagnostic so that clients
// (and REST's google.rpc.Status details) can point at file, line and column.
func compileFailure(ctx context.Context, logger *slog.Logger, ce *compile.CompileError) *connect.Error {
	first := "the sources do not compile"
	details := &slipwayv1.CompileErrorDetails{Diagnostics: make([]*slipwayv1.Diagnostic, 0, len(ce.Diagnostics))}
	found := false
	for _, d := range ce.Diagnostics {
		if !found && d.Severity == compileapi.SeverityError {
			first, found = d.String(), true
		}
		details.Diagnostics = append(details.Diagnostics, DiagnosticToProto(d))
	}
	cerr := connect.NewError(connect.CodeInvalidArgument, errors.New("compilation failed: "+first))
	detail, err := connect.NewErrorDetail(details)
	if err != nil {
		// Only a broken proto registry gets here; the message still says
		// what failed.
		logger.ErrorContext(ctx, "encode compile diagnostics", slog.Any("err", err))
		return cerr
	}
	cerr.AddDetail(detail)
	return cerr
}

// DiagnosticToProto converts a compiler diagnostic for the API. Positions
// beyond uint32 cannot come from a 1 MiB source; they clamp to 0 (unknown).
func DiagnosticToProto(d compileapi.Diagnostic) *slipwayv1.Diagnostic {
	return &slipwayv1.Diagnostic{
		Severity: d.Severity, File: d.File, Line: clampUint32(d.Line), Column: clampUint32(d.Column),
		Message: d.Message, Code: d.Code,
	}
}

func clampUint32(n int) uint32 {
	if n < 0 || n > math.MaxUint32 {
		return 0
	}
	return uint32(n)
}

// Internal is the only thing a client learns about a server fault: the
// request id that finds the details in the logs.
func Internal(ctx context.Context) *connect.Error {
	msg := "internal error"
	if id := callctx.RequestID(ctx); id != "" {
		msg += " (request id " + id + ")"
	}
	return connect.NewError(connect.CodeInternal, errors.New(msg))
}
