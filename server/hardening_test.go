package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/db/dbtest"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/server/apierr"
	"github.com/slipway-dev/slipway/server/servertest"
)

// errorLogs answers the messages logged at ERROR so far.
func errorLogs(t *testing.T, env *testEnv) []string {
	t.Helper()
	var out []string
	for _, l := range env.logs.lines(t) {
		if l["level"] == "ERROR" {
			out = append(out, fmt.Sprint(l["msg"], " ", l["path"]))
		}
	}
	return out
}

// Invalid UTF-8 anywhere a REST or Connect client can put it is the
// client's mistake: 400 / invalid_argument with a message that says so,
// never "failed to marshal end error", never an ERROR log line, and never
// counted as an internal error (which feeds the API error-ratio alert).
func TestInvalidUTF8IsABadRequestNotAnInternalError(t *testing.T) {
	env := newEnv(t)
	internal := func() float64 {
		return servertest.CounterSum(t, env.registry, "slipway_http_requests_total", "code", "internal")
	}
	for _, c := range []struct {
		method, path, body, msg string
	}{
		{"POST", "/api/v1/auth/login", "{\"email\":\"a@b.co\",\"password\":\"x\"}\xff", "invalid UTF-8"},
		{"POST", "/api/v1/auth/login", "\xff\xfe", "invalid UTF-8"},
		{"POST", "/api/v1/auth/login", "{\"em\xffail\":\"a@b.co\"}", "invalid UTF-8"},
		{"POST", "/api/v1/contracts/generate", "{\"template\":{\"kind\":\"\xff\",\"name\":\"T\"}}", "invalid UTF-8"},
		{"GET", "/api/v1/deployments?status=%FF", "", `invalid parameter "status"`},
		{"GET", "/api/v1/deployments?pageToken=%FF", "", "invalid UTF-8"},
		{"GET", "/api/v1/deployments/%FF%FE", "", "invalid UTF-8"},
		{"POST", "/slipway.v1.AuthService/Login", "{\"email\":\"\xff\"}", "invalid UTF-8"},
		{"POST", "/slipway.v1.AuthService/Login", "{}\xff", "invalid UTF-8"},
	} {
		before := internal()
		var body *strings.Reader
		ct := ""
		if c.body != "" {
			body, ct = strings.NewReader(c.body), "application/json"
		} else {
			body = strings.NewReader("")
		}
		a := env.do(t, c.method, c.path, ct, body)
		require.Equal(t, http.StatusBadRequest, a.status, "%s %s: %s", c.method, c.path, a.body)
		if strings.HasPrefix(c.path, "/api/") {
			code, msg := restError(t, a)
			assert.Equal(t, int(connect.CodeInvalidArgument), code, "%s", msg)
			assert.Contains(t, msg, c.msg)
			assert.NotContains(t, msg, "marshal")
		} else {
			code, msg := connectError(t, a)
			assert.Equal(t, "invalid_argument", code)
			assert.Contains(t, msg, c.msg)
		}
		assert.Equal(t, before, internal(), "%s %s counted as internal", c.method, c.path)
	}
	assert.Empty(t, errorLogs(t, env))
}

// Binary protobuf and gRPC refuse invalid UTF-8 in strings while decoding;
// that too is invalid_argument.
func TestInvalidUTF8OverBinaryProtocols(t *testing.T) {
	env := newEnv(t)
	msg, err := proto.Marshal(&slipwayv1.LoginRequest{Email: "placeholder", Password: "x"})
	require.NoError(t, err)
	bad := []byte(strings.Replace(string(msg), "placeholder", "bad\xffname", 1))
	a := env.do(t, "POST", "/slipway.v1.AuthService/Login", "application/proto", strings.NewReader(string(bad)))
	require.Equal(t, http.StatusBadRequest, a.status, "%s", a.body)
	code, _ := connectError(t, a)
	assert.Equal(t, "invalid_argument", code)
	assert.Zero(t, servertest.CounterSum(t, env.registry, "slipway_http_requests_total", "code", "internal"))
}

