package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/slipway-dev/slipway/activities/builds"
	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/activities/compile"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"github.com/slipway-dev/slipway/activities/deploy"
	"github.com/slipway-dev/slipway/activities/generate"
	"github.com/slipway-dev/slipway/activities/lint/auditor"
	"github.com/slipway-dev/slipway/activities/progress"
	"github.com/slipway-dev/slipway/activities/verify"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/metrics"
	"github.com/slipway-dev/slipway/internal/secrets"
	"github.com/slipway-dev/slipway/workflows"
)

type workerConfig struct {
	Log          logConfig
	Temporal     temporalConfig
	Compile      compileConfig
	NetworksFile string
	// MetricsAddr is where /metrics and /healthz listen; empty or "off"
	// serves none.
	MetricsAddr string
}

func (c *workerConfig) register(fs *flag.FlagSet) {
	c.Log.register(fs)
	c.Temporal.register(fs)
	c.Compile.register(fs, false)
	fs.StringVar(&c.Compile.DatabaseURL, "database-url", envString("DATABASE_URL", ""), "Postgres URL: deployments, signer nonces and the shared compile artifact cache; empty runs compile and audit only (env DATABASE_URL)")
	fs.StringVar(&c.NetworksFile, "networks", envString("SLIPWAY_NETWORKS_FILE", ""), "JSON file of the EVM networks to deploy to, with their signers' secret references (env SLIPWAY_NETWORKS_FILE)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", envString("SLIPWAY_WORKER_METRICS_ADDR", defaultWorkerMetricsAddr), "listen address of the worker's Prometheus /metrics and /healthz; empty or off for none (env SLIPWAY_WORKER_METRICS_ADDR)")
}

// compileConfig configures a worker's solc-js pool.
type compileConfig struct {
	// SolcWorkers is the number of node processes; each holds ~200 MB once
	// warm, so the default of 1 suits a laptop.
	SolcWorkers int
	// NodeModules holds solc and @openzeppelin/contracts; empty finds it
	// above the working directory, as node would.
	NodeModules string
	// AutoInstall lets the pool install a missing solc-js release from
	// npm; on in dev (like Hardhat), off for workers, which should run
	// the compilers they were deployed with unless told otherwise.
	AutoInstall bool
	// InstallDir holds auto-installed compilers; empty is the user cache.
	InstallDir string
	// DatabaseURL, when set, backs the compile artifact cache; not a flag
	// of its own in dev, which passes its own database.
	DatabaseURL string
	// SolcTimeout and SolcMemoryMB bound one solc run on one request: a
	// source that takes longer or grows bigger is the user's error.
	SolcTimeout  time.Duration
	SolcMemoryMB int
}

// register adds the compile flags; autoInstall is the command's default
// for --solc-auto-install.
func (c *compileConfig) register(fs *flag.FlagSet, autoInstall bool) {
	fs.IntVar(&c.SolcWorkers, "solc-workers", int(envInt("SLIPWAY_SOLC_WORKERS", 1)), "solc-js worker processes of this worker, 1–64 (env SLIPWAY_SOLC_WORKERS)")
	fs.StringVar(&c.NodeModules, "node-modules", envString("SLIPWAY_NODE_MODULES", ""), "node_modules folder holding solc and @openzeppelin/contracts; default: found above the working directory (env SLIPWAY_NODE_MODULES)")
	fs.BoolVar(&c.AutoInstall, "solc-auto-install", envBool("SLIPWAY_SOLC_AUTO_INSTALL", autoInstall), "install a solc-js release from the npm registry when no installed compiler fits a request (env SLIPWAY_SOLC_AUTO_INSTALL)")
	fs.StringVar(&c.InstallDir, "solc-cache-dir", envString("SLIPWAY_SOLC_CACHE_DIR", ""), "folder for auto-installed compilers; default: the user cache folder (env SLIPWAY_SOLC_CACHE_DIR)")
	fs.DurationVar(&c.SolcTimeout, "solc-timeout", envDuration("SLIPWAY_SOLC_TIMEOUT", compile.DefaultRequestTimeout), "time limit of one solc run; a source past it (twice) is refused as too costly, 1s–2m (env SLIPWAY_SOLC_TIMEOUT)")
	fs.IntVar(&c.SolcMemoryMB, "solc-memory-mb", int(envInt("SLIPWAY_SOLC_MEMORY_MB", compile.DefaultMaxMemoryMB)), "memory cap of each solc-js process in MiB; a source that needs more is refused, 512–65536 (env SLIPWAY_SOLC_MEMORY_MB)")
}

