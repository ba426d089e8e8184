package server

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/google/uuid"
)

func BenchmarkTmpUUID(b *testing.B) {
	for b.Loop() {
		_ = uuid.NewString()
	}
}
func BenchmarkTmpLog(b *testing.B) {
	l := slog.New(NewLogHandler(slog.NewJSONHandler(io.Discard, nil)))
	ctx := withRequestInfo(context.Background(), &requestInfo{id: "0b5f2c0e-8d7a-4a51-9d3b-3c2f7a8e9b10"})
	b.ReportAllocs()
	for b.Loop() {
		l.LogAttrs(ctx, slog.LevelInfo, "request",
			slog.String("method", "POST"),
			slog.String("path", "/slipway.v1.NetworkService/ListNetworks"),
			slog.String("procedure", "/slipway.v1.NetworkService/ListNetworks"),
			slog.String("protocol", "connect"),
			slog.Int("status", 200),
			slog.String("code", "ok"),
			slog.Float64("duration_ms", 0.123),
		)
	}
}