// textGate refuses NUL bytes and invalid UTF-8 in every string a message
// can hold, naming the field, before the handler runs.
func TestTextGateWalksEveryString(t *testing.T) {
	for _, c := range []struct {
		msg  proto.Message
		want string
	}{
		{&slipwayv1.LoginRequest{Email: "a\x00@b.co"}, "email: must not contain NUL bytes"},
		{&slipwayv1.LoginRequest{Email: "ok", Password: "p\xff"}, "password: must be valid UTF-8"},
		{&slipwayv1.GenerateContractRequest{Template: &slipwayv1.ContractTemplate{Name: "T\x00"}}, "template.name: must not contain NUL bytes"},
		{&slipwayv1.CompileContractRequest{Sources: map[string]string{"a.sol": "contract A {}\x00"}}, `sources["a.sol"]: must not contain NUL bytes`},
		{&slipwayv1.CompileContractRequest{Sources: map[string]string{"a\x00.sol": "contract A {}"}}, "sources: keys must not contain NUL bytes"},
		{&slipwayv1.CreateApiKeyRequest{Name: "ci\x00"}, "name: must not contain NUL bytes"},
	} {
		err := checkText(c.msg)
		require.Error(t, err, "%v", c.msg)
		assert.ErrorIs(t, err, apierr.ErrInvalidText)
		assert.Contains(t, err.Error(), c.want)
		ce := new(connect.Error)
		require.True(t, errors.As(apierr.ToConnect(context.Background(), nil, "/p", err), &ce))
		assert.Equal(t, connect.CodeInvalidArgument, ce.Code())
	}
	assert.NoError(t, checkText(&slipwayv1.CompileContractRequest{Sources: map[string]string{"a.sol": "contract A { string s = \"é\"; }"}}))
}

// A NUL byte reaches the gate on every protocol and becomes
// invalid_argument naming the field, whatever the handler would do.
func TestNULBytesRefusedOnEveryProtocol(t *testing.T) {
	env := newEnv(t)
	a := env.do(t, "POST", "/api/v1/auth/login", "application/json", strings.NewReader(`{"email":"a\u0000@b.co","password":"correct horse battery"}`))
	require.Equal(t, http.StatusBadRequest, a.status, "%s", a.body)
	code, msg := restError(t, a)
	assert.Equal(t, int(connect.CodeInvalidArgument), code)
	assert.Contains(t, msg, "email: must not contain NUL bytes")

	a = env.do(t, "GET", "/api/v1/deployments?pageToken=a%00b", "", nil)
	require.Equal(t, http.StatusBadRequest, a.status, "%s", a.body)
	_, msg = restError(t, a)
	assert.Contains(t, msg, "page_token: must not contain NUL bytes")

	a = env.do(t, "POST", "/slipway.v1.AuthService/Login", "application/json", strings.NewReader(`{"email":"a\u0000@b.co","password":"x"}`))
	require.Equal(t, http.StatusBadRequest, a.status, "%s", a.body)
	cc, msg := connectError(t, a)
	assert.Equal(t, "invalid_argument", cc)
	assert.Contains(t, msg, "email: must not contain NUL bytes")
	assert.Zero(t, servertest.CounterSum(t, env.registry, "slipway_http_requests_total", "code", "internal"))
}

