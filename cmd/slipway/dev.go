package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/devstack/anvil"
	"github.com/slipway-dev/slipway/internal/devstack/devtemporal"
	"github.com/slipway-dev/slipway/internal/devstack/localkms"
	"github.com/slipway-dev/slipway/internal/devstack/pgcluster"
	"github.com/slipway-dev/slipway/internal/metrics"
	"github.com/slipway-dev/slipway/server"
)

// devConfig is the dev stack's command line (API.md, "Dev stack").
type devConfig struct {
	Log            logConfig
	API            apiConfig
	Identity       identityConfig
	Temporal       temporalConfig
	Compile        compileConfig
	DataDir        string
	UIAddr         string
	ChainAddr      string
	DBPort         int
	ChainBlockTime float64
	Worker         bool
	// KMS runs a local KMS and signs the dev network with a secp256k1 key
	// held there instead of the anvil dev key.
	KMS bool
	// WorkerMetricsAddr is where the in-process worker's /metrics listens
	// (the API's /metrics is its own registry); empty or "off" for none.
	WorkerMetricsAddr string
	DatabaseURL       string
}

func (c *devConfig) register(fs *flag.FlagSet) {
	c.Log.register(fs)
	c.API.register(fs)
	c.Identity.register(fs)
	c.Temporal.register(fs)
	c.Compile.register(fs, true)
	fs.StringVar(&c.DataDir, "data-dir", envString("SLIPWAY_DATA_DIR", ".data"), "folder for Postgres, Temporal's SQLite, the chain state and slipway.env (env SLIPWAY_DATA_DIR)")
	fs.StringVar(&c.UIAddr, "ui-addr", envString("SLIPWAY_UI_ADDR", "127.0.0.1:8233"), "Temporal Web UI host:port (env SLIPWAY_UI_ADDR)")
	fs.StringVar(&c.ChainAddr, "chain-addr", envString("SLIPWAY_CHAIN_ADDR", "127.0.0.1:8545"), "anvil JSON-RPC host:port (env SLIPWAY_CHAIN_ADDR)")
	fs.IntVar(&c.DBPort, "db-port", int(envInt("SLIPWAY_DB_PORT", 0)), "port of the private Postgres; 0 = a free port (env SLIPWAY_DB_PORT)")
	fs.Float64Var(&c.ChainBlockTime, "chain-block-time", 0, "seconds between blocks; 0 = mine on every transaction")
	fs.BoolVar(&c.KMS, "kms", envBool("SLIPWAY_DEV_KMS", false), "run a local KMS (local-kms) and sign dev deployments with a secp256k1 key held there (env SLIPWAY_DEV_KMS)")
	fs.BoolVar(&c.Worker, "worker", envBool("SLIPWAY_DEV_WORKER", true), "run a worker in this process; --worker=false to run workers separately (env SLIPWAY_DEV_WORKER)")
	fs.StringVar(&c.WorkerMetricsAddr, "worker-metrics-addr", envString("SLIPWAY_DEV_WORKER_METRICS_ADDR", defaultWorkerMetricsAddr), "listen address of the in-process worker's /metrics and /healthz; empty or off for none; a taken port is only warned about (env SLIPWAY_DEV_WORKER_METRICS_ADDR)")
	// DATABASE_URL switches from the private cluster to an existing server.
	c.DatabaseURL = os.Getenv("DATABASE_URL")
}

func (c *devConfig) validate() error {
	errs := []error{c.API.validate(), c.Temporal.validate(true), c.Compile.validate(),
		validateHostPort("--ui-addr", c.UIAddr, true),
		validateHostPort("--chain-addr", c.ChainAddr, true),
		validateMetricsAddr("--worker-metrics-addr", c.WorkerMetricsAddr)}
	if c.DataDir == "" {
		errs = append(errs, errors.New("--data-dir is required"))
	}
	if c.DBPort < 0 || c.DBPort > 65535 {
		errs = append(errs, fmt.Errorf("--db-port %d: must be 0 to 65535", c.DBPort))
	}
	if c.ChainBlockTime < 0 || c.ChainBlockTime > 3600 {
		errs = append(errs, fmt.Errorf("--chain-block-time %g: must be 0 to 3600 seconds", c.ChainBlockTime))
	}
	if c.DatabaseURL != "" {
		errs = append(errs, validateDatabaseURL(c.DatabaseURL))
	}
	return errors.Join(errs...)
}

// devStack is what runDev started, stopped in reverse order.
type devStack struct {
	mu       sync.Mutex
	stops    []func()
	pgDSN    string
	temporal *devtemporal.Server
	node     *anvil.Node
	kms      *localkms.Server // with --kms
}

