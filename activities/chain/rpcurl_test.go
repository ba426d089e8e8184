package chain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rpc"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/slipway-dev/slipway/internal/secrets"
)

// Distinctive keys, as a hosted provider puts them in an RPC URL.
const (
	pathKey  = "RpcPathKey7f3a9c0e5b2d4816aa"
	queryKey = "RpcQueryKey1c8e4b7a90d3f256bb"
)

// keyedRPC serves a JSON-RPC node at any path and query: chain id 31337,
// block 16, no receipts, "nonce too low" to every transaction, and a 401
// that echoes the request's path and query (as some providers do) to gas
// estimates. It answers the node and its keyed URL.
func keyedRPC(t *testing.T) (*httptest.Server, string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &req); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		answer := func(field, v string) {
			_, _ = fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,%q:%s}`, req.ID, field, v)
		}
		switch req.Method {
		case "eth_chainId":
			answer("result", `"0x7a69"`)
		case "eth_blockNumber":
			answer("result", `"0x10"`)
		case "eth_getTransactionReceipt":
			answer("result", `null`)
		case "eth_sendRawTransaction":
			answer("error", `{"code":-32000,"message":"nonce too low: next nonce 5, tx nonce 1"}`)
		case "eth_estimateGas":
			http.Error(w, "invalid api key for "+r.URL.RequestURI(), http.StatusUnauthorized)
		default:
			answer("error", `{"code":-32601,"message":"method not found"}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, srv.URL + "/v3/" + pathKey + "?apikey=" + queryKey
}

// assertNoKey fails when the error's text, any error it wraps, or what
// Temporal records of it (as an activity's failure, plain and as a
// non-retryable application error) holds a key.
func assertNoKey(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error", what)
	}
	var texts []string
	for e := err; e != nil; e = errors.Unwrap(e) {
		texts = append(texts, e.Error())
	}
	fc := temporal.GetDefaultFailureConverter()
	for _, f := range []error{fmt.Errorf("confirm: %w", err), temporal.NewNonRetryableApplicationError(err.Error(), "NetworkUnreachable", err)} {
		b, merr := protojson.Marshal(fc.ErrorToFailure(f))
		if merr != nil {
			t.Fatal(merr)
		}
		texts = append(texts, string(b))
	}
	for _, s := range texts {
		for _, key := range []string{pathKey, queryKey, "/v3/", "apikey="} {
			if strings.Contains(s, key) {
				t.Errorf("%s: %q leaks %q", what, s, key)
			}
		}
	}
}

func TestDialByReferenceScrubsEveryError(t *testing.T) {
	srv, keyed := keyedRPC(t)
	p := secrets.Static{"env:SLIPWAY_TEST_RPC_URL": secrets.NewSecretString(keyed)}
	n := Network{Name: "dev", ChainID: 31337, RPCURLs: []string{"env:SLIPWAY_TEST_RPC_URL"}, Confirmations: 1}
	if err := n.Validate(); err != nil {
		t.Fatalf("a referenced RPC URL is refused: %v", err)
	}
	if err := n.CheckReachable(context.Background(), p); err != nil {
		t.Fatalf("CheckReachable: %v", err)
	}
	ctx := context.Background()
	b, err := Dial(ctx, n, p)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	if head, err := b.BlockNumber(ctx); err != nil || head != 16 {
		t.Fatalf("BlockNumber = %d, %v", head, err)
	}

	// Sentinels and the node's messages come through untouched.
	_, err = b.TransactionReceipt(ctx, common.Hash{1})
	if !errors.Is(err, ethereum.NotFound) {
		t.Errorf("TransactionReceipt = %v, want ethereum.NotFound", err)
	}
	err = b.SendTransaction(ctx, types.NewTx(&types.LegacyTx{Nonce: 1, Gas: 21000, GasPrice: big.NewInt(1)}))
	var re rpc.Error
	if err == nil || !strings.Contains(err.Error(), "nonce too low") || !errors.As(err, &re) || re.ErrorCode() != -32000 {
		t.Errorf("SendTransaction = %v, want the node's nonce too low with its code", err)
	}

	// A provider that echoes the key in its answer.
	_, err = b.EstimateGas(ctx, ethereum.CallMsg{})
	assertNoKey(t, "EstimateGas", err)
	if !strings.Contains(err.Error(), "invalid api key") {
		t.Errorf("EstimateGas = %v: the provider's message is lost", err)
	}

	// The endpoint goes away: net/http's *url.Error quotes the full URL.
	srv.Close()
	_, err = b.BlockNumber(ctx)
	assertNoKey(t, "BlockNumber after the outage", err)
	var ue *url.Error
	if !errors.As(err, &ue) || ue.URL != redactURL(keyed) {
		t.Errorf("BlockNumber = %#v, want a *url.Error naming %s", err, redactURL(keyed))
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("BlockNumber = %v: the cause (connection refused) is lost", err)
	}
	if !strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("BlockNumber = %v: the host is lost", err)
	}

	// Dialling a dead endpoint, and reachability, say as little.
	_, err = Dial(ctx, n, p)
	assertNoKey(t, "Dial during the outage", err)
	assertNoKey(t, "CheckReachable during the outage", n.CheckReachable(ctx, p))

	// The resolved URL is concealed from logs as well.
	if got := secrets.ScrubString("GET /v3/" + pathKey + " and " + queryKey); strings.Contains(got, pathKey) || strings.Contains(got, queryKey) {
		t.Errorf("the log redactor does not hide the resolved URL: %q", got)
	}
}

