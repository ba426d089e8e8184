package server

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/slipway-dev/slipway/internal/telemetry"
)

// The request id is added once however the process stacks its log
// handlers: serve wraps its logger (request id, then trace ids) before the
// server wraps it again.
func TestLogHandlerAddsTheRequestIDOnce(t *testing.T) {
	var buf bytes.Buffer
	h := NewLogHandler(telemetry.NewLogHandler(NewLogHandler(slog.NewJSONHandler(&buf, nil))))
	ctx := withRequestInfo(context.Background(), &requestInfo{id: "req-1"})
	slog.New(h).InfoContext(ctx, "hello")
	if n := strings.Count(buf.String(), `"request_id"`); n != 1 {
		t.Fatalf("request_id logged %d times: %s", n, buf.String())
	}
}
