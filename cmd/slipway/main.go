// Command slipway is Slipway's one binary: the dev stack, the API server, the
// Temporal worker, migrations and admin commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `slipway — from Solidity to a confirmed deployment, exactly once.

Usage:
  slipway dev      [flags]   run the whole stack locally (Postgres, Temporal + UI, anvil, API, worker)
  slipway serve    [flags]   run the API server against external Postgres and Temporal
  slipway worker   [flags]   run a Temporal worker for the deployment pipeline
  slipway migrate  up|down|status [flags]
  slipway users    set-tier --email E --tier free|paid
  slipway users    set-role --email E --role deployer|approver|admin
  slipway users    set-budget --email E --network N --wei W --period 24h  (--clear to go back to the tier's)
  slipway signers  [--networks FILE] [--network N] [--json]   each network's signers: address, balance, in flight, state
  slipway audit-log --user EMAIL [--since T]   the user's audit rows as JSON lines
  slipway audit    [--json|--sarif] [--fail-on SEVERITY] FILE...   compile and audit locally; exit 1 on findings the gate counts
  slipway version

Every flag can also be set from the environment (shown in each command's -h).
`

// exitUsage is the exit status for bad command lines and bad configuration.
const exitUsage = 2

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// errUsage marks errors that are the caller's: exit status 2 and no stack of
// context, just the message.
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	badEnv = nil
	if err := preloadEnvFile(rest); err != nil {
		fmt.Fprintln(stderr, "slipway:", err)
		return exitUsage
	}
	var err error
	switch cmd {
	case "dev":
		err = runDev(ctx, rest, stdout, stderr)
	case "serve":
		err = runServe(ctx, rest, stderr)
	case "worker":
		err = runWorker(ctx, rest, stderr)
	case "migrate":
		err = runMigrate(ctx, rest, stdout, stderr)
	case "users":
		err = runUsers(ctx, rest, stdout, stderr)
	case "signers":
		err = runSigners(ctx, rest, stdout, stderr)
	case "audit-log":
		err = runAuditLog(ctx, rest, stdout, stderr)
	case "audit":
		err = runAudit(ctx, rest, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "slipway", version())
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "slipway: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errFindings):
		return 1
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "slipway:", err)
		return exitUsage
	default:
		fmt.Fprintln(stderr, "slipway:", err)
		return 1
	}
}

// newFlagSet makes a flag set that reports errors instead of exiting, so run
// decides the exit status.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("slipway "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses and turns flag errors and malformed env values into
// usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if len(badEnv) > 0 {
		return fmt.Errorf("%w: %w", errUsage, errors.Join(badEnv...))
	}
	return nil
}