func (c *compileConfig) validate() error {
	if c.SolcWorkers < 1 || c.SolcWorkers > 64 {
		return fmt.Errorf("--solc-workers %d: must be 1 to 64", c.SolcWorkers)
	}
	if c.SolcTimeout < compile.MinRequestTimeout || c.SolcTimeout > compileapi.MaxRequestTimeout {
		return fmt.Errorf("--solc-timeout %s: must be %s to %s", c.SolcTimeout, compile.MinRequestTimeout, compileapi.MaxRequestTimeout)
	}
	if c.SolcMemoryMB < compile.MinMaxMemoryMB || c.SolcMemoryMB > compile.MaxMaxMemoryMB {
		return fmt.Errorf("--solc-memory-mb %d: must be %d to %d", c.SolcMemoryMB, compile.MinMaxMemoryMB, compile.MaxMaxMemoryMB)
	}
	if c.DatabaseURL != "" {
		if err := validateDatabaseURL(c.DatabaseURL); err != nil {
			return fmt.Errorf("--database-url: %w", err)
		}
	}
	return nil
}

// crashExitCode is the exit status of a worker stopped by a failpoint.
const crashExitCode = 70

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
	if err := cfg.Compile.validate(); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if err := validateMetricsAddr("--metrics-addr", cfg.MetricsAddr); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	tr, logger, err := startLogging(ctx, &cfg.Log, "slipway-worker", stderr)
	if err != nil {
		return err
	}
	defer tr.close(ctx, logger)
	networks, err := loadNetworks(cfg.NetworksFile)
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	sp, err := newSecrets(logger)
	if err != nil {
		return err
	}
	if !metricsAddrEnabled(cfg.MetricsAddr) {
		tc, err := dialTemporal(cfg.Temporal, logger, tr.temporalOptions()...)
		if err != nil {
			return err
		}
		defer tc.Close()
		return runTemporalWorker(ctx, tc, cfg.Temporal, cfg.Compile, chainDeps{Networks: networks, Secrets: sp}, logger)
	}
	// Listen first: a taken port is a configuration error, said at start.
	ln, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		return fmt.Errorf("listen on --metrics-addr %s: %w", cfg.MetricsAddr, err)
	}
	reg := newWorkerRegistry()
	mh, closeMH := metrics.TemporalHandler(reg, logger)
	defer closeMH.Close()
	tc, err := dialTemporal(cfg.Temporal, logger, append(tr.temporalOptions(), withMetricsHandler(mh))...)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer tc.Close()
	logger.InfoContext(ctx, "worker metrics listening", "addr", ln.Addr().String())
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return serveMetrics(gctx, ln, reg, logger) })
	g.Go(func() error {
		return runInstrumentedWorker(gctx, tc, cfg.Temporal, cfg.Compile, chainDeps{Networks: networks, Secrets: sp}, reg, logger)
	})
	return g.Wait()
}

// Intervals of the worker's periodic metrics: Postgres and the chains are
// asked no more often than a scrape would read the answer.
const (
	activeDeploymentsEvery = 15 * time.Second
	signerBalancesEvery    = 30 * time.Second
)

// chainDeps are what the deploy stages need besides the database: the
// networks and the secrets provider holding their signers.
type chainDeps struct {
	Networks chain.Config
	Secrets  secrets.Provider
}

// runTemporalWorker polls the task queue until ctx ends. It starts the
// activities' dependencies (the solc pool) before polling, so that a worker
// that cannot compile never takes a task, and stops them after the worker
// has stopped, so that no activity in flight loses its compiler.
func runTemporalWorker(ctx context.Context, tc client.Client, cfg temporalConfig, cc compileConfig, cd chainDeps, logger *slog.Logger) error {
	return runInstrumentedWorker(ctx, tc, cfg, cc, cd, nil, logger)
}