func (s *devStack) onStop(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stops = append(s.stops, f)
}

func (s *devStack) stop() {
	s.mu.Lock()
	stops := s.stops
	s.stops = nil
	s.mu.Unlock()
	for i := len(stops) - 1; i >= 0; i-- {
		stops[i]()
	}
}

func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg devConfig
	fs := newFlagSet("dev", stderr)
	cfg.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := cfg.validate(); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	// One service for the API and the in-process worker: they share a
	// Temporal client, whose interceptor makes both halves' spans.
	tr, logger, err := startLogging(ctx, &cfg.Log, "slipway", stderr)
	if err != nil {
		return err
	}
	defer tr.close(ctx, logger)
	began := time.Now()
	dataDir, unlock, err := openDataDir(cfg.DataDir)
	if err != nil {
		return err
	}
	defer unlock()

	stack := &devStack{}
	defer stack.stop()
	if err := stack.start(ctx, cfg, dataDir, logger); err != nil {
		return err
	}
	if err := db.MigrateUp(ctx, stack.pgDSN); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	env, err := stack.writeEnv(ctx, &cfg, dataDir)
	if err != nil {
		return err
	}
	app, err := stack.connect(ctx, cfg, env, tr, logger)
	if err != nil {
		return err
	}
	return stack.run(ctx, cfg, app, env, began, stdout, logger)
}

