package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"connectrpc.com/connect"

	"github.com/slipway-dev/slipway/activities/compile"
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

// notAvailable reports that subject (such as "account registration") arrives
// with the named capability.
func notAvailable(subject, capability string) error {
	return &errNotAvailable{subject: subject, capability: capability}
}

func (e *errNotAvailable) Error() string {
	return e.subject + " is not available yet: it arrives with the " + e.capability + " capability"
}

// domainCodes maps the sentinel errors of domain packages to the Connect code
// a client should see. It is the one place where domain errors meet the wire:
// a capability adds its sentinels here instead of building connect errors
// deep inside its own code.
var domainCodes = []struct {
	err  error
	code connect.Code
}{
	{context.Canceled, connect.CodeCanceled},
	{context.DeadlineExceeded, connect.CodeDeadlineExceeded},
	{generate.ErrInvalidTemplate, connect.CodeInvalidArgument},
	{compile.ErrNoCompiler, connect.CodeInvalidArgument},
	{compile.ErrOutputTooLarge, connect.CodeInvalidArgument},
	{compile.ErrCompiler, connect.CodeInvalidArgument},      // solc threw on the input
	{compile.ErrLimitExceeded, connect.CodeInvalidArgument}, // the input ran solc past its limits
	{errInvalidText, connect.CodeInvalidArgument},
}

// toConnectError is the error boundary: every error a handler returns passes
// through it exactly once. Connect errors pass as they are; known domain
// errors get their code; anything else is an internal error whose text is
// logged but never sent, since it may name hosts, queries or secrets.
func toConnectError(ctx context.Context, logger *slog.Logger, procedure string, err error) error {
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
	for _, d := range domainCodes {
		if errors.Is(err, d.err) {
			return connect.NewError(d.code, err)
		}
	}
	logger.ErrorContext(ctx, "rpc failed", slog.String("procedure", procedure), slog.Any("err", err))
	return internalError(ctx)
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
		if !found && d.Severity == compile.SeverityError {
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
func DiagnosticToProto(d compile.Diagnostic) *slipwayv1.Diagnostic {
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

// internalError is the only thing a client learns about a server fault: the
// request id that finds the details in the logs.
func internalError(ctx context.Context) *connect.Error {
	msg := "internal error"
	if id := callctx.RequestID(ctx); id != "" {
		msg += " (request id " + id + ")"
	}
	return connect.NewError(connect.CodeInternal, errors.New(msg))
}

// codeForHTTPStatus classifies an HTTP error status that something other
// than an RPC handler produced (router, transcoder, body limit). rpcPath says
// the request addressed an RPC procedure, where a 404 means "no such method".
func codeForHTTPStatus(status int, rpcPath bool) connect.Code {
	switch status {
	case http.StatusBadRequest:
		return connect.CodeInvalidArgument
	case http.StatusUnauthorized:
		return connect.CodeUnauthenticated
	case http.StatusForbidden:
		return connect.CodePermissionDenied
	case http.StatusNotFound:
		if rpcPath {
			return connect.CodeUnimplemented
		}
		return connect.CodeNotFound
	case http.StatusMethodNotAllowed, http.StatusNotImplemented:
		return connect.CodeUnimplemented
	case http.StatusRequestTimeout, http.StatusGatewayTimeout:
		return connect.CodeDeadlineExceeded
	case http.StatusConflict:
		return connect.CodeAborted
	case http.StatusRequestEntityTooLarge, http.StatusTooManyRequests, http.StatusRequestHeaderFieldsTooLarge:
		return connect.CodeResourceExhausted
	case 499:
		return connect.CodeCanceled
	case http.StatusServiceUnavailable:
		return connect.CodeUnavailable
	}
	if status >= 400 && status < 500 {
		return connect.CodeInvalidArgument
	}
	return connect.CodeInternal
}

// httpStatusForCode is the HTTP status of a Connect code, as the Connect
// protocol and REST transcoding define it: codeForHTTPStatus the other way.
func httpStatusForCode(c connect.Code) int {
	switch c {
	case connect.CodeCanceled:
		return 499
	case connect.CodeInvalidArgument, connect.CodeFailedPrecondition, connect.CodeOutOfRange:
		return http.StatusBadRequest
	case connect.CodeDeadlineExceeded:
		return http.StatusGatewayTimeout
	case connect.CodeNotFound:
		return http.StatusNotFound
	case connect.CodeAlreadyExists, connect.CodeAborted:
		return http.StatusConflict
	case connect.CodePermissionDenied:
		return http.StatusForbidden
	case connect.CodeResourceExhausted:
		return http.StatusTooManyRequests
	case connect.CodeUnimplemented:
		return http.StatusNotImplemented
	case connect.CodeUnavailable:
		return http.StatusServiceUnavailable
	case connect.CodeUnauthenticated:
		return http.StatusUnauthorized
	}
	return http.StatusInternalServerError
}

// restStatus is the JSON error body of the REST API: google.rpc.Status, the
// shape the transcoder itself writes, so REST clients parse one shape.
type restStatus struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// connectWireError is the JSON error body of the Connect protocol.
type connectWireError struct {
	Code    string `json:"code"`
	Message string `json:"message,omitempty"`
}

// writeRESTError answers a REST request with status and a google.rpc.Status
// body carrying code and msg.
func writeRESTError(w http.ResponseWriter, status int, code connect.Code, msg string) {
	body, _ := json.Marshal(restStatus{Code: int(code), Message: msg})
	writeJSONError(w, status, body)
}

// writeConnectUnaryError answers a Connect unary (or non-RPC) request with
// status and a Connect error body; the status stays what the caller chose
// (413, 415…) because Connect clients read the code from the body.
func writeConnectUnaryError(w http.ResponseWriter, status int, code connect.Code, msg string) {
	body, _ := json.Marshal(connectWireError{Code: code.String(), Message: msg})
	writeJSONError(w, status, body)
}

func writeJSONError(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Del("Content-Encoding")
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// statusText words an HTTP status for an error message when nothing better is
// known.
func statusText(status int) string {
	if t := http.StatusText(status); t != "" {
		return t
	}
	return fmt.Sprintf("HTTP status %d", status)
}
