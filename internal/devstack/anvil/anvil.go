// Package anvil runs a local anvil chain for `slipway dev` and for
// integration tests: a real EVM node with funded dev accounts, started on a
// free port so that several can run side by side, supervised by internal/proc
// so that none outlives Slipway, and optionally keeping its state in a file
// across restarts.
package anvil

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/slipway-dev/slipway/internal/proc"
)

const (
	defaultHost     = "127.0.0.1"
	defaultAccounts = 10
	// startTimeout bounds a start even when the caller's context has no
	// deadline; anvil itself is ready in well under a second.
	startTimeout = 60 * time.Second
	// stopGrace is how long anvil gets after SIGTERM to dump its state.
	stopGrace = 15 * time.Second
	// stateInterval is how often (seconds) anvil also dumps its state while
	// running, bounding what a SIGKILL can lose.
	stateInterval = 5
	pollInterval  = 5 * time.Millisecond
)

// Options configures a node. The zero value is a fresh automining dev chain
// on a free loopback port.
type Options struct {
	// Bin is the native anvil binary; empty means Locate.
	Bin string
	// Host is the IP address anvil listens on; default 127.0.0.1.
	Host string
	// Port is the port anvil listens on; 0 picks a free one.
	Port int
	// ChainID defaults to DevChainID.
	ChainID uint64
	// BlockTime mines a block (empty or not) at this interval; 0 mines a
	// block for every transaction as it arrives (anvil's automine).
	BlockTime time.Duration
	// StatePath, when set, is the file anvil loads its chain from at start and
	// dumps it to on stop (and every few seconds), so a dev restart keeps
	// deployed contracts and balances.
	StatePath string
	// Accounts is how many funded dev accounts to create; default 10.
	Accounts int
	// NoDefaultCreate2Deployer starts anvil with
	// --disable-default-create2-deployer: the chain then lacks the
	// deterministic deployment proxy anvil otherwise puts at
	// create2.FactoryAddress at genesis, as many real networks do, until
	// EnsureCreate2Factory deploys it from its presigned transaction.
	NoDefaultCreate2Deployer bool
	// Logger receives anvil's output (debug for stdout, warn for stderr) and
	// lifecycle events; nil discards them.
	Logger *slog.Logger
}

// Account is a funded dev account of the node. Its key comes from
// TestMnemonic, so it is public and only fit for DevChainID-style chains.
type Account struct {
	Address common.Address
	// PrivateKey is 0x-prefixed hex, the way anvil prints it and env files
	// carry it.
	PrivateKey string
}

// Key parses the account's private key for signing.
func (a Account) Key() (*ecdsa.PrivateKey, error) {
	k, err := crypto.HexToECDSA(strings.TrimPrefix(a.PrivateKey, "0x"))
	if err != nil {
		return nil, fmt.Errorf("parse key of %s: %w", a.Address, err)
	}
	return k, nil
}

// Node is a running anvil.
type Node struct {
	proc     *proc.Process
	rpcURL   string
	chainID  uint64
	accounts []Account
	tmpDir   string
	logger   *slog.Logger

	stopOnce sync.Once
	stopErr  error
}

// RPCURL is the node's HTTP JSON-RPC endpoint (it also accepts WebSocket
// upgrades on the same address).
func (n *Node) RPCURL() string { return n.rpcURL }

// ChainID is the chain id the node answers with.
func (n *Node) ChainID() uint64 { return n.chainID }

// Accounts answers the funded dev accounts, in anvil's order; the first is
// the conventional deployer.
func (n *Node) Accounts() []Account { return slices.Clone(n.accounts) }

// SetBalance sets addr's balance through anvil's anvil_setBalance: the dev
// stack funds signers it creates (a local KMS key) without a transaction.
func (n *Node) SetBalance(ctx context.Context, addr common.Address, wei *big.Int) error {
	c, err := rpc.DialContext(ctx, n.rpcURL)
	if err != nil {
		return fmt.Errorf("dial anvil: %w", err)
	}
	defer c.Close()
	if err := c.CallContext(ctx, nil, "anvil_setBalance", addr, hexutil.EncodeBig(wei)); err != nil {
		return fmt.Errorf("set balance of %s: %w", addr.Hex(), err)
	}
	return nil
}

// Done is closed when the anvil process has exited, so a supervisor (the dev
// stack) can notice a crash.
func (n *Node) Done() <-chan struct{} { return n.proc.Done() }

// Err answers nil while anvil runs, and how it exited afterwards.
func (n *Node) Err() error { return n.proc.Err() }

