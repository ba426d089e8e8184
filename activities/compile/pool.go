package compile

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"github.com/slipway-dev/slipway/internal/metrics"
	"github.com/slipway-dev/slipway/internal/proc"
)

//go:embed worker.js
var workerScript []byte

// Infrastructure errors: the compile did not happen, and retrying (on a
// fresh or another worker) can succeed.
var (
	// ErrWorkerCrashed reports that the worker running the request died
	// (killed, out of memory, protocol broken) before answering.
	ErrWorkerCrashed = errors.New("solc worker crashed")
	// ErrTimeout reports a request that ran past the pool's request
	// timeout; its worker was killed and is restarted.
	ErrTimeout = errors.New("solc request timed out")
	// ErrWorkerStart reports a worker that could not be started.
	ErrWorkerStart = errors.New("solc worker did not start")
)

// Other pool errors.
var (
	// ErrOutputTooLarge reports solc output above the pool's cap; the
	// worker survives. Not retryable: the same input gives the same output.
	ErrOutputTooLarge = errors.New("solc output exceeds the size cap")
	// ErrPoolClosed reports a request made to, or cut short by, a closed pool.
	ErrPoolClosed = errors.New("compile pool closed")
	// ErrCompiler reports solc-js throwing instead of answering: a stack
	// overflow on deeply nested input, an internal compiler error, its
	// WebAssembly memory exhausted. The input is the cause and the same
	// input throws again, so it is the user's error; the worker that threw
	// is replaced before it serves anyone else, because solc's state in it
	// is left broken.
	ErrCompiler = errors.New("solc failed on these sources")
	// ErrLimitExceeded reports sources on which solc ran past the pool's
	// time limit or crashed its worker twice (once more on a fresh process,
	// to rule out a fault of the machine), or used more memory than the
	// cap. The user's to fix: retrying on another worker would only hold
	// it for as long again.
	ErrLimitExceeded = errors.New("the sources exceed the compiler's limits")
)

// Limits of Config's resource settings. The most RequestTimeout may be
// is compileapi.MaxRequestTimeout, which the workflows' timeouts count on.
const (
	DefaultRequestTimeout = time.Minute
	MinRequestTimeout     = time.Second
	DefaultMaxMemoryMB    = 2048
	// MinMaxMemoryMB leaves room for node with solc loaded (~270 MB) and
	// an ordinary compile.
	MinMaxMemoryMB = 512
	MaxMaxMemoryMB = 1 << 16
)

// memoryPoll is how often a compiling worker's resident memory is read.
const memoryPoll = 100 * time.Millisecond

// overflowIdle is how long an overflow worker waits for work before it
// exits.
const overflowIdle = 30 * time.Second

