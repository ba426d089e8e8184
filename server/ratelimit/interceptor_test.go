package ratelimit_test

import (
	"bytes"
	"context"
	"github.com/slipway-dev/slipway/server/servertest"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/db/dbtest"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server/clientip"
	"github.com/slipway-dev/slipway/server/ratelimit"
)

// protocols are the ways a client reaches ListNetworks on one server.
func protocols(baseURL string) map[string]caller {
	return map[string]caller{
		"rest":         listNetworksREST(baseURL),
		"connect":      listNetworksRPC(baseURL, h1Client),
		"connect-http": listNetworksConnectHTTP(baseURL),
		"grpc":         listNetworksRPC(baseURL, h2cClient, connect.WithGRPC()),
		"grpc-web":     listNetworksRPC(baseURL, h1Client, connect.WithGRPCWeb()),
	}
}

// listNetworksConnectHTTP calls over Connect's unary protocol by hand, as a
// browser's fetch would, to see the HTTP status.
func listNetworksConnectHTTP(baseURL string) caller {
	return func(t *testing.T, header http.Header) answer {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost,
			baseURL+slipwayv1connect.NetworkServiceListNetworksProcedure, strings.NewReader("{}"))
		require.NoError(t, err)
		for k, v := range header {
			req.Header[k] = v
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := h1Client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		a := answer{ok: resp.StatusCode == http.StatusOK, status: resp.StatusCode, header: resp.Header, msg: string(body)}
		if !a.ok {
			var c connect.Code
			require.NoError(t, c.UnmarshalText([]byte(jsonField(t, body, "code"))))
			a.code = c
		}
		return a
	}
}

// useUp makes the limit calls a user with headers h may make, each let
// through with RateLimit-Limit limit and RateLimit-Remaining counting down
// (and shown to each, when not nil), and answers the next call's refusal.
func useUp(t *testing.T, call caller, h http.Header, limit int, each func(k int, a answer)) answer {
	t.Helper()
	for k := 1; k <= limit; k++ {
		a := call(t, h)
		require.True(t, a.ok, "request %d: %v %s", k, a.code, a.msg)
		require.Equal(t, limit, a.int(t, ratelimit.HeaderLimit), "request %d", k)
		require.Equal(t, limit-k, a.int(t, ratelimit.HeaderRemaining), "request %d", k)
		if each != nil {
			each(k, a)
		}
	}
	a := call(t, h)
	require.False(t, a.ok)
	require.Equal(t, connect.CodeResourceExhausted, a.code, a.msg)
	return a
}

// A free user gets 10 requests, then 429 / resource_exhausted with
// Retry-After, and every answer carries the RateLimit fields, over every
// protocol.
func TestFreeUserLimitOverEveryProtocol(t *testing.T) {
	pool := dbtest.New(t)
	reg := prometheus.NewRegistry()
	l := newLimiter(t, pool, ratelimit.Config{}, reg)
	srv := newServer(t, l.Interceptor())

	for name, call := range protocols(srv.URL) {
		t.Run(name, func(t *testing.T) {
			user, _ := newUser(t, pool, "free")
			a := useUp(t, call, userHeaders(user), 10, func(k int, a answer) {
				// The bucket is full again 6 s per request used later.
				assert.InDelta(t, 6*k, a.int(t, ratelimit.HeaderReset), 1, "request %d", k)
				assert.Empty(t, a.header.Get(ratelimit.HeaderRetryAfter))
			})
			if a.status != 0 {
				assert.Equal(t, http.StatusTooManyRequests, a.status)
			}
			assert.Equal(t, 10, a.int(t, ratelimit.HeaderLimit))
			assert.Equal(t, 0, a.int(t, ratelimit.HeaderRemaining))
			assert.InDelta(t, 60, a.int(t, ratelimit.HeaderReset), 1)
			assert.InDelta(t, 6, a.int(t, ratelimit.HeaderRetryAfter), 1)
			assert.Contains(t, a.msg, "rate limit exceeded")
		})
	}
	assert.InDelta(t, float64(len(protocols(srv.URL))), counterValue(t, reg, "slipway_ratelimit_rejected_total", "tier", "free"), 0)
	assert.Zero(t, counterValue(t, reg, "slipway_ratelimit_rejected_total", "tier", "paid"))
}

