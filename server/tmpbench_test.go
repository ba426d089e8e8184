package server

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
)

func BenchmarkTmpInproc(b *testing.B) {
	chain, _ := New(Config{Networks: testNetworks, AllowedOrigins: []string{allowedOrigin}}, Deps{
		Logger:   slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Registry: prometheus.NewRegistry(),
	})
	body := []byte(`{}`)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, slipwayv1connect.NetworkServiceListNetworksProcedure, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		chain.ServeHTTP(rec, req)
	}
}
func BenchmarkTmpBare(b *testing.B) {
	bareMux := http.NewServeMux()
	bareMux.Handle(slipwayv1connect.NewNetworkServiceHandler(NewNetworkService(testNetworks)))
	body := []byte(`{}`)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, slipwayv1connect.NetworkServiceListNetworksProcedure, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		bareMux.ServeHTTP(rec, req)
	}
}