// Start starts anvil and returns once it answers eth_chainId with the
// expected id and eth_accounts with the dev accounts. ctx bounds the start
// only; the node runs until Stop.
func Start(ctx context.Context, opts Options) (*Node, error) {
	began := time.Now()
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	args, cfg, err := buildArgs(&opts)
	if err != nil {
		return nil, err
	}
	bin := opts.Bin
	if bin == "" {
		if bin, err = Locate(); err != nil {
			return nil, fmt.Errorf("start anvil: %w", err)
		}
	} else if err := proc.CheckExecutable(bin); err != nil {
		return nil, fmt.Errorf("start anvil: %w", err)
	}
	if opts.StatePath != "" {
		if err := os.MkdirAll(filepath.Dir(opts.StatePath), 0o700); err != nil {
			return nil, fmt.Errorf("create anvil state folder: %w", err)
		}
	}
	tmpDir, err := os.MkdirTemp("", "slipway-anvil-")
	if err != nil {
		return nil, fmt.Errorf("create anvil temp folder: %w", err)
	}
	configOut := filepath.Join(tmpDir, "config.json")
	args = append(args, "--config-out", configOut)

	listening := make(chan string, 1)
	out := &proc.Output{Logger: logger, Msg: "anvil output", Keep: tailLines, OnLine: func(line string) {
		if addr, ok := strings.CutPrefix(line, "Listening on "); ok {
			select {
			case listening <- strings.TrimSpace(addr):
			default:
			}
		}
	}}
	spec := proc.Spec{
		Name:   "anvil",
		Path:   bin,
		Args:   args,
		Stdout: out.Writer("stdout", slog.LevelDebug),
		Stderr: out.Writer("stderr", slog.LevelWarn),
	}
	if opts.StatePath != "" {
		// If Slipway dies without stopping it, let anvil dump its state
		// rather than be killed: it exits right after the dump.
		spec.DeathSignal = syscall.SIGTERM
	}
	p, err := proc.Start(ctx, logger, spec)
	if err != nil {
		_ = os.RemoveAll(tmpDir)
		return nil, fmt.Errorf("start anvil: %w", err)
	}
	n := &Node{proc: p, chainID: cfg.chainID, tmpDir: tmpDir, logger: logger}

	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	if err := n.waitReady(ctx, listening, out, cfg, configOut); err != nil {
		_ = n.Stop()
		return nil, err
	}
	logger.InfoContext(ctx, "anvil ready", "rpc", n.rpcURL, "chain_id", n.chainID,
		"accounts", len(n.accounts), "pid", p.Pid(), "took", time.Since(began))
	return n, nil
}

type startConfig struct {
	host     string
	chainID  uint64
	accounts int
}

// buildArgs validates opts, fills defaults in place and answers anvil's
// arguments (without --config-out).
func buildArgs(opts *Options) ([]string, startConfig, error) {
	var cfg startConfig
	if opts.Host == "" || opts.Host == "localhost" {
		opts.Host = defaultHost
	}
	if net.ParseIP(opts.Host) == nil {
		return nil, cfg, fmt.Errorf("check anvil options: host %q is not an IP address", opts.Host)
	}
	if opts.Port < 0 || opts.Port > 65535 {
		return nil, cfg, fmt.Errorf("check anvil options: port %d out of range", opts.Port)
	}
	if opts.ChainID == 0 {
		opts.ChainID = DevChainID
	}
	if opts.BlockTime < 0 {
		return nil, cfg, fmt.Errorf("check anvil options: negative block time %s", opts.BlockTime)
	}
	if opts.Accounts < 0 {
		return nil, cfg, fmt.Errorf("check anvil options: negative account count %d", opts.Accounts)
	}
	if opts.Accounts == 0 {
		opts.Accounts = defaultAccounts
	}
	args := []string{
		"--host", opts.Host,
		"--port", strconv.Itoa(opts.Port),
		"--chain-id", strconv.FormatUint(opts.ChainID, 10),
		"--accounts", strconv.Itoa(opts.Accounts),
		"--mnemonic", TestMnemonic,
		"--color", "never",
	}
	if opts.BlockTime > 0 {
		args = append(args, "--block-time", strconv.FormatFloat(opts.BlockTime.Seconds(), 'f', -1, 64))
	}
	if opts.StatePath != "" {
		args = append(args, "--state", opts.StatePath, "--state-interval", strconv.Itoa(stateInterval))
	}
	if opts.NoDefaultCreate2Deployer {
		args = append(args, "--disable-default-create2-deployer")
	}
	cfg = startConfig{host: opts.Host, chainID: opts.ChainID, accounts: opts.Accounts}
	return args, cfg, nil
}