// Errors from further in (here the deployment service, not implemented yet
// in this test server) carry the fields too, and count; so does a stream.
func TestErrorAnswersAndStreamsCarryTheFields(t *testing.T) {
	pool := dbtest.New(t)
	l := newLimiter(t, pool, ratelimit.Config{}, nil)
	srv := newServer(t, l.Interceptor())
	user, _ := newUser(t, pool, "free")

	for name, opts := range map[string][]connect.ClientOption{
		"connect": nil,
		"grpc":    {connect.WithGRPC()},
	} {
		t.Run(name, func(t *testing.T) {
			c := slipwayv1connect.NewDeploymentServiceClient(h2cClient, srv.URL, opts...)
			req := connect.NewRequest(&slipwayv1.GetDeploymentRequest{Id: uuid.NewString()})
			req.Header().Set(userHeader, user.String())
			_, err := c.GetDeployment(t.Context(), req)
			a := rpcAnswer[slipwayv1.GetDeploymentResponse](t, nil, err)
			require.NotEqual(t, connect.CodeResourceExhausted, a.code)
			assert.Equal(t, 10, a.int(t, ratelimit.HeaderLimit))

			sreq := connect.NewRequest(&slipwayv1.WatchDeploymentRequest{Id: uuid.NewString()})
			sreq.Header().Set(userHeader, user.String())
			stream, err := c.WatchDeployment(t.Context(), sreq)
			require.NoError(t, err)
			for stream.Receive() {
			}
			require.Error(t, stream.Err())
			ce := connectErr(t, stream.Err())
			require.NotEqual(t, connect.CodeResourceExhausted, ce.Code())
			meta := ce.Meta()
			for k, v := range stream.ResponseHeader() {
				meta[k] = append(meta[k], v...)
			}
			assert.Equal(t, "10", meta.Get(ratelimit.HeaderLimit))
		})
	}
	// Four requests so far (two per protocol); six more, then refused.
	call := listNetworksRPC(srv.URL, h1Client)
	for range 6 {
		require.True(t, call(t, userHeaders(user)).ok)
	}
	stream, err := slipwayv1connect.NewDeploymentServiceClient(h2cClient, srv.URL, connect.WithGRPC()).
		WatchDeployment(t.Context(), withUser(connect.NewRequest(&slipwayv1.WatchDeploymentRequest{Id: uuid.NewString()}), user))
	require.NoError(t, err)
	for stream.Receive() {
	}
	ce := connectErr(t, stream.Err())
	assert.Equal(t, connect.CodeResourceExhausted, ce.Code())
	assert.NotEmpty(t, ce.Meta().Get(ratelimit.HeaderRetryAfter))
}

func withUser[T any](req *connect.Request[T], user uuid.UUID) *connect.Request[T] {
	req.Header().Set(userHeader, user.String())
	return req
}

func TestPaidUserGetsHundred(t *testing.T) {
	pool := dbtest.New(t)
	reg := prometheus.NewRegistry()
	l := newLimiter(t, pool, ratelimit.Config{}, reg)
	srv := newServer(t, l.Interceptor())
	user, _ := newUser(t, pool, "paid")
	a := useUp(t, listNetworksRPC(srv.URL, h2cClient), userHeaders(user), 100, nil)
	assert.Equal(t, 1, a.int(t, ratelimit.HeaderRetryAfter)) // 0.6 s, rounded up
	assert.InDelta(t, 1, counterValue(t, reg, "slipway_ratelimit_rejected_total", "tier", "paid"), 0)
}

