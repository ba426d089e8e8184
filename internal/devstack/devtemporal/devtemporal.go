// Package devtemporal runs a complete Temporal server, with its Web UI, inside
// the `slipway dev` process.
//
// It is the one-command stack's Temporal: no Docker, no separate CLI, state in
// a SQLite file in the dev data folder so that a restart keeps every
// deployment's history, and every port chosen per stack so that two stacks run
// side by side. `slipway serve` and `slipway worker` never use it; they
// connect to whatever Temporal cluster they are given.
package devtemporal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/primitives"
	"go.temporal.io/server/common/searchattribute/sadefs"
	"go.temporal.io/server/temporal"
)

// Defaults for Options fields left empty.
const (
	DefaultFrontendAddr = "127.0.0.1:7233"
	DefaultNamespace    = "default"
)

// clusterName names the single local cluster. It is stored in the database on
// first start and must not change afterwards.
const clusterName = "active"

// namespaceRefreshInterval is how often every service reloads namespaces
// (and with them the custom search attribute names).
const namespaceRefreshInterval = 2 * time.Second

// startAttempts bounds how often Start picks fresh internal ports when one it
// picked was taken by another process before Temporal bound it.
const startAttempts = 3

// ErrDataDirInUse reports that another dev Temporal server, in this process or
// another, already serves the data folder. Two servers on one SQLite file
// would both claim its history shard.
var ErrDataDirInUse = errors.New("data dir is in use by another Temporal dev server")

// Options configure Start.
type Options struct {
	// DataDir holds temporal.db (SQLite, with the visibility tables) and a
	// lock file; a restart on the same folder keeps all history. Required.
	DataDir string
	// FrontendAddr is host:port for the gRPC frontend that SDK clients dial.
	// Port 0 picks a free port; "" means DefaultFrontendAddr.
	FrontendAddr string
	// UIAddr is host:port for the Temporal Web UI; "" disables the UI and
	// port 0 picks a free port.
	UIAddr string
	// Namespace is registered on first start; "" means DefaultNamespace.
	Namespace string
	// Logger receives Temporal's own logs; nil means slog.Default().
	Logger *slog.Logger
	// LogLevel is the lowest level of Temporal's logs passed on to Logger;
	// nil means slog.LevelWarn, because Temporal logs every shard movement
	// and queue start at info level.
	LogLevel slog.Leveler
	// SearchAttributes are custom search attributes that must exist in
	// Namespace, so that workflows can set them and list queries (and the Web
	// UI) can filter on them. Missing ones are added on every start; one that
	// exists with another type is an error.
	SearchAttributes map[string]enumspb.IndexedValueType
}

// Server is a running dev Temporal server. Stop it to release its ports and
// the data folder.
type Server struct {
	srv          temporal.Server
	ui           *uiServer
	lock         *os.File
	frontendAddr string
	uiURL        string
	logState     *logState

	stopOnce sync.Once
	stopErr  error
}

// FrontendAddr is the host:port that SDK clients dial; with port 0 in
// Options it carries the port that was chosen.
func (s *Server) FrontendAddr() string { return s.frontendAddr }

// UIURL is the Web UI's base URL (http://host:port), "" when the UI is off.
func (s *Server) UIURL() string { return s.uiURL }

