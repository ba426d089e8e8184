package chain

import (
	"strings"
	"testing"
	"time"
)

func TestVerifyServicesConfig(t *testing.T) {
	net := func(verify string) string {
		return `{"networks":[{"name":"dev","chainId":31337,"rpcUrls":["http://127.0.0.1:8545"],"confirmations":1,"verify":` + verify + `}]}`
	}
	c, err := ParseConfig([]byte(net(`{"sourcify":{"url":"http://127.0.0.1:5555/server"},
		"etherscan":{"url":"https://explorer.test/v2/api?chainid=31337","apiKey":"env:EXPLORER_KEY","browserUrl":"https://explorer.test","window":"90m"}}`)))
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	n, _ := c.Lookup("dev")
	if got := n.Verify.Names(); strings.Join(got, ",") != "sourcify,etherscan" {
		t.Fatalf("Names = %v", got)
	}
	if w, ok := n.Verify.RetryWindow(VerifyServiceSourcify); !ok || w != DefaultVerifyWindow {
		t.Fatalf("sourcify window = %v, %v; want the default hour", w, ok)
	}
	if w, ok := n.Verify.RetryWindow(VerifyServiceEtherscan); !ok || w != 90*time.Minute {
		t.Fatalf("etherscan window = %v, %v; want 90m", w, ok)
	}
	if _, ok := n.Verify.RetryWindow("other"); ok {
		t.Fatal("RetryWindow of an unknown service answered ok")
	}
	var none *VerifyServices
	if len(none.Names()) != 0 {
		t.Fatal("nil services have names")
	}
	if _, err := ParseConfig([]byte(net(`{"etherscan":{"url":"http://127.0.0.1:1/api"}}`))); err != nil {
		t.Fatalf("an explorer without a key (Blockscout): %v", err)
	}

	const literalKey = "ABCDEF1234567890ABCDEF1234567890AB"
	bad := map[string]struct{ verify, want string }{
		"empty":           {`{}`, "names no service"},
		"no url":          {`{"sourcify":{}}`, "verify.sourcify.url"},
		"ftp url":         {`{"sourcify":{"url":"ftp://sourcify.test"}}`, "http:// or https://"},
		"relative url":    {`{"etherscan":{"url":"/api"}}`, "verify.etherscan.url"},
		"key in url":      {`{"etherscan":{"url":"https://explorer.test/api?apikey=` + literalKey + `"}}`, "apiKey as a secret reference"},
		"user info":       {`{"sourcify":{"url":"https://user:pw@sourcify.test"}}`, "user info"},
		"literal key":     {`{"etherscan":{"url":"https://explorer.test/api","apiKey":"` + literalKey + `"}}`, "not the key itself"},
		"bad browser url": {`{"etherscan":{"url":"https://explorer.test/api","browserUrl":"explorer.test"}}`, "browserUrl"},
		"window short":    {`{"sourcify":{"url":"https://sourcify.test","window":"30s"}}`, "1m to 48h"},
		"window long":     {`{"etherscan":{"url":"https://explorer.test/api","window":"49h"}}`, "1m to 48h"},
		"window garbage":  {`{"sourcify":{"url":"https://sourcify.test","window":"soon"}}`, "duration"},
		"unknown field":   {`{"sourcify":{"url":"https://sourcify.test","apikey":"env:X"}}`, "unknown field"},
		"unknown service": {`{"tenderly":{"url":"https://t.test"}}`, "unknown field"},
	}
	for name, tc := range bad {
		_, err := ParseConfig([]byte(net(tc.verify)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: ParseConfig(%s) = %v, want an error saying %q", name, tc.verify, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), literalKey) {
			t.Errorf("%s: the error quotes the key: %v", name, err)
		}
	}
}