// The limit is the user's, whichever session or API key a request uses.
func TestLimitSharedAcrossSessionsAndKeys(t *testing.T) {
	pool := dbtest.New(t)
	l := newLimiter(t, pool, ratelimit.Config{}, nil)
	srv := newServer(t, l.Interceptor())
	user, _ := newUser(t, pool, "free")
	other, _ := newUser(t, pool, "free")
	rest, grpc := listNetworksREST(srv.URL), listNetworksRPC(srv.URL, h2cClient, connect.WithGRPC())

	sessionA := userHeaders(user, sessionHeader, uuid.NewString())
	sessionB := userHeaders(user, sessionHeader, uuid.NewString())
	key := userHeaders(user, apiKeyHeader, uuid.NewString())
	for range 4 {
		require.True(t, rest(t, sessionA).ok)
	}
	for range 3 {
		require.True(t, grpc(t, key).ok)
	}
	for range 3 {
		require.True(t, rest(t, sessionB).ok)
	}
	assert.Equal(t, connect.CodeResourceExhausted, grpc(t, sessionA).code)
	assert.Equal(t, connect.CodeResourceExhausted, rest(t, key).code)
	// Another user is untouched.
	a := rest(t, userHeaders(other))
	require.True(t, a.ok)
	assert.Equal(t, 9, a.int(t, ratelimit.HeaderRemaining))
}

// slipway users set-tier (SetUserTierByEmail) applies to the very next
// request, though the caller's principal still says free; the requests
// already used carry over.
func TestTierChangeAppliesToNextRequest(t *testing.T) {
	pool := dbtest.New(t)
	l := newLimiter(t, pool, ratelimit.Config{}, nil)
	srv := newServer(t, l.Interceptor())
	user, email := newUser(t, pool, "free")
	call := listNetworksRPC(srv.URL, h1Client)
	for range 10 {
		require.True(t, call(t, userHeaders(user)).ok)
	}
	require.Equal(t, connect.CodeResourceExhausted, call(t, userHeaders(user)).code)

	setTier(t, pool, email, "paid")
	a := call(t, userHeaders(user))
	require.True(t, a.ok, a.msg)
	assert.Equal(t, 100, a.int(t, ratelimit.HeaderLimit))
	assert.Equal(t, 89, a.int(t, ratelimit.HeaderRemaining)) // 11 of 100 used
	assert.InDelta(t, 7, a.int(t, ratelimit.HeaderReset), 1) // 11 × 0.6 s

	// Back to free: 11 used is over 10, so refused, for one free interval.
	setTier(t, pool, email, "free")
	a = call(t, userHeaders(user))
	require.Equal(t, connect.CodeResourceExhausted, a.code)
	assert.Equal(t, 10, a.int(t, ratelimit.HeaderLimit))
	assert.InDelta(t, 6, a.int(t, ratelimit.HeaderRetryAfter), 1)
}

func setTier(t *testing.T, pool *pgxpool.Pool, email, tier string) {
	t.Helper()
	_, err := db.New(pool).SetUserTierByEmail(context.Background(), db.SetUserTierByEmailParams{Email: email, Tier: tier})
	require.NoError(t, err)
}