// Start runs the dev Temporal server and returns once the frontend answers
// for the namespace, the search attributes exist and the Web UI (if enabled)
// answers on "/". ctx bounds only that start-up; the server then runs until
// Stop.
func Start(ctx context.Context, opts Options) (*Server, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	lock, err := lockDataDir(filepath.Join(opts.DataDir, "temporal.lock"))
	if err != nil {
		return nil, err
	}
	s := &Server{lock: lock}
	var uiLn net.Listener
	started := false
	defer func() {
		if !started {
			if uiLn != nil {
				_ = uiLn.Close()
			}
			_ = s.Stop()
		}
	}()

	// The UI's port is bound first, so that a taken port fails Start before
	// Temporal is up, and stays bound until the UI serves on it.
	if opts.UIAddr != "" {
		if uiLn, err = net.Listen("tcp", opts.UIAddr); err != nil {
			return nil, fmt.Errorf("listen on ui address: %w", err)
		}
	}

	sqlCfg := sqlConfig(filepath.Join(opts.DataDir, dbFileName))
	created, err := ensureSchema(ctx, sqlCfg)
	if err != nil {
		return nil, err
	}
	if created {
		opts.Logger.Info("created temporal database", "path", sqlCfg.DatabaseName)
	}
	if err := ensureNamespace(sqlCfg, clusterName, opts.Namespace, opts.SearchAttributes); err != nil {
		return nil, err
	}

	for attempt := 1; ; attempt++ {
		p, err := pickPorts(opts.FrontendAddr)
		if err != nil {
			return nil, err
		}
		state := &logState{}
		srv, frontendAddr, err := startTemporal(opts, sqlCfg, p, state)
		if err == nil {
			s.srv, s.frontendAddr, s.logState = srv, frontendAddr, state
			break
		}
		state.stopping.Store(true)
		var fatal fatalError
		if !errors.As(err, &fatal) || attempt == startAttempts {
			return nil, err
		}
		opts.Logger.Warn("temporal failed to start, retrying with other ports", "err", err, "attempt", attempt)
	}

	if err := waitFrontend(ctx, s.frontendAddr, opts); err != nil {
		return nil, err
	}

	if opts.UIAddr != "" {
		ui, err := startUI(uiLn, s.frontendAddr, opts.Namespace, opts.Logger)
		uiLn = nil // startUI owns it now
		if err != nil {
			return nil, err
		}
		s.ui = ui
		s.uiURL = "http://" + dialAddr(ui.ln.Addr().String())
		if err := waitHTTP(ctx, s.uiURL+"/"); err != nil {
			return nil, fmt.Errorf("wait for web ui: %w", err)
		}
	}
	started = true
	return s, nil
}

// Stop shuts the Web UI and every Temporal service down, releases their
// ports and unlocks the data folder. It is safe to call more than once and
// from several goroutines; later calls return the first call's result.
//
// The sqlite plugin keeps its connection to temporal.db open for the life of
// the process (by design: Temporal reopens stores while running), so a later
// Start on the same folder in the same process reuses it.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		if s.logState != nil {
			s.logState.stopping.Store(true)
		}
		var errs []error
		if s.ui != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			errs = append(errs, s.ui.stop(ctx))
			cancel()
		}
		if s.srv != nil {
			if err := s.srv.Stop(); err != nil {
				errs = append(errs, fmt.Errorf("stop temporal: %w", err))
			}
		}
		if s.lock != nil {
			errs = append(errs, unlockDataDir(s.lock))
		}
		s.stopErr = errors.Join(errs...)
	})
	return s.stopErr
}

func (o Options) withDefaults() (Options, error) {
	if o.DataDir == "" {
		return o, errors.New("start temporal: data dir is required")
	}
	dir, err := filepath.Abs(o.DataDir)
	if err != nil {
		return o, fmt.Errorf("resolve data dir: %w", err)
	}
	if err := validPath(dir); err != nil {
		return o, err
	}
	o.DataDir = dir
	if o.FrontendAddr == "" {
		o.FrontendAddr = DefaultFrontendAddr
	}
	if _, _, err := splitHostPort(o.FrontendAddr); err != nil {
		return o, fmt.Errorf("parse frontend address: %w", err)
	}
	if o.UIAddr != "" {
		if _, _, err := splitHostPort(o.UIAddr); err != nil {
			return o, fmt.Errorf("parse ui address: %w", err)
		}
	}
	if o.Namespace == "" {
		o.Namespace = DefaultNamespace
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.LogLevel == nil {
		o.LogLevel = slog.LevelWarn
	}
	for name, typ := range o.SearchAttributes {
		if name == "" || sadefs.IsReserved(name) {
			return o, fmt.Errorf("search attribute %q: name is empty or reserved by Temporal", name)
		}
		if _, ok := enumspb.IndexedValueType_name[int32(typ)]; !ok || typ == enumspb.INDEXED_VALUE_TYPE_UNSPECIFIED {
			return o, fmt.Errorf("search attribute %q: unknown type %d", name, typ)
		}
	}
	return o, nil
}

// startTemporal builds and starts the four Temporal services on ports. A
// Fatal that Temporal logs while doing so (a port taken since it was picked)
// comes back as a fatalError.
func startTemporal(opts Options, sqlCfg *config.SQL, ports ports, state *logState) (srv temporal.Server, frontendAddr string, err error) {
	frontendAddr = dialAddr(net.JoinHostPort(ports.frontendIP, strconv.Itoa(ports.frontend)))

	state.starting.Store(true)
	defer state.starting.Store(false)
	logger := newSlogLogger(opts.Logger, opts.LogLevel, state)

	cfg := serverConfig(ports, frontendAddr, sqlCfg)
	authorizer, err := authorization.GetAuthorizerFromConfig(&cfg.Global.Authorization)
	if err != nil {
		return nil, "", fmt.Errorf("build temporal authorizer: %w", err)
	}
	claimMapper, err := authorization.GetClaimMapperFromConfig(&cfg.Global.Authorization, logger)
	if err != nil {
		return nil, "", fmt.Errorf("build temporal claim mapper: %w", err)
	}

	stopped := false
	defer func() {
		if r := recover(); r != nil {
			fe, ok := r.(fatalError)
			if !ok {
				panic(r)
			}
			state.starting.Store(false)
			if srv != nil && !stopped {
				stopAfterFailure(srv)
			}
			srv, frontendAddr, err = nil, "", fe
		}
	}()
	srv, err = temporal.NewServer(
		temporal.WithConfig(cfg),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(ports.staticHosts()),
		temporal.WithLogger(logger),
		temporal.WithAuthorizer(authorizer),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper { return claimMapper }),
		temporal.WithDynamicConfigClient(DynamicConfig()),
	)
	if err != nil {
		return nil, "", fmt.Errorf("build temporal server: %w", err)
	}
	if err := srv.Start(); err != nil {
		stopped = true
		state.starting.Store(false)
		stopAfterFailure(srv)
		return nil, "", fmt.Errorf("start temporal server: %w", err)
	}
	return srv, frontendAddr, nil
}