// waitReady waits for anvil to print its address, answer the right chain id
// and report the dev accounts it wrote to configOut.
func (n *Node) waitReady(ctx context.Context, listening <-chan string, out *proc.Output, cfg startConfig, configOut string) error {
	exited := func() error {
		// Done closes only after exec has drained both streams, so the
		// tail holds anvil's last words.
		return fmt.Errorf("start anvil: %w\n%s", n.proc.Err(), strings.Join(out.Tail(), "\n"))
	}
	var addr string
	select {
	case addr = <-listening:
	case <-n.proc.Done():
		return exited()
	case <-ctx.Done():
		return fmt.Errorf("wait for anvil to listen: %w\n%s", ctx.Err(), strings.Join(out.Tail(), "\n"))
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("parse anvil address %q: %w", addr, err)
	}
	n.rpcURL = "http://" + net.JoinHostPort(connectHost(cfg.host), port)

	client, err := rpc.DialContext(ctx, n.rpcURL)
	if err != nil {
		return fmt.Errorf("dial anvil: %w", err)
	}
	defer client.Close()

	// eth_chainId: the first answer is the readiness signal.
	var id hexutil.Uint64
	if err := poll(ctx, n.proc.Done(), func(ctx context.Context) error {
		return client.CallContext(ctx, &id, "eth_chainId")
	}); err != nil {
		if errors.Is(err, proc.ErrExited) {
			return exited()
		}
		return fmt.Errorf("wait for anvil eth_chainId: %w", err)
	}
	if uint64(id) != cfg.chainID {
		return fmt.Errorf("check anvil chain id: got %d, want %d", uint64(id), cfg.chainID)
	}

	// The dev accounts: keys from anvil's --config-out, each checked to be
	// the key of its address, and the list checked against eth_accounts.
	var conf struct {
		Accounts []string `json:"available_accounts"`
		Keys     []string `json:"private_keys"`
	}
	if err := poll(ctx, n.proc.Done(), func(context.Context) error {
		b, err := os.ReadFile(configOut)
		if err != nil {
			return err
		}
		return json.Unmarshal(b, &conf)
	}); err != nil {
		if errors.Is(err, proc.ErrExited) {
			return exited()
		}
		return fmt.Errorf("read anvil config-out: %w", err)
	}
	var onNode []common.Address
	if err := client.CallContext(ctx, &onNode, "eth_accounts"); err != nil {
		return fmt.Errorf("list anvil accounts: %w", err)
	}
	accounts, err := checkAccounts(conf.Accounts, conf.Keys, onNode, cfg.accounts)
	if err != nil {
		return err
	}
	n.accounts = accounts
	return nil
}

// checkAccounts pairs anvil's reported addresses and keys, verifying each
// key against its address and the whole list against eth_accounts.
func checkAccounts(addrs, keys []string, onNode []common.Address, want int) ([]Account, error) {
	if len(addrs) != want || len(keys) != want {
		return nil, fmt.Errorf("check anvil accounts: config-out lists %d addresses and %d keys, want %d", len(addrs), len(keys), want)
	}
	if len(onNode) != want {
		return nil, fmt.Errorf("check anvil accounts: eth_accounts lists %d, want %d", len(onNode), want)
	}
	accounts := make([]Account, want)
	for i := range want {
		a := Account{Address: common.HexToAddress(addrs[i]), PrivateKey: keys[i]}
		k, err := a.Key()
		if err != nil {
			return nil, fmt.Errorf("check anvil accounts: %w", err)
		}
		if got := crypto.PubkeyToAddress(k.PublicKey); got != a.Address {
			return nil, fmt.Errorf("check anvil accounts: key %d belongs to %s, not %s", i, got, a.Address)
		}
		if onNode[i] != a.Address {
			return nil, fmt.Errorf("check anvil accounts: eth_accounts[%d] is %s, config-out says %s", i, onNode[i], a.Address)
		}
		accounts[i] = a
	}
	return accounts, nil
}

// connectHost answers the address clients use to reach a node listening on
// host: loopback for a wildcard listener.
func connectHost(host string) string {
	ip := net.ParseIP(host)
	switch {
	case ip == nil || !ip.IsUnspecified():
		return host
	case ip.To4() != nil:
		return "127.0.0.1"
	default:
		return "::1"
	}
}

// poll calls try until it succeeds, ctx ends or the process exits (then it
// answers an error wrapping proc.ErrExited).
func poll(ctx context.Context, exited <-chan struct{}, try func(context.Context) error) error {
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		callCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := try(callCtx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("%w (last error: %w)", proc.ErrExited, err)
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %w)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

// Stop asks anvil to exit with SIGTERM to its process group, which makes it
// dump its state to StatePath, and kills the group if it has not exited
// after a grace period. It is safe to call more than once; every call
// answers the first one's result: nil when anvil exited cleanly.
func (n *Node) Stop() error {
	n.stopOnce.Do(func() {
		_ = n.proc.Stop(stopGrace)
		n.stopErr = exitError(n.proc.Err())
		if err := os.RemoveAll(n.tmpDir); err != nil {
			n.logger.Warn("remove anvil temp folder", "dir", n.tmpDir, "err", err)
		}
		n.logger.Debug("anvil stopped", "rpc", n.rpcURL, "err", n.stopErr)
	})
	return n.stopErr
}

// exitError turns the supervisor's exit report into nil for a clean exit.
func exitError(err error) error {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return nil // exited with status 0
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		switch ws.Signal() {
		case syscall.SIGTERM:
			// anvil installs its SIGTERM handler a moment after it starts
			// serving; a stop in that window ends it by the default action.
			// That is the exit we asked for, and the chain had no time to
			// change since it was loaded.
			return nil
		case syscall.SIGKILL:
			return fmt.Errorf("stop anvil: killed after %s without exiting; its state may not be saved: %w", stopGrace, err)
		}
	}
	return fmt.Errorf("stop anvil: %w", err)
}
