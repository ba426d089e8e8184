package verify

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"github.com/slipway-dev/slipway/activities/verify/verifyapi"
	"github.com/slipway-dev/slipway/internal/devstack/verifier"
	"github.com/slipway-dev/slipway/internal/secrets"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
)

// explorerKey is the Etherscan API key of the tests: it must never show in
// a result or an error.
const (
	explorerKey    = "Kx7Q2mZ9pL4vR8tW1yB6nC3dF5gH0jKs"
	explorerKeyRef = "env:SLIPWAY_TEST_EXPLORER_KEY"
)

// publishEnv is a deployed, locally verified token and what publishing it
// takes.
type publishEnv struct {
	*env
	token    common.Address
	tokenTx  common.Hash
	req      compileapi.Request
	local    verifyapi.Result
	mismatch compileapi.Request // a burnable variant: other code
}

func newPublishEnv(t *testing.T) *publishEnv {
	t.Helper()
	e := newEnv(t)
	req, params := template(t, &slipwayv1.TemplateOptions{Premint: "1000", Mintable: true})
	var args []any
	for range params {
		args = append(args, e.from)
	}
	token, tx, _ := e.deploy(t, req, args...)
	local, err := e.acts.Verify(t.Context(), verifyapi.Input{Network: "dev", Address: token.Hex(), CreationTxHash: tx.Hex(), Compile: &req})
	if err != nil || local.Status != verifyapi.StatusVerified || local.ConstructorArguments == "" {
		t.Fatalf("local Verify = %+v, %v", local, err)
	}
	burnable, _ := template(t, &slipwayv1.TemplateOptions{Premint: "1000", Mintable: true, Burnable: true})
	return &publishEnv{env: e, token: token, tokenTx: tx, req: req, local: local, mismatch: burnable}
}