// openDataDir creates the data folder (as an absolute path) and locks it
// for this process until unlock.
func openDataDir(dir string) (abs string, unlock func(), err error) {
	abs, err = filepath.Abs(dir)
	if err != nil {
		return "", nil, fmt.Errorf("resolve --data-dir: %w", err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return "", nil, fmt.Errorf("create data folder: %w", err)
	}
	unlock, err = lockDataDir(abs)
	if err != nil {
		return "", nil, err
	}
	return abs, unlock, nil
}

// devEnv is what writeEnv wrote, and where the stack's Temporal listens.
type devEnv struct {
	networksFile string // networks.json: network "dev" on anvil
	file         string // slipway.env
	temporalAddr string
}

// writeEnv writes the networks file and slipway.env, the environment with
// which more API servers and workers join the stack, and sets that
// environment in this process too. Without --jwt-key it signs with the
// data folder's dev key, which it records in cfg.
func (s *devStack) writeEnv(ctx context.Context, cfg *devConfig, dataDir string) (devEnv, error) {
	networksFile := filepath.Join(dataDir, "networks.json")
	devKey := s.node.Accounts()[0].PrivateKey
	devSigner := "env:SLIPWAY_DEV_DEPLOYER_KEY"
	var kmsEnv []envVar
	if s.kms != nil {
		ref, err := s.kmsSigner(ctx)
		if err != nil {
			return devEnv{}, err
		}
		devSigner = ref
		for _, kv := range s.kms.Env() {
			k, v, _ := strings.Cut(kv, "=")
			kmsEnv = append(kmsEnv, envVar{k, v})
		}
	}
	if err := writeDevNetworks(networksFile, s.node.RPCURL(), devSigner, cfg.API.NetworksFile); err != nil {
		return devEnv{}, err
	}
	if cfg.Identity.JWTKey == "" {
		keyFile, err := ensureDevJWTKey(dataDir)
		if err != nil {
			return devEnv{}, err
		}
		cfg.Identity.JWTKey = "file:" + keyFile
	}
	if err := cfg.Identity.validate(); err != nil {
		return devEnv{}, fmt.Errorf("%w: %w", errUsage, err)
	}
	temporalAddr := s.temporal.FrontendAddr()
	env := []envVar{
		{"DATABASE_URL", s.pgDSN},
		{"SLIPWAY_TEMPORAL_ADDR", temporalAddr},
		{"SLIPWAY_TEMPORAL_NAMESPACE", cfg.Temporal.Namespace},
		{"SLIPWAY_TASK_QUEUE", cfg.Temporal.TaskQueue},
		{"SLIPWAY_NETWORKS_FILE", networksFile},
		{"SLIPWAY_DEV_DEPLOYER_KEY", devKey},
		{"SLIPWAY_JWT_KEY", cfg.Identity.JWTKey},
	}
	env = append(env, kmsEnv...)
	envFile := filepath.Join(dataDir, "slipway.env")
	if err := writeEnvFile(envFile, env); err != nil {
		return devEnv{}, err
	}
	for _, v := range env {
		// In-process components read the same settings a joining
		// process would.
		_ = os.Setenv(v.Key, v.Value)
	}
	return devEnv{networksFile: networksFile, file: envFile, temporalAddr: temporalAddr}, nil
}

// devApp is the in-process API and what the in-process worker needs,
// connected to the stack's parts.
type devApp struct {
	api      http.Handler
	temporal client.Client
	tcfg     temporalConfig // --temporal-* with the stack's address
	chain    chainDeps
	// workerReg and workerMetricsLn are the in-process worker's metrics
	// registry and listener; nil when they are not served.
	workerReg       *prometheus.Registry
	workerMetricsLn net.Listener
}

// connect dials the stack's Temporal and Postgres and builds the API
// handler on them; what it opens is closed by s.stop.
func (s *devStack) connect(ctx context.Context, cfg devConfig, env devEnv, tr *tracing, logger *slog.Logger) (*devApp, error) {
	networks, err := chain.LoadConfig(env.networksFile)
	if err != nil {
		return nil, err
	}
	app := &devApp{tcfg: cfg.Temporal}
	app.tcfg.Addr = env.temporalAddr
	temporalOpts := tr.temporalOptions()
	if cfg.Worker {
		var opt func(*client.Options)
		app.workerReg, app.workerMetricsLn, opt = s.serveWorkerMetrics(ctx, cfg.WorkerMetricsAddr, logger)
		if opt != nil {
			temporalOpts = append(temporalOpts, opt)
		}
	}
	if app.temporal, err = dialTemporal(app.tcfg, logger, temporalOpts...); err != nil {
		return nil, err
	}
	s.onStop(app.temporal.Close)
	pool, err := db.Connect(ctx, s.pgDSN)
	if err != nil {
		return nil, err
	}
	s.onStop(pool.Close)

	sp, err := newSecrets(logger)
	if err != nil {
		return nil, err
	}
	app.chain = chainDeps{Networks: networks, Secrets: sp}
	if cfg.API.TemporalUIURL == "" {
		cfg.API.TemporalUIURL = s.temporal.UIURL() // the console links runs to the stack's own UI
	}
	h, closeAPI, err := newAPIHandler(ctx, cfg.API, cfg.Identity, apiDeps{Pool: pool, Temporal: app.temporal, Namespace: app.tcfg.Namespace, TaskQueue: app.tcfg.TaskQueue, Networks: networks, Secrets: sp, Logger: logger, Tracer: tr.tracerProvider()})
	if err != nil {
		return nil, err
	}
	s.onStop(closeAPI)
	app.api = h
	return app, nil
}

// serveWorkerMetrics listens for the in-process worker's /metrics. The
// worker's metrics, the Temporal SDK's among them, go to a registry of
// their own, served beside the API rather than in its /metrics, whose
// registry the API handler owns; opt is the Temporal client option that
// records the SDK's. With the address off, or taken, it answers nils.
func (s *devStack) serveWorkerMetrics(ctx context.Context, addr string, logger *slog.Logger) (reg *prometheus.Registry, ln net.Listener, opt func(*client.Options)) {
	if !metricsAddrEnabled(addr) {
		return nil, nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		// A second stack on this machine: it still runs, unobserved.
		logger.WarnContext(ctx, "worker metrics not served", "addr", addr, "err", err)
		return nil, nil, nil
	}
	s.onStop(func() { _ = ln.Close() })
	reg = newWorkerRegistry()
	mh, closeMH := metrics.TemporalHandler(reg, logger)
	s.onStop(func() { _ = closeMH.Close() })
	return reg, ln, withMetricsHandler(mh)
}

// run serves the API and runs the in-process worker (and its /metrics)
// until ctx ends or one of them fails, and prints the banner once /readyz
// answers 200.
func (s *devStack) run(ctx context.Context, cfg devConfig, app *devApp, env devEnv, began time.Time, stdout io.Writer, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", cfg.API.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on --http-addr %s: %w", cfg.API.HTTPAddr, err)
	}
	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	g, gctx := errgroup.WithContext(runCtx)
	g.Go(func() error { return server.Serve(gctx, ln, app.api, logger) })
	if cfg.Worker {
		cc := cfg.Compile
		cc.DatabaseURL = s.pgDSN // the dev database also holds the compile cache
		g.Go(func() error {
			return runInstrumentedWorker(gctx, app.temporal, app.tcfg, cc, app.chain, app.workerReg, logger)
		})
		if app.workerReg != nil {
			logger.InfoContext(ctx, "worker metrics listening", "addr", app.workerMetricsLn.Addr().String())
			g.Go(func() error { return serveMetrics(gctx, app.workerMetricsLn, app.workerReg, logger) })
		}
	}
	apiURL := "http://" + ln.Addr().String()
	if err := waitReady(gctx, apiURL+"/readyz"); err != nil {
		cancelRun()
		if gerr := g.Wait(); gerr != nil {
			return gerr
		}
		return err
	}
	printBanner(stdout, banner{
		API: apiURL, Temporal: env.temporalAddr, Namespace: app.tcfg.Namespace, UI: s.temporal.UIURL(),
		Chain: s.node.RPCURL(), ChainID: s.node.ChainID(), Postgres: redactDSN(s.pgDSN),
		EnvFile: env.file, Worker: cfg.Worker, Took: time.Since(began),
	})
	logger.InfoContext(ctx, "dev stack ready", "took", time.Since(began).String())
	err = g.Wait()
	logger.Info("dev stack stopping")
	return err
}