// Config configures a Pool. Zero values take the documented defaults.
type Config struct {
	// Size is the number of node workers; each compiles one request at a
	// time. Default 1; each worker holds ~200 MB once warm.
	Size int
	// Node is the node executable; default "node" on PATH.
	Node string
	// NodeModules is the node_modules holding solc, the importable
	// @openzeppelin/contracts and @openzeppelin/contracts-upgradeable, and
	// the node libraries the workers run (lib-sourcify,
	// @openzeppelin/upgrades-core); default: found by walking up from the
	// working directory.
	NodeModules string
	// RequestTimeout bounds one run of solc on one request; a worker past
	// it is killed and replaced at once, and the request is run once more
	// on a fresh process before it fails with ErrLimitExceeded. Default
	// DefaultRequestTimeout; MinRequestTimeout to
	// compileapi.MaxRequestTimeout.
	RequestTimeout time.Duration
	// MaxMemoryMB caps each node process: node's --max-old-space-size,
	// and, while it compiles, its resident memory, polled every
	// memoryPoll, since solc's WebAssembly memory lies outside node's
	// heap. A worker over it is killed and replaced, and the request fails
	// with ErrLimitExceeded. A worker over half of it after answering is
	// replaced too, so that the compilers it has loaded (each solc version
	// stays resident) leave the next request the other half. Default
	// DefaultMaxMemoryMB; MinMaxMemoryMB to MaxMaxMemoryMB.
	MaxMemoryMB int
	// Overflow is how many extra node processes the pool may start while
	// a request waits and a worker has been busy on one compile for longer
	// than SlowAfter, so that one slow input does not starve everyone else
	// until its time limit (with the default single worker, it would hold
	// the only one). They exit after overflowIdle without work. Default 1;
	// negative for none.
	Overflow int
	// SlowAfter is how long a compile runs before the pool counts it as
	// slow and lets waiting requests go to an overflow worker; well above
	// an ordinary compile (an OpenZeppelin token takes 1–3 s). Default 5 s.
	SlowAfter time.Duration
	// StartTimeout bounds starting a worker and loading solc. Default 60 s.
	StartTimeout time.Duration
	// MaxOutputBytes caps one answer line from a worker. Default 64 MiB.
	MaxOutputBytes int
	// DefaultVersion is the compiler used when sources have no pragma;
	// default the version of the installed `solc` package.
	DefaultVersion string
	Logger         *slog.Logger
	// Cache, when set, answers identical compiles without solc and stores
	// successful results; nil compiles every request.
	Cache Cache
	// Metrics, when set, receives the cache's hits and misses, the queue
	// depth and worker restarts; nil records nothing.
	Metrics *metrics.Worker
	// AutoInstall lets the pool install, from the npm registry, the newest
	// solc-js release that a request needs when none installed fits, and
	// the older releases a fallback tries (fallback.go). Off
	// by default: a production worker should run the compilers it was
	// deployed with; `slipway dev` turns it on, as Hardhat does.
	AutoInstall bool
	// InstallDir holds auto-installed compilers, one folder per version;
	// compilers already there are used even with AutoInstall off. Default
	// DefaultInstallDir().
	InstallDir string
	// NPM is the npm executable for auto-install; default "npm" on PATH,
	// looked up only when an install is needed.
	NPM string

	debug bool // enables the worker's test-only requests
}

func (c *Config) setDefaults() error {
	if c.Size == 0 {
		c.Size = 1
	}
	if c.Size < 1 || c.Size > 64 {
		return fmt.Errorf("compile pool size %d: want 1–64", c.Size)
	}
	if c.Node == "" {
		c.Node = "node"
	}
	node, err := exec.LookPath(c.Node)
	if err != nil {
		return fmt.Errorf("find node: %w", err)
	}
	c.Node = node
	if c.NodeModules == "" {
		dir, err := FindNodeModules("")
		if err != nil {
			return err
		}
		c.NodeModules = dir
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.RequestTimeout < MinRequestTimeout || c.RequestTimeout > compileapi.MaxRequestTimeout {
		return fmt.Errorf("compile pool request timeout %s: want %s to %s", c.RequestTimeout, MinRequestTimeout, compileapi.MaxRequestTimeout)
	}
	if c.MaxMemoryMB == 0 {
		c.MaxMemoryMB = DefaultMaxMemoryMB
	}
	if c.MaxMemoryMB < MinMaxMemoryMB || c.MaxMemoryMB > MaxMaxMemoryMB {
		return fmt.Errorf("compile pool memory cap %d MiB: want %d to %d", c.MaxMemoryMB, MinMaxMemoryMB, MaxMaxMemoryMB)
	}
	if c.Overflow == 0 {
		c.Overflow = 1
	}
	if c.Overflow > 64 {
		return fmt.Errorf("compile pool overflow %d: want at most 64", c.Overflow)
	}
	if c.SlowAfter == 0 {
		c.SlowAfter = 5 * time.Second
	}
	if c.SlowAfter < 0 {
		return errors.New("compile pool: negative slow threshold")
	}
	if c.StartTimeout == 0 {
		c.StartTimeout = time.Minute
	}
	if c.MaxOutputBytes == 0 {
		c.MaxOutputBytes = 64 << 20
	}
	if c.RequestTimeout < 0 || c.StartTimeout < 0 || c.MaxOutputBytes < 0 {
		return errors.New("compile pool: negative timeout or output cap")
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.InstallDir == "" {
		dir, err := DefaultInstallDir()
		if err != nil && c.AutoInstall {
			return err
		}
		c.InstallDir = dir
	}
	if c.NPM == "" {
		c.NPM = "npm"
	}
	return nil
}

// FindNodeModules walks up from dir (the working directory when empty) to
// the first node_modules that holds the solc package, the way node itself
// resolves packages.
func FindNodeModules(dir string) (string, error) {
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", fmt.Errorf("find node_modules: %w", err)
		}
		dir = wd
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("find node_modules: %w", err)
	}
	for {
		nm := filepath.Join(dir, "node_modules")
		if _, err := os.Stat(filepath.Join(nm, "solc", "package.json")); err == nil {
			return nm, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find node_modules: no node_modules with solc above the working directory (run npm install)")
		}
		dir = parent
	}
}