// /readyz tells a caller elsewhere only whether the server is ready: the
// checks' errors name internal hosts and databases.
func TestReadyzDetailsOnlyForLocalCallers(t *testing.T) {
	var down atomic.Bool
	env := newEnv(t, func(c *Config, d *Deps) {
		c.TrustedProxies = []string{"127.0.0.1"}
		d.Readiness = []ReadinessCheck{{Name: "postgres", Check: func(context.Context) error {
			if down.Load() {
				return errors.New("dial tcp db.internal.example:5432: password authentication failed for user slipway")
			}
			return nil
		}}}
	})
	a := env.do(t, http.MethodGet, "/readyz", "", nil, "X-Forwarded-For", "203.0.113.9")
	require.Equal(t, http.StatusOK, a.status)
	assert.Equal(t, "{\"status\":\"ok\"}\n", string(a.body))
	// A loopback peer with a proxy's header is a relayed stranger.
	a = env.do(t, http.MethodGet, "/readyz", "", nil, "Forwarded", "for=203.0.113.9")
	assert.Equal(t, "{\"status\":\"ok\"}\n", string(a.body))
	a = env.do(t, http.MethodGet, "/readyz", "", nil)
	assert.Contains(t, string(a.body), `"checks":{"postgres":{"status":"ok"`, "a local caller gets the details")

	down.Store(true)
	time.Sleep(readinessCacheTTL)
	a = env.do(t, http.MethodGet, "/readyz", "", nil, "X-Forwarded-For", "203.0.113.9")
	require.Equal(t, http.StatusServiceUnavailable, a.status)
	assert.Equal(t, "{\"status\":\"unavailable\"}\n", string(a.body))
	// Without the server: a request from a remote peer.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/readyz", nil)
	req.RemoteAddr = "198.51.100.4:4711"
	env.handler.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Equal(t, "{\"status\":\"unavailable\"}\n", rec.Body.String())

	a = env.do(t, http.MethodGet, "/readyz", "", nil)
	require.Equal(t, http.StatusServiceUnavailable, a.status)
	assert.Contains(t, string(a.body), "password authentication failed", "a local caller gets the error")
	v, _ := metricValue(t, env.registry, "slipway_ready", "check", "postgres")
	assert.Equal(t, 0.0, v, "operators elsewhere read the check on /metrics")
}

// Probes need no credentials, so their checks are shared: concurrent
// probes join one evaluation, and for a second after it every probe
// (readyz or gRPC health) gets its result without checking again.
func TestReadinessChecksCoalescedAndCached(t *testing.T) {
	var runs atomic.Int64
	env := newEnv(t, func(_ *Config, d *Deps) {
		d.Readiness = []ReadinessCheck{{Name: "chain:dev", Check: func(context.Context) error {
			runs.Add(1)
			time.Sleep(200 * time.Millisecond)
			return nil
		}}}
	})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := env.do(t, http.MethodGet, "/readyz", "", nil)
			assert.Equal(t, http.StatusOK, a.status)
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(1), runs.Load(), "two concurrent probes, one evaluation")

	health := grpchealth.NewClient(servertest.H2CClient(), env.srv.URL, connect.WithGRPC())
	res, err := health.Check(t.Context(), &grpchealth.CheckRequest{})
	require.NoError(t, err)
	assert.Equal(t, grpchealth.StatusServing, res.Status)
	env.do(t, http.MethodGet, "/readyz", "", nil)
	assert.Equal(t, int64(1), runs.Load(), "answered from the cache")

	time.Sleep(readinessCacheTTL)
	env.do(t, http.MethodGet, "/readyz", "", nil)
	assert.Equal(t, int64(2), runs.Load(), "evaluated again once the result is a second old")
}

// A client's X-Request-Id is kept only when short and printable; anything
// else is replaced by a UUID the server makes, on the answer and in what it
// stores.
func TestUnfitRequestIDsReplaced(t *testing.T) {
	env := newEnv(t)
	for _, id := range []string{strings.Repeat("a", 129), "tab\there", "bell\x07", "nul\x00", "caf\xc3\xa9", "new\nline", "{\"x\":1}"} {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/networks", nil)
		req.Header[RequestIDHeader] = []string{id}
		rec := httptest.NewRecorder()
		env.handler.ServeHTTP(rec, req)
		got := rec.Header().Get(RequestIDHeader)
		assert.True(t, uuidPattern.MatchString(got), "%q answered for %q", got, id)
	}
}

