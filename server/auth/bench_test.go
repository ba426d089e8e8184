package auth

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server"
	"github.com/slipway-dev/slipway/server/servertest"
)

// BenchmarkAuthenticatedCall measures a unary ListNetworks call over
// loopback HTTP/1.1 with Connect JSON, at the same concurrency
// (b.RunParallel, 2 goroutines per core), four ways, interleaved in every
// iteration so all see the same machine state:
//
//   - bare: the handler alone on a mux, no interceptors;
//   - chain: server.New's whole stack (edge, access log, metrics, CORS,
//     validation, error boundary) with no auth interceptor;
//   - jwt: the stack plus this package's interceptor, Authorization:
//     Bearer (Ed25519 verification and the cached session check);
//   - apikey: the same with X-API-Key (a hit in the API key cache, which
//     revocations on any replica clear through LISTEN/NOTIFY).
//
// Reported: <way>-us per call, ratio-<way> = bare rate ÷ that way's rate
// (≥ 0.7 is the target), and auth-added-us = the interceptor's own cost
// over the chain without it.
func BenchmarkAuthenticatedCall(b *testing.B) {
	env := newEnv(b, envOptions{quiet: true})
	_, pair := env.account(b, "bench@example.com")
	key := env.restAPIKey(b, pair.GetAccessToken(), "bench")

	nets := []server.Network{{Name: "dev", ChainID: 31337, Confirmations: 1}}
	bareMux := http.NewServeMux()
	bareMux.Handle(slipwayv1connect.NewNetworkServiceHandler(server.NewNetworkService(nets, nil)))
	bare := httptest.NewServer(bareMux)
	defer bare.Close()
	chainHandler, err := server.New(server.Config{Networks: nets}, server.Deps{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	require.NoError(b, err)
	chain := httptest.NewServer(chainHandler)
	defer chain.Close()

	transport := &http.Transport{MaxIdleConnsPerHost: 64}
	defer transport.CloseIdleConnections()
	hc := &http.Client{Transport: transport}
	clients := []slipwayv1connect.NetworkServiceClient{
		slipwayv1connect.NewNetworkServiceClient(hc, bare.URL, connect.WithProtoJSON()),
		slipwayv1connect.NewNetworkServiceClient(hc, chain.URL, connect.WithProtoJSON()),
		slipwayv1connect.NewNetworkServiceClient(hc, env.srv.URL, connect.WithProtoJSON()),
		slipwayv1connect.NewNetworkServiceClient(hc, env.srv.URL, connect.WithProtoJSON()),
	}
	headers := [][]string{nil, nil, bearer(pair.GetAccessToken()), {"X-API-Key", key}}
	names := []string{"bare", "chain", "jwt", "apikey"}
	per := servertest.BenchListNetworks(b, names, clients, headers, 200) // warm connections, pools, caches, validators
	b.ReportMetric(per[2]-per[1], "jwt-added-us")
	b.ReportMetric(per[3]-per[1], "apikey-added-us")
}

// BenchmarkLoginFailure compares a login with an unknown email to one with
// a wrong password, with the default argon2id cost, interleaved: the ratio
// should be close to 1 (both hash once and write one audit row), which is
// what keeps timing from telling which emails have accounts.
func BenchmarkLoginFailure(b *testing.B) {
	env := newEnv(b, envOptions{quiet: true, cfg: Config{Password: DefaultPasswordParams}})
	env.register(b, "known@example.com", goodPassword)
	authc, _, _ := env.clients("connect")
	login := func(email string) time.Duration {
		start := time.Now()
		_, err := authc.Login(b.Context(), connect.NewRequest(&slipwayv1.LoginRequest{Email: email, Password: "wrong-password-123"}))
		d := time.Since(start)
		if connect.CodeOf(err) != connect.CodeUnauthenticated {
			b.Fatalf("login: %v", err)
		}
		return d
	}
	var unknown, wrong time.Duration
	n := 0
	for b.Loop() {
		if n%2 == 0 {
			unknown += login("nobody@example.com")
			wrong += login("known@example.com")
		} else {
			wrong += login("known@example.com")
			unknown += login("nobody@example.com")
		}
		n++
	}
	b.ReportMetric(float64(unknown.Microseconds())/float64(n)/1e3, "unknown-ms")
	b.ReportMetric(float64(wrong.Microseconds())/float64(n)/1e3, "wrong-ms")
	b.ReportMetric(float64(unknown)/float64(wrong), "unknown/wrong")
}

// BenchmarkAuthenticate is the interceptor's own cost in process, without
// HTTP: the bearer path (a verified-token cache hit and a session-cache
// hit, which is nearly every request), the bearer path on a token never seen
// before (full Ed25519 verification), and the API key path from the cache
// (nearly every request) and on a cache miss (one query).
func BenchmarkAuthenticate(b *testing.B) {
	env := newEnv(b, envOptions{quiet: true})
	_, pair := env.account(b, "inproc@example.com")
	key := env.restAPIKey(b, pair.GetAccessToken(), "bench")
	ctx := b.Context()
	run := func(b *testing.B, h http.Header) {
		for b.Loop() {
			if _, err := env.svc.authenticate(ctx, h); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("bearer", func(b *testing.B) {
		run(b, http.Header{"Authorization": {"Bearer " + pair.GetAccessToken()}})
	})
	b.Run("bearer-first-use", func(b *testing.B) {
		h := http.Header{"Authorization": {"Bearer " + pair.GetAccessToken()}}
		for b.Loop() {
			clear(env.svc.tokens.verified.m)
			if _, err := env.svc.authenticate(ctx, h); err != nil {
				b.Fatal(err)
			}
		}
	})
	for !env.svc.apiKeys.isLive() {
		time.Sleep(time.Millisecond)
	}
	b.Run("apikey", func(b *testing.B) {
		run(b, http.Header{"X-Api-Key": {key}})
	})
	b.Run("apikey-miss", func(b *testing.B) {
		h := http.Header{"X-Api-Key": {key}}
		for b.Loop() {
			env.svc.apiKeys.setLive(true) // empties it
			if _, err := env.svc.authenticate(ctx, h); err != nil {
				b.Fatal(err)
			}
		}
	})
}