// Pool runs solc-js in persistent node workers. Requests queue until a
// worker is free; a worker that dies, hangs, throws or outgrows its memory
// cap fails only its own request and is replaced at once, so requests on
// other workers carry on, and while a compile runs long the pool starts
// overflow workers (Config.Overflow) for those waiting behind it.
type Pool struct {
	cfg    Config
	dir    string // private temp dir: worker script and sockets
	script string
	def    Compiler
	oz     *ozLibrary
	inst   *installer // nil unless cfg.AutoInstall

	mu        sync.RWMutex // guards compilers, which auto-install extends
	compilers []Compiler

	solcRuns    atomic.Uint64
	cacheHits   atomic.Uint64
	cacheMisses atomic.Uint64

	choiceMu sync.Mutex // guards choices
	// choices remembers the older compilers that fallbacks chose (the
	// cache keeps them across processes), by choiceKey.
	choices map[CacheKey]compileapi.Result

	jobs    chan *job
	closing chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
	workers []*worker
	nextID  atomic.Uint64

	waiting     atomic.Int64 // requests not yet taken by a worker
	overflowSeq atomic.Int64 // numbers overflow workers' sockets
	ovMu        sync.Mutex
	overflow    map[*worker]bool // live overflow workers
}

type workerRequest struct {
	ID      uint64 `json:"id"`
	Version string `json:"version,omitempty"`
	Module  string `json:"module,omitempty"`
	Input   string `json:"input,omitempty"`
	Debug   string `json:"debug,omitempty"`
	Size    int    `json:"size,omitempty"`
	// Kind is "" for a compile, "verify" for Pool.Verify (with Verify),
	// "upgrade-safety" for Pool.UpgradeSafety (with Upgrade).
	Kind    string      `json:"kind,omitempty"`
	Verify  *verifyJob  `json:"verify,omitempty"`
	Upgrade *upgradeJob `json:"upgrade,omitempty"`
}

type workerResponse struct {
	ID      *uint64         `json:"id"`
	Ready   bool            `json:"ready"`
	Version string          `json:"version"`
	Output  json.RawMessage `json:"output"`
	Error   string          `json:"error"`
	// Recycle asks for the process to be replaced: solc answered, but
	// with an internal compiler error that may have left it broken.
	Recycle bool `json:"recycle"`
	// Unsupported says why the requested compiler cannot be used (its
	// package does not load, or it has no interface the worker speaks);
	// the process is unharmed.
	Unsupported string `json:"unsupported"`
}

type job struct {
	ctx  context.Context
	req  workerRequest
	done chan jobResult // buffered: the worker never blocks on a gone caller
}

type jobResult struct {
	out json.RawMessage
	err error
}

