package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
)

type workerConfig struct {
	Log      logConfig
	Temporal temporalConfig
}

func (c *workerConfig) register(fs *flag.FlagSet) {
	c.Log.register(fs)
	c.Temporal.register(fs)
}

func runWorker(ctx context.Context, args []string, stderr io.Writer) error {
	var cfg workerConfig
	fs := newFlagSet("worker", stderr)
	cfg.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := cfg.Temporal.validate(false); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	logger, err := cfg.Log.logger(stderr)
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	tc, err := dialTemporal(cfg.Temporal, logger)
	if err != nil {
		return err
	}
	defer tc.Close()
	return runTemporalWorker(ctx, tc, cfg.Temporal, logger)
}

// runTemporalWorker polls the task queue until ctx ends. The pipeline's
// workflows and activities register here as they land (generate, lint,
// compile, deploy, confirm); until then the worker holds the task queue and
// reports it so.
func runTemporalWorker(ctx context.Context, tc client.Client, cfg temporalConfig, logger *slog.Logger) error {
	w := worker.New(tc, cfg.TaskQueue, worker.Options{})
	registerPipeline(w)
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	logger.InfoContext(ctx, "worker polling", "task_queue", cfg.TaskQueue, "namespace", cfg.Namespace)
	<-ctx.Done()
	w.Stop()
	logger.Info("worker stopped")
	return nil
}

// registerPipeline registers the deployment pipeline's workflows and
// activities. The spine has none yet: the deployment RPC answers
// unimplemented until the pipeline lands, so no workflow is ever started
// for this queue.
func registerPipeline(worker.Registry) {}
