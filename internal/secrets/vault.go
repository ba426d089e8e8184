package secrets

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// VaultConfig says how to reach HashiCorp Vault or OpenBao (same HTTP API)
// and how to authenticate. Credentials are themselves references, env: or
// file: only, so that the config file holds no secret and a token file
// rewritten by Vault Agent is picked up at the next login.
type VaultConfig struct {
	// Addr is the server's base URL, e.g. "https://vault.internal:8200".
	// Point it at the active node or a load balancer: redirects to another
	// host are refused because they would carry the token along.
	Addr string
	// Token is a reference to a Vault token (token auth), e.g.
	// "env:VAULT_TOKEN". Set either Token or RoleID.
	Token string
	// RoleID and SecretID are references to AppRole credentials (AppRole
	// auth); SecretID may be empty for roles with bind_secret_id=false.
	RoleID   string
	SecretID string
	// AppRoleMount is where the AppRole auth method is enabled; "approle"
	// when empty.
	AppRoleMount string
	// Namespace, when set, is sent as X-Vault-Namespace (Vault Enterprise,
	// OpenBao namespaces).
	Namespace string
	// CACertFile is a PEM bundle trusted for the server's certificate
	// instead of the system roots.
	CACertFile string
	// Timeout bounds each HTTP request; 10s when zero.
	Timeout time.Duration
	// CacheTTL is how long a secret read from Vault is served from memory,
	// so hot paths do not hit Vault on every request; 1 minute when zero,
	// no caching when negative. A secret changed in Vault is seen after at
	// most this long.
	CacheTTL time.Duration
}

// Defaults of VaultConfig.
const (
	DefaultVaultTimeout  = 10 * time.Second
	DefaultVaultCacheTTL = time.Minute
	defaultAppRoleMount  = "approle"
)

// VaultConfigFromEnv reads the variables the Vault CLI uses, so that an
// environment set up for `vault`/`bao` also works for Slipway: VAULT_ADDR,
// VAULT_NAMESPACE, VAULT_CACERT; the token from VAULT_TOKEN (or the file
// named by VAULT_TOKEN_FILE); AppRole from VAULT_ROLE_ID and VAULT_SECRET_ID
// (or their _FILE variants) when no token is given.
func VaultConfigFromEnv(getenv func(string) string) VaultConfig {
	set := func(name string) bool { return getenv(name) != "" || getenv(name+"_FILE") != "" }
	cfg := VaultConfig{
		Addr:       getenv("VAULT_ADDR"),
		Namespace:  getenv("VAULT_NAMESPACE"),
		CACertFile: getenv("VAULT_CACERT"),
	}
	switch {
	case set("VAULT_TOKEN"):
		cfg.Token = "env:VAULT_TOKEN"
	case set("VAULT_ROLE_ID"):
		cfg.RoleID = "env:VAULT_ROLE_ID"
		if set("VAULT_SECRET_ID") {
			cfg.SecretID = "env:VAULT_SECRET_ID"
		}
	}
	return cfg
}

// vaultClient reads KV v2 secrets over Vault's HTTP API. It logs in lazily,
// renews its token when two thirds of the lease have passed, logs in again
// when renewal is impossible or Vault answers 403, and caches secrets for
// CacheTTL with one fetch in flight per secret.
type vaultClient struct {
	base      *url.URL
	http      *http.Client
	namespace string
	token     *Ref // token auth
	roleID    *Ref // AppRole auth
	secretID  *Ref
	approle   string
	local     localProvider
	logger    *slog.Logger
	ttl       time.Duration
	now       func() time.Time

	authMu sync.Mutex // serialises login and renewal

	mu    sync.Mutex // guards tok, cache
	tok   *vaultToken
	cache map[string]cacheEntry

	fetches singleflight.Group // one read per secret version in flight
}

type vaultToken struct {
	value     Secret
	ttl       time.Duration // lease at issue; 0 = no expiry known
	expires   time.Time
	renewable bool
	nextCheck time.Time // when to renew or log in again; zero = never
}

func (t *vaultToken) expired(now time.Time) bool {
	return t.ttl > 0 && !now.Before(t.expires)
}

type cacheEntry struct {
	fields  map[string]Secret
	expires time.Time
}