// NewPool discovers the installed compilers and starts cfg.Size warm
// workers; it fails when node or solc is missing. Close releases them.
func NewPool(ctx context.Context, cfg Config) (*Pool, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	compilers, err := discoverCompilers(cfg.NodeModules)
	if err != nil {
		return nil, err
	}
	if cfg.InstallDir != "" {
		compilers = mergeCompilers(compilers, discoverCached(cfg.InstallDir))
	}
	p := &Pool{
		cfg:       cfg,
		compilers: compilers,
		oz:        newOZLibrary(cfg.NodeModules),
		jobs:      make(chan *job),
		closing:   make(chan struct{}),
		overflow:  map[*worker]bool{},
	}
	if cfg.AutoInstall {
		p.inst = &installer{dir: cfg.InstallDir, npm: cfg.NPM, logger: cfg.Logger}
	}
	defVersion := cfg.DefaultVersion
	if defVersion == "" {
		raw, err := os.ReadFile(filepath.Join(cfg.NodeModules, "solc", "package.json"))
		if err != nil {
			return nil, fmt.Errorf("read solc package: %w", err)
		}
		var pkg struct{ Version string }
		if err := json.Unmarshal(raw, &pkg); err != nil {
			return nil, fmt.Errorf("read solc package: %w", err)
		}
		defVersion = pkg.Version
	}
	p.def, err = selectCompiler(compilers, Compiler{}, defVersion, nil)
	if err != nil {
		return nil, fmt.Errorf("default compiler: %w", err)
	}
	p.dir, err = os.MkdirTemp("", "slipway-solc-")
	if err != nil {
		return nil, fmt.Errorf("create worker dir: %w", err)
	}
	p.script = filepath.Join(p.dir, "worker.js")
	if err := os.WriteFile(p.script, workerScript, 0o600); err != nil {
		_ = os.RemoveAll(p.dir)
		return nil, fmt.Errorf("write worker script: %w", err)
	}
	p.workers = make([]*worker, cfg.Size)
	errs := make([]error, cfg.Size)
	var wg sync.WaitGroup
	for i := range p.workers {
		w := &worker{pool: p, idx: i}
		p.workers[i] = w
		wg.Go(func() { errs[i] = w.start(ctx) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		p.Close()
		return nil, fmt.Errorf("%w: %w", ErrWorkerStart, err)
	}
	for _, w := range p.workers {
		p.wg.Go(w.run)
	}
	if cfg.Overflow > 0 {
		p.wg.Go(p.superviseOverflow)
	}
	cfg.Logger.InfoContext(ctx, "solc pool started", "workers", cfg.Size, "default_version", p.def.Version, "installed", p.Compilers(),
		"cache", cfg.Cache != nil, "auto_install", cfg.AutoInstall, "request_timeout", cfg.RequestTimeout.String(),
		"memory_cap_mb", cfg.MaxMemoryMB, "overflow", max(cfg.Overflow, 0))
	return p, nil
}

// Close stops the workers; requests in flight fail with ErrPoolClosed.
func (p *Pool) Close() {
	p.once.Do(func() {
		close(p.closing)
		p.wg.Wait()
		for _, w := range p.workers {
			if w != nil {
				w.kill()
			}
		}
		_ = os.RemoveAll(p.dir)
	})
}

// do runs one request, and once more on a fresh process when the first
// run timed out or crashed its worker: a machine under load or a process
// killed from outside gets a second chance, while an input that does it
// again fails for good with ErrLimitExceeded instead of coming back as a
// retryable error that would hold another worker as long.
func (p *Pool) do(ctx context.Context, req workerRequest) (json.RawMessage, error) {
	out, err := p.doOnce(ctx, req)
	if (!errors.Is(err, ErrTimeout) && !errors.Is(err, ErrWorkerCrashed)) || ctx.Err() != nil {
		return out, err
	}
	p.cfg.Logger.WarnContext(ctx, "solc run failed; trying once more on a fresh worker", "err", err)
	out, err = p.doOnce(ctx, req)
	switch {
	case errors.Is(err, ErrTimeout):
		return nil, fmt.Errorf("%w: solc did not finish within %s, twice; simplify the sources or lower the optimizer runs", ErrLimitExceeded, p.cfg.RequestTimeout)
	case errors.Is(err, ErrWorkerCrashed):
		return nil, fmt.Errorf("%w: solc crashed on them twice; simplify the sources", ErrLimitExceeded)
	}
	return out, err
}

// doOnce queues one request and waits for its answer, or for ctx; a
// worker whose request's ctx ends is killed and replaced, so that work
// nobody waits for does not hold it.
func (p *Pool) doOnce(ctx context.Context, req workerRequest) (json.RawMessage, error) {
	req.ID = p.nextID.Add(1)
	j := &job{ctx: ctx, req: req, done: make(chan jobResult, 1)}
	p.cfg.Metrics.SolcQueued(1)
	p.waiting.Add(1)
	dequeued := func() {
		p.waiting.Add(-1)
		p.cfg.Metrics.SolcQueued(-1)
	}
	select {
	case p.jobs <- j:
		dequeued()
	case <-ctx.Done():
		dequeued()
		return nil, fmt.Errorf("wait for a solc worker: %w", ctx.Err())
	case <-p.closing:
		dequeued()
		return nil, ErrPoolClosed
	}
	select {
	case r := <-j.done:
		return r.out, r.err
	case <-ctx.Done():
		// The worker sees ctx end too and kills the process.
		return nil, fmt.Errorf("wait for solc: %w", ctx.Err())
	}
}

// worker is one slot of the pool and the node process currently serving
// it, or an overflow worker that lives only while the pool needs it.
type worker struct {
	pool *Pool
	idx  int

	busySince atomic.Int64 // unix nanoseconds the current request began; 0 when idle

	mu    sync.Mutex // guards the fields below, read by kill and pid
	proc  *proc.Process
	conn  net.Conn
	lines chan lineEvent
	quit  chan struct{} // closed when this process is discarded
	gen   int

	inflight atomic.Pointer[workerRequest] // for tests and diagnostics
}

type lineEvent struct {
	line     []byte
	tooLarge int // size seen when the line was over the cap
	err      error
}

// pid answers the current node process id, 0 when none; for tests.
func (w *worker) pid() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.proc == nil {
		return 0
	}
	return w.proc.Pid()
}

// start launches node, accepts its socket connection and waits for the
// ready line (solc loaded).
func (w *worker) start(ctx context.Context) error {
	p := w.pool
	w.mu.Lock()
	w.gen++
	sock := filepath.Join(p.dir, "w"+strconv.Itoa(w.idx)+"-"+strconv.Itoa(w.gen)+".sock")
	w.mu.Unlock()
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return fmt.Errorf("listen for worker %d: %w", w.idx, err)
	}
	defer func() { _ = ln.Close(); _ = os.Remove(sock) }()
	// solc runs user input: it gets none of this process's environment
	// (secrets, database URLs) and a home of its own.
	extra := []string{"HOME=" + p.dir, "TMPDIR=" + p.dir, "SLIPWAY_COMPILE_SOCKET=" + sock}
	if p.cfg.debug {
		extra = append(extra, "SLIPWAY_COMPILE_WORKER_DEBUG=1")
	}
	logw := &logWriter{ctx: ctx, logger: p.cfg.Logger, worker: w.idx}
	pr, err := proc.Start(ctx, p.cfg.Logger, proc.Spec{
		Name: "solc-worker-" + strconv.Itoa(w.idx),
		Path: p.cfg.Node,
		// V8's default stack size stays: deep recursion then throws a
		// RangeError (handled: the worker is replaced), where a stack
		// larger than the thread's would crash node.
		Args:   []string{"--max-old-space-size=" + strconv.Itoa(p.cfg.MaxMemoryMB), p.script, p.def.Dir},
		Dir:    p.dir,
		Env:    proc.MinimalEnv(nil, extra...),
		Stdout: logw,
		Stderr: logw,
	})
	if err != nil {
		return fmt.Errorf("start worker %d: %w", w.idx, err)
	}
	fail := func(err error) error {
		_ = pr.Stop(time.Second)
		return fmt.Errorf("start worker %d: %w", w.idx, err)
	}
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			accepted <- nil
			return
		}
		accepted <- c
	}()
	timer := time.NewTimer(p.cfg.StartTimeout)
	defer timer.Stop()
	var conn net.Conn
	select {
	case conn = <-accepted:
	case <-pr.Done():
		return fail(pr.Err())
	case <-timer.C:
		return fail(errors.New("node did not connect in time"))
	case <-p.closing:
		return fail(ErrPoolClosed)
	}
	if conn == nil {
		return fail(errors.New("accept failed"))
	}
	lines := make(chan lineEvent)
	quit := make(chan struct{})
	go readLines(conn, p.cfg.MaxOutputBytes, lines, quit)
	discard := func(err error) error {
		close(quit)
		_ = conn.Close()
		return fail(err)
	}
	select {
	case ev := <-lines:
		var r workerResponse
		if ev.err != nil {
			return discard(fmt.Errorf("read ready line: %w", ev.err))
		}
		if err := json.Unmarshal(ev.line, &r); err != nil || !r.Ready {
			return discard(fmt.Errorf("bad ready line %.200q", ev.line))
		}
		p.cfg.Logger.DebugContext(ctx, "solc worker ready", "worker", w.idx, "pid", pr.Pid(), "version", r.Version)
	case <-timer.C:
		return discard(errors.New("solc did not load in time"))
	case <-p.closing:
		return discard(ErrPoolClosed)
	}
	w.mu.Lock()
	w.proc, w.conn, w.lines, w.quit = pr, conn, lines, quit
	w.mu.Unlock()
	return nil
}

