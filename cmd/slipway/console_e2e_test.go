package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/internal/usertier"
)

// chromiumPath finds Debian's chromium, installing it when missing and
// running as root (as CI does: `make chromium-bin` does the same). Without
// root a missing browser skips the test; as root it fails it, so CI can
// never pass without having run the browser test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	find := func() string {
		if p, err := exec.LookPath("chromium"); err == nil {
			return p
		}
		if _, err := os.Stat("/usr/bin/chromium"); err == nil {
			return "/usr/bin/chromium"
		}
		return ""
	}
	if p := find(); p != "" {
		return p
	}
	if os.Geteuid() != 0 {
		t.Skip("chromium is not installed and this test is not root to install it: apt-get install chromium chromium-driver (or make chromium-bin as root)")
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Fatal("chromium is missing and there is no apt-get to install it: the console's browser test cannot run")
	}
	t.Log("installing chromium with apt-get")
	for _, args := range [][]string{{"update", "-qq"}, {"install", "-y", "-qq", "chromium", "chromium-driver"}} {
		cmd := exec.Command("apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("apt-get %s: %v\n%s\nthe console's browser test needs chromium", strings.Join(args, " "), err, out)
		}
	}
	if p := find(); p != "" {
		return p
	}
	t.Fatal("chromium is still missing after apt-get install chromium")
	return ""
}

// TestConsoleInBrowser runs the web console as a person does, in Chromium
// against a real `slipway dev` stack: sign up, generate an ERC20, audit,
// compile, deploy it, watch it to CONFIRMED over the WatchDeployment
// stream, the deployments list, API keys, a narrow screen, the rate-limit
// message and logout (web/e2e/console.e2e.mjs). Screenshots are kept in
// web/e2e/artifacts/ (or SLIPWAY_E2E_ARTIFACTS).
func TestConsoleInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the dev stack and a browser")
	}
	browser := chromiumPath(t)
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is missing: the console's browser test runs playwright-core in node")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "node_modules", "playwright-core")); err != nil {
		t.Fatalf("playwright-core is not installed: run make node-deps (npm ci) first: %v", err)
	}
	artifacts := os.Getenv("SLIPWAY_E2E_ARTIFACTS")
	if artifacts == "" {
		artifacts = filepath.Join(root, "web", "e2e", "artifacts", time.Now().Format("20060102-150405"))
	}
	t.Logf("screenshots go to %s", artifacts)

	dataDir := t.TempDir()
	if err := os.Chmod(filepath.Dir(dataDir), 0o711); err != nil {
		t.Fatal(err)
	}
	// Short-lived access tokens, so the console's transparent refresh runs
	// several times during the test; room for those refreshes in the
	// per-address limit of the auth calls.
	dev := startDev(t, dataDir, "--access-token-ttl", "1m", "--auth-rate-per-min", "60")
	api := dev.urls["API"]
	env := readEnvFile(t, dev.urls["Env for serve/worker"])

	// The console is served at / beside the API, which keeps its own routes.
	resp, err := http.Get(api + "/deployments")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), `id="main"`) || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "connect-src 'self'") {
		t.Fatalf("GET /deployments = %d %q (CSP %q), want the console", resp.StatusCode, page, resp.Header.Get("Content-Security-Policy"))
	}
	if code := getJSON(t, api+"/readyz", nil); code != 200 {
		t.Fatalf("/readyz = %d after mounting the console", code)
	}
	if code, body, _ := callJSON(t, "GET", api+"/api/v1/nope", "", nil); code != 404 || body["message"] == nil {
		t.Fatalf("unknown REST path = %d %v, want the API's 404", code, body)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(root, "web", "e2e", "console.e2e.mjs"))
	cmd.Dir = root
	cmd.Env = append(cleanEnv(),
		"SLIPWAY_CONSOLE_URL="+api,
		"CHROMIUM="+browser,
		"SLIPWAY_E2E_ARTIFACTS="+artifacts,
		"SLIPWAY_E2E_TEMPORAL_UI="+dev.urls["Temporal Web UI"],
		"SLIPWAY_E2E_ACCESS_TTL_S=60",
	)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var email string
	passed := false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		t.Log(line)
		passed = passed || line == "console e2e: all checks passed"
		step, ok := strings.CutPrefix(line, "READY ")
		if !ok {
			continue
		}
		switch {
		case strings.HasPrefix(step, "signed-up "):
			// A deployment's calls would use up the free tier's 10 a minute.
			email = strings.TrimPrefix(step, "signed-up ")
			setTier(t, env["DATABASE_URL"], email, usertier.Paid)
		case step == "rate-limit":
			// Back to free, to see the console word a 429.
			setTier(t, env["DATABASE_URL"], email, usertier.Free)
		}
		if _, err := fmt.Fprintln(stdin, "continue"); err != nil {
			t.Fatalf("answer the browser script: %v", err)
		}
	}
	err = cmd.Wait()
	if stderr.Len() > 0 {
		t.Logf("stderr:\n%s", stderr.String())
	}
	t.Logf("screenshots: %s", artifacts)
	if err != nil {
		t.Fatalf("console e2e failed (%v); screenshots in %s\ndev stderr:\n%s", err, artifacts, dev.stderr)
	}
	if !passed || email == "" {
		t.Fatal("the browser script exited 0 without signing up and passing its checks")
	}
}