// stopAfterFailure stops what a failed start left running. The services may
// be half-built, so a panic while stopping them is swallowed: Start already
// reports the failure that matters.
func stopAfterFailure(srv temporal.Server) {
	defer func() { _ = recover() }()
	_ = srv.Stop()
}

// serverConfig is the static configuration of a single-host cluster on
// SQLite. Membership is static (temporal.WithStaticHosts) rather than
// ringpop: nothing to gossip with, no membership ports, and no join wait at
// start.
func serverConfig(p ports, frontendAddr string, sqlCfg *config.SQL) *config.Config {
	const store = "sqlite-default"
	cfg := &config.Config{}
	cfg.Global.Membership.BroadcastAddress = loopbackIP
	// No metrics listener and no pprof: they would be two more ports per
	// stack, and the dev stack's metrics are Slipway's own.
	cfg.Persistence = config.Persistence{
		DefaultStore:     store,
		VisibilityStore:  store,
		NumHistoryShards: 1,
		DataStores:       map[string]config.DataStore{store: {SQL: sqlCfg}},
	}
	cfg.ClusterMetadata = &cluster.Config{
		EnableGlobalNamespace:    false,
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {
				Enabled:                true,
				InitialFailoverVersion: 1,
				RPCAddress:             frontendAddr,
			},
		},
	}
	cfg.DCRedirectionPolicy.Policy = "noop"
	cfg.Services = map[string]config.Service{
		string(primitives.FrontendService): {RPC: config.RPC{GRPCPort: p.frontend, BindOnIP: p.frontendIP}},
		string(primitives.HistoryService):  {RPC: config.RPC{GRPCPort: p.history, BindOnIP: loopbackIP}},
		string(primitives.MatchingService): {RPC: config.RPC{GRPCPort: p.matching, BindOnIP: loopbackIP}},
		string(primitives.WorkerService):   {RPC: config.RPC{GRPCPort: p.worker, BindOnIP: loopbackIP}},
	}
	cfg.Archival.History.State = "disabled"
	cfg.Archival.Visibility.State = "disabled"
	cfg.NamespaceDefaults.Archival.History.State = "disabled"
	cfg.NamespaceDefaults.Archival.Visibility.State = "disabled"
	// The worker service's system workflows reach the frontend through the
	// public client.
	cfg.PublicClient.HostPort = frontendAddr
	return cfg
}

