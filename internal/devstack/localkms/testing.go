package localkms

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/slipway-dev/slipway/internal/proc"
)

// NewForTest starts local-kms on a free port with a fresh data folder for a
// test and stops it on t.Cleanup. When local-kms cannot be built here (no go
// command, no tools.mod) it skips the test with the reason, except under CI
// (env CI set and not "false"/"0"), where a missing KMS must fail loudly
// rather than turn a suite green by skipping it. local-kms's errors go to
// the test log.
func NewForTest(t testing.TB) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout+startTimeout)
	defer cancel()
	s, err := Start(ctx, Options{
		Dir:    t.TempDir(),
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if errors.Is(err, ErrNotBuildable) && !proc.UnderCI() {
		t.Skipf("skipping: %v", err)
	}
	if err != nil {
		t.Fatalf("start local-kms: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}
