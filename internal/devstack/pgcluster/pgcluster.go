// Package pgcluster runs a private PostgreSQL cluster in a data folder with
// the machine's PostgreSQL binaries, for `slipway dev` and the test harness:
// no Docker, no shared server, nothing left running when Slipway exits.
//
// The server is a supervised child (internal/proc), not a pg_ctl daemon: it
// lives in its own process group and gets SIGQUIT (immediate shutdown) from
// the kernel if Slipway dies, so it can never outlive its parent. When
// Slipway runs as root, initdb and postgres run as the `postgres` OS user,
// because PostgreSQL refuses to run as root.
package pgcluster

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/slipway-dev/slipway/internal/proc"
)

// Superuser is the cluster's superuser role, whatever OS user runs it.
const Superuser = "postgres"

// PasswordFile is the file in the data folder, mode 0600, that holds the
// superuser's password: clusters use scram-sha-256 even on 127.0.0.1, so
// that other local users cannot walk in.
const PasswordFile = "slipway-superuser.password"

// serverOSUser is the OS user that runs PostgreSQL when Slipway is root.
const serverOSUser = "postgres"

// ErrNoPostgresUser is answered when Slipway runs as root and there is no
// `postgres` OS user to run PostgreSQL as.
var ErrNoPostgresUser = errors.New("running as root and there is no \"postgres\" OS user: PostgreSQL refuses to run as root; create one (useradd --system --home-dir /var/lib/postgresql postgres) or run as a regular user")

// ErrNoBinaries is answered when no PostgreSQL installation is found.
var ErrNoBinaries = errors.New("no PostgreSQL binaries found (looked at PATH, pg_config --bindir and /usr/lib/postgresql/*/bin); install PostgreSQL or set Options.BinDir")

// errPortInUse marks a start that failed because the port was taken.
var errPortInUse = errors.New("port in use")

// Options says where and how to run a cluster.
type Options struct {
	// DataDir is the cluster's data folder (PGDATA); initialized when it
	// has no PG_VERSION, reused otherwise.
	DataDir string
	// Port on 127.0.0.1; 0 picks a free one on every start.
	Port int
	// Logger receives progress and, at debug level, the server's log.
	Logger *slog.Logger
	// Database is created if missing and is what DSN points at; "slipway"
	// when empty.
	Database string
	// BinDir holds initdb and postgres; found automatically when empty.
	BinDir string
	// Settings are extra server settings (postgresql.conf names), given
	// on the command line so that they apply to this run only.
	Settings map[string]string
	// Ephemeral trades durability for speed (initdb --no-sync, fsync and
	// full_page_writes off): for throwaway test clusters only, since an OS
	// crash can corrupt such a folder.
	Ephemeral bool
}

// Cluster is a running private PostgreSQL server.
type Cluster struct {
	dataDir  string
	port     int
	password string
	database string
	process  *proc.Process
	logger   *slog.Logger
	logs     *proc.Output
	// logStreams are the server's stdout and stderr into logs.
	logStreams [2]*proc.LineWriter
}

// Start initializes the data folder if needed, starts postgres, waits until
// it accepts connections and creates the database. The returned cluster
// runs until Stop, ctx's end does not stop it.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.DataDir == "" {
		return nil, errors.New("start postgres: no data folder given")
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "postgres")
	database := opts.Database
	if database == "" {
		database = "slipway"
	}
	dir, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return nil, fmt.Errorf("resolve data folder: %w", err)
	}
	runAs, err := serverUser(os.Geteuid(), user.Lookup)
	if err != nil {
		return nil, err
	}
	var cred *syscall.Credential
	if runAs != "" {
		if cred, err = proc.Credential(runAs); err != nil {
			return nil, err
		}
	}
	binDir, err := findBinDir(opts.BinDir)
	if err != nil {
		return nil, err
	}
	if err := prepareDir(dir, cred); err != nil {
		return nil, err
	}

	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); errors.Is(err, fs.ErrNotExist) {
		began := time.Now()
		if err := initdb(ctx, binDir, dir, cred, opts.Ephemeral); err != nil {
			return nil, err
		}
		logger.InfoContext(ctx, "initialized postgres data folder", "dir", dir, "took", time.Since(began).Round(time.Millisecond))
	} else if err != nil {
		return nil, fmt.Errorf("inspect data folder: %w", err)
	}
	password, err := readPassword(dir)
	if err != nil {
		return nil, err
	}
	if err := clearStalePID(dir, logger); err != nil {
		return nil, err
	}

	began := time.Now()
	var c *Cluster
	for attempt := 0; ; attempt++ {
		port := opts.Port
		if port == 0 {
			if port, err = proc.FreePort("127.0.0.1", 0); err != nil {
				return nil, err
			}
		}
		c = &Cluster{dataDir: dir, port: port, password: password, database: database, logger: logger}
		err = c.launch(ctx, binDir, runAs, opts)
		// A free port can be taken between picking and binding it.
		if errors.Is(err, errPortInUse) && opts.Port == 0 && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, err
		}
		break
	}
	if err := c.ensureDatabase(ctx, database); err != nil {
		_ = c.Stop(context.Background())
		return nil, err
	}
	logger.InfoContext(ctx, "postgres ready", "port", c.port, "pid", c.process.Pid(), "took", time.Since(began).Round(time.Millisecond))
	return c, nil
}