func newVault(cfg VaultConfig, local localProvider, logger *slog.Logger) (*vaultClient, error) {
	base, err := url.Parse(strings.TrimRight(cfg.Addr, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" || base.User != nil || base.RawQuery != "" || base.Fragment != "" {
		return nil, fmt.Errorf("configure vault: address must be http(s)://host[:port], without credentials or query")
	}
	c := &vaultClient{
		base:      base,
		namespace: cfg.Namespace,
		approle:   cfg.AppRoleMount,
		local:     local,
		logger:    logger,
		now:       time.Now,
		cache:     map[string]cacheEntry{},
	}
	if c.approle == "" {
		c.approle = defaultAppRoleMount
	}
	if !validPath(c.approle) {
		return nil, fmt.Errorf("configure vault: bad AppRole mount %q", c.approle)
	}
	c.ttl = durationOr(cfg.CacheTTL, DefaultVaultCacheTTL)
	credRef := func(what, s string) (*Ref, error) {
		if s == "" {
			return nil, nil
		}
		r, err := ParseRef(s)
		if err != nil {
			return nil, fmt.Errorf("configure vault %s: %w", what, err)
		}
		if r.Scheme == SchemeVault {
			return nil, fmt.Errorf("configure vault %s: %w: must be an env: or file: reference", what, ErrInvalidRef)
		}
		return &r, nil
	}
	if c.token, err = credRef("token", cfg.Token); err != nil {
		return nil, err
	}
	if c.roleID, err = credRef("role_id", cfg.RoleID); err != nil {
		return nil, err
	}
	if c.secretID, err = credRef("secret_id", cfg.SecretID); err != nil {
		return nil, err
	}
	switch {
	case c.token == nil && c.roleID == nil:
		return nil, errors.New("configure vault: set a token reference or an AppRole role_id reference")
	case c.token != nil && c.roleID != nil:
		return nil, errors.New("configure vault: set a token or AppRole credentials, not both")
	case c.secretID != nil && c.roleID == nil:
		return nil, errors.New("configure vault: a secret_id needs a role_id")
	}

	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.CACertFile != "" {
		pem, err := os.ReadFile(cfg.CACertFile)
		if err != nil {
			return nil, fmt.Errorf("read vault CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("read vault CA file %s: no PEM certificate in it", cfg.CACertFile)
		}
		tlsCfg.RootCAs = pool
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsCfg
	c.http = &http.Client{
		Transport: tr,
		Timeout:   durationOr(cfg.Timeout, DefaultVaultTimeout),
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Host != base.Host || req.URL.Scheme != base.Scheme || len(via) > 3 {
				return errors.New("vault redirected to another address; set the address of the active node")
			}
			return nil
		},
	}
	return c, nil
}

func validPath(p string) bool {
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.ContainsFunc(seg, isControl) {
			return false
		}
	}
	return true
}

func (c *vaultClient) get(ctx context.Context, r Ref) (Secret, error) {
	fields, err := c.fields(ctx, r)
	if err != nil {
		return Secret{}, err
	}
	v, ok := fields[r.Field]
	if !ok {
		return Secret{}, fmt.Errorf("%w: vault secret %s has no field %q", ErrNotFound, r.apiPath(), r.Field)
	}
	return v, nil
}

// fields answers every field of the secret version r names, from the cache
// or from one fetch shared by concurrent callers.
func (c *vaultClient) fields(ctx context.Context, r Ref) (map[string]Secret, error) {
	key := r.apiPath()
	if r.Version > 0 {
		key += "?version=" + strconv.Itoa(r.Version)
	}
	if fields, ok := c.cached(key); ok {
		return fields, nil
	}
	// DoChan runs the fetch in its own goroutine, so it outlives a caller
	// that gives up and the others still get its answer; the HTTP timeout
	// bounds it. A caller that missed the cache just before another fetch
	// filled it finds the entry here instead of reading Vault again.
	ch := c.fetches.DoChan(key, func() (any, error) {
		if fields, ok := c.cached(key); ok {
			return fields, nil
		}
		fields, err := c.read(context.WithoutCancel(ctx), r)
		if err == nil && c.ttl > 0 {
			c.mu.Lock()
			c.cache[key] = cacheEntry{fields: fields, expires: c.now().Add(c.ttl)}
			c.mu.Unlock()
		}
		return fields, err
	})
	select {
	case res := <-ch:
		fields, _ := res.Val.(map[string]Secret)
		return fields, res.Err
	case <-ctx.Done():
		// Vault too slow for the caller's deadline: transient, like Vault down.
		return nil, fmt.Errorf("read vault secret %s: %w: %w", r.apiPath(), ErrUnavailable, ctx.Err())
	}
}

// cached answers the fields cached under key while they are fresh.
func (c *vaultClient) cached(key string) (map[string]Secret, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.cache[key]
	if !ok || !c.now().Before(e.expires) {
		return nil, false
	}
	return e.fields, true
}

// read fetches a secret, logging in again once if Vault answers 403 (the
// token was revoked or expired early).
func (c *vaultClient) read(ctx context.Context, r Ref) (map[string]Secret, error) {
	tok, err := c.ensureToken(ctx)
	if err != nil {
		return nil, err
	}
	fields, status, err := c.readKV(ctx, r, tok.value)
	if status != http.StatusForbidden {
		return fields, err
	}
	c.mu.Lock()
	if c.tok == tok {
		c.tok = nil
	}
	c.mu.Unlock()
	fresh, lerr := c.ensureToken(ctx)
	if lerr != nil {
		c.logger.WarnContext(ctx, "vault login after 403 failed", "err", lerr)
		return nil, err
	}
	if fresh.value.Equal(tok.value) {
		// Token auth handed back the same token: retrying cannot help.
		return nil, err
	}
	fields, _, err = c.readKV(ctx, r, fresh.value)
	return fields, err
}

// kvResponse is the part of a KV v2 read answer Slipway uses:
// {"data": {"data": {...fields}, "metadata": {...}}}.
type kvResponse struct {
	Data *struct {
		Data map[string]json.RawMessage `json:"data"`
	} `json:"data"`
}

func (c *vaultClient) readKV(ctx context.Context, r Ref, token Secret) (map[string]Secret, int, error) {
	op := "read vault secret " + r.apiPath()
	var q url.Values
	if r.Version > 0 {
		q = url.Values{"version": {strconv.Itoa(r.Version)}}
	}
	status, body, err := c.do(ctx, http.MethodGet, r.apiPath(), q, token, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", op, err)
	}
	if status != http.StatusOK {
		return nil, status, c.statusError(op, status, body, token)
	}
	var resp kvResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, status, fmt.Errorf("%s: decode answer: not JSON", op)
	}
	if resp.Data == nil || resp.Data.Data == nil {
		// A deleted or destroyed version, or a KV v1 mount answering a path
		// that happens to exist.
		return nil, status, fmt.Errorf("%w: %s: no KV v2 data (deleted, destroyed, or not a KV v2 mount)", ErrNotFound, op)
	}
	fields := make(map[string]Secret, len(resp.Data.Data))
	for k, raw := range resp.Data.Data {
		raw = bytes.TrimSpace(raw)
		switch {
		case bytes.Equal(raw, []byte("null")):
			continue
		case len(raw) > 0 && raw[0] == '"':
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, status, fmt.Errorf("%s: decode field %q: bad string", op, k)
			}
			fields[k] = NewSecretString(s)
		default:
			// Numbers, booleans, objects: their JSON text.
			fields[k] = NewSecret(raw)
		}
	}
	return fields, status, nil
}

