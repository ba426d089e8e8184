package pgcluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/proc"
)

func TestServerUser(t *testing.T) {
	found := func(string) (*user.User, error) { return &user.User{Username: "postgres", Uid: "101"}, nil }
	missing := func(name string) (*user.User, error) { return nil, user.UnknownUserError(name) }
	broken := func(string) (*user.User, error) { return nil, errors.New("nss down") }

	for _, tc := range []struct {
		name    string
		euid    int
		lookup  func(string) (*user.User, error)
		want    string
		wantErr error
	}{
		{"non-root runs as itself", 1000, missing, "", nil},
		{"non-root never looks up", 1000, broken, "", nil},
		{"root runs as postgres", 0, found, "postgres", nil},
		{"root without postgres user fails", 0, missing, "", ErrNoPostgresUser},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := serverUser(tc.euid, tc.lookup)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
	_, err := serverUser(0, broken)
	require.ErrorContains(t, err, "nss down", "a failed lookup is not a missing user")
}

func TestFindBinDir(t *testing.T) {
	dir, err := findBinDir("")
	if errors.Is(err, ErrNoBinaries) {
		t.Skip("no PostgreSQL installed")
	}
	require.NoError(t, err)
	require.True(t, hasBinaries(dir))
	_, err = findBinDir(t.TempDir())
	require.Error(t, err)
}

// baseDir answers a temporary folder that the postgres OS user can reach
// when the test runs as root.
func baseDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o711))
	require.NoError(t, os.Chmod(filepath.Dir(dir), 0o711))
	return dir
}

func startCluster(t *testing.T, opts Options) *Cluster {
	t.Helper()
	if _, err := findBinDir(""); errors.Is(err, ErrNoBinaries) {
		t.Skip("no PostgreSQL installed")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := Start(ctx, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Stop(context.Background()) })
	return c
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func exec1(t *testing.T, dsn, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql, args...)
	require.NoError(t, err)
}

func queryInt(t *testing.T, dsn, sql string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var n int
	require.NoError(t, conn.QueryRow(ctx, sql).Scan(&n))
	return n
}

// procUID answers the real uid of a running process.
func procUID(t *testing.T, pid int) int {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "Uid:"); ok {
			uid, err := strconv.Atoi(strings.Fields(rest)[0])
			require.NoError(t, err)
			return uid
		}
	}
	t.Fatalf("no Uid line for pid %d", pid)
	return -1
}

func TestStartRestartKeepsData(t *testing.T) {
	dataDir := filepath.Join(baseDir(t), "pg")

	began := time.Now()
	c := startCluster(t, Options{DataDir: dataDir, Database: "app", Ephemeral: true})
	t.Logf("cold start with initdb: %v", time.Since(began))

	require.FileExists(t, filepath.Join(dataDir, "PG_VERSION"))
	fi, err := os.Stat(filepath.Join(dataDir, PasswordFile))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the password file is private")

	wantUID := os.Geteuid()
	if wantUID == 0 {
		cred, err := proc.Credential("postgres")
		require.NoError(t, err)
		wantUID = int(cred.Uid)
	}
	require.Equal(t, wantUID, procUID(t, c.Pid()), "postmaster must not run as root")
	u, err := url.Parse(c.DSN())
	require.NoError(t, err)
	require.Equal(t, "/app", u.Path)
	require.Equal(t, "127.0.0.1", u.Hostname())

	exec1(t, c.DSN(), "CREATE TABLE kept (v int)")
	exec1(t, c.DSN(), "INSERT INTO kept VALUES (42)")
	firstPort := c.Port()
	require.NoError(t, c.Stop(context.Background()))
	select {
	case <-c.Done():
	default:
		t.Fatal("Stop returned before postgres exited")
	}

	began = time.Now()
	c2 := startCluster(t, Options{DataDir: dataDir, Database: "app"})
	t.Logf("warm start: %v (port %d, before %d)", time.Since(began), c2.Port(), firstPort)
	require.Equal(t, 42, queryInt(t, c2.DSN(), "SELECT v FROM kept"))

	// A wrong password is refused: the cluster is not open to every local
	// user.
	ctx := context.Background()
	bad := strings.Replace(c2.DSN(), c2.password, "wrong", 1)
	_, err = pgx.Connect(ctx, bad)
	require.Error(t, err)
}

func TestRestartAfterCrash(t *testing.T) {
	dataDir := filepath.Join(baseDir(t), "pg")
	c := startCluster(t, Options{DataDir: dataDir, Ephemeral: true})
	exec1(t, c.DSN(), "CREATE TABLE kept (v int)")
	exec1(t, c.DSN(), "INSERT INTO kept VALUES (7)")
	exec1(t, c.DSN(), "CHECKPOINT")

	// Kill the postmaster outright, as a power cut or OOM kill would, and
	// make its leftover postmaster.pid point at a live, unrelated process.
	require.NoError(t, syscall.Kill(c.Pid(), syscall.SIGKILL))
	<-c.Done()
	_ = c.Stop(context.Background()) // reaps the rest of the group
	sleeper := exec.Command("sleep", "60")
	require.NoError(t, sleeper.Start())
	t.Cleanup(func() { _ = sleeper.Process.Kill(); _ = sleeper.Wait() })
	pidFile := filepath.Join(dataDir, "postmaster.pid")
	b, err := os.ReadFile(pidFile)
	require.NoError(t, err, "a killed postmaster leaves its pid file")
	lines := strings.SplitN(string(b), "\n", 2)
	require.NoError(t, os.WriteFile(pidFile, []byte(strconv.Itoa(sleeper.Process.Pid)+"\n"+lines[1]), 0o600))

	began := time.Now()
	c2 := startCluster(t, Options{DataDir: dataDir, Ephemeral: true})
	t.Logf("start after crash: %v", time.Since(began))
	require.Equal(t, 7, queryInt(t, c2.DSN(), "SELECT v FROM kept"))
}

func TestFixedPortAndPortInUse(t *testing.T) {
	c := startCluster(t, Options{DataDir: filepath.Join(baseDir(t), "pg"), Ephemeral: true})
	// A second cluster asking for the first one's port fails clearly
	// instead of talking to the wrong server.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, err := Start(ctx, Options{DataDir: filepath.Join(baseDir(t), "pg2"), Port: c.Port(), Ephemeral: true})
	require.ErrorIs(t, err, errPortInUse)
}

func TestStartFailsOnForeignFolder(t *testing.T) {
	if _, err := findBinDir(""); errors.Is(err, ErrNoBinaries) {
		t.Skip("no PostgreSQL installed")
	}
	dir := filepath.Join(baseDir(t), "pg")
	require.NoError(t, os.MkdirAll(dir, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "PG_VERSION"), []byte("15\n"), 0o600))
	_, err := Start(context.Background(), Options{DataDir: dir})
	require.ErrorContains(t, err, "superuser password")
}
