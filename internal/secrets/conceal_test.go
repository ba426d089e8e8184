package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"syscall"
	"testing"
)

func TestURLScrubberHidesPathQueryAndUserInfo(t *testing.T) {
	const (
		pathKey  = "PathKey0123456789abcdefXYZ"
		queryKey = "QueryKey9876543210fedcbaUVW"
		password = "pw-Secret-42"
	)
	raw := "https://ops:" + password + "@rpc.example.com/v3/" + pathKey + "?apikey=" + queryKey
	s := NewURLScrubber(raw)
	for _, text := range []string{
		(&url.Error{Op: "Post", URL: raw, Err: syscall.ECONNREFUSED}).Error(),
		"401 Unauthorized: invalid project id " + pathKey,
		"no route for /v3/" + pathKey,
		"bad query apikey=" + queryKey + " from ops:" + password + "@rpc.example.com",
		"key " + queryKey + " revoked",
	} {
		if !s.Leaks(text) {
			t.Errorf("Leaks(%q) = false", text)
		}
		got := s.Scrub(text)
		for _, secret := range []string{pathKey, queryKey, password} {
			if strings.Contains(got, secret) {
				t.Errorf("Scrub(%q) = %q: still holds %q", text, got, secret)
			}
		}
	}
	// The whole URL keeps scheme and host, so errors still say where.
	if got := s.Scrub(`Post "` + raw + `": EOF`); got != `Post "https://rpc.example.com/…": EOF` {
		t.Errorf("Scrub(url error) = %q", got)
	}
	// Short words of the path are left alone.
	if got := s.Scrub("eth v3 mainnet"); got != "eth v3 mainnet" {
		t.Errorf("Scrub changed unrelated text: %q", got)
	}
	// A URL with nothing but scheme and host has nothing to hide.
	if s := NewURLScrubber("http://127.0.0.1:8545"); s.Leaks(`Post "http://127.0.0.1:8545": EOF`) {
		t.Error("a bare host:port URL is treated as secret")
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:8545":                 "http://127.0.0.1:8545",
		"http://127.0.0.1:8545/":                "http://127.0.0.1:8545",
		"https://mainnet.infura.io/v3/abc":      "https://mainnet.infura.io/…",
		"https://h.example/?apikey=abc":         "https://h.example/…",
		"wss://u:p@h.example":                   "wss://h.example/…",
		"not a url":                             "<invalid url>",
		"env:SLIPWAY_RPC_URL":                   "<invalid url>",
		"https://h.example/rpc#token=abcdefghi": "https://h.example/…",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// logged runs log through a RedactingHandler and answers the output.
func logged(log func(*slog.Logger)) string {
	var buf bytes.Buffer
	log(slog.New(NewRedactingHandler(slog.NewJSONHandler(&buf, nil))))
	return buf.String()
}

func TestConcealedURLNeverLogged(t *testing.T) {
	const (
		pathKey  = "ConcealPath0123456789abcdefAA"
		queryKey = "ConcealQuery0123456789abcdefBB"
	)
	raw := "https://rpc.concealed.example/v3/" + pathKey + "?apikey=" + queryKey
	Conceal(raw)
	Conceal(raw) // again: no change
	out := logged(func(l *slog.Logger) {
		l.Warn("chain rpc failing", "err", &url.Error{Op: "Post", URL: raw, Err: syscall.ECONNREFUSED})
		l.Warn("echo "+pathKey, "body", "invalid key "+queryKey, "path", "/v3/"+pathKey)
		l.Info("wrapped", "err", fmt.Errorf("confirm: %w", errors.New("url "+raw)))
		l.Info("struct", "cfg", map[string]any{"rpcUrls": []string{raw}})
	})
	for _, secret := range []string{pathKey, queryKey} {
		if strings.Contains(out, secret) {
			t.Errorf("%s leaked into the log:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "rpc.concealed.example") {
		t.Errorf("the host was lost:\n%s", out)
	}
}

func TestConcealPlainValues(t *testing.T) {
	Conceal("short") // too short: would hide common words
	Conceal("plain-secret-value-0x77")
	got := ScrubString("a short note about plain-secret-value-0x77")
	if got != "a short note about "+Redacted {
		t.Errorf("ScrubString = %q", got)
	}
}

func TestProviderConcealsWhatItResolves(t *testing.T) {
	const key = "ProviderPathKey0123456789abcdef"
	t.Setenv("SLIPWAY_TEST_CONCEAL_RPC", "https://rpc.provider.example/v2/"+key)
	p, err := NewProvider(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Get(context.Background(), "env:SLIPWAY_TEST_CONCEAL_RPC"); err != nil {
		t.Fatal(err)
	}
	if got := ScrubString("GET /v2/" + key + " failed"); strings.Contains(got, key) {
		t.Errorf("a value the provider resolved is not concealed: %q", got)
	}
}

func TestScrubStringHidesKeysInURLs(t *testing.T) {
	for in, want := range map[string]string{
		// Shapes of hosted providers' keys, never registered.
		`Post "https://mainnet.infura.io/v3/9aa3d95b3bc440fa88ea12eaa4456161": EOF`: `Post "https://mainnet.infura.io/v3/` + Redacted + `": EOF`,
		"wss://eth-mainnet.g.alchemy.com/v2/Kz81mQ2vLx93PaTe7YwR0c4N":               "wss://eth-mainnet.g.alchemy.com/v2/" + Redacted,
		"https://api.example.com/rpc?chain=1&apikey=abc&x=y":                        "https://api.example.com/rpc?chain=1&apikey=" + Redacted + "&x=y",
		"https://api.example.com/rpc?access_token=t0k":                              "https://api.example.com/rpc?access_token=" + Redacted,
		"https://api.example.com/rpc?id=Kz81mQ2vLx93PaTe7YwR0c4N":                   "https://api.example.com/rpc?id=" + Redacted,
		// Left alone: what logs need and holds no key.
		"http://127.0.0.1:8545":         "http://127.0.0.1:8545",
		"https://rpc.sepolia.org/":      "https://rpc.sepolia.org/",
		"https://rpc.ankr.com/eth#main": "https://rpc.ankr.com/eth#main",
		"http://127.0.0.1:8233/namespaces/default/workflows/deployment-1b4e28ba-2fa1-11d2-883f-0016d3cca427/9b2c6a1e-7d1f-4c35-8e0a-3f3b6a9e2d10/history": "http://127.0.0.1:8233/namespaces/default/workflows/deployment-1b4e28ba-2fa1-11d2-883f-0016d3cca427/9b2c6a1e-7d1f-4c35-8e0a-3f3b6a9e2d10/history",
		"postgres://slipway@127.0.0.1:5432/slipway?sslmode=disable":                                                                                       "postgres://slipway@127.0.0.1:5432/slipway?sslmode=disable",
		"http://127.0.0.1:8080/api/v1/deployments?status=DEPLOYMENT_STATUS_CONFIRMED&pageSize=10":                                                         "http://127.0.0.1:8080/api/v1/deployments?status=DEPLOYMENT_STATUS_CONFIRMED&pageSize=10",
	} {
		if got := ScrubString(in); got != want {
			t.Errorf("ScrubString(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}

func BenchmarkScrubStringWithConcealed(b *testing.B) {
	for i := range 8 {
		Conceal(fmt.Sprintf("https://rpc%d.bench.example/v3/BenchKey%d0123456789abcdef", i, i))
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = ScrubString("/slipway.v1.DeploymentService/GetDeployment")
	}
}
