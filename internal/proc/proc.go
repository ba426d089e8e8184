// Package proc supervises the child processes of the dev stack and the test
// harness (postgres, anvil, solc workers) so that none outlives Slipway: each
// child runs in its own process group, gets SIGKILL from the kernel if the
// thread that started it dies (Linux parent-death signal), and Stop signals
// the whole group, escalating to SIGKILL after a grace period.
package proc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrExited reports that a supervised process ended on its own.
var ErrExited = errors.New("process exited")

// Spec says how to start one child.
type Spec struct {
	// Name labels the process in logs and errors.
	Name string
	Path string
	Args []string
	Dir  string
	Env  []string
	// Stdout and Stderr receive the child's output; nil discards it.
	Stdout, Stderr io.Writer
	// User, when set and the current process is root, runs the child as
	// that user (postgres refuses to run as root).
	User string
	// StopSignal asks the child to stop; SIGTERM when zero.
	StopSignal syscall.Signal
	// DeathSignal is what the kernel sends the child if Slipway dies
	// without stopping it; SIGKILL when zero.
	DeathSignal syscall.Signal
}

// Process is a running child.
type Process struct {
	name   string
	cmd    *exec.Cmd
	stop   syscall.Signal
	done   chan struct{}
	err    error
	once   sync.Once
	logger *slog.Logger
}

// Start starts the child. The starting goroutine keeps its OS thread locked
// for the child's lifetime: the parent-death signal fires when the thread
// that forked exits, so the thread must live as long as the child.
func Start(ctx context.Context, logger *slog.Logger, spec Spec) (*Process, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cmd := exec.Command(spec.Path, spec.Args...)
	cmd.Dir = spec.Dir
	cmd.Env = spec.Env
	cmd.Stdout = spec.Stdout
	cmd.Stderr = spec.Stderr
	death := spec.DeathSignal
	if death == 0 {
		death = syscall.SIGKILL
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: death}
	if spec.User != "" && os.Geteuid() == 0 {
		cred, err := Credential(spec.User)
		if err != nil {
			return nil, err
		}
		cmd.SysProcAttr.Credential = cred
	}
	stop := spec.StopSignal
	if stop == 0 {
		stop = syscall.SIGTERM
	}
	p := &Process{name: spec.Name, cmd: cmd, stop: stop, done: make(chan struct{}), logger: logger}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// The thread is never unlocked: when this goroutine returns, the
		// runtime ends the thread instead of reusing it.
		if err := cmd.Start(); err != nil {
			started <- fmt.Errorf("start %s: %w", spec.Name, err)
			return
		}
		started <- nil
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	logger.DebugContext(ctx, "process started", "process", spec.Name, "pid", cmd.Process.Pid)
	return p, nil
}

// Credential answers the uid and gid of a local user, for running a child as
// that user.
func Credential(name string) (*syscall.Credential, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("look up user %q: %w", name, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("parse uid of %q: %w", name, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("parse gid of %q: %w", name, err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
}

// Pid is the child's process id, which is also its process group id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the child has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err answers how the child exited; valid once Done is closed.
func (p *Process) Err() error {
	select {
	case <-p.done:
		if p.err == nil {
			return ErrExited
		}
		return fmt.Errorf("%w: %w", ErrExited, p.err)
	default:
		return nil
	}
}

// Stop sends the stop signal to the child's process group and waits up to
// grace for it to exit, then kills the group. Safe to call more than once.
func (p *Process) Stop(grace time.Duration) error {
	p.once.Do(func() {
		pgid := p.cmd.Process.Pid
		select {
		case <-p.done:
		default:
			_ = syscall.Kill(-pgid, p.stop)
			select {
			case <-p.done:
			case <-time.After(grace):
				p.logger.Warn("process did not stop in time; killing", "process", p.name, "grace", grace)
				_ = syscall.Kill(-pgid, syscall.SIGKILL)
				<-p.done
			}
		}
		// Anything left in the group (grandchildren) goes too.
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	})
	return nil
}

// baseEnv names the variables every child keeps: what a program needs to
// find executables and behave as it would in a plain shell.
var baseEnv = []string{"PATH", "HOME", "USER", "LOGNAME", "TMPDIR", "LANG", "LC_ALL", "TZ"}

// MinimalEnv answers the environment for a child that must not see
// Slipway's own (VAULT_TOKEN, DATABASE_URL, signer keys, SLIPWAY_*): the
// variables of baseEnv and those named in keep, taken from this process,
// then extra ("NAME=value", overriding). A keep entry ending in '*' keeps
// every variable with that prefix. Children such as solc workers and npm
// run code derived from user input or fetched from a registry, so they get
// an allowlist rather than a denylist that a new secret could slip past.
func MinimalEnv(keep []string, extra ...string) []string {
	names := append(slices.Clip(baseEnv), keep...)
	allowed := func(name string) bool {
		for _, k := range names {
			if prefix, ok := strings.CutSuffix(k, "*"); ok {
				if strings.HasPrefix(name, prefix) {
					return true
				}
			} else if name == k {
				return true
			}
		}
		return false
	}
	overridden := make(map[string]bool, len(extra))
	for _, kv := range extra {
		name, _, _ := strings.Cut(kv, "=")
		overridden[name] = true
	}
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if allowed(name) && !overridden[name] {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// RSS answers the child's resident memory in bytes, read from
// /proc/<pid>/statm; it fails where /proc is not available. Callers use it
// to cap memory that node's own heap limit does not see (solc's
// WebAssembly memory, buffers).
func (p *Process) RSS() (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(p.Pid()) + "/statm")
	if err != nil {
		return 0, fmt.Errorf("read memory of %s: %w", p.name, err)
	}
	fields := strings.Fields(string(b))
	if len(fields) < 2 {
		return 0, fmt.Errorf("read memory of %s: malformed statm %q", p.name, b)
	}
	pages, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("read memory of %s: %w", p.name, err)
	}
	return pages * int64(os.Getpagesize()), nil
}