// DynamicConfig holds the few settings where a dev server on a laptop wants
// something other than a production cluster's defaults. Tests give their
// temporaltest servers the same, so that they measure what slipway dev runs.
func DynamicConfig() dynamicconfig.StaticClient {
	return dynamicconfig.StaticClient{
		// One partition per task queue, as Temporal's own dev server has:
		// the default four spread a queue over partitions for throughput
		// a single host cannot use, and a task written to a partition no
		// poller waits on is forwarded after a delay, tens of milliseconds
		// on every workflow and activity task.
		dynamicconfig.MatchingNumTaskqueueReadPartitions.Key():  1,
		dynamicconfig.MatchingNumTaskqueueWritePartitions.Key(): 1,
		// 128k cached workflow executions by default: sized for a server
		// host. A few thousand is plenty for a dev stack and keeps memory
		// down.
		dynamicconfig.HistoryCacheHostLevelMaxSize.Key(): 8192,
		// The default of 10 visibility requests per second per namespace is
		// easily reached by the Web UI's polling plus Slipway's own list
		// queries, and a throttled list shows up as an empty page.
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
		// Temporal's default, pinned because Start waits one refresh after
		// adding search attributes to an existing namespace.
		dynamicconfig.NamespaceCacheRefreshInterval.Key(): namespaceRefreshInterval,
	}
}

// waitFrontend waits until the frontend serves the namespace, then makes sure
// the custom search attributes exist.
func waitFrontend(ctx context.Context, addr string, opts Options) error {
	c, err := dialFrontend(ctx, addr, opts)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := poll(ctx, func() error {
		_, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: opts.Namespace})
		return err
	}); err != nil {
		return fmt.Errorf("wait for namespace %q: %w", opts.Namespace, err)
	}
	return ensureSearchAttributes(ctx, c.OperatorService(), opts.Namespace, opts.SearchAttributes)
}

func dialFrontend(ctx context.Context, addr string, opts Options) (client.Client, error) {
	var c client.Client
	err := poll(ctx, func() error {
		var err error
		c, err = client.DialContext(ctx, client.Options{
			HostPort:  addr,
			Namespace: opts.Namespace,
			Logger:    sdklog.NewStructuredLogger(slog.New(filterHandler{level: slog.LevelWarn, next: opts.Logger.Handler()})),
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("wait for temporal frontend at %s: %w", addr, err)
	}
	return c, nil
}

// ensureSearchAttributes adds the missing custom search attributes through
// the operator API, the only path that works for a namespace that already
// exists. New ones reach the history and matching services with their next
// namespace-registry refresh, so Start waits for one after adding any.
func ensureSearchAttributes(ctx context.Context, ops operatorservice.OperatorServiceClient, namespace string, want map[string]enumspb.IndexedValueType) error {
	if len(want) == 0 {
		return nil
	}
	missing, err := missingSearchAttributes(ctx, ops, namespace, want)
	if err != nil {
		return err
	}
	if len(missing) == 0 {
		return nil
	}
	if _, err := ops.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace:        namespace,
		SearchAttributes: missing,
	}); err != nil {
		return fmt.Errorf("add search attributes: %w", err)
	}
	if err := poll(ctx, func() error {
		left, err := missingSearchAttributes(ctx, ops, namespace, missing)
		if err == nil && len(left) > 0 {
			err = fmt.Errorf("%d search attributes not visible yet", len(left))
		}
		return err
	}); err != nil {
		return fmt.Errorf("wait for search attributes: %w", err)
	}
	select {
	case <-time.After(namespaceRefreshInterval + 500*time.Millisecond):
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for search attributes: %w", ctx.Err())
	}
}

func missingSearchAttributes(ctx context.Context, ops operatorservice.OperatorServiceClient, namespace string, want map[string]enumspb.IndexedValueType) (map[string]enumspb.IndexedValueType, error) {
	resp, err := ops.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return nil, fmt.Errorf("list search attributes: %w", err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for name, typ := range want {
		have, ok := resp.GetCustomAttributes()[name]
		if !ok {
			missing[name] = typ
			continue
		}
		if have != typ {
			return nil, fmt.Errorf("search attribute %q exists as %s, want %s", name, have, typ)
		}
	}
	return missing, nil
}

// poll calls fn until it succeeds or ctx ends, then returns fn's last error
// joined with ctx's. While the services come up the frontend answers with
// Unavailable or NotFound, so those retry; InvalidArgument is a bug in the
// request and returns at once.
func poll(ctx context.Context, fn func() error) error {
	const interval = 50 * time.Millisecond
	for {
		err := fn()
		if err == nil {
			return nil
		}
		var invalid *serviceerror.InvalidArgument
		if errors.As(err, &invalid) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		case <-time.After(interval):
		}
	}
}

// waitHTTP waits until url answers 200.
func waitHTTP(ctx context.Context, url string) error {
	hc := &http.Client{Timeout: 2 * time.Second}
	return poll(ctx, func() error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		return nil
	})
}