// kill stops the current process, if any, and forgets it.
func (w *worker) kill() {
	w.mu.Lock()
	pr, conn, quit := w.proc, w.conn, w.quit
	w.proc, w.conn, w.lines, w.quit = nil, nil, nil, nil
	w.mu.Unlock()
	if pr == nil {
		return
	}
	close(quit)
	_ = conn.Close()
	_ = pr.Stop(time.Second)
}

// readLines delivers the worker's answer lines; a line above max is
// swallowed up to its newline and reported as too large, so the stream
// stays in step and the worker survives.
func readLines(conn net.Conn, max int, out chan<- lineEvent, quit <-chan struct{}) {
	r := bufio.NewReaderSize(conn, 64<<10)
	send := func(ev lineEvent) bool {
		select {
		case out <- ev:
			return true
		case <-quit:
			return false
		}
	}
	for {
		var buf []byte
		size := 0
		for {
			chunk, err := r.ReadSlice('\n')
			size += len(chunk)
			if size <= max+1 { // +1: the newline does not count
				buf = append(buf, chunk...)
			} else {
				buf = nil
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if err != nil {
				send(lineEvent{err: err})
				return
			}
			break
		}
		ev := lineEvent{line: bytes.TrimSuffix(buf, []byte("\n"))}
		if size > max+1 {
			ev = lineEvent{tooLarge: size - 1}
		}
		if !send(ev) {
			return
		}
	}
}

// run serves queued jobs one at a time until the pool closes.
func (w *worker) run() {
	p := w.pool
	for {
		var j *job
		select {
		case <-p.closing:
			return
		case j = <-p.jobs:
		}
		w.serve(j)
		if w.pid() == 0 {
			// Replace it now so the next request finds a warm worker.
			ctx := context.WithoutCancel(j.ctx)
			p.cfg.Metrics.SolcWorkerRestarted()
			if err := w.start(ctx); err != nil {
				p.cfg.Logger.WarnContext(ctx, "restart solc worker", "worker", w.idx, "err", err)
			}
		}
	}
}

// serve runs one job on this worker's process, starting one first when
// the last restart failed, and answers it.
func (w *worker) serve(j *job) {
	p := w.pool
	if err := j.ctx.Err(); err != nil {
		j.done <- jobResult{err: fmt.Errorf("wait for a solc worker: %w", err)}
		return
	}
	if w.pid() == 0 {
		p.cfg.Metrics.SolcWorkerRestarted()
		if err := w.start(j.ctx); err != nil {
			j.done <- jobResult{err: fmt.Errorf("%w: %w", ErrWorkerStart, err)}
			return
		}
	}
	w.busySince.Store(time.Now().UnixNano())
	out, err := w.roundTrip(j)
	w.busySince.Store(0)
	j.done <- jobResult{out: out, err: err}
}

// superviseOverflow starts an overflow worker when a request waits while
// a worker has been on one compile for longer than SlowAfter, up to
// Config.Overflow of them: with one worker (the default) a single slow
// input would otherwise hold every other user's compile for up to twice
// the request timeout. Ordinary load (many quick compiles) starts none,
// so the pool's size still bounds memory except while something is slow.
func (p *Pool) superviseOverflow() {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.closing:
			return
		case <-t.C:
		}
		if p.waiting.Load() == 0 || !p.anySlow() {
			continue
		}
		p.ovMu.Lock()
		if len(p.overflow) >= p.cfg.Overflow {
			p.ovMu.Unlock()
			continue
		}
		w := &worker{pool: p, idx: p.cfg.Size + int(p.overflowSeq.Add(1)) - 1}
		p.overflow[w] = true
		p.ovMu.Unlock()
		p.wg.Go(w.runOverflow)
	}
}

