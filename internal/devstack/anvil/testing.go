package anvil

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/slipway-dev/slipway/internal/proc"
)

// NewForTest starts a fresh automining dev chain for an integration test
// and stops it when the test ends. See NewForTestWith.
func NewForTest(t testing.TB) *Node {
	t.Helper()
	return NewForTestWith(t, Options{})
}

// NewForTestWith starts a node with opts for an integration test and stops it
// on t.Cleanup, failing the test if it does not stop cleanly. When no anvil
// binary is installed it skips the test with the fix in the message, except
// under CI (env CI set and not "false"/"0"), where a missing chain must fail
// loudly rather than turn a suite green by skipping it. Without opts.Logger,
// anvil's warnings go to the test log. Like the dev stack, it makes sure the
// chain has the deterministic deployment proxy (Node.EnsureCreate2Factory).
func NewForTestWith(t testing.TB, opts Options) *Node {
	t.Helper()
	n := startForTest(t, opts)
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	// As the dev stack does: the deterministic deployment proxy is there
	// even with opts.NoDefaultCreate2Deployer.
	if err := n.EnsureCreate2Factory(ctx); err != nil {
		t.Fatal(err)
	}
	return n
}

// startForTest starts a node as NewForTestWith does, without making sure of
// the deterministic deployment proxy.
func startForTest(t testing.TB, opts Options) *Node {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	n, err := Start(ctx, opts)
	if errors.Is(err, ErrBinaryNotFound) && !proc.UnderCI() {
		t.Skipf("skipping: %v", err)
	}
	if err != nil {
		t.Fatalf("start anvil: %v", err)
	}
	t.Cleanup(func() {
		if err := n.Stop(); err != nil {
			t.Errorf("stop anvil: %v", err)
		}
	})
	return n
}