// Audit rows of deployment.create and deployment.cancel name the client
// the trusted proxy reports, as the auth capability's rows do, and a
// request id only when the client's was fit to keep.
func TestDeploymentAuditRowsNameTheResolvedClient(t *testing.T) {
	pool := dbtest.New(t)
	env := newEnv(t, withDeployments(pool, &servertest.Workflows{}), func(c *Config, _ *Deps) {
		c.TrustedProxies = []string{"127.0.0.1/32"}
	})
	_, bearer := servertest.NewUser(t, db.New(pool))

	body := `{"network":"dev","source":"contract Box {}","contractName":"Box"}`
	a := env.do(t, "POST", "/api/v1/contracts/deploy", "application/json", strings.NewReader(body),
		"Authorization", bearer, "X-Forwarded-For", "198.51.100.7", RequestIDHeader, strings.Repeat("r", 200),
		"User-Agent", "agent\xff\xfe")
	require.Equal(t, http.StatusOK, a.status, "%s", a.body)
	var created struct{ Deployment struct{ ID string } }
	require.NoError(t, json.Unmarshal(a.body, &created))
	id := created.Deployment.ID
	a = env.do(t, "POST", "/api/v1/deployments/"+id+"/cancel", "application/json", strings.NewReader(`{}`),
		"Authorization", bearer, "X-Forwarded-For", "192.0.2.1, 203.0.113.50", RequestIDHeader, "client-id-1")
	require.Equal(t, http.StatusOK, a.status, "%s", a.body)

	type row struct {
		action, requestID, userAgent string
		ip                           netip.Addr
	}
	rows, err := pool.Query(context.Background(),
		`SELECT action, host(client_ip), request_id, user_agent FROM audit_logs WHERE resource_type = 'deployment' AND resource_id = $1 ORDER BY id`, id)
	require.NoError(t, err)
	var got []row
	for rows.Next() {
		var r row
		var ip string
		require.NoError(t, rows.Scan(&r.action, &ip, &r.requestID, &r.userAgent))
		r.ip, err = netip.ParseAddr(ip)
		require.NoError(t, err)
		got = append(got, r)
	}
	require.NoError(t, rows.Err())
	require.Len(t, got, 2)
	assert.Equal(t, "deployment.create", got[0].action)
	assert.Equal(t, netip.MustParseAddr("198.51.100.7"), got[0].ip, "the proxy's client, not the TCP peer")
	assert.True(t, uuidPattern.MatchString(got[0].requestID), "a 200-character id is replaced: %q", got[0].requestID)
	assert.Equal(t, "agent", got[0].userAgent, "stored as valid UTF-8")
	assert.Equal(t, "deployment.cancel", got[1].action)
	assert.Equal(t, netip.MustParseAddr("203.0.113.50"), got[1].ip, "the first address the trusted proxy did not add itself")
	assert.Equal(t, "client-id-1", got[1].requestID)
}

// The failure limiter's buckets: the budget, then a wait that shrinks as
// time passes, per address (IPv6 per /64), and bounded memory.
func TestFailureLimiterBuckets(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := newFailureLimiter(6, nil)
	l.now = func() time.Time { return now }
	a := netip.MustParseAddr("192.0.2.1")
	for i := range 6 {
		require.Zero(t, l.wait(a), "failure %d is within the budget", i)
		l.charge(a)
	}
	assert.Equal(t, 10*time.Second, l.wait(a), "one failure back per 10 s")
	assert.Zero(t, l.wait(netip.MustParseAddr("192.0.2.2")), "another address is not affected")
	now = now.Add(10 * time.Second)
	assert.Zero(t, l.wait(a))

	v6 := netip.MustParseAddr("2001:db8:1:2::1")
	for range 6 {
		l.charge(v6)
	}
	assert.Positive(t, l.wait(netip.MustParseAddr("2001:db8:1:2:ffff::9")), "same /64")
	assert.Zero(t, l.wait(netip.MustParseAddr("2001:db8:1:3::1")), "another /64")

	for i := range maxFailureBuckets + 10 {
		l.charge(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
	}
	assert.LessOrEqual(t, len(l.tat), maxFailureBuckets)
}

// The new settings are validated with the rest of the configuration.
func TestHardeningConfigValidation(t *testing.T) {
	_, err := New(Config{AuthFailuresPerMinute: -1}, Deps{})
	assert.ErrorContains(t, err, "auth failures per minute -1")
	_, err = New(Config{TrustedProxies: []string{"not-an-address"}}, Deps{})
	assert.ErrorContains(t, err, "trusted proxies")
	cfg, err := Config{}.withDefaults()
	require.NoError(t, err)
	assert.Equal(t, DefaultAuthFailuresPerMinute, cfg.AuthFailuresPerMinute)
}