// ensureToken answers a token good for the next request: the current one,
// a renewed one once two thirds of its lease have passed, or a new login.
// While Vault cannot renew or log in, a token that has not expired is kept.
func (c *vaultClient) ensureToken(ctx context.Context) (*vaultToken, error) {
	c.authMu.Lock()
	defer c.authMu.Unlock()
	c.mu.Lock()
	t := c.tok
	c.mu.Unlock()
	now := c.now()
	if t != nil && !t.expired(now) && (t.nextCheck.IsZero() || now.Before(t.nextCheck)) {
		return t, nil
	}
	var nt *vaultToken
	var err error
	if t != nil && t.renewable && !t.expired(now) {
		nt, err = c.renew(ctx, t)
		if err != nil {
			c.logger.WarnContext(ctx, "vault token renewal failed; logging in again", "err", err)
		}
	}
	if nt == nil {
		nt, err = c.login(ctx)
	}
	if err != nil {
		if t != nil && !t.expired(now) {
			c.logger.WarnContext(ctx, "vault login failed; keeping the current token until it expires", "err", err, "expires", t.expires)
			t.nextCheck = now.Add(retryAfter(now, t))
			return t, nil
		}
		return nil, err
	}
	if !nt.nextCheck.IsZero() && !now.Before(nt.nextCheck) {
		// The new lease is already past its refresh point (a token near its
		// max TTL): check again a little later, not on every request.
		nt.nextCheck = now.Add(retryAfter(now, nt))
	}
	c.mu.Lock()
	c.tok = nt
	c.mu.Unlock()
	return nt, nil
}