// start brings up Postgres, Temporal and anvil concurrently: they do not
// depend on one another, and starting them side by side keeps `make dev`
// within its 10 s budget.
func (s *devStack) start(ctx context.Context, cfg devConfig, dataDir string, logger *slog.Logger) error {
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if cfg.DatabaseURL != "" {
			s.pgDSN = cfg.DatabaseURL
			return nil
		}
		c, err := pgcluster.Start(gctx, pgcluster.Options{DataDir: filepath.Join(dataDir, "postgres"), Port: cfg.DBPort, Logger: logger, Database: "slipway"})
		if err != nil {
			return fmt.Errorf("start postgres: %w", err)
		}
		s.onStop(func() { _ = c.Stop(context.Background()) })
		s.pgDSN = c.DSN()
		return nil
	})
	g.Go(func() error {
		t, err := devtemporal.Start(gctx, devtemporal.Options{
			DataDir: filepath.Join(dataDir, "temporal"), FrontendAddr: cfg.Temporal.Addr, UIAddr: cfg.UIAddr,
			Namespace: cfg.Temporal.Namespace, Logger: logger.With("component", "temporal"),
			SearchAttributes: searchAttributes,
		})
		if err != nil {
			return fmt.Errorf("start temporal: %w", err)
		}
		s.onStop(func() { _ = t.Stop() })
		s.temporal = t
		return nil
	})
	if cfg.KMS {
		g.Go(func() error {
			k, err := localkms.Start(gctx, localkms.Options{Dir: filepath.Join(dataDir, "kms"), Logger: logger.With("component", "kms")})
			if err != nil {
				return fmt.Errorf("start local kms: %w", err)
			}
			s.onStop(k.Stop)
			s.kms = k
			return nil
		})
	}
	g.Go(func() error {
		host, port, _ := net.SplitHostPort(cfg.ChainAddr)
		p, _ := strconv.Atoi(port)
		n, err := anvil.Start(gctx, anvil.Options{
			Host: host, Port: p, ChainID: anvil.DevChainID,
			BlockTime: time.Duration(cfg.ChainBlockTime * float64(time.Second)),
			StatePath: filepath.Join(dataDir, "anvil-state.json"), Logger: logger.With("component", "anvil"),
		})
		if err != nil {
			return fmt.Errorf("start anvil: %w", err)
		}
		s.onStop(func() { _ = n.Stop() })
		s.node = n
		// Deployments with a salt go through the deterministic deployment
		// proxy: anvil has it from genesis, and otherwise (a state file
		// without it) it is deployed from its presigned transaction.
		if err := n.EnsureCreate2Factory(gctx); err != nil {
			return fmt.Errorf("start anvil: %w", err)
		}
		return nil
	})
	return g.Wait()
}

// searchAttributes let runs be filtered in the Temporal Web UI by user,
// network, contract and status. Registered from the first start: adding them
// to an existing namespace later costs a namespace refresh.
var searchAttributes = map[string]enumspb.IndexedValueType{
	"SlipwayUser":     enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"SlipwayNetwork":  enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"SlipwayContract": enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"SlipwayStatus":   enumspb.INDEXED_VALUE_TYPE_KEYWORD,
}

// devKMSAlias names the dev stack's KMS signer key.
const devKMSAlias = "alias/slipway-dev"

// devKMSFunds is what the dev stack's KMS signer holds on the dev chain.
var devKMSFunds = new(big.Int).Mul(big.NewInt(10_000), big.NewInt(1e18))

