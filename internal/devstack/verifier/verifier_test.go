package verifier

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/activities/compile"
)

// The shapes of the two APIs' refusals; the matching itself is tested with
// anvil and a solc pool by activities/verify's publish tests.

func start(t *testing.T, opts Options) *Server {
	t.Helper()
	opts.Pool = &compile.Pool{} // never reached: the chain is unreachable
	opts.RPCURL = "http://127.0.0.1:1"
	opts.ChainID = 31337
	s, err := Start(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func call(t *testing.T, method, u string, form url.Values, body string) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	ct := "application/json"
	if form != nil {
		r, ct = strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"
	} else if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, u, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: not JSON: %v", method, u, err)
	}
	return resp.StatusCode, out
}

const addr = "0x5FbDB2315678afecb367f032d93F642f64180aa3"

func TestStartNeedsItsOptions(t *testing.T) {
	if _, err := Start(t.Context(), Options{}); err == nil {
		t.Fatal("Start without a pool, RPC and chain id succeeded")
	}
}

func TestSourcifyShapes(t *testing.T) {
	s := start(t, Options{})
	good := `{"stdJsonInput":{"language":"Solidity","sources":{},"settings":{}},"compilerVersion":"0.8.37+commit.1234abcd","contractIdentifier":"A.sol:A"}`
	for name, tc := range map[string]struct {
		path, body, code string
		status           int
	}{
		"bad address":   {"/v2/verify/31337/0x12", good, "invalid_parameter", 400},
		"other chain":   {"/v2/verify/1/" + addr, good, "unsupported_chain", 400},
		"not json":      {"/v2/verify/31337/" + addr, "{", "invalid_json", 400},
		"short version": {"/v2/verify/31337/" + addr, strings.Replace(good, "0.8.37+commit.1234abcd", "0.8.37", 1), "invalid_parameter", 400},
		"no file":       {"/v2/verify/31337/" + addr, strings.Replace(good, "A.sol:A", "A", 1), "invalid_parameter", 400},
	} {
		status, out := call(t, http.MethodPost, s.SourcifyURL()+tc.path, nil, tc.body)
		if status != tc.status || out["customCode"] != tc.code || out["message"] == "" || len(out["errorId"].(string)) != 36 {
			t.Errorf("%s: %d %v", name, status, out)
		}
	}
	status, out := call(t, http.MethodGet, s.SourcifyURL()+"/v2/verify/00000000-0000-4000-8000-000000000000", nil, "")
	if status != 404 || out["customCode"] != "job_not_found" {
		t.Errorf("unknown job: %d %v", status, out)
	}
	// A job whose chain cannot be read completes with the error.
	status, out = call(t, http.MethodPost, s.SourcifyURL()+"/v2/verify/31337/"+addr, nil, good)
	id, _ := out["verificationId"].(string)
	if status != http.StatusAccepted || len(id) != 36 {
		t.Fatalf("submit: %d %v", status, out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, out = call(t, http.MethodGet, s.SourcifyURL()+"/v2/verify/"+id, nil, "")
		if out["isJobCompleted"] == true {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job never completed: %v", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	e, _ := out["error"].(map[string]any)
	c, _ := out["contract"].(map[string]any)
	if e["customCode"] != "cannot_fetch_bytecode" || c == nil || c["match"] != nil || c["address"] != addr {
		t.Fatalf("failed job: %v", out)
	}
	if status, out = call(t, http.MethodGet, s.SourcifyURL()+"/v2/contract/31337/"+addr, nil, ""); status != 404 {
		t.Fatalf("unverified contract: %d %v", status, out)
	}
}

func TestEtherscanShapes(t *testing.T) {
	s := start(t, Options{APIKey: "the-key-0123456789", RateLimitEvery: 7})
	base := url.Values{"module": {"contract"}, "action": {"verifysourcecode"}, "apikey": {"the-key-0123456789"}, "chainid": {"31337"},
		"contractaddress": {addr}, "codeformat": {"solidity-standard-json-input"}, "contractname": {"A.sol:A"},
		"compilerversion": {"v0.8.37+commit.1234abcd"}, "sourceCode": {`{"language":"Solidity"}`}}
	with := func(k, v string) url.Values {
		f := url.Values{}
		for kk, vv := range base {
			f[kk] = vv
		}
		if v == "" {
			f.Del(k)
		} else {
			f.Set(k, v)
		}
		return f
	}
	for i, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"no key", with("apikey", ""), "Invalid API Key"},
		{"other chain", with("chainid", "1"), "chainid"},
		{"bad module", with("module", "account"), "Module"},
		{"bad action", with("action", "nope"), "Action"},
		{"bad address", with("contractaddress", "0x12"), "address"},
		{"single file", with("codeformat", "solidity-single-file"), "codeformat"},
		{"no v", with("compilerversion", "0.8.37+commit.1234abcd"), "compilerversion"},
		{"bare name", with("contractname", "A"), "contractname"},
		{"bad args", with("constructorArguements", "0xzz"), "constructor"},
		{"not json", with("sourceCode", "contract A {}"), "sourceCode"},
	} {
		want := tc.want
		if i == 6 {
			want = "Max rate limit reached" // the 7th request
		}
		status, out := call(t, http.MethodPost, s.EtherscanURL(), tc.form, "")
		if status != 200 || out["status"] != "0" || out["message"] != "NOTOK" || !strings.Contains(out["result"].(string), want) {
			t.Errorf("%s: %d %v", tc.name, status, out)
		}
	}
	// The 7th request was rate-limited, in Etherscan's way: 200 and NOTOK.
	if c := s.Counts(); c.RateLimited != 1 || c.Requests != 10 {
		t.Fatalf("counts %+v", c)
	}
	q := url.Values{"module": {"contract"}, "action": {"checkverifystatus"}, "apikey": {"the-key-0123456789"}, "guid": {"nope"}}
	if _, out := call(t, http.MethodGet, s.EtherscanURL()+"?"+q.Encode(), nil, ""); out["result"] != "Unknown UID" {
		t.Fatalf("unknown guid: %v", out)
	}
	for range 2 {
		call(t, http.MethodGet, s.EtherscanURL()+"?"+q.Encode(), nil, "")
	}
	if _, out := call(t, http.MethodGet, s.EtherscanURL()+"?"+q.Encode(), nil, ""); out["result"] != "Max rate limit reached" || out["status"] != "0" {
		t.Fatalf("the 14th request: %v", out)
	}
	if s.KeySeen("checkverifystatus") != "the-key-0123456789" {
		t.Fatal("KeySeen")
	}
}