// retryAfter spaces out renewal attempts that could not extend a lease.
func retryAfter(now time.Time, t *vaultToken) time.Duration {
	d := t.expires.Sub(now) / 4
	return min(max(d, time.Second), 30*time.Second)
}

// vaultAuth is the "auth" object of login and renewal answers.
type vaultAuth struct {
	Auth *struct {
		ClientToken   string `json:"client_token"`
		LeaseDuration int64  `json:"lease_duration"`
		Renewable     bool   `json:"renewable"`
	} `json:"auth"`
}

func (c *vaultClient) newToken(value Secret, ttl time.Duration, renewable bool) *vaultToken {
	t := &vaultToken{value: value, ttl: ttl, renewable: renewable}
	if ttl > 0 {
		now := c.now()
		t.expires = now.Add(ttl)
		t.nextCheck = now.Add(ttl - ttl/3)
	}
	return t
}

func (c *vaultClient) login(ctx context.Context) (*vaultToken, error) {
	if c.token != nil {
		return c.loginToken(ctx)
	}
	return c.loginAppRole(ctx)
}

// loginToken reads the token reference again (Vault Agent may have rewritten
// the file) and looks the token up for its TTL. A token whose policy denies
// lookup-self is used as is, with no expiry known.
func (c *vaultClient) loginToken(ctx context.Context) (*vaultToken, error) {
	tok, err := c.local.get(*c.token)
	if err != nil {
		return nil, fmt.Errorf("read vault token: %w", err)
	}
	status, body, err := c.do(ctx, http.MethodGet, "auth/token/lookup-self", nil, tok, nil)
	if err != nil {
		return nil, fmt.Errorf("look up vault token: %w", err)
	}
	if status != http.StatusOK {
		if status == http.StatusForbidden {
			c.logger.DebugContext(ctx, "vault token lookup-self denied; token TTL unknown")
			return c.newToken(tok, 0, false), nil
		}
		return nil, c.statusError("look up vault token", status, body, tok)
	}
	var resp struct {
		Data struct {
			TTL         int64 `json:"ttl"`
			CreationTTL int64 `json:"creation_ttl"`
			Renewable   bool  `json:"renewable"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, errors.New("look up vault token: decode answer: not JSON")
	}
	ttl := time.Duration(resp.Data.TTL) * time.Second
	t := c.newToken(tok, ttl, resp.Data.Renewable)
	if created := time.Duration(resp.Data.CreationTTL) * time.Second; ttl > 0 && created > ttl {
		// Refresh at two thirds of the lease as issued, not as remaining.
		t.ttl = created
		t.nextCheck = t.expires.Add(-created / 3)
	}
	c.logger.InfoContext(ctx, "vault token auth ready", "ttl", ttl, "renewable", resp.Data.Renewable)
	return t, nil
}

func (c *vaultClient) loginAppRole(ctx context.Context) (*vaultToken, error) {
	const op = "log in to vault with approle"
	roleID, err := c.local.get(*c.roleID)
	if err != nil {
		return nil, fmt.Errorf("read vault role_id: %w", err)
	}
	body := map[string]string{"role_id": roleID.RevealString()}
	creds := []Secret{roleID}
	if c.secretID != nil {
		secretID, err := c.local.get(*c.secretID)
		if err != nil {
			return nil, fmt.Errorf("read vault secret_id: %w", err)
		}
		body["secret_id"] = secretID.RevealString()
		creds = append(creds, secretID)
	}
	status, resp, err := c.do(ctx, http.MethodPost, "auth/"+c.approle+"/login", nil, Secret{}, body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if status != http.StatusOK {
		err := c.statusError(op, status, resp, creds...)
		if status == http.StatusBadRequest {
			// Vault answers 400 "invalid role or secret ID": a credential
			// problem, not a malformed request of ours.
			err = fmt.Errorf("%w: %w", err, ErrPermissionDenied)
		}
		return nil, err
	}
	t, err := c.authToken(op, resp)
	if err != nil {
		return nil, err
	}
	c.logger.InfoContext(ctx, "vault approle login", "ttl", t.ttl, "renewable", t.renewable)
	return t, nil
}

func (c *vaultClient) renew(ctx context.Context, old *vaultToken) (*vaultToken, error) {
	const op = "renew vault token"
	status, resp, err := c.do(ctx, http.MethodPost, "auth/token/renew-self", nil, old.value, map[string]string{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if status != http.StatusOK {
		return nil, c.statusError(op, status, resp, old.value)
	}
	t, err := c.authToken(op, resp, old.value)
	if err != nil {
		return nil, err
	}
	if t.ttl < old.ttl {
		// The lease hit the token's max TTL: renewing again would extend it
		// less and less; log in again at the next refresh point instead.
		t.renewable = false
	}
	c.logger.DebugContext(ctx, "vault token renewed", "ttl", t.ttl)
	return t, nil
}

func (c *vaultClient) authToken(op string, body []byte, creds ...Secret) (*vaultToken, error) {
	var a vaultAuth
	if err := json.Unmarshal(body, &a); err != nil || a.Auth == nil || a.Auth.ClientToken == "" {
		return nil, fmt.Errorf("%s: answer has no auth.client_token", op)
	}
	return c.newToken(NewSecretString(a.Auth.ClientToken), time.Duration(a.Auth.LeaseDuration)*time.Second, a.Auth.Renewable), nil
}

// do sends one request to /v1/<path>. Transport failures wrap
// ErrUnavailable; the caller maps the status.
func (c *vaultClient) do(ctx context.Context, method, path string, q url.Values, token Secret, body any) (int, []byte, error) {
	u := *c.base
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	u.Path = c.base.Path + "/v1/" + path
	u.RawPath = c.base.EscapedPath() + "/v1/" + strings.Join(segs, "/")
	u.RawQuery = q.Encode()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, fmt.Errorf("encode request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return 0, nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("X-Vault-Request", "true")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if !token.IsZero() {
		req.Header.Set("X-Vault-Token", token.RevealString())
	}
	if c.namespace != "" {
		req.Header.Set("X-Vault-Namespace", c.namespace)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// url.Error names the URL (no secrets in it) and the cause.
		return 0, nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxSecretSize+1))
	if err != nil {
		return 0, nil, fmt.Errorf("%w: read answer: %w", ErrUnavailable, err)
	}
	if len(b) > maxSecretSize {
		return 0, nil, fmt.Errorf("answer larger than %d bytes", maxSecretSize)
	}
	return resp.StatusCode, b, nil
}

// statusError maps a Vault status to a sentinel and keeps Vault's own
// message, scrubbed of the credentials sent, so the operator sees why.
func (c *vaultClient) statusError(op string, status int, body []byte, creds ...Secret) error {
	var sentinel error
	switch {
	case status == http.StatusNotFound:
		sentinel = ErrNotFound
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		sentinel = ErrPermissionDenied
	case status == http.StatusTooManyRequests || status == http.StatusPreconditionFailed || status >= 500:
		// 503: sealed or standby; 429: rate limited; 412: a performance
		// standby not yet caught up.
		sentinel = ErrUnavailable
	}
	var e struct {
		Errors []string `json:"errors"`
	}
	msg := ""
	if json.Unmarshal(body, &e) == nil && len(e.Errors) > 0 {
		msg = strings.Join(e.Errors, "; ")
		for _, s := range creds {
			if v := s.RevealString(); v != "" {
				msg = strings.ReplaceAll(msg, v, Redacted)
			}
		}
		msg = strings.Map(func(r rune) rune {
			if isControl(r) {
				return ' '
			}
			return r
		}, msg)
		if len(msg) > 200 {
			msg = msg[:200] + "…"
		}
	}
	detail := fmt.Sprintf("%s: HTTP %d", op, status)
	if msg != "" {
		detail += " (" + msg + ")"
	}
	if sentinel == nil {
		return errors.New(detail)
	}
	return fmt.Errorf("%s: %w", detail, sentinel)
}