func TestLiteralRPCURLsStillWork(t *testing.T) {
	srv, keyed := keyedRPC(t)
	ctx := context.Background()
	for _, raw := range []string{srv.URL, keyed} {
		n := Network{Name: "dev", ChainID: 31337, RPCURLs: []string{raw}, Confirmations: 1}
		if err := n.Validate(); err != nil {
			t.Fatalf("Validate(%s): %v", redactURL(raw), err)
		}
		b, err := Dial(ctx, n, nil)
		if err != nil {
			t.Fatalf("Dial(%s): %v", redactURL(raw), err)
		}
		if _, err := b.EstimateGas(ctx, ethereum.CallMsg{}); raw == keyed {
			assertNoKey(t, "EstimateGas on a literal keyed URL", err)
		}
	}
}

func TestRPCURLReferencesFailWithoutTheValue(t *testing.T) {
	ctx := context.Background()
	const value = "not-a-url-" + pathKey
	p := secrets.Static{"env:RPC_NOT_URL": secrets.NewSecretString(value)}
	cases := map[string]struct {
		p     secrets.Provider
		entry string
		want  string
	}{
		"unset":       {p, "env:RPC_UNSET", "env:RPC_UNSET"},
		"no provider": {nil, "env:RPC_NOT_URL", "no secrets provider"},
		"not a url":   {p, "env:RPC_NOT_URL", "want http(s)://"},
	}
	for name, c := range cases {
		n := Network{Name: "dev", ChainID: 31337, RPCURLs: []string{c.entry}, Confirmations: 1}
		_, derr := Dial(ctx, n, c.p)
		for _, err := range []error{derr, n.CheckReachable(ctx, c.p)} {
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), pathKey) {
				t.Errorf("%s: %v, want an error with %q and without the value", name, err, c.want)
			}
		}
	}
}

func TestRPCURLEntriesInConfig(t *testing.T) {
	cfg := func(entry string) []byte {
		b, _ := json.Marshal(map[string]any{"networks": []any{map[string]any{
			"name": "dev", "chainId": 1, "rpcUrls": []string{entry}, "confirmations": 1}}})
		return b
	}
	for _, ok := range []string{
		"http://127.0.0.1:8545", "https://mainnet.example/v3/" + pathKey, "wss://h.example/ws",
		"env:SLIPWAY_RPC_URL", "file:/run/secrets/rpc_url", "vault:secret/data/slipway/rpc#sepolia",
	} {
		if _, err := ParseConfig(cfg(ok)); err != nil {
			t.Errorf("ParseConfig refuses %q: %v", ok, err)
		}
	}
	for _, bad := range []string{
		"env:1BAD", "env:", "file:", "vault:secret/rpc", "ftp://h.example/" + pathKey, "h.example/" + pathKey, pathKey,
	} {
		_, err := ParseConfig(cfg(bad))
		if err == nil {
			t.Errorf("ParseConfig accepts %q", bad)
		} else if strings.Contains(err.Error(), pathKey) {
			t.Errorf("ParseConfig(%q) = %v: the error quotes the key", bad, err)
		}
	}
}

func TestScrubErrorRebuildsTheChain(t *testing.T) {
	raw := "https://rpc.example/v3/" + pathKey + "?apikey=" + queryKey
	s := secrets.NewURLScrubber(raw)
	sentinel := errors.New("sentinel")
	leaky := &url.Error{Op: "Post", URL: raw, Err: fmt.Errorf("read: %w", syscall.ECONNRESET)}
	cases := map[string]error{
		"url error":         leaky,
		"wrapped":           fmt.Errorf("eth_blockNumber: %w", leaky),
		"joined":            errors.Join(sentinel, fmt.Errorf("rpc 0: %w", leaky)),
		"message only":      fmt.Errorf("%w: body mentions %s", sentinel, pathKey),
		"hidden in a cause": &opaque{msg: "call failed", err: leaky},
	}
	for name, err := range cases {
		got := scrubError(err, s)
		assertNoKey(t, name, got)
		for _, target := range []error{sentinel, syscall.ECONNRESET} {
			if errors.Is(err, target) && !errors.Is(got, target) {
				t.Errorf("%s: errors.Is(%v) lost", name, target)
			}
		}
	}
	// Errors without the URL are the same values.
	for _, err := range []error{ethereum.NotFound, sentinel, fmt.Errorf("nonce too low")} {
		if got := scrubError(err, s); got != err {
			t.Errorf("scrubError(%v) = %v, want it unchanged", err, got)
		}
	}
	if scrubError(nil, s) != nil {
		t.Error("scrubError(nil) != nil")
	}
}

// opaque is an error whose text omits what it wraps; Temporal records the
// wrapped error as a cause all the same.
type opaque struct {
	msg string
	err error
}

func (e *opaque) Error() string { return e.msg }
func (e *opaque) Unwrap() error { return e.err }
