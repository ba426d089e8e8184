package proc

import (
	"slices"
	"testing"
)

// MinimalEnv keeps the base variables and those asked for (by name or
// prefix), lets extra override them, and drops everything else.
func TestMinimalEnv(t *testing.T) {
	t.Setenv("PATH", "/usr/bin")
	t.Setenv("HOME", "/home/slipway")
	t.Setenv("VAULT_TOKEN", "hvs.secret")
	t.Setenv("DATABASE_URL", "postgres://secret")
	t.Setenv("npm_config_registry", "http://mirror.invalid/")
	t.Setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
	env := MinimalEnv([]string{"npm_config_*", "HTTPS_PROXY"}, "HOME=/tmp/w", "EXTRA=1")
	for _, want := range []string{"PATH=/usr/bin", "HOME=/tmp/w", "EXTRA=1", "npm_config_registry=http://mirror.invalid/", "HTTPS_PROXY=http://proxy.invalid:3128"} {
		if !slices.Contains(env, want) {
			t.Errorf("env %q lacks %s", env, want)
		}
	}
	for _, kv := range env {
		if kv == "HOME=/home/slipway" || kv == "VAULT_TOKEN=hvs.secret" || kv == "DATABASE_URL=postgres://secret" {
			t.Errorf("env kept %s", kv)
		}
	}
}