// Two API replicas (two handlers, two pools, two HTTP servers) on one
// database share each user's limit exactly.
func TestTwoInstancesShareTheLimit(t *testing.T) {
	dsn := dbtest.DSN(t)
	var servers []caller
	for range 2 {
		pool, err := db.Connect(context.Background(), dsn)
		require.NoError(t, err)
		t.Cleanup(pool.Close)
		l := newLimiter(t, pool, ratelimit.Config{}, nil)
		servers = append(servers, listNetworksRPC(newServer(t, l.Interceptor()).URL, h2cClient))
	}
	pool, err := db.Connect(context.Background(), dsn)
	require.NoError(t, err)
	t.Cleanup(pool.Close)

	t.Run("sequential", func(t *testing.T) {
		user, _ := newUser(t, pool, "free")
		for k := range 10 {
			// 6 on the first replica, 4 on the second, interleaved.
			s := servers[0]
			if k%5 == 1 || k%5 == 3 {
				s = servers[1]
			}
			a := s(t, userHeaders(user))
			require.True(t, a.ok, "request %d", k+1)
			require.Equal(t, 9-k, a.int(t, ratelimit.HeaderRemaining), "request %d", k+1)
		}
		for _, s := range servers {
			assert.Equal(t, connect.CodeResourceExhausted, s(t, userHeaders(user)).code)
		}
	})

	// 50 requests at once on one free bucket, spread over both replicas:
	// the row lock lets exactly 10 through.
	t.Run("concurrent", func(t *testing.T) {
		user, _ := newUser(t, pool, "free")
		var allowed, refused atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 50 {
			wg.Go(func() {
				<-start
				a := servers[i%2](t, userHeaders(user))
				switch {
				case a.ok:
					allowed.Add(1)
				case a.code == connect.CodeResourceExhausted:
					refused.Add(1)
				default:
					t.Errorf("unexpected answer %v: %s", a.code, a.msg)
				}
			})
		}
		close(start)
		wg.Wait()
		assert.Equal(t, int32(10), allowed.Load())
		assert.Equal(t, int32(40), refused.Load())
	})
}

// The unauthenticated auth procedures are limited per client address; the
// address comes from X-Forwarded-For only when the peer is a trusted proxy.
func TestAuthProceduresLimitedPerClientAddress(t *testing.T) {
	pool := dbtest.New(t)

	t.Run("behind a trusted proxy", func(t *testing.T) {
		// The test client is on loopback: it plays the proxy.
		resolver, err := clientip.NewResolver([]string{"127.0.0.0/8", "::1"})
		require.NoError(t, err)
		reg := prometheus.NewRegistry()
		l := newLimiter(t, pool, ratelimit.Config{Resolver: resolver}, reg)
		srv := newServer(t, l.Interceptor())

		// Register and Login share the address's bucket, over REST and
		// Connect alike.
		for k := 1; k <= 10; k++ {
			var a answer
			if k%2 == 0 {
				a = registerREST(t, srv.URL, "198.51.100.7")
			} else {
				a = loginConnect(t, srv.URL, "198.51.100.7")
			}
			require.NotEqual(t, connect.CodeResourceExhausted, a.code, "request %d", k)
			require.Equal(t, 10-k, a.int(t, ratelimit.HeaderRemaining), "request %d", k)
		}
		a := registerREST(t, srv.URL, "198.51.100.7")
		require.Equal(t, http.StatusTooManyRequests, a.status, a.msg)
		assert.InDelta(t, 6, a.int(t, ratelimit.HeaderRetryAfter), 1)
		a = loginConnect(t, srv.URL, "198.51.100.7")
		require.Equal(t, connect.CodeResourceExhausted, a.code)
		// A client further out, reported by the proxy, is someone else.
		a = registerREST(t, srv.URL, "198.51.100.8")
		require.NotEqual(t, connect.CodeResourceExhausted, a.code)
		assert.Equal(t, 9, a.int(t, ratelimit.HeaderRemaining))
		assert.InDelta(t, 2, counterValue(t, reg, "slipway_ratelimit_rejected_total", "tier", "ip"), 0)
	})

	t.Run("spoofed header from an untrusted peer", func(t *testing.T) {
		resolver, err := clientip.NewResolver([]string{"10.0.0.0/8"})
		require.NoError(t, err)
		l := newLimiter(t, pool, ratelimit.Config{Resolver: resolver, AuthPerMinutePerIP: 3}, nil)
		srv := newServer(t, l.Interceptor())
		for k := 1; k <= 3; k++ {
			a := registerREST(t, srv.URL, "192.0.2."+string(rune('0'+k)))
			require.NotEqual(t, connect.CodeResourceExhausted, a.code)
			require.Equal(t, 3, a.int(t, ratelimit.HeaderLimit))
		}
		// A fresh made-up address gets no fresh bucket.
		a := registerREST(t, srv.URL, "192.0.2.200")
		assert.Equal(t, http.StatusTooManyRequests, a.status)
		assert.Equal(t, connect.CodeResourceExhausted, loginConnect(t, srv.URL, "").code)
	})
}

