package main

import (
	"context"
	"fmt"
	"log/slog"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
)

// dialTemporal makes a lazy client: serve and worker start even while
// Temporal is down, and /readyz says so, rather than crash-looping.
// Options, when given, adjust the client's options before it is made (the
// worker's metrics handler).
func dialTemporal(cfg temporalConfig, logger *slog.Logger, options ...func(*client.Options)) (client.Client, error) {
	opts := client.Options{
		HostPort:  cfg.Addr,
		Namespace: cfg.Namespace,
		// The SDK logs every retry at info; keep its own lines at warn and
		// above so Slipway's request logs stay readable.
		Logger: sdklog.NewStructuredLogger(slog.New(levelFloor{logger.Handler(), slog.LevelWarn}).With("component", "temporal-sdk")),
	}
	for _, o := range options {
		o(&opts)
	}
	c, err := client.NewLazyClient(opts)
	if err != nil {
		return nil, fmt.Errorf("create temporal client: %w", err)
	}
	return c, nil
}

// temporalReady is the readiness check for Temporal: the frontend answers
// and the namespace exists.
func temporalReady(c client.Client, namespace string) func(context.Context) error {
	return func(ctx context.Context) error {
		if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
			return fmt.Errorf("check health: %w", err)
		}
		if _, err := c.WorkflowService().GetSystemInfo(ctx, nil); err != nil {
			return fmt.Errorf("get system info: %w", err)
		}
		return nil
	}
}

// levelFloor drops records below a level, whatever the wrapped handler's
// own level.
type levelFloor struct {
	slog.Handler
	min slog.Level
}

func (h levelFloor) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h levelFloor) WithAttrs(a []slog.Attr) slog.Handler {
	return levelFloor{h.Handler.WithAttrs(a), h.min}
}

func (h levelFloor) WithGroup(g string) slog.Handler {
	return levelFloor{h.Handler.WithGroup(g), h.min}
}