// DSN is the URL of the cluster's database, as the superuser.
func (c *Cluster) DSN() string { return c.DSNFor(c.database) }

// DSNFor is the URL of another database in the cluster, as the superuser.
func (c *Cluster) DSNFor(dbname string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(Superuser, c.password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:     "/" + dbname,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// Port is the TCP port on 127.0.0.1.
func (c *Cluster) Port() int { return c.port }

// DataDir is the absolute data folder.
func (c *Cluster) DataDir() string { return c.dataDir }

// Pid is the postmaster's process id.
func (c *Cluster) Pid() int { return c.process.Pid() }

// Done is closed when the server has exited, whether stopped or crashed, so
// that a dev stack can notice losing its database.
func (c *Cluster) Done() <-chan struct{} { return c.process.Done() }

// Stop shuts the server down fast (SIGINT: sessions are cut, data is
// checkpointed) and waits for it, killing it when ctx ends first or after
// 30 seconds.
func (c *Cluster) Stop(ctx context.Context) error {
	grace := 30 * time.Second
	if d, ok := ctx.Deadline(); ok {
		grace = max(time.Until(d), 0)
	}
	if err := c.process.Stop(grace); err != nil {
		return fmt.Errorf("stop postgres: %w", err)
	}
	c.logger.DebugContext(ctx, "postgres stopped", "dir", c.dataDir)
	return nil
}

// serverUser answers which OS user runs PostgreSQL: "" for the current
// user, or "postgres" when the current user is root.
func serverUser(euid int, lookup func(string) (*user.User, error)) (string, error) {
	if euid != 0 {
		return "", nil
	}
	if _, err := lookup(serverOSUser); err != nil {
		var unknown user.UnknownUserError
		if errors.As(err, &unknown) {
			return "", ErrNoPostgresUser
		}
		return "", fmt.Errorf("look up user %q: %w", serverOSUser, err)
	}
	return serverOSUser, nil
}

// findBinDir answers the folder holding initdb and postgres: the given one,
// else the one on PATH, else pg_config's, else the newest Debian-style
// /usr/lib/postgresql/N/bin.
func findBinDir(given string) (string, error) {
	if given != "" {
		if !hasBinaries(given) {
			return "", fmt.Errorf("find postgres binaries: %s has no initdb and postgres", given)
		}
		return given, nil
	}
	if p, err := exec.LookPath("postgres"); err == nil {
		// PATH often has symlinks (/usr/local/bin/postgres); the real
		// folder holds the matching initdb.
		if real, err := filepath.EvalSymlinks(p); err == nil && hasBinaries(filepath.Dir(real)) {
			return filepath.Dir(real), nil
		}
		if hasBinaries(filepath.Dir(p)) {
			return filepath.Dir(p), nil
		}
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if d := strings.TrimSpace(string(out)); hasBinaries(d) {
			return d, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	best, bestVersion := "", -1
	for _, d := range dirs {
		v, err := strconv.Atoi(filepath.Base(filepath.Dir(d)))
		if err == nil && v > bestVersion && hasBinaries(d) {
			best, bestVersion = d, v
		}
	}
	if best == "" {
		return "", ErrNoBinaries
	}
	return best, nil
}

func hasBinaries(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// prepareDir creates the data folder and, when PostgreSQL runs as another
// user, hands the folder to that user and checks that it can reach it.
func prepareDir(dir string, cred *syscall.Credential) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	if cred == nil {
		return nil
	}
	var st syscall.Stat_t
	if err := syscall.Stat(dir, &st); err != nil {
		return fmt.Errorf("inspect data folder: %w", err)
	}
	if st.Uid != cred.Uid {
		err := filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(p, int(cred.Uid), int(cred.Gid))
		})
		if err != nil {
			return fmt.Errorf("give data folder to user %s: %w", serverOSUser, err)
		}
	}
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		if err := searchable(p, cred); err != nil {
			return err
		}
		if p == "/" {
			return nil
		}
	}
}

// searchable checks that the user in cred may enter folder p.
func searchable(p string, cred *syscall.Credential) error {
	var st syscall.Stat_t
	if err := syscall.Stat(p, &st); err != nil {
		return fmt.Errorf("inspect %s: %w", p, err)
	}
	mode := st.Mode
	ok := mode&0o001 != 0 ||
		(st.Gid == cred.Gid && mode&0o010 != 0) ||
		(st.Uid == cred.Uid && mode&0o100 != 0)
	if !ok {
		return fmt.Errorf("user %s cannot reach the data folder: %s (mode %#o) is not searchable by it; chmod o+x it or choose a folder elsewhere", serverOSUser, p, mode&0o7777)
	}
	return nil
}

// initdb creates the cluster with a random superuser password, then writes
// that password into the data folder.
func initdb(ctx context.Context, binDir, dir string, cred *syscall.Credential, ephemeral bool) error {
	secret := make([]byte, 24)
	if _, err := rand.Read(secret); err != nil {
		return fmt.Errorf("generate superuser password: %w", err)
	}
	password := hex.EncodeToString(secret)

	// initdb wants the data folder empty, so the password goes through a
	// private temporary file.
	pwFile, err := os.CreateTemp("", "slipway-initdb-*")
	if err != nil {
		return fmt.Errorf("create initdb password file: %w", err)
	}
	defer os.Remove(pwFile.Name())
	_, err = pwFile.WriteString(password + "\n")
	if cerr := pwFile.Close(); err == nil {
		err = cerr
	}
	if err == nil && cred != nil {
		err = os.Chown(pwFile.Name(), int(cred.Uid), int(cred.Gid))
	}
	if err != nil {
		return fmt.Errorf("write initdb password file: %w", err)
	}

	args := []string{
		"--pgdata=" + dir,
		"--username=" + Superuser,
		"--pwfile=" + pwFile.Name(),
		"--auth=scram-sha-256",
		"--encoding=UTF8",
		// Bytewise collation (fast, stable across glibc upgrades) with
		// Unicode-aware case mapping, so lower() folds non-ASCII emails.
		"--locale=C",
		"--lc-ctype=C.UTF-8",
		"--no-instructions",
	}
	if ephemeral {
		args = append(args, "--no-sync")
	}
	out, err := runInitdb(ctx, binDir, dir, cred, args)
	if err != nil && bytes.Contains(out, []byte("locale")) {
		// No C.UTF-8 on this system: fall back to plain C.
		args = slices.DeleteFunc(args, func(a string) bool { return a == "--lc-ctype=C.UTF-8" })
		out, err = runInitdb(ctx, binDir, dir, cred, args)
	}
	if err != nil {
		return fmt.Errorf("initdb %s: %w\n%s", dir, err, bytes.TrimSpace(out))
	}
	if err := writePassword(dir, password, cred); err != nil {
		return err
	}
	return nil
}

func runInitdb(ctx context.Context, binDir, dir string, cred *syscall.Credential, args []string) ([]byte, error) {
	// The parent-death signal belongs to the forking thread; keep it for
	// the whole run.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "initdb"), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LC_MESSAGES=C")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if cred != nil {
		// Drop root's supplementary groups too.
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: cred.Uid, Gid: cred.Gid, Groups: []uint32{}}
	}
	return cmd.CombinedOutput()
}

