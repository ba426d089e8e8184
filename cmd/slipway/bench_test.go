package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/db/dbtest"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server"
	"github.com/slipway-dev/slipway/server/servertest"
)

// BenchmarkGuardedCall measures what the identity issue's target is about:
// an authenticated unary call (JWT, and API key) through the API exactly as
// serve builds it — authentication, per-user rate limiting in Postgres,
// validation, logging, metrics — against the same handler with no
// interceptors, interleaved at the same concurrency so all see the same
// machine. Reported: <way>-us per call, ratio-<way> = bare rate ÷ that way's
// rate, <way>-added-us over bare, and calls/stmt, how many limiter calls
// each rate limit statement decided on average (from the server's own
// slipway_rate_limit_batch_requests histogram).
//
// Two ways: leased (serve's default; the test limit is high enough for the
// limiter to lease tokens to this busy replica) and statement (leases off:
// every request its own limiter statement, as at API.md's tiers, whose
// limits are too low to lease).
func BenchmarkGuardedCall(b *testing.B) {
	b.Run("leased", func(b *testing.B) { benchGuardedCall(b, 0) })
	b.Run("statement", func(b *testing.B) { benchGuardedCall(b, -1) })
}

func benchGuardedCall(b *testing.B, leaseMin int64) {
	ctx := context.Background()
	pool := dbtest.New(b)
	nets := chain.Config{Networks: []chain.Network{{Name: "dev", ChainID: 31337, RPCURLs: []string{"http://127.0.0.1:1"}, Confirmations: 1}}}
	ident := testIdentity(b)
	// The limit must not refuse: the benchmark measures its cost, not it.
	ident.PaidPerMin, ident.FreePerMin = 1_000_000, 1_000_000
	ident.RateLeaseMin = leaseMin
	guarded := serveTestAPI(b, ident, apiDeps{Pool: pool, Networks: nets, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	bareMux := http.NewServeMux()
	bareMux.Handle(slipwayv1connect.NewNetworkServiceHandler(server.NewNetworkService([]server.Network{{Name: "dev", ChainID: 31337, Confirmations: 1}}, nil)))
	bare := httptest.NewServer(bareMux)
	defer bare.Close()

	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	authc := slipwayv1connect.NewAuthServiceClient(hc, guarded.URL)
	creds := &slipwayv1.RegisterRequest{Email: "bench@example.com", Password: "correct horse battery staple"}
	if _, err := authc.Register(ctx, connect.NewRequest(creds)); err != nil {
		b.Fatal(err)
	}
	login, err := authc.Login(ctx, connect.NewRequest(&slipwayv1.LoginRequest{Email: creds.Email, Password: creds.Password}))
	if err != nil {
		b.Fatal(err)
	}
	token := login.Msg.GetAccessToken()
	keyReq := connect.NewRequest(&slipwayv1.CreateApiKeyRequest{Name: "bench"})
	keyReq.Header().Set("Authorization", "Bearer "+token)
	key, err := slipwayv1connect.NewApiKeyServiceClient(hc, guarded.URL).CreateApiKey(ctx, keyReq)
	if err != nil {
		b.Fatal(err)
	}

	names := []string{"bare", "jwt", "apikey"}
	clients := []slipwayv1connect.NetworkServiceClient{
		slipwayv1connect.NewNetworkServiceClient(hc, bare.URL),
		slipwayv1connect.NewNetworkServiceClient(hc, guarded.URL),
		slipwayv1connect.NewNetworkServiceClient(hc, guarded.URL),
	}
	headers := [][]string{nil, {"Authorization", "Bearer " + token}, {"X-API-Key", key.Msg.GetKey()}}
	per := servertest.BenchListNetworks(b, names, clients, headers, 100)
	if sum, count := histogramOf(b, guarded.URL+"/metrics", "slipway_rate_limit_batch_requests"); count > 0 {
		b.ReportMetric(sum/count, "calls/stmt")
	}
	for i, name := range names[1:] {
		b.ReportMetric(per[i+1]-per[0], name+"-added-us")
	}
}

// histogramOf reads the sum and count of an unlabelled histogram from a
// Prometheus text exposition at url.
func histogramOf(b *testing.B, url, name string) (sum, count float64) {
	b.Helper()
	resp, err := http.Get(url) // the benchmark's own server.
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(body), "\n") {
		field, value, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			continue
		}
		switch field {
		case name + "_sum":
			sum = v
		case name + "_count":
			count = v
		}
	}
	return sum, count
}
