package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/secrets"
	"github.com/slipway-dev/slipway/server"
)

// Every setting is a flag whose default comes from the environment, so the
// same binary is configured by flags on a laptop and by env in a container.

func envString(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// envParsed reads a setting parse understands; a malformed value is
// reported by validate through badEnv ("not " + want) rather than silently
// replaced by the default.
func envParsed[T any](name string, def T, parse func(string) (T, error), want string) T {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return def
	}
	x, err := parse(v)
	if err != nil {
		badEnv = append(badEnv, fmt.Errorf("%s=%q: not %s", name, v, want))
		return def
	}
	return x
}

// envInt reads an integer setting (see envParsed).
func envInt(name string, def int64) int64 {
	return envParsed(name, def, func(v string) (int64, error) { return strconv.ParseInt(v, 10, 64) }, "an integer")
}

func envBool(name string, def bool) bool {
	return envParsed(name, def, strconv.ParseBool, "a boolean")
}

// badEnv collects malformed environment values found while flags are defined.
var badEnv []error

// loadEnvFile applies KEY=VALUE lines (the format `slipway dev` writes to
// <data-dir>/slipway.env) to the process environment. Variables already set
// win, so an operator's explicit setting is never overridden by the file.
func loadEnvFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open env file: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		text = strings.TrimPrefix(text, "export ")
		k, v, ok := strings.Cut(text, "=")
		if !ok || k == "" {
			return fmt.Errorf("env file %s:%d: want KEY=VALUE", path, line)
		}
		if uq, err := strconv.Unquote(v); err == nil {
			v = uq
		}
		if _, set := os.LookupEnv(k); !set {
			if err := os.Setenv(k, v); err != nil {
				return fmt.Errorf("set %s: %w", k, err)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read env file: %w", err)
	}
	return nil
}

// preloadEnvFile finds --env-file (or SLIPWAY_ENV_FILE) before flags are
// defined, since the file feeds the flags' defaults.
func preloadEnvFile(args []string) error {
	path := os.Getenv("SLIPWAY_ENV_FILE")
	for i, a := range args {
		switch {
		case a == "--env-file" || a == "-env-file":
			if i+1 < len(args) {
				path = args[i+1]
			}
		case strings.HasPrefix(a, "--env-file="), strings.HasPrefix(a, "-env-file="):
			_, path, _ = strings.Cut(a, "=")
		}
	}
	if path == "" {
		return nil
	}
	return loadEnvFile(path)
}

// logConfig is shared by every command.
type logConfig struct {
	Level  string
	Format string
}

func (c *logConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Level, "log-level", envString("SLIPWAY_LOG_LEVEL", "info"), "debug, info, warn or error (env SLIPWAY_LOG_LEVEL)")
	fs.StringVar(&c.Format, "log-format", envString("SLIPWAY_LOG_FORMAT", "json"), "json or text (env SLIPWAY_LOG_FORMAT)")
	fs.String("env-file", os.Getenv("SLIPWAY_ENV_FILE"), "KEY=VALUE file applied to the environment first, such as <data-dir>/slipway.env (env SLIPWAY_ENV_FILE)")
}

// registerDatabaseFlags adds the flags of the admin commands that reach
// the database themselves (migrate, users, audit-log, signers): the ones
// every command takes (logConfig) and --database-url, whose value it
// returns.
func registerDatabaseFlags(fs *flag.FlagSet) *string {
	var lc logConfig
	lc.register(fs)
	return fs.String("database-url", envString("DATABASE_URL", ""), "Postgres URL (env DATABASE_URL)")
}

func (c *logConfig) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.Level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.Level)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.Format {
	// NewLogHandler adds the request id to every line logged with a
	// request's context, whichever component logs it.
	// Secrets are redacted by construction: attributes whose keys name a
	// password, token or key never reach the output.
	case "json":
		return slog.New(server.NewLogHandler(secrets.NewRedactingHandler(slog.NewJSONHandler(w, opts)))), nil
	case "text":
		return slog.New(server.NewLogHandler(secrets.NewRedactingHandler(slog.NewTextHandler(w, opts)))), nil
	default:
		return nil, fmt.Errorf("--log-format %q: want json or text", c.Format)
	}
}

// temporalConfig says how to reach Temporal.
type temporalConfig struct {
	Addr      string
	Namespace string
	TaskQueue string
}

func (c *temporalConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "temporal-addr", envString("SLIPWAY_TEMPORAL_ADDR", "127.0.0.1:7233"), "Temporal frontend host:port (env SLIPWAY_TEMPORAL_ADDR)")
	fs.StringVar(&c.Namespace, "temporal-namespace", envString("SLIPWAY_TEMPORAL_NAMESPACE", "default"), "Temporal namespace (env SLIPWAY_TEMPORAL_NAMESPACE)")
	fs.StringVar(&c.TaskQueue, "task-queue", envString("SLIPWAY_TASK_QUEUE", "slipway"), "Temporal task queue of the workers (env SLIPWAY_TASK_QUEUE)")
}

// validate checks the settings; listen is true for the dev stack, where
// --temporal-addr is where Temporal listens and port 0 picks a free port.
func (c *temporalConfig) validate(listen bool) error {
	var errs []error
	if err := validateHostPort("--temporal-addr", c.Addr, listen); err != nil {
		errs = append(errs, err)
	}
	if c.Namespace == "" {
		errs = append(errs, errors.New("--temporal-namespace is required"))
	}
	if c.TaskQueue == "" {
		errs = append(errs, errors.New("--task-queue is required"))
	}
	return errors.Join(errs...)
}

func validateHostPort(flagName, addr string, allowZero bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s %q: want host:port: %w", flagName, addr, err)
	}
	_ = host
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 || (n == 0 && !allowZero) {
		return fmt.Errorf("%s %q: port must be 1 to 65535", flagName, addr)
	}
	return nil
}

func validateDatabaseURL(u string) error {
	if u == "" {
		return errors.New("DATABASE_URL (or --database-url) is required: a postgres:// URL")
	}
	if _, err := pgxpool.ParseConfig(u); err != nil {
		// pgx's message may quote the URL, password included.
		return errors.New("DATABASE_URL is not a valid postgres URL or DSN")
	}
	return nil
}

func envDuration(name string, def time.Duration) time.Duration {
	return envParsed(name, def, time.ParseDuration, "a duration such as 15m")
}

// connectDB validates a database URL from the command line and connects,
// for the admin commands; a malformed URL is the caller's error (exit 2).
func connectDB(ctx context.Context, dsn string) (*pgxpool.Pool, error) {
	if err := validateDatabaseURL(dsn); err != nil {
		return nil, fmt.Errorf("%w: %w", errUsage, err)
	}
	return db.Connect(ctx, dsn)
}