// anySlow reports whether some worker has run its current request for
// longer than SlowAfter.
func (p *Pool) anySlow() bool {
	cutoff := time.Now().Add(-p.cfg.SlowAfter).UnixNano()
	slow := func(w *worker) bool {
		b := w.busySince.Load()
		return b != 0 && b < cutoff
	}
	for _, w := range p.workers {
		if slow(w) {
			return true
		}
	}
	p.ovMu.Lock()
	defer p.ovMu.Unlock()
	for w := range p.overflow {
		if slow(w) {
			return true
		}
	}
	return false
}

// runOverflow starts an overflow worker's process and serves the queue
// until it has been idle for overflowIdle, its process is killed, or the
// pool closes; the supervisor starts another if one is still needed.
func (w *worker) runOverflow() {
	p := w.pool
	defer func() {
		w.kill()
		p.ovMu.Lock()
		delete(p.overflow, w)
		p.ovMu.Unlock()
	}()
	ctx := context.Background()
	if err := w.start(ctx); err != nil {
		p.cfg.Logger.WarnContext(ctx, "start solc overflow worker", "worker", w.idx, "err", err)
		// Hold the slot a while, so that a node that cannot start is not
		// tried again four times a second.
		select {
		case <-p.closing:
		case <-time.After(10 * time.Second):
		}
		return
	}
	p.cfg.Logger.InfoContext(ctx, "solc overflow worker started: a compile is running long while others wait", "worker", w.idx, "pid", w.pid())
	idle := time.NewTimer(overflowIdle)
	defer idle.Stop()
	for {
		select {
		case <-p.closing:
			return
		case <-idle.C:
			p.cfg.Logger.InfoContext(ctx, "solc overflow worker idle; stopping", "worker", w.idx)
			return
		case j := <-p.jobs:
			w.serve(j)
			if w.pid() == 0 {
				return
			}
			idle.Reset(overflowIdle)
		}
	}
}

