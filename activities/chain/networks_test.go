package chain

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParseConfig(t *testing.T) {
	good := `{"networks":[{"name":"dev","chainId":31337,"rpcUrls":["http://127.0.0.1:8545"],"confirmations":1,"signer":"env:K"}]}`
	c, err := ParseConfig([]byte(good))
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	if n, ok := c.Lookup("dev"); !ok || n.ChainID != 31337 {
		t.Fatalf("Lookup(dev) = %+v, %v", n, ok)
	}
	bad := map[string]string{
		"unknown field":   `{"networks":[{"name":"dev","chainId":1,"rpcUrls":["http://x"],"confirmations":1,"confirmation":2}]}`,
		"no chain id":     `{"networks":[{"name":"dev","rpcUrls":["http://x"],"confirmations":1}]}`,
		"bad name":        `{"networks":[{"name":"Dev Net","chainId":1,"rpcUrls":["http://x"],"confirmations":1}]}`,
		"no rpc":          `{"networks":[{"name":"dev","chainId":1,"confirmations":1}]}`,
		"bad scheme":      `{"networks":[{"name":"dev","chainId":1,"rpcUrls":["ftp://x"],"confirmations":1}]}`,
		"no confirmation": `{"networks":[{"name":"dev","chainId":1,"rpcUrls":["http://x"]}]}`,
		"duplicate":       `{"networks":[{"name":"a","chainId":1,"rpcUrls":["http://x"],"confirmations":1},{"name":"a","chainId":2,"rpcUrls":["http://y"],"confirmations":1}]}`,
		"raw key signer":  `{"networks":[{"name":"dev","chainId":1,"rpcUrls":["http://x"],"confirmations":1,"signer":"ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"}]}`,
		"not json":        `networks: []`,
	}
	for name, in := range bad {
		if _, err := ParseConfig([]byte(in)); err == nil {
			t.Errorf("%s: ParseConfig accepted %s", name, in)
		}
	}
}

func TestCheckReachable(t *testing.T) {
	rpc := func(result string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"jsonrpc":"2.0","id":1,"result":"` + result + `"}`))
		}))
	}
	ok := rpc("0x7a69") // 31337
	defer ok.Close()
	other := rpc("0x1")
	defer other.Close()

	n := Network{Name: "dev", ChainID: 31337, RPCURLs: []string{ok.URL}, Confirmations: 1}
	if err := n.CheckReachable(context.Background(), nil); err != nil {
		t.Fatalf("CheckReachable: %v", err)
	}
	n.RPCURLs = []string{other.URL + "/secret-key"}
	err := n.CheckReachable(context.Background(), nil)
	if !errors.Is(err, ErrChainIDMismatch) {
		t.Fatalf("CheckReachable on the wrong chain = %v, want ErrChainIDMismatch", err)
	}
	// Falls over to a later URL.
	n.RPCURLs = []string{"http://127.0.0.1:1/secret-key", ok.URL}
	if err := n.CheckReachable(context.Background(), nil); err != nil {
		t.Fatalf("CheckReachable with a dead first URL: %v", err)
	}
	n.RPCURLs = []string{"http://127.0.0.1:1/secret-key"}
	err = n.CheckReachable(context.Background(), nil)
	if err == nil || strings.Contains(err.Error(), "secret-key") {
		t.Fatalf("CheckReachable on a dead endpoint = %v, want an error without the URL path", err)
	}
}