// kmsSigner answers the signer reference of the local KMS's dev key,
// creating the key on the first start (a restart on the same data folder
// keeps it) and funding its address on the dev chain.
func (s *devStack) kmsSigner(ctx context.Context) (string, error) {
	_, addr, err := s.kms.CreateSecp256k1Key(ctx, devKMSAlias)
	if err != nil {
		return "", fmt.Errorf("create the dev kms key: %w", err)
	}
	if err := s.node.SetBalance(ctx, addr, devKMSFunds); err != nil {
		return "", fmt.Errorf("fund the dev kms key: %w", err)
	}
	return chain.KMSPrefix + devKMSAlias, nil
}

// writeDevNetworks writes the dev stack's networks file: network "dev" on
// anvil, signed by signer, and the networks of userFile (--networks) when
// given. userFile may redefine "dev", for example to sign there with a KMS
// key; its settings (tiers among them) are kept as written.
func writeDevNetworks(path, rpcURL, signer, userFile string) error {
	dev := chain.Network{
		Name: "dev", ChainID: anvil.DevChainID, RPCURLs: []string{rpcURL}, Confirmations: 1,
		Signer: signer,
	}
	var cfg chain.Config
	if abs, _ := filepath.Abs(userFile); abs == path {
		// SLIPWAY_NETWORKS_FILE from a sourced slipway.env names the file
		// this writes: the dev network is written afresh.
		userFile = ""
	}
	if userFile != "" {
		var err error
		if cfg, err = chain.LoadConfig(userFile); err != nil {
			return fmt.Errorf("%w: --networks: %w", errUsage, err)
		}
	}
	if _, ok := cfg.Lookup(dev.Name); !ok {
		cfg.Networks = append([]chain.Network{dev}, cfg.Networks...)
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return fmt.Errorf("encode networks: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write networks file: %w", err)
	}
	return nil
}

type envVar struct{ Key, Value string }

// writeEnvFile writes KEY=VALUE lines readable by a shell (`set -a; .
// slipway.env`) and by --env-file. It holds secrets, so it is 0600.
func writeEnvFile(path string, vars []envVar) error {
	var b strings.Builder
	b.WriteString("# Written by `slipway dev` on every start: the environment a separate\n")
	b.WriteString("# `slipway serve` or `slipway worker` needs to join this dev stack:\n")
	b.WriteString("#   slipway serve --env-file " + path + " --http-addr 127.0.0.1:8081\n")
	for _, v := range vars {
		b.WriteString(v.Key + "=" + strconv.Quote(v.Value) + "\n")
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("write env file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write env file: %w", err)
	}
	return nil
}

// waitReady polls /readyz until it answers 200: the stack is ready only when
// every part answers, through the same checks operators use.
func waitReady(ctx context.Context, url string) error {
	client := &http.Client{Timeout: 3 * time.Second}
	var last string
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = strings.TrimSpace(string(body))
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for readiness (last answer: %s): %w", last, context.Cause(ctx))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

type banner struct {
	API, Temporal, Namespace, UI, Chain, Postgres, EnvFile string
	ChainID                                                uint64
	Worker                                                 bool
	Took                                                   time.Duration
}

func printBanner(w io.Writer, b banner) {
	worker := "in this process"
	if !b.Worker {
		worker = "none (--worker=false): run `slipway worker --env-file " + b.EnvFile + "`"
	}
	fmt.Fprintf(w, `
Slipway dev stack ready in %.1fs
  API (Connect, gRPC, gRPC-Web, REST)  %s
  Health                               %s/readyz
  Temporal frontend                    %s (namespace %s)
  Temporal Web UI                      %s
  Chain (anvil, chain id %d)        %s
  Postgres                             %s
  Worker                               %s
  Env for serve/worker                 %s
Press Ctrl-C to stop.
`, b.Took.Seconds(), b.API, b.API, b.Temporal, b.Namespace, b.UI, b.ChainID, b.Chain, b.Postgres, worker, b.EnvFile)
}

// redactDSN hides the password of a Postgres URL for display.
func redactDSN(dsn string) string {
	i := strings.Index(dsn, "://")
	at := strings.LastIndex(dsn, "@")
	if i < 0 || at < i {
		return dsn
	}
	userinfo := dsn[i+3 : at]
	if u, _, ok := strings.Cut(userinfo, ":"); ok {
		return dsn[:i+3] + u + ":***" + dsn[at:]
	}
	return dsn
}

// lockDataDir keeps two dev stacks off one data folder: Postgres and SQLite
// would refuse or corrupt. The lock dies with the process.
func lockDataDir(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open data folder lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: data folder %s is in use by another slipway dev (use another --data-dir)", errUsage, dir)
	}
	return func() { f.Close() }, nil
}