func writePassword(dir, password string, cred *syscall.Credential) error {
	p := filepath.Join(dir, PasswordFile)
	if err := os.WriteFile(p, []byte(password+"\n"), 0o600); err != nil {
		return fmt.Errorf("write superuser password: %w", err)
	}
	if cred != nil {
		if err := os.Chown(p, int(cred.Uid), int(cred.Gid)); err != nil {
			return fmt.Errorf("give superuser password file to %s: %w", serverOSUser, err)
		}
	}
	return nil
}

func readPassword(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, PasswordFile))
	if err != nil {
		return "", fmt.Errorf("read superuser password (was %s made by Slipway? remove it to start afresh): %w", dir, err)
	}
	pw := strings.TrimSpace(string(b))
	if pw == "" {
		return "", fmt.Errorf("read superuser password: %s is empty", filepath.Join(dir, PasswordFile))
	}
	return pw, nil
}

// clearStalePID removes a postmaster.pid left by a crashed server when its
// pid now belongs to an unrelated process (pid reuse after a reboot or in a
// container), which postgres itself would mistake for a running server. A
// dead pid, or a live postgres, is left for postgres to judge.
func clearStalePID(dir string, logger *slog.Logger) error {
	p := filepath.Join(dir, "postmaster.pid")
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read postmaster.pid: %w", err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 {
		logger.Warn("removing unreadable postmaster.pid", "file", p)
		return removeFile(p)
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return nil // gone; postgres handles a dead pid
	}
	if name := strings.TrimSpace(string(comm)); name != "postgres" && name != "postmaster" {
		logger.Warn("removing stale postmaster.pid whose pid belongs to another program", "file", p, "pid", pid, "program", name)
		return removeFile(p)
	}
	return nil
}