// runInstrumentedWorker is runTemporalWorker recording the worker's
// metrics, and the database pool's statistics, on reg; nil records none.
func runInstrumentedWorker(ctx context.Context, tc client.Client, cfg temporalConfig, cc compileConfig, cd chainDeps, reg *prometheus.Registry, logger *slog.Logger) error {
	var m *metrics.Worker
	if reg != nil {
		var err error
		if m, err = metrics.New(reg); err != nil {
			return err
		}
	}
	pcfg := compile.Config{Size: cc.SolcWorkers, NodeModules: cc.NodeModules, Logger: logger,
		AutoInstall: cc.AutoInstall, InstallDir: cc.InstallDir, Metrics: m,
		RequestTimeout: cc.SolcTimeout, MaxMemoryMB: cc.SolcMemoryMB}
	var dbPool *pgxpool.Pool
	if cc.DatabaseURL != "" {
		var err error
		dbPool, err = db.Connect(ctx, cc.DatabaseURL)
		if err != nil {
			return fmt.Errorf("connect database: %w", err)
		}
		defer dbPool.Close()
		pcfg.Cache = compile.NewPGCache(db.New(dbPool))
		if reg != nil {
			if err := reg.Register(metrics.NewPoolCollector(dbPool)); err != nil {
				return fmt.Errorf("register database pool metrics: %w", err)
			}
		}
	} else {
		logger.InfoContext(ctx, "no --database-url: compiling without the artifact cache and serving no deployments")
	}
	for _, n := range cd.Networks.Networks {
		m.InitNetworks(n.Name)
		// The deploy stage refuses an RPC serving another chain; say so
		// at start rather than on the first deployment.
		if err := n.CheckReachable(ctx, cd.Secrets); err != nil {
			logger.WarnContext(ctx, "network not ready", "network", n.Name, "err", err)
		}
	}
	var dep *deploy.Activities
	if dbPool != nil {
		dep = &deploy.Activities{Pool: dbPool, Networks: cd.Networks, Secrets: cd.Secrets, Logger: logger, Metrics: m}
		// A signer that cannot be resolved would fail deployments later;
		// refuse it now rather than fall back to anything.
		if err := deploy.CheckSigners(ctx, dep); err != nil {
			return fmt.Errorf("%w: check signers: %w", errUsage, err)
		}
	}
	pool, err := compile.NewPool(ctx, pcfg)
	if err != nil {
		return fmt.Errorf("start solc pool: %w", err)
	}
	defer pool.Close()
	var wopts worker.Options
	if m != nil {
		wopts.Interceptors = append(wopts.Interceptors, m.StageInterceptor(workflows.DeploymentWorkflowName, metrics.DeploymentStages))
	}
	w := worker.New(tc, cfg.TaskQueue, wopts)
	deps := pipelineDeps{Compile: &compile.Activities{Pool: pool}, Lint: &auditor.Activities{Pool: pool}}
	if dbPool != nil {
		deps.Deploy = dep
		deps.Verify = &verify.Activities{Pool: pool, Networks: cd.Networks, Secrets: cd.Secrets}
		deps.Builds = &builds.Activities{Pool: pool, DB: dbPool}
		if fp := os.Getenv("SLIPWAY_FAILPOINT"); fp != "" {
			// Crash injection for the tests of exactly-once and budgets: die
			// as a SIGKILL would, between the signing commit and broadcast,
			// of the first signing or of the first call (an upgrade's).
			onlyCalls := fp == "exit-after-sign-call"
			if fp != "exit-after-sign" && !onlyCalls {
				return fmt.Errorf("SLIPWAY_FAILPOINT %q: want exit-after-sign or exit-after-sign-call", fp)
			}
			logger.WarnContext(ctx, "failpoint is armed: this worker exits after signing", "failpoint", fp)
			deps.Deploy.AfterSign = func(call bool) {
				if call || !onlyCalls {
					os.Exit(crashExitCode)
				}
			}
		}
		deps.Progress = &progress.Activities{Pool: dbPool, Metrics: m}
	}
	registerPipeline(w, deps)
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	logger.InfoContext(ctx, "worker polling", "task_queue", cfg.TaskQueue, "namespace", cfg.Namespace, "solc_workers", cc.SolcWorkers)
	var monitors sync.WaitGroup
	if m != nil && dbPool != nil {
		monitors.Go(func() { m.RunActiveDeployments(ctx, dbPool, activeDeploymentsEvery, logger) })
		monitors.Go(func() { deploy.RunSignerBalances(ctx, deps.Deploy, signerBalancesEvery) })
	}
	<-ctx.Done()
	w.Stop()
	monitors.Wait()
	logger.Info("worker stopped")
	return nil
}

// pipelineDeps are the activity structs a worker serves.
type pipelineDeps struct {
	Compile *compile.Activities
	Lint    *auditor.Activities
	// Deploy and Progress need the database; without them the worker
	// serves compile and audit only.
	Deploy   *deploy.Activities
	Progress *progress.Activities
	// Verify re-derives confirmed contracts' bytecode in the solc pool.
	Verify *verify.Activities
	// Builds records what deployments were built from and checks
	// upgrades (the solc pool and the database).
	Builds *builds.Activities
}

// registerPipeline registers the workflows and activities this worker
// serves: the compile and audit workflows behind the compile and audit
// RPCs, and, with a database, the deployment workflow and its stages.
func registerPipeline(r worker.Registry, d pipelineDeps) {
	r.RegisterWorkflowWithOptions(workflows.CompileWorkflow, workflow.RegisterOptions{Name: workflows.CompileWorkflowName})
	r.RegisterWorkflow(workflows.AuditWorkflow)
	r.RegisterActivity(d.Compile)
	r.RegisterActivity(d.Lint)
	if d.Deploy != nil && d.Progress != nil {
		r.RegisterWorkflowWithOptions(workflows.DeploymentWorkflow, workflow.RegisterOptions{Name: workflows.DeploymentWorkflowName})
		r.RegisterActivity(&generate.Activities{})
		r.RegisterActivity(d.Deploy)
		r.RegisterActivity(d.Progress)
		r.RegisterActivity(d.Verify)
		r.RegisterActivity(d.Builds)
	}
}
