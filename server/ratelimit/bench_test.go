package ratelimit_test

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slipway-dev/slipway/db/dbtest"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server/ratelimit"
)

// benchLimit is as high as a one-minute window allows (one request per
// microsecond), so benchmarks measure the cost of deciding, never a refusal.
// Their limiters also wait as long as it takes rather than fail open, which
// would skip the statement being measured.
const benchLimit = 60_000_000

// benchParallelism × GOMAXPROCS goroutines call at once: enough to keep a
// server busy while each call waits on loopback and Postgres.
const benchParallelism = 4

// BenchmarkTake measures one limiter call, the TakeRateLimit statement on a
// local Postgres: serially (its latency, µs/op) and from parallel
// goroutines on distinct users' buckets (its throughput on this machine).
func BenchmarkTake(b *testing.B) {
	pool := dbtest.New(b)
	// Leases off: this measures the statement, which every request of
	// API.md's tiers costs.
	l := newLimiter(b, pool, ratelimit.Config{PaidPerMinute: benchLimit, Timeout: time.Minute, LeaseMinLimit: -1}, prometheus.NewRegistry())
	users := make([]uuid.UUID, 64)
	for i := range users {
		users[i], _ = newUser(b, pool, "paid")
	}
	take := func(b *testing.B, user uuid.UUID) {
		d, err := l.TakeUser(b.Context(), user)
		if err != nil || !d.Allowed {
			b.Fatalf("take: %v %+v", err, d)
		}
	}
	for range 100 { // warm the pool's connections and prepared statements
		take(b, users[0])
	}
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			take(b, users[0])
		}
	})
	b.Run("parallel", func(b *testing.B) {
		var next atomic.Int32
		b.SetParallelism(benchParallelism)
		b.RunParallel(func(pb *testing.PB) {
			user := users[int(next.Add(1)-1)%len(users)]
			for pb.Next() {
				take(b, user)
			}
		})
	})
}

// BenchmarkInterceptor compares a unary Connect call (ListNetworks, a real
// handler, through server.New with the fake auth interceptor) with and
// without the rate-limit interceptor, at the same concurrency: each
// goroutine alternates between the two servers, so both see the same
// machine state. Every goroutine is its own paid user with a limit too high
// to refuse.
//
// Reported: ratio = limited ops/s ÷ bare ops/s (the inverse of the mean
// latencies at equal concurrency), and added-µs/op, the mean latency the
// limiter adds to a call.
func BenchmarkInterceptor(b *testing.B) {
	pool := dbtest.New(b)
	l := newLimiter(b, pool, ratelimit.Config{PaidPerMinute: benchLimit, Timeout: time.Minute}, prometheus.NewRegistry())
	bareSrv, limitedSrv := newServer(b), newServer(b, l.Interceptor())
	transport := &http.Transport{MaxIdleConnsPerHost: 256}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}
	bare := slipwayv1connect.NewNetworkServiceClient(client, bareSrv.URL)
	limited := slipwayv1connect.NewNetworkServiceClient(client, limitedSrv.URL)

	users := make([]uuid.UUID, 256)
	for i := range users {
		users[i], _ = newUser(b, pool, "paid")
	}
	call := func(b *testing.B, c slipwayv1connect.NetworkServiceClient, user uuid.UUID, limited bool) time.Duration {
		req := connect.NewRequest(&slipwayv1.ListNetworksRequest{})
		req.Header().Set(userHeader, user.String())
		start := time.Now()
		res, err := c.ListNetworks(b.Context(), req)
		d := time.Since(start)
		if err != nil {
			b.Fatalf("ListNetworks: %v", err)
		}
		if limited && res.Header().Get(ratelimit.HeaderLimit) == "" {
			b.Fatal("no rate-limit headers from the limited server")
		}
		return d
	}
	for i := range 200 {
		call(b, bare, users[i%len(users)], false)
		call(b, limited, users[i%len(users)], true)
	}

	var next atomic.Int32
	var bareNs, limitedNs, calls atomic.Int64
	b.SetParallelism(benchParallelism)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		user := users[int(next.Add(1)-1)%len(users)]
		var bn, ln, n int64
		for pb.Next() {
			bn += int64(call(b, bare, user, false))
			ln += int64(call(b, limited, user, true))
			n++
		}
		bareNs.Add(bn)
		limitedNs.Add(ln)
		calls.Add(n)
	})
	b.StopTimer()
	if n := calls.Load(); n > 0 {
		bareMean := float64(bareNs.Load()) / float64(n)
		limitedMean := float64(limitedNs.Load()) / float64(n)
		b.ReportMetric(bareMean/1e3, "bare-µs/call")
		b.ReportMetric(limitedMean/1e3, "limited-µs/call")
		b.ReportMetric((limitedMean-bareMean)/1e3, "added-µs/call")
		b.ReportMetric(bareMean/limitedMean, "ratio")
	}
}