func removeFile(p string) error {
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", p, err)
	}
	return nil
}

// launch starts the server and waits until it accepts connections.
func (c *Cluster) launch(ctx context.Context, binDir, runAs string, opts Options) error {
	args := []string{
		"-D", c.dataDir,
		"-p", strconv.Itoa(c.port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_permissions=0700",
	}
	// The kernel caps socket paths at 107 bytes; without a socket, TCP
	// still works.
	socketDir := c.dataDir
	if len(socketDir)+len("/.s.PGSQL.65535.lock") > 107 {
		c.logger.WarnContext(ctx, "data folder path too long for a unix socket; TCP only", "dir", c.dataDir)
		socketDir = ""
	}
	args = append(args, "-c", "unix_socket_directories="+socketDir)
	if opts.Ephemeral {
		args = append(args,
			"-c", "fsync=off",
			"-c", "synchronous_commit=off",
			"-c", "full_page_writes=off",
		)
	}
	for _, name := range slices.Sorted(maps.Keys(opts.Settings)) {
		args = append(args, "-c", name+"="+opts.Settings[name])
	}
	c.logs = &proc.Output{Logger: c.logger, Msg: "postgres output", Keep: 40}
	c.logStreams = [2]*proc.LineWriter{c.logs.Writer("stdout", slog.LevelDebug), c.logs.Writer("stderr", slog.LevelDebug)}
	p, err := proc.Start(ctx, c.logger, proc.Spec{
		Name:   "postgres",
		Path:   filepath.Join(binDir, "postgres"),
		Args:   args,
		Dir:    c.dataDir,
		Env:    append(os.Environ(), "LC_MESSAGES=C"),
		Stdout: c.logStreams[0],
		Stderr: c.logStreams[1],
		User:   runAs,
		// SIGINT is PostgreSQL's fast shutdown; SIGQUIT its immediate
		// one, for when Slipway is gone.
		StopSignal:  syscall.SIGINT,
		DeathSignal: syscall.SIGQUIT,
	})
	if err != nil {
		return err
	}
	c.process = p
	if err := c.waitReady(ctx); err != nil {
		_ = p.Stop(5 * time.Second)
		return err
	}
	return nil
}

// waitReady polls until this cluster (not some other server on the port)
// answers queries, the server exits, or ctx ends.
func (c *Cluster) waitReady(ctx context.Context) error {
	dsn := c.DSNFor("postgres")
	tick := time.NewTicker(15 * time.Millisecond)
	defer tick.Stop()
	var lastErr error
	for {
		select {
		case <-c.process.Done():
			logs := c.outputTail()
			if strings.Contains(logs, "Address already in use") {
				return fmt.Errorf("start postgres on port %d: %w\n%s", c.port, errPortInUse, logs)
			}
			return fmt.Errorf("start postgres: %w\n%s", c.process.Err(), logs)
		case <-ctx.Done():
			return fmt.Errorf("wait for postgres: %w (last error: %v)", ctx.Err(), lastErr)
		case <-tick.C:
		}
		lastErr = c.ping(ctx, dsn)
		if lastErr == nil {
			return nil
		}
	}
}

func (c *Cluster) ping(ctx context.Context, dsn string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	var dataDir string
	if err := conn.QueryRow(ctx, "SHOW data_directory").Scan(&dataDir); err != nil {
		return err
	}
	if dataDir != c.dataDir {
		return fmt.Errorf("port %d answers for data folder %s, not %s", c.port, dataDir, c.dataDir)
	}
	return nil
}

// ensureDatabase creates dbname unless it exists.
func (c *Cluster) ensureDatabase(ctx context.Context, dbname string) error {
	conn, err := pgx.Connect(ctx, c.DSNFor("postgres"))
	if err != nil {
		return fmt.Errorf("connect to postgres: %w", err)
	}
	defer conn.Close(context.Background())
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", dbname).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %q: %w", dbname, err)
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{dbname}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database: created meanwhile
		return nil
	}
	if err != nil {
		return fmt.Errorf("create database %q: %w", dbname, err)
	}
	c.logger.InfoContext(ctx, "created database", "database", dbname)
	return nil
}

// outputTail answers the server's last lines, for an error saying why it
// did not start; call it once the server has exited.
func (c *Cluster) outputTail() string {
	var b strings.Builder
	for _, w := range c.logStreams {
		w.Flush()
	}
	for _, line := range c.logs.Tail() {
		b.WriteString("  postgres: ")
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}