// verifier starts a local verification service over the env's chain.
func (e *publishEnv) verifier(t *testing.T, opts verifier.Options) *verifier.Server {
	t.Helper()
	opts.Pool, opts.ChainID = e.pool, e.chain.Uint64()
	opts.RPCURL = e.acts.Networks.Networks[0].RPCURLs[0]
	if opts.APIKey == "" {
		opts.APIKey = explorerKey
	}
	s, err := verifier.Start(t.Context(), opts)
	if err != nil {
		t.Fatalf("verifier.Start: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// activities answers Activities whose network "dev" publishes to srv.
func (e *publishEnv) activities(srv *verifier.Server, key string) *Activities {
	n := e.acts.Networks.Networks[0]
	n.Verify = &chain.VerifyServices{
		Sourcify:  &chain.SourcifyService{URL: srv.SourcifyURL()},
		Etherscan: &chain.EtherscanService{URL: srv.EtherscanURL(), APIKey: explorerKeyRef, BrowserURL: srv.URL() + "/explorer/"},
	}
	return &Activities{
		Pool: e.pool, Networks: chain.Config{Networks: []chain.Network{n}},
		Secrets: secrets.Static{explorerKeyRef: secrets.NewSecretString(key)},
	}
}

// input is the token's publication to service, as the workflow builds it
// from the local verification.
func (e *publishEnv) input(service string) verifyapi.PublishInput {
	return verifyapi.PublishInput{
		Service: service,
		Input: verifyapi.Input{Network: "dev", Address: e.token.Hex(), CreationTxHash: e.tokenTx.Hex(),
			Compile: &e.req, ContractFile: e.local.ContractFile},
		LongCompilerVersion: e.local.CompilerVersion, ConstructorArguments: e.local.ConstructorArguments,
	}
}

// publish runs one attempt and checks that the key shows nowhere.
func publish(t *testing.T, a *Activities, in verifyapi.PublishInput) verifyapi.PublishResult {
	t.Helper()
	r, err := a.Publish(t.Context(), in)
	if err != nil {
		t.Fatalf("Publish(%s, job %q): %v", in.Service, in.Job, err)
	}
	noKey(t, r)
	t.Logf("%s: %s job=%q %s", in.Service, r.Status, r.Job, r.Message)
	return r
}

func noKey(t *testing.T, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	if s, ok := v.(error); ok {
		b = []byte(s.Error())
	}
	if strings.Contains(string(b), explorerKey) {
		t.Fatalf("the API key leaked: %s", b)
	}
}

// untilDone is the workflow's loop without its timers: attempts until
// VERIFIED or FAILED, passing Job on; it answers the last result and the
// statuses seen.
func untilDone(t *testing.T, a *Activities, in verifyapi.PublishInput) (verifyapi.PublishResult, []string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	var trace []string
	for time.Now().Before(deadline) {
		r := publish(t, a, in)
		trace = append(trace, r.Status)
		if r.Status == verifyapi.PublishVerified || r.Status == verifyapi.PublishFailed {
			return r, trace
		}
		in.Job = r.Job
		time.Sleep(40 * time.Millisecond)
	}
	t.Fatalf("no end after %v: %v", trace, deadline)
	return verifyapi.PublishResult{}, nil
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestPublish(t *testing.T) {
	e := newPublishEnv(t)
	hold := verifier.Options{JobDelay: 300 * time.Millisecond} // a poll right after the submit sees the job pending

	t.Run("sourcify submit, pending, verified with a link", func(t *testing.T) {
		srv := e.verifier(t, hold)
		a := e.activities(srv, explorerKey)
		in := e.input(chain.VerifyServiceSourcify)
		r := publish(t, a, in)
		if r.Status != verifyapi.PublishPending || len(r.Job) != 36 || r.URL != "" {
			t.Fatalf("submit = %+v, want PENDING with a verificationId", r)
		}
		in.Job = r.Job
		if r = publish(t, a, in); r.Status != verifyapi.PublishPending || r.Job != in.Job {
			t.Fatalf("first poll = %+v, want PENDING with the same job", r)
		}
		r, _ = untilDone(t, a, in)
		want := srv.SourcifyURL() + "/v2/contract/31337/" + e.token.Hex()
		if r.Status != verifyapi.PublishVerified || r.Match != verifyapi.MatchFull || r.URL != want || !strings.Contains(r.Message, "exact_match") {
			t.Fatalf("result %+v, want VERIFIED, a full match and %s", r, want)
		}
		if code, body := get(t, r.URL); code != http.StatusOK || !strings.Contains(body, `"match":"exact_match"`) {
			t.Fatalf("GET %s = %d %s", r.URL, code, body)
		}
		// Submitting again: Sourcify's 409 already_verified is success.
		in.Job = ""
		if r = publish(t, a, in); r.Status != verifyapi.PublishVerified || !strings.Contains(r.Message, "already_verified") || r.URL != want {
			t.Fatalf("second submit = %+v, want VERIFIED (already verified)", r)
		}
	})

	t.Run("etherscan submit, pending in queue, pass", func(t *testing.T) {
		srv := e.verifier(t, hold)
		a := e.activities(srv, explorerKey)
		in := e.input(chain.VerifyServiceEtherscan)
		r := publish(t, a, in)
		if r.Status != verifyapi.PublishPending || len(r.Job) != 50 {
			t.Fatalf("submit = %+v, want PENDING with a 50-character GUID", r)
		}
		if got := srv.KeySeen("verifysourcecode"); got != explorerKey {
			t.Fatalf("the explorer got key %q", got)
		}
		in.Job = r.Job
		if r = publish(t, a, in); r.Status != verifyapi.PublishPending || r.Message != "Pending in queue" {
			t.Fatalf("first poll = %+v, want PENDING: Pending in queue", r)
		}
		r, _ = untilDone(t, a, in)
		want := srv.URL() + "/explorer/address/" + e.token.Hex() + "#code"
		if r.Status != verifyapi.PublishVerified || r.Message != "Pass - Verified" || r.URL != want {
			t.Fatalf("result %+v, want VERIFIED: Pass - Verified at %s", r, want)
		}
		if got := srv.KeySeen("checkverifystatus"); got != explorerKey {
			t.Fatalf("the explorer got key %q on checkverifystatus", got)
		}
		in.Job = ""
		if r = publish(t, a, in); r.Status != verifyapi.PublishVerified || !strings.Contains(r.Message, "already verified") {
			t.Fatalf("second submit = %+v, want VERIFIED (already verified)", r)
		}
		// Without a browserUrl the link is the API's getsourcecode query,
		// which carries no key.
		a.Networks.Networks[0].Verify.Etherscan.BrowserURL = ""
		r = publish(t, a, in)
		if !strings.HasPrefix(r.URL, srv.EtherscanURL()+"?") || !strings.Contains(r.URL, "action=getsourcecode") || strings.Contains(r.URL, "apikey") {
			t.Fatalf("link %q", r.URL)
		}
		if code, body := get(t, r.URL+"&apikey="+explorerKey); code != http.StatusOK || !strings.Contains(body, `"ContractName":"`+e.req.ContractName+`"`) {
			t.Fatalf("GET %s = %d %s", r.URL, code, body)
		}
	})

	t.Run("not yet indexed, then verified", func(t *testing.T) {
		srv := e.verifier(t, verifier.Options{NotIndexedFirst: 2})
		a := e.activities(srv, explorerKey)

		// Sourcify: the job fails with contract_not_deployed: RETRY, and the
		// next attempt submits again (no job).
		in := e.input(chain.VerifyServiceSourcify)
		r, trace := untilDone(t, a, in)
		if r.Status != verifyapi.PublishVerified || strings.Count(strings.Join(trace, " "), verifyapi.PublishRetry) != 2 {
			t.Fatalf("sourcify: %v ending %+v; want two RETRYs, then VERIFIED", trace, r)
		}
		// Etherscan: the submit itself answers "Unable to locate ContractCode".
		in = e.input(chain.VerifyServiceEtherscan)
		r = publish(t, a, in)
		if r.Status != verifyapi.PublishRetry || r.Job != "" || !strings.Contains(r.Message, "Unable to locate ContractCode at") {
			t.Fatalf("etherscan submit = %+v, want RETRY: Unable to locate ContractCode", r)
		}
		r, trace = untilDone(t, a, in)
		if r.Status != verifyapi.PublishVerified || trace[0] != verifyapi.PublishRetry || trace[1] != verifyapi.PublishPending {
			t.Fatalf("etherscan: %v ending %+v; want RETRY, PENDING…, VERIFIED", trace, r)
		}
		if c := srv.Counts(); c.NotIndexed != 4 || c.Verified != 2 {
			t.Fatalf("counts %+v", c)
		}
	})

	t.Run("rate limited", func(t *testing.T) {
		srv := e.verifier(t, verifier.Options{RateLimitEvery: 2, JobDelay: 200 * time.Millisecond})
		a := e.activities(srv, explorerKey)
		in := e.input(chain.VerifyServiceSourcify)
		r := publish(t, a, in) // request 1
		if r.Status != verifyapi.PublishPending {
			t.Fatalf("submit = %+v", r)
		}
		in.Job = r.Job
		r = publish(t, a, in) // request 2: 429
		if r.Status != verifyapi.PublishRetry || r.Job != in.Job || !strings.Contains(r.Message, "429") || !strings.Contains(r.Message, "too_many_requests") {
			t.Fatalf("rate-limited poll = %+v, want RETRY keeping the job", r)
		}
		if r, _ = untilDone(t, a, in); r.Status != verifyapi.PublishVerified {
			t.Fatalf("sourcify after the rate limit: %+v", r)
		}

		in = e.input(chain.VerifyServiceEtherscan)
		var limited bool
		for !limited {
			r = publish(t, a, in)
			switch {
			case r.Status == verifyapi.PublishRetry && r.Message == "Max rate limit reached":
				limited = true
			case r.Status == verifyapi.PublishPending:
				in.Job = r.Job
			case r.Status == verifyapi.PublishVerified:
				t.Fatalf("verified before any rate limit: %+v", r)
			default:
				t.Fatalf("etherscan = %+v", r)
			}
		}
		if r.Job != in.Job {
			t.Fatalf("a rate-limited attempt lost the job: %+v", r)
		}
		if r, _ = untilDone(t, a, in); r.Status != verifyapi.PublishVerified {
			t.Fatalf("etherscan after the rate limit: %+v", r)
		}
		if c := srv.Counts(); c.RateLimited < 2 {
			t.Fatalf("counts %+v", c)
		}
	})

	t.Run("mismatching source fails with the service's words", func(t *testing.T) {
		srv := e.verifier(t, verifier.Options{})
		a := e.activities(srv, explorerKey)
		for _, service := range []string{chain.VerifyServiceSourcify, chain.VerifyServiceEtherscan} {
			in := e.input(service)
			in.Compile = &e.mismatch
			r, _ := untilDone(t, a, in)
			if r.Status != verifyapi.PublishFailed || r.URL != "" || !strings.Contains(strings.ToLower(r.Message), "length") {
				t.Fatalf("%s: %+v, want FAILED on the bytecode's length", service, r)
			}
			if service == chain.VerifyServiceEtherscan && !strings.HasPrefix(r.Message, "Fail - Unable to verify") {
				t.Fatalf("etherscan: %q", r.Message)
			}
		}
		// The right source with the wrong constructor arguments.
		in := e.input(chain.VerifyServiceEtherscan)
		in.ConstructorArguments = "0x" + strings.Repeat("00", 64)
		if r, _ := untilDone(t, a, in); r.Status != verifyapi.PublishFailed || !strings.Contains(r.Message, "constructor arguments") {
			t.Fatalf("wrong arguments: %+v", r)
		}
	})

	t.Run("the API key never shows", func(t *testing.T) {
		srv := e.verifier(t, verifier.Options{APIKey: "the-explorer-wants-another-key"})
		// A refused key is FAILED in the explorer's words, without the key.
		r := publish(t, e.activities(srv, explorerKey), e.input(chain.VerifyServiceEtherscan))
		if r.Status != verifyapi.PublishFailed || !strings.Contains(r.Message, "Invalid API Key") {
			t.Fatalf("refused key: %+v", r)
		}
		// An explorer that echoes the request, key and all.
		echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]string{"status": "0", "message": "NOTOK", "result": "Error! bad request " + r.Form.Encode()})
		}))
		defer echo.Close()
		a := e.activities(srv, explorerKey)
		a.Networks.Networks[0].Verify.Etherscan.URL = echo.URL + "/api"
		in := e.input(chain.VerifyServiceEtherscan)
		r = publish(t, a, in)
		if r.Status != verifyapi.PublishFailed || !strings.Contains(r.Message, "apikey="+secrets.Redacted) {
			t.Fatalf("echoing explorer, submit: %+v", r)
		}
		in.Job = "some-guid"
		if r = publish(t, a, in); r.Status != verifyapi.PublishFailed || !strings.Contains(r.Message, "apikey="+secrets.Redacted) {
			t.Fatalf("echoing explorer, poll: %+v", r)
		}
		// A transport failure of a poll, whose URL holds the key: a plain
		// (retryable) error, scrubbed.
		echo.Close()
		_, err := a.Publish(t.Context(), in)
		if err == nil || !strings.Contains(err.Error(), "etherscan GET") {
			t.Fatalf("poll of a closed explorer: %v", err)
		}
		noKey(t, err)
		t.Logf("transport error: %v", err)
	})

	t.Run("bad config and input are refused for good", func(t *testing.T) {
		srv := e.verifier(t, verifier.Options{})
		ctx := t.Context()
		a := e.activities(srv, explorerKey)
		in := e.input(chain.VerifyServiceEtherscan)

		bad := func(name, typ string, a *Activities, in verifyapi.PublishInput) {
			t.Helper()
			_, err := a.Publish(ctx, in)
			wantNonRetryable(t, err, typ)
			noKey(t, err)
			t.Logf("%s: %v", name, err)
		}
		noEtherscan := e.activities(srv, explorerKey)
		noEtherscan.Networks.Networks[0].Verify.Etherscan = nil
		bad("service not configured", verifyapi.ErrTypeConfig, noEtherscan, in)
		noVerify := e.activities(srv, explorerKey)
		noVerify.Networks.Networks[0].Verify = nil
		bad("no verify object", verifyapi.ErrTypeConfig, noVerify, in)

		noSecret := e.activities(srv, explorerKey)
		noSecret.Secrets = secrets.Static{}
		bad("key not found", verifyapi.ErrTypeConfig, noSecret, in)
		noSecret.Secrets = nil
		bad("no secrets provider", verifyapi.ErrTypeConfig, noSecret, in)

		for _, c := range []struct {
			name, typ string
			edit      func(x *verifyapi.PublishInput)
		}{
			{"unknown network", verifyapi.ErrTypeConfig, func(x *verifyapi.PublishInput) { x.Network = "mainnet" }},
			{"unknown service", verifyapi.ErrTypeInput, func(x *verifyapi.PublishInput) { x.Service = "tenderly" }},
			{"short compiler version", verifyapi.ErrTypeInput, func(x *verifyapi.PublishInput) { x.LongCompilerVersion = "0.8.37" }},
			{"another compiler", verifyapi.ErrTypeInput, func(x *verifyapi.PublishInput) { x.LongCompilerVersion = "0.8.20+commit.a1b79de6" }},
			{"bad arguments", verifyapi.ErrTypeInput, func(x *verifyapi.PublishInput) { x.ConstructorArguments = "0xzz" }},
			{"bad address", verifyapi.ErrTypeInput, func(x *verifyapi.PublishInput) { x.Address = "0x1234" }},
			{"unknown file", verifyapi.ErrTypeInput, func(x *verifyapi.PublishInput) { x.ContractFile = "Nope.sol" }},
			{"bad job", verifyapi.ErrTypeInput, func(x *verifyapi.PublishInput) { x.Job = "../../admin" }},
			{"no sources", verifyapi.ErrTypeInput, func(x *verifyapi.PublishInput) { x.Compile = nil }},
		} {
			x := in
			c.edit(&x)
			bad(c.name, c.typ, a, x)
		}
	})
}
