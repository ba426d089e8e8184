package secrets

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/internal/proc"
)

const testRootToken = "slipway-test-root-token"

// vaultServer is a Vault-API server for the tests: a real OpenBao or Vault
// dev server when one is installed (SLIPWAY_TEST_VAULT_BIN, or `bao` or
// `vault` on PATH), else the in-process fake of vaultfake_test.go. The Go
// module proxy reachable here serves neither OpenBao's server module nor a
// HashiCorp Vault release that builds, so the fake is what runs by default.
type vaultServer struct {
	addr string
	real bool
}

func vaultBinary() string {
	if p := os.Getenv("SLIPWAY_TEST_VAULT_BIN"); p != "" {
		return p
	}
	for _, name := range []string{"bao", "vault"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

func startVault(t *testing.T) *vaultServer {
	t.Helper()
	bin := vaultBinary()
	if bin == "" {
		srv := httptest.NewServer(newFakeVault(testRootToken))
		t.Cleanup(srv.Close)
		return &vaultServer{addr: srv.URL}
	}
	return startDevServer(t, bin)
}

// startDevServer runs `<bin> server -dev` on a free loopback port, in its
// own process group (internal/proc), stopped when the test ends.
func startDevServer(t *testing.T, bin string) *vaultServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := l.Addr().String()
	l.Close()
	home := t.TempDir() // dev mode writes ~/.vault-token
	// One writer for both streams: exec then calls it from one goroutine
	// at a time, so a plain buffer will do.
	var out bytes.Buffer
	p, err := proc.Start(context.Background(), nil, proc.Spec{
		Name:   filepath.Base(bin),
		Path:   bin,
		Args:   []string{"server", "-dev", "-dev-root-token-id=" + testRootToken, "-dev-listen-address=" + listen},
		Env:    devServerEnv(home),
		Stdout: &out, Stderr: &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop(5 * time.Second) })
	v := &vaultServer{addr: "http://" + listen, real: true}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(v.addr + "/v1/sys/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return v
			}
		}
		select {
		case <-p.Done():
			t.Fatalf("%s exited: %v", bin, p.Err())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s dev server not ready after 30s", bin)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// devServerEnv is the test's environment less the variables that would
// steer a dev server (VAULT_*, BAO_*), with HOME in a temp dir because dev
// mode writes ~/.vault-token.
func devServerEnv(home string) []string {
	env := []string{"HOME=" + home}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VAULT_") && !strings.HasPrefix(kv, "BAO_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	return env
}

// TestMain lets the test binary stand in for `bao server -dev` (serving the
// fake) when SLIPWAY_TEST_FAKE_BAO=1, so that TestDevServerHarness checks
// the real-server plumbing (flags, process group, readiness, stop) here.
func TestMain(m *testing.M) {
	if os.Getenv("SLIPWAY_TEST_FAKE_BAO") == "1" {
		os.Exit(fakeBaoMain(os.Args[1:]))
	}
	os.Exit(m.Run())
}

func fakeBaoMain(args []string) int {
	var root, listen string
	if len(args) < 2 || args[0] != "server" || args[1] != "-dev" {
		fmt.Fprintln(os.Stderr, "usage: server -dev -dev-root-token-id=T -dev-listen-address=A")
		return 2
	}
	for _, a := range args[2:] {
		if v, ok := strings.CutPrefix(a, "-dev-root-token-id="); ok {
			root = v
		} else if v, ok := strings.CutPrefix(a, "-dev-listen-address="); ok {
			listen = v
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	srv := &http.Server{Addr: listen, Handler: newFakeVault(root), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func TestDevServerHarness(t *testing.T) {
	t.Setenv("SLIPWAY_TEST_FAKE_BAO", "1")
	v := startDevServer(t, os.Args[0])
	v.setup(t, "1h", "2h")
	p, _, _ := newTestVault(t, VaultConfig{Addr: v.addr, Token: "env:T"}, map[string]string{"T": testRootToken})
	got, err := p.Get(context.Background(), "vault:secret/data/slipway#jwt_key")
	if err != nil || got.RevealString() != "ed25519-signing-key-v2" {
		t.Fatalf("through the dev-server harness: %q, %v", got.RevealString(), err)
	}
}

// api calls the server as root, as an operator would set it up.
func (v *vaultServer) api(t *testing.T, method, path string, body any) map[string]any {
	t.Helper()
	return v.apiAs(t, testRootToken, method, path, body)
}

func (v *vaultServer) apiAs(t *testing.T, token, method, path string, body any) map[string]any {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, v.addr+"/v1/"+path, rd)
	req.Header.Set("X-Vault-Token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, b)
	}
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

// approleCreds is what an operator hands Slipway for AppRole auth.
type approleCreds struct{ roleID, secretID string }

// setup writes the secrets and the AppRole role the tests read, through the
// server's HTTP API: two versions of secret/slipway, a policy that may read
// only secret/data/slipway*, and role "slipway" bound to it.
func (v *vaultServer) setup(t *testing.T, tokenTTL, maxTTL string) approleCreds {
	t.Helper()
	v.api(t, "POST", "secret/data/slipway", map[string]any{"data": map[string]any{"jwt_key": "old-signing-key"}})
	v.api(t, "POST", "secret/data/slipway", map[string]any{"data": map[string]any{
		"jwt_key": "ed25519-signing-key-v2", "deployer_key": "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318", "rounds": 12,
	}})
	v.api(t, "POST", "secret/data/other", map[string]any{"data": map[string]any{"password": "not-for-slipway"}})
	v.api(t, "PUT", "sys/policies/acl/slipway-read", map[string]any{
		"policy": `path "secret/data/slipway*" { capabilities = ["read"] }`,
	})
	v.api(t, "POST", "sys/auth/approle", map[string]any{"type": "approle"})
	v.api(t, "POST", "auth/approle/role/slipway", map[string]any{
		"token_policies": "slipway-read", "token_ttl": tokenTTL, "token_max_ttl": maxTTL,
	})
	roleID := v.api(t, "GET", "auth/approle/role/slipway/role-id", nil)["data"].(map[string]any)["role_id"].(string)
	secretID := v.api(t, "POST", "auth/approle/role/slipway/secret-id", nil)["data"].(map[string]any)["secret_id"].(string)
	return approleCreds{roleID: roleID, secretID: secretID}
}

// recorder records the requests the client sends, and the token each one
// carried, so tests can check caching, renewal and re-login.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	method, path, token, namespace string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, recorded{req.Method, strings.TrimPrefix(req.URL.Path, "/v1/"), req.Header.Get("X-Vault-Token"), req.Header.Get("X-Vault-Namespace")})
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

func (r *recorder) count(path string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, q := range r.reqs {
		if q.path == path {
			n++
		}
	}
	return n
}

func (r *recorder) last(path string) recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.reqs) - 1; i >= 0; i-- {
		if r.reqs[i].path == path {
			return r.reqs[i]
		}
	}
	return recorded{}
}

// testClock is the client's clock, moved by hand to reach refresh points
// and cache expiry without sleeping.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newTestVault builds the client as NewProvider does, with env read from a
// map, a recording transport and a hand-moved clock.
func newTestVault(t *testing.T, cfg VaultConfig, env map[string]string) (*provider, *recorder, *testClock) {
	t.Helper()
	local := localProvider{getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }, readFile: readSecretFile}
	c, err := newVault(cfg, local, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.logger = testLogger(t)
	rec := &recorder{next: c.http.Transport}
	c.http.Transport = rec
	clock := &testClock{t: time.Now()}
	c.now = clock.now
	return &provider{local: local, vault: c}, rec, clock
}

func TestVaultTokenAuth(t *testing.T) {
	v := startVault(t)
	v.setup(t, "1h", "2h")
	token := v.api(t, "POST", "auth/token/create", map[string]any{"policies": []string{"slipway-read"}, "ttl": "1h"})["auth"].(map[string]any)["client_token"].(string)
	p, rec, clock := newTestVault(t, VaultConfig{Addr: v.addr, Token: "env:VAULT_TOKEN"}, map[string]string{"VAULT_TOKEN": token})
	ctx := context.Background()

	got, err := p.Get(ctx, "vault:secret/data/slipway#jwt_key")
	if err != nil {
		t.Fatal(err)
	}
	if got.RevealString() != "ed25519-signing-key-v2" {
		t.Fatalf("jwt_key = %q", got.RevealString())
	}
	if r := rec.last("secret/data/slipway"); r.token != token || r.method != "GET" {
		t.Fatalf("read sent %+v", r)
	}
	old, err := p.Get(ctx, "vault:secret/data/slipway?version=1#jwt_key")
	if err != nil || old.RevealString() != "old-signing-key" {
		t.Fatalf("version 1: %q, %v", old.RevealString(), err)
	}
	rounds, err := p.Get(ctx, "vault:secret/data/slipway#rounds")
	if err != nil || rounds.RevealString() != "12" {
		t.Fatalf("non-string field: %q, %v", rounds.RevealString(), err)
	}

	// The latest version and version 1 were read once each; further reads
	// come from the cache until it expires.
	for range 5 {
		if _, err := p.Get(ctx, "vault:secret/data/slipway#deployer_key"); err != nil {
			t.Fatal(err)
		}
	}
	if n := rec.count("secret/data/slipway"); n != 2 {
		t.Fatalf("%d reads of secret/data/slipway, want 2 (latest + version 1)", n)
	}
	v.api(t, "POST", "secret/data/slipway", map[string]any{"data": map[string]any{"jwt_key": "rotated-key"}})
	if got, _ := p.Get(ctx, "vault:secret/data/slipway#jwt_key"); got.RevealString() != "ed25519-signing-key-v2" {
		t.Fatalf("within the cache TTL got %q", got.RevealString())
	}
	clock.advance(DefaultVaultCacheTTL + time.Second)
	if got, _ := p.Get(ctx, "vault:secret/data/slipway#jwt_key"); got.RevealString() != "rotated-key" {
		t.Fatalf("after the cache TTL got %q, want the rotated key", got.RevealString())
	}

	_, err = p.Get(ctx, "vault:secret/data/slipway#no_such_field")
	wantErr(t, err, ErrNotFound, "no_such_field")
	_, err = p.Get(ctx, "vault:secret/data/slipway-missing#jwt_key")
	wantErr(t, err, ErrNotFound, "secret/data/slipway-missing", "404")
	_, err = p.Get(ctx, "vault:secret/data/slipway?version=99#jwt_key")
	wantErr(t, err, ErrNotFound, "404")
	// The policy allows secret/data/slipway* only.
	_, err = p.Get(ctx, "vault:secret/data/other#password")
	wantErr(t, err, ErrPermissionDenied, "secret/data/other", "403")
	noLeak(t, err, token, "not-for-slipway")
}

func TestVaultWrongToken(t *testing.T) {
	v := startVault(t)
	v.setup(t, "1h", "2h")
	const bad = "hvs.this-token-does-not-exist-1234"
	p, _, _ := newTestVault(t, VaultConfig{Addr: v.addr, Token: "env:VAULT_TOKEN"}, map[string]string{"VAULT_TOKEN": bad})
	_, err := p.Get(context.Background(), "vault:secret/data/slipway#jwt_key")
	wantErr(t, err, ErrPermissionDenied, "secret/data/slipway", "HTTP 403")
	noLeak(t, err, bad, "ed25519-signing-key-v2")
	t.Logf("wrong token: %v", err)
}

func TestVaultAppRole(t *testing.T) {
	v := startVault(t)
	creds := v.setup(t, "60s", "1h")
	dir := t.TempDir()
	secretIDFile := filepath.Join(dir, "secret_id")
	if err := os.WriteFile(secretIDFile, []byte(creds.secretID+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, rec, clock := newTestVault(t, VaultConfig{
		Addr: v.addr, RoleID: "env:VAULT_ROLE_ID", SecretID: "file:" + secretIDFile, CacheTTL: -1,
	}, map[string]string{"VAULT_ROLE_ID": creds.roleID})
	ctx := context.Background()
	ref := "vault:secret/data/slipway#jwt_key"

	got, err := p.Get(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if got.RevealString() != "ed25519-signing-key-v2" {
		t.Fatalf("got %q", got.RevealString())
	}
	if n := rec.count("auth/approle/login"); n != 1 {
		t.Fatalf("%d logins, want 1", n)
	}
	first := rec.last("secret/data/slipway").token

	// Caching is off: every Get reads; the token is reused until two thirds
	// of its 60s lease have passed, then renewed.
	if _, err := p.Get(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if rec.count("secret/data/slipway") != 2 || rec.count("auth/approle/login") != 1 || rec.count("auth/token/renew-self") != 0 {
		t.Fatalf("requests: %+v", rec.reqs)
	}
	clock.advance(41 * time.Second)
	if _, err := p.Get(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if n := rec.count("auth/token/renew-self"); n != 1 {
		t.Fatalf("%d renewals after 41s of a 60s lease, want 1", n)
	}
	if r := rec.last("secret/data/slipway"); r.token != first {
		t.Fatal("renewal changed the token")
	}

	// A revoked token gets 403: the client logs in again and the read
	// succeeds without the caller seeing an error.
	v.api(t, "POST", "auth/token/revoke", map[string]any{"token": first})
	if got, err := p.Get(ctx, ref); err != nil || got.RevealString() != "ed25519-signing-key-v2" {
		t.Fatalf("after revocation: %v", err)
	}
	if n := rec.count("auth/approle/login"); n != 2 {
		t.Fatalf("%d logins after revocation, want 2", n)
	}
	if rec.last("secret/data/slipway").token == first {
		t.Fatal("still using the revoked token")
	}
}

func TestVaultAppRoleMaxTTLRelogin(t *testing.T) {
	v := startVault(t)
	// token_max_ttl equal to token_ttl: the first renewal is capped, so
	// the client must log in again instead of renewing ever shorter leases.
	creds := v.setup(t, "60s", "60s")
	p, rec, clock := newTestVault(t, VaultConfig{
		Addr: v.addr, RoleID: "env:RID", SecretID: "env:SID", CacheTTL: -1,
	}, map[string]string{"RID": creds.roleID, "SID": creds.secretID})
	ctx := context.Background()
	ref := "vault:secret/data/slipway#jwt_key"
	if _, err := p.Get(ctx, ref); err != nil {
		t.Fatal(err)
	}
	clock.advance(41 * time.Second)
	if _, err := p.Get(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if rec.count("auth/token/renew-self") != 1 || rec.count("auth/approle/login") != 1 {
		t.Fatalf("want one capped renewal: %+v", rec.reqs)
	}
	clock.advance(40 * time.Second)
	if _, err := p.Get(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if rec.count("auth/token/renew-self") != 1 || rec.count("auth/approle/login") != 2 {
		t.Fatalf("want a second login, not another renewal: %+v", rec.reqs)
	}
}

func TestVaultAppRoleBadSecretID(t *testing.T) {
	v := startVault(t)
	creds := v.setup(t, "60s", "1h")
	const badSecretID = "00000000-1111-2222-3333-444444444444"
	p, _, _ := newTestVault(t, VaultConfig{Addr: v.addr, RoleID: "env:RID", SecretID: "env:SID"},
		map[string]string{"RID": creds.roleID, "SID": badSecretID})
	_, err := p.Get(context.Background(), "vault:secret/data/slipway#jwt_key")
	wantErr(t, err, ErrPermissionDenied, "approle")
	noLeak(t, err, badSecretID, creds.roleID, creds.secretID)
	t.Logf("bad secret_id: %v", err)

	p, _, _ = newTestVault(t, VaultConfig{Addr: v.addr, RoleID: "env:RID", SecretID: "env:SID"},
		map[string]string{"RID": creds.roleID})
	_, err = p.Get(context.Background(), "vault:secret/data/slipway#jwt_key")
	wantErr(t, err, ErrNotFound, "SID")
}

func TestVaultUnavailable(t *testing.T) {
	// Nothing listens on the port: connection refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "http://" + l.Addr().String()
	l.Close()
	p, _, _ := newTestVault(t, VaultConfig{Addr: addr, Token: "env:T", Timeout: 2 * time.Second}, map[string]string{"T": "hvs.some-token-value"})
	_, err = p.Get(context.Background(), "vault:secret/data/slipway#jwt_key")
	wantErr(t, err, ErrUnavailable)
	noLeak(t, err, "hvs.some-token-value")

	// A server too slow for the caller's deadline.
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })
	p, _, _ = newTestVault(t, VaultConfig{Addr: slow.URL, Token: "env:T", Timeout: 5 * time.Second}, map[string]string{"T": "hvs.some-token-value"})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = p.Get(ctx, "vault:secret/data/slipway#jwt_key")
	wantErr(t, err, ErrUnavailable)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Fatalf("slow Vault: %v after %v", err, time.Since(start))
	}

	// A sealed server answers 503.
	v := startVault(t)
	v.setup(t, "1h", "2h")
	p, _, _ = newTestVault(t, VaultConfig{Addr: v.addr, Token: "env:T"}, map[string]string{"T": testRootToken})
	v.api(t, "PUT", "sys/seal", nil)
	_, err = p.Get(context.Background(), "vault:secret/data/slipway#jwt_key")
	wantErr(t, err, ErrUnavailable, "503")
	noLeak(t, err, testRootToken)
}

func TestVaultCacheSharedFetch(t *testing.T) {
	v := startVault(t)
	v.setup(t, "1h", "2h")
	p, rec, _ := newTestVault(t, VaultConfig{Addr: v.addr, Token: "env:T", Namespace: "team-a"}, map[string]string{"T": testRootToken})
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Go(func() {
			s, err := p.Get(context.Background(), "vault:secret/data/slipway#jwt_key")
			if err == nil && s.RevealString() != "ed25519-signing-key-v2" {
				err = fmt.Errorf("got %q", s.RevealString())
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := rec.count("secret/data/slipway"); n != 1 {
		t.Fatalf("32 concurrent Gets made %d reads, want 1", n)
	}
	if rec.count("auth/token/lookup-self") != 1 {
		t.Fatalf("want one token lookup: %+v", rec.reqs)
	}
	if ns := rec.last("secret/data/slipway").namespace; ns != "team-a" {
		t.Fatalf("X-Vault-Namespace = %q", ns)
	}
}

func TestVaultMountWithSlashes(t *testing.T) {
	v := startVault(t)
	v.api(t, "POST", "sys/mounts/team/kv", map[string]any{"type": "kv", "options": map[string]any{"version": "2"}})
	if v.real {
		// A new KV v2 mount upgrades itself for a moment before it takes writes.
		time.Sleep(2 * time.Second)
	}
	v.api(t, "POST", "team/kv/data/app/signing", map[string]any{"data": map[string]any{"key": "k-123"}})
	p, _, _ := newTestVault(t, VaultConfig{Addr: v.addr, Token: "env:T"}, map[string]string{"T": testRootToken})
	got, err := p.Get(context.Background(), "vault:team/kv/data/app/signing#key")
	if err != nil || got.RevealString() != "k-123" {
		t.Fatalf("got %q, %v", got.RevealString(), err)
	}
}

func TestVaultTLSWithCAFile(t *testing.T) {
	srv := httptest.NewTLSServer(newFakeVault(testRootToken))
	t.Cleanup(srv.Close)
	v := &vaultServer{addr: srv.URL}
	// Seed through the server's own client, which trusts its certificate.
	req, _ := http.NewRequest("POST", srv.URL+"/v1/secret/data/tls", strings.NewReader(`{"data":{"k":"over-tls"}}`))
	req.Header.Set("X-Vault-Token", testRootToken)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	ref := "vault:secret/data/tls#k"
	// Without the CA the certificate is refused (a transport failure).
	p, _, _ := newTestVault(t, VaultConfig{Addr: v.addr, Token: "env:T"}, map[string]string{"T": testRootToken})
	_, err = p.Get(context.Background(), ref)
	wantErr(t, err, ErrUnavailable, "certificate")

	caFile := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	p, _, _ = newTestVault(t, VaultConfig{Addr: v.addr, Token: "env:T", CACertFile: caFile}, map[string]string{"T": testRootToken})
	got, err := p.Get(context.Background(), ref)
	if err != nil || got.RevealString() != "over-tls" {
		t.Fatalf("with CA: %q, %v", got.RevealString(), err)
	}
}

func TestVaultRefusesRedirectToOtherHost(t *testing.T) {
	var stolen sync.Map
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stolen.Store("token", r.Header.Get("X-Vault-Token"))
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(evil.Close)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, evil.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirector.Close)
	// Different port, same IP: a different host for net/http's purposes.
	p, _, _ := newTestVault(t, VaultConfig{Addr: redirector.URL, Token: "env:T"}, map[string]string{"T": "hvs.do-not-forward"})
	_, err := p.Get(context.Background(), "vault:secret/data/slipway#jwt_key")
	if err == nil {
		t.Fatal("redirect to another host was followed")
	}
	if v, ok := stolen.Load("token"); ok {
		t.Fatalf("token reached the other host: %v", v)
	}
	noLeak(t, err, "hvs.do-not-forward")
}

func TestVaultConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  VaultConfig
	}{
		{"no auth", VaultConfig{Addr: "http://127.0.0.1:8200"}},
		{"both auths", VaultConfig{Addr: "http://127.0.0.1:8200", Token: "env:T", RoleID: "env:R"}},
		{"secret_id without role_id", VaultConfig{Addr: "http://127.0.0.1:8200", Token: "env:T", SecretID: "env:S"}},
		{"vault credential", VaultConfig{Addr: "http://127.0.0.1:8200", Token: "vault:secret/data/x#t"}},
		{"bad credential ref", VaultConfig{Addr: "http://127.0.0.1:8200", Token: "hvs.pasted-token-value"}},
		{"bad scheme", VaultConfig{Addr: "ftp://127.0.0.1", Token: "env:T"}},
		{"credentials in address", VaultConfig{Addr: "http://u:hunter2@127.0.0.1", Token: "env:T"}},
		{"bad approle mount", VaultConfig{Addr: "http://127.0.0.1:8200", RoleID: "env:R", AppRoleMount: "../sys"}},
		{"missing CA file", VaultConfig{Addr: "https://127.0.0.1:8200", Token: "env:T", CACertFile: "/nonexistent/ca.pem"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewProvider(Config{Vault: tc.cfg})
			if err == nil {
				t.Fatal("accepted")
			}
			noLeak(t, err, "hvs.pasted-token-value", "hunter2")
		})
	}
	// Without a Vault address, vault references are refused.
	p, err := NewProvider(Config{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Get(context.Background(), "vault:secret/data/x#y")
	wantErr(t, err, ErrInvalidRef, "no Vault address")
}

func TestVaultConfigFromEnv(t *testing.T) {
	env := map[string]string{"VAULT_ADDR": "https://v:8200", "VAULT_ROLE_ID_FILE": "/run/secrets/rid", "VAULT_SECRET_ID": "x", "VAULT_NAMESPACE": "ns"}
	cfg := VaultConfigFromEnv(func(k string) string { return env[k] })
	want := VaultConfig{Addr: "https://v:8200", Namespace: "ns", RoleID: "env:VAULT_ROLE_ID", SecretID: "env:VAULT_SECRET_ID"}
	if cfg != want {
		t.Fatalf("got %+v", cfg)
	}
	env["VAULT_TOKEN"] = "t"
	if cfg := VaultConfigFromEnv(func(k string) string { return env[k] }); cfg.Token != "env:VAULT_TOKEN" || cfg.RoleID != "" {
		t.Fatalf("token should win: %+v", cfg)
	}
}

func wantErr(t *testing.T, err, sentinel error, contains ...string) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("error %v, want %v", err, sentinel)
	}
	for _, s := range contains {
		if !strings.Contains(err.Error(), s) {
			t.Fatalf("error %q does not mention %q", err, s)
		}
	}
}

func noLeak(t *testing.T, err error, values ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		for _, v := range values {
			if v != "" && strings.Contains(s, v) {
				t.Fatalf("error leaks %q: %s", v, s)
			}
		}
	}
}