// roundTrip sends one request to the current process and waits for its
// answer, killing the process when it dies, hangs or breaks the protocol.
func (w *worker) roundTrip(j *job) (json.RawMessage, error) {
	p := w.pool
	w.mu.Lock()
	pr, conn, lines := w.proc, w.conn, w.lines
	w.mu.Unlock()
	log := p.cfg.Logger.With("worker", w.idx, "pid", pr.Pid(), "request", j.req.ID)
	data, err := json.Marshal(j.req)
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	data = append(data, '\n')
	w.inflight.Store(&j.req)
	defer w.inflight.Store(nil)
	deadline := time.Now().Add(p.cfg.RequestTimeout)
	_ = conn.SetWriteDeadline(deadline)
	crashed := func(cause error) error {
		w.kill()
		log.WarnContext(j.ctx, "solc worker crashed", "err", cause)
		return fmt.Errorf("%w: %w", ErrWorkerCrashed, cause)
	}
	if _, err := conn.Write(data); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			w.kill()
			return nil, fmt.Errorf("%w after %s (writing the request)", ErrTimeout, p.cfg.RequestTimeout)
		}
		return nil, crashed(fmt.Errorf("send request: %w", err))
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	mem := time.NewTicker(memoryPoll)
	defer mem.Stop()
	memCap := int64(p.cfg.MaxMemoryMB) << 20
	var exited <-chan struct{} = pr.Done()
	for {
		select {
		case ev := <-lines:
			switch {
			case ev.err != nil:
				return nil, crashed(fmt.Errorf("read answer: %w (%v)", ev.err, pr.Err()))
			case ev.tooLarge > 0:
				log.WarnContext(j.ctx, "solc output over the cap", "bytes", ev.tooLarge, "cap", p.cfg.MaxOutputBytes)
				return nil, fmt.Errorf("%w: %d bytes, cap %d", ErrOutputTooLarge, ev.tooLarge, p.cfg.MaxOutputBytes)
			}
			var r workerResponse
			if err := json.Unmarshal(ev.line, &r); err != nil {
				return nil, crashed(fmt.Errorf("bad answer line: %w", err))
			}
			if r.ID == nil || *r.ID != j.req.ID {
				return nil, crashed(fmt.Errorf("answer for request %v, want %d", r.ID, j.req.ID))
			}
			if r.Unsupported != "" {
				return nil, &CompileError{Diagnostics: []compileapi.Diagnostic{{
					Severity: compileapi.SeverityError, Code: compileapi.CodeUnsupportedCompiler, Message: r.Unsupported,
				}}}
			}
			if r.Error != "" {
				// solc-js threw mid-compile and its state in this process is
				// broken: replace it before it serves another request.
				w.kill()
				log.WarnContext(j.ctx, "solc threw; worker replaced", "err", r.Error)
				return nil, fmt.Errorf("%w: %s", ErrCompiler, plainSolcFailure(r.Error))
			}
			if r.Recycle {
				w.kill()
				log.WarnContext(j.ctx, "solc reported an internal compiler error; worker replaced")
			} else if rss, err := pr.RSS(); err == nil && rss > memCap/2 {
				// Every compiler version a worker loads stays resident
				// (~80 MiB each): left to grow, the cap would end a later
				// compile as if its input were at fault.
				w.kill()
				log.InfoContext(j.ctx, "solc worker replaced: its resident memory is over half the cap", "rss_mb", rss>>20, "cap_mb", p.cfg.MaxMemoryMB)
			}
			return r.Output, nil
		case <-exited:
			// The answer may still be in the socket; the reader reports it
			// or EOF next. Stop watching exit so the loop does not spin.
			exited = nil
		case <-timer.C:
			w.kill()
			log.WarnContext(j.ctx, "solc request timed out; worker killed", "timeout", p.cfg.RequestTimeout)
			return nil, fmt.Errorf("%w after %s", ErrTimeout, p.cfg.RequestTimeout)
		case <-mem.C:
			rss, err := pr.RSS()
			if err != nil || rss <= memCap {
				continue // no /proc: node's heap limit is the only cap
			}
			w.kill()
			log.WarnContext(j.ctx, "solc over the memory cap; worker killed", "rss_mb", rss>>20, "cap_mb", p.cfg.MaxMemoryMB)
			return nil, fmt.Errorf("%w: solc used more than %d MiB of memory; simplify the sources", ErrLimitExceeded, p.cfg.MaxMemoryMB)
		case <-j.ctx.Done():
			// Nobody waits for this answer any more (the caller gave up,
			// the workflow was cancelled): free the worker for others.
			w.kill()
			log.InfoContext(j.ctx, "solc request abandoned by its caller; worker killed")
			return nil, fmt.Errorf("wait for solc: %w", j.ctx.Err())
		case <-p.closing:
			w.kill()
			return nil, ErrPoolClosed
		}
	}
}

// plainSolcFailure says in the user's terms why solc-js threw, from the
// JavaScript error's message.
func plainSolcFailure(msg string) string {
	switch {
	case strings.Contains(msg, "Maximum call stack size exceeded"):
		return "the compiler ran out of stack: expressions or nesting are too deep; split them into smaller parts"
	case strings.Contains(msg, "OOM"), strings.Contains(msg, "out of memory"), strings.Contains(msg, "Cannot enlarge memory"),
		strings.Contains(msg, "allocation failed"):
		return "the compiler ran out of memory; simplify the sources"
	}
	first, _, _ := strings.Cut(strings.TrimSpace(msg), "\n")
	if len(first) > 300 {
		first = strings.ToValidUTF8(first[:300], "") + "…"
	}
	return "the compiler failed: " + first
}

// logWriter forwards a worker's stdout and stderr to slog.
type logWriter struct {
	ctx    context.Context
	logger *slog.Logger
	worker int
}

func (l *logWriter) Write(b []byte) (int, error) {
	if msg := bytes.TrimSpace(b); len(msg) > 0 {
		l.logger.WarnContext(l.ctx, "solc worker output", "worker", l.worker, "text", string(msg))
	}
	return len(b), nil
}