func registerREST(t *testing.T, baseURL, forwardedFor string) answer {
	t.Helper()
	body := `{"email":"someone@example.com","password":"correct horse battery staple"}`
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, baseURL+"/api/v1/auth/register", bytes.NewBufferString(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", forwardedFor)
	}
	return doREST(t, req)
}

func loginConnect(t *testing.T, baseURL, forwardedFor string) answer {
	t.Helper()
	c := slipwayv1connect.NewAuthServiceClient(h1Client, baseURL)
	req := connect.NewRequest(&slipwayv1.LoginRequest{Email: "someone@example.com", Password: "correct horse battery staple"})
	if forwardedFor != "" {
		req.Header().Set("X-Forwarded-For", forwardedFor)
	}
	res, err := c.Login(t.Context(), req)
	return rpcAnswer(t, res, err)
}

// Requests no bucket applies to pass untouched: health checks, even from a
// signed-in caller, and procedures called without credentials (in the real
// chain the auth interceptor has refused those already).
func TestExemptAndUnauthenticatedPassThrough(t *testing.T) {
	pool := dbtest.New(t)
	l := newLimiter(t, pool, ratelimit.Config{FreePerMinute: 1}, nil)
	srv := newServer(t, l.Interceptor())
	user, _ := newUser(t, pool, "free")
	call := listNetworksRPC(srv.URL, h1Client)
	for range 5 {
		a := call(t, http.Header{})
		require.True(t, a.ok)
		assert.Empty(t, a.header.Get(ratelimit.HeaderLimit))

		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/grpc.health.v1.Health/Check", strings.NewReader("{}"))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(userHeader, user.String())
		resp, err := h1Client.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Empty(t, resp.Header.Get(ratelimit.HeaderLimit))
	}
	var n int
	require.NoError(t, pool.QueryRow(t.Context(), "SELECT count(*) FROM rate_limits").Scan(&n))
	assert.Zero(t, n)
}

// With Postgres unreachable the limiter fails open by default (warning,
// metric, no fields) and refuses with unavailable when told to fail closed.
func TestDatabaseDown(t *testing.T) {
	broken, err := db.Connect(context.Background(), dbtest.DSN(t))
	require.NoError(t, err)
	broken.Close()
	user := uuid.New()

	t.Run("fails open by default", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		var logs servertest.SyncBuffer
		l, err := ratelimit.New(broken, ratelimit.Config{}, reg, slog.New(slog.NewJSONHandler(&logs, nil)))
		require.NoError(t, err)
		t.Cleanup(l.Close)
		call := listNetworksRPC(newServer(t, l.Interceptor()).URL, h1Client)
		for range 12 {
			a := call(t, userHeaders(user))
			require.True(t, a.ok, a.msg)
			assert.Empty(t, a.header.Get(ratelimit.HeaderLimit))
		}
		assert.InDelta(t, 12, counterValue(t, reg, "slipway_rate_limit_errors_total", "outcome", "allowed"), 0)
		// One warning, not one per request.
		assert.Equal(t, 1, strings.Count(logs.String(), "rate limiter cannot reach the database"), logs.String())
		assert.Contains(t, logs.String(), `"level":"WARN"`)
	})

	t.Run("fails closed when configured", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		l := newLimiter(t, broken, ratelimit.Config{FailClosed: true}, reg)
		srv := newServer(t, l.Interceptor())
		a := listNetworksRPC(srv.URL, h1Client)(t, userHeaders(user))
		assert.Equal(t, connect.CodeUnavailable, a.code)
		assert.Equal(t, "1", a.header.Get(ratelimit.HeaderRetryAfter))
		a = listNetworksREST(srv.URL)(t, userHeaders(user))
		assert.Equal(t, http.StatusServiceUnavailable, a.status)
		assert.InDelta(t, 2, counterValue(t, reg, "slipway_rate_limit_errors_total", "outcome", "refused"), 0)
	})
}
