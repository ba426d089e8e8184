package apierr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"testing"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"

	"github.com/slipway-dev/slipway/server/callctx"
)

// call is a request as the edge would put it in the context: only its id
// matters here.
type call struct{ id string }

func (c call) ID() string                       { return c.id }
func (call) AuthFailed(context.Context, string) {}
func (call) Client() netip.Addr                 { return netip.Addr{} }
func (call) NoteUser(uuid.UUID)                 {}
func (call) NoteDeployment(uuid.UUID, string)   {}

// TestErrorBoundary pins the one place domain errors become codes.
func TestErrorBoundary(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	ctx := callctx.With(t.Context(), call{id: "rid-1"})
	for _, c := range []struct {
		err  error
		code connect.Code
		msg  string
	}{
		{NotAvailable("x", "y"), connect.CodeUnimplemented, "x is not available yet: it arrives with the y capability"},
		{fmt.Errorf("load: %w", NotAvailable("x", "y")), connect.CodeUnimplemented, "x is not available yet"},
		{connect.NewError(connect.CodeNotFound, errors.New("gone")), connect.CodeNotFound, "gone"},
		{fmt.Errorf("query: %w", context.DeadlineExceeded), connect.CodeDeadlineExceeded, "deadline"},
		{fmt.Errorf("field: %w", ErrInvalidText), connect.CodeInvalidArgument, "invalid text in request"},
		{errors.New("pq: password authentication failed for user slipway"), connect.CodeInternal, "internal error (request id rid-1)"},
	} {
		got := ToConnect(ctx, logger, "/p", c.err)
		assert.Equal(t, c.code, connect.CodeOf(got), "%v", c.err)
		assert.Contains(t, got.Error(), c.msg)
		if c.code == connect.CodeInternal {
			assert.NotContains(t, got.Error(), "password")
		}
	}
	assert.Contains(t, logs.String(), "password authentication failed")
	assert.Nil(t, ToConnect(ctx, logger, "/p", nil))
}

// TestCodesWrap: a capability's own sentinels get their code; others pass
// on unchanged for the boundary to judge.
func TestCodesWrap(t *testing.T) {
	errGone := errors.New("gone")
	codes := Codes{{errGone, connect.CodeNotFound}}
	assert.Equal(t, connect.CodeNotFound, connect.CodeOf(codes.Wrap(fmt.Errorf("deployment x: %w", errGone))))
	other := errors.New("other")
	assert.Same(t, other, codes.Wrap(other))
}

// TestStatusCodeTable pins both readings of the one table: every Connect
// code's HTTP status, and every error status's code.
func TestStatusCodeTable(t *testing.T) {
	for code, status := range map[connect.Code]int{
		connect.CodeCanceled:           499,
		connect.CodeUnknown:            http.StatusInternalServerError,
		connect.CodeInvalidArgument:    http.StatusBadRequest,
		connect.CodeDeadlineExceeded:   http.StatusGatewayTimeout,
		connect.CodeNotFound:           http.StatusNotFound,
		connect.CodeAlreadyExists:      http.StatusConflict,
		connect.CodePermissionDenied:   http.StatusForbidden,
		connect.CodeResourceExhausted:  http.StatusTooManyRequests,
		connect.CodeFailedPrecondition: http.StatusBadRequest,
		connect.CodeAborted:            http.StatusConflict,
		connect.CodeOutOfRange:         http.StatusBadRequest,
		connect.CodeUnimplemented:      http.StatusNotImplemented,
		connect.CodeInternal:           http.StatusInternalServerError,
		connect.CodeUnavailable:        http.StatusServiceUnavailable,
		connect.CodeDataLoss:           http.StatusInternalServerError,
		connect.CodeUnauthenticated:    http.StatusUnauthorized,
	} {
		assert.Equal(t, status, HTTPStatus(code), "%s", code)
	}
	for status, code := range map[int]connect.Code{
		http.StatusBadRequest:                  connect.CodeInvalidArgument,
		http.StatusUnauthorized:                connect.CodeUnauthenticated,
		http.StatusForbidden:                   connect.CodePermissionDenied,
		http.StatusNotFound:                    connect.CodeNotFound,
		http.StatusMethodNotAllowed:            connect.CodeUnimplemented,
		http.StatusNotImplemented:              connect.CodeUnimplemented,
		http.StatusRequestTimeout:              connect.CodeDeadlineExceeded,
		http.StatusGatewayTimeout:              connect.CodeDeadlineExceeded,
		http.StatusConflict:                    connect.CodeAborted,
		http.StatusRequestEntityTooLarge:       connect.CodeResourceExhausted,
		http.StatusTooManyRequests:             connect.CodeResourceExhausted,
		http.StatusRequestHeaderFieldsTooLarge: connect.CodeResourceExhausted,
		499:                                    connect.CodeCanceled,
		http.StatusServiceUnavailable:          connect.CodeUnavailable,
		http.StatusUnsupportedMediaType:        connect.CodeInvalidArgument,
		http.StatusUpgradeRequired:             connect.CodeInvalidArgument,
		http.StatusInternalServerError:         connect.CodeInternal,
		http.StatusBadGateway:                  connect.CodeInternal,
	} {
		assert.Equal(t, code, CodeForHTTPStatus(status, false), "%d", status)
	}
	assert.Equal(t, connect.CodeUnimplemented, CodeForHTTPStatus(http.StatusNotFound, true), "no such procedure")
	assert.Equal(t, connect.CodeInvalidArgument, CodeForHTTPStatus(http.StatusBadRequest, true))
}
