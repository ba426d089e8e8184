package devtemporal_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/slipway-dev/slipway/internal/devstack/devtemporal"
)

const taskQueue = "devtemporal-test"

var (
	userKey    = temporal.NewSearchAttributeKeyKeyword("SlipwayUser")
	networkKey = temporal.NewSearchAttributeKeyKeyword("SlipwayNetwork")
)

// greet is the trivial workflow the tests run through a real worker.
func greet(ctx workflow.Context, name string) (string, error) {
	if err := workflow.Sleep(ctx, time.Millisecond); err != nil {
		return "", err
	}
	return "hello " + name, nil
}

func testLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func start(t *testing.T, opts devtemporal.Options) *devtemporal.Server {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = testLogger()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	began := time.Now()
	s, err := devtemporal.Start(ctx, opts)
	require.NoError(t, err)
	t.Logf("started in %v: frontend %s, ui %q", time.Since(began).Round(time.Millisecond), s.FrontendAddr(), s.UIURL())
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

func dial(t *testing.T, s *devtemporal.Server) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{
		HostPort:  s.FrontendAddr(),
		Namespace: devtemporal.DefaultNamespace,
		Logger:    sdklog.NewStructuredLogger(testLogger()),
	})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// runWorker serves greet on the task queue until the test ends (or stop is
// called, which must happen before the server stops).
func runWorker(t *testing.T, c client.Client) (stop func()) {
	t.Helper()
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflow(greet)
	require.NoError(t, w.Start())
	var once sync.Once
	stop = func() { once.Do(w.Stop) }
	t.Cleanup(stop)
	return stop
}

func runGreet(t *testing.T, c client.Client, id string, attrs ...temporal.SearchAttributeUpdate) client.WorkflowRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                    id,
		TaskQueue:             taskQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(attrs...),
	}, greet, id)
	require.NoError(t, err)
	var got string
	require.NoError(t, run.Get(ctx, &got))
	require.Equal(t, "hello "+id, got)
	return run
}

// requireListed runs a visibility query until it returns want (visibility is
// written asynchronously after the workflow closes).
func requireListed(t *testing.T, c client.Client, query string, want ...string) {
	t.Helper()
	var got []string
	require.Eventuallyf(t, func() bool {
		resp, err := c.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: devtemporal.DefaultNamespace,
			Query:     query,
		})
		if err != nil {
			t.Logf("list %q: %v", query, err)
			return false
		}
		got = got[:0]
		for _, e := range resp.GetExecutions() {
			got = append(got, e.GetExecution().GetWorkflowId())
		}
		return fmt.Sprint(got) == fmt.Sprint(want)
	}, 15*time.Second, 100*time.Millisecond, "query %q: got %v, want %v", query, &got, want)
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func requirePortFree(t *testing.T, addr string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err, "port of a stopped server still bound")
	require.NoError(t, ln.Close())
}

func TestRestartKeepsHistoryAndSearchAttributes(t *testing.T) {
	dir := t.TempDir()
	// startOn starts a server on dir, on free ports, asking for keyword
	// search attributes named keywords.
	startOn := func(keywords ...string) *devtemporal.Server {
		attrs := map[string]enumspb.IndexedValueType{}
		for _, k := range keywords {
			attrs[k] = enumspb.INDEXED_VALUE_TYPE_KEYWORD
		}
		return start(t, devtemporal.Options{DataDir: dir, FrontendAddr: "127.0.0.1:0", UIAddr: "127.0.0.1:0", SearchAttributes: attrs})
	}

	// First start: fresh folder, one custom search attribute.
	s1 := startOn("SlipwayUser")
	require.NotContains(t, s1.FrontendAddr(), ":0")
	require.True(t, strings.HasPrefix(s1.UIURL(), "http://127.0.0.1:"), s1.UIURL())

	c1 := dial(t, s1)
	stopWorker := runWorker(t, c1)
	first := runGreet(t, c1, "first", userKey.ValueSet("alice"))
	requireListed(t, c1, "SlipwayUser = 'alice'", "first")
	requireListed(t, c1, "SlipwayUser = 'bob'")

	// The Web UI serves its page and proxies the API to this frontend.
	code, body := httpGet(t, s1.UIURL()+"/")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, strings.ToLower(body), "<html")
	code, body = httpGet(t, s1.UIURL()+"/api/v1/namespaces/"+devtemporal.DefaultNamespace+"/workflows/first")
	require.Equal(t, http.StatusOK, code, body)
	require.Contains(t, body, first.GetRunID())

	stopWorker()
	c1.Close()
	require.NoError(t, s1.Stop())
	require.NoError(t, s1.Stop(), "Stop is idempotent")
	requirePortFree(t, s1.FrontendAddr())
	requirePortFree(t, strings.TrimPrefix(s1.UIURL(), "http://"))

	// Second start on the same folder, asking for one more search attribute.
	s2 := startOn("SlipwayUser", "SlipwayNetwork")
	c2 := dial(t, s2)
	ctx := context.Background()

	desc, err := c2.DescribeWorkflowExecution(ctx, "first", first.GetRunID())
	require.NoError(t, err)
	require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, desc.GetWorkflowExecutionInfo().GetStatus())

	var types []enumspb.EventType
	iter := c2.GetWorkflowHistory(ctx, "first", first.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(t, err)
		types = append(types, ev.GetEventType())
	}
	require.NotEmpty(t, types)
	require.Equal(t, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, types[0])
	require.Equal(t, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, types[len(types)-1])
	requireListed(t, c2, "SlipwayUser = 'alice'", "first")

	// The attribute added on the restart is usable at once.
	runWorker(t, c2)
	runGreet(t, c2, "second", userKey.ValueSet("bob"), networkKey.ValueSet("dev"))
	requireListed(t, c2, "SlipwayNetwork = 'dev'", "second")
	requireListed(t, c2, "SlipwayUser = 'bob' AND SlipwayNetwork = 'dev'", "second")
}

func TestTwoServersSideBySide(t *testing.T) {
	var (
		wg      sync.WaitGroup
		servers [2]*devtemporal.Server
		errs    [2]error
	)
	// Started concurrently, as two `slipway dev` stacks might be; the second
	// one spelled with "localhost".
	hosts := [2]string{"127.0.0.1", "localhost"}
	for i := range servers {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			servers[i], errs[i] = devtemporal.Start(ctx, devtemporal.Options{
				DataDir:      t.TempDir(),
				FrontendAddr: hosts[i] + ":0",
				UIAddr:       hosts[i] + ":0",
				Logger:       testLogger(),
			})
		})
	}
	wg.Wait()
	for i, s := range servers {
		require.NoError(t, errs[i])
		t.Cleanup(func() { _ = s.Stop() })
	}
	for _, s := range servers {
		require.True(t, strings.HasPrefix(s.FrontendAddr(), "127.0.0.1:"), s.FrontendAddr())
		require.True(t, strings.HasPrefix(s.UIURL(), "http://127.0.0.1:"), s.UIURL())
	}
	require.NotEqual(t, servers[0].FrontendAddr(), servers[1].FrontendAddr())
	require.NotEqual(t, servers[0].UIURL(), servers[1].UIURL())

	for i, s := range servers {
		c := dial(t, s)
		stop := runWorker(t, c)
		runGreet(t, c, fmt.Sprintf("on-server-%d", i))
		stop()
	}
	// Each server has only its own workflow.
	for i, s := range servers {
		c := dial(t, s)
		requireListed(t, c, "", fmt.Sprintf("on-server-%d", i))
		code, _ := httpGet(t, s.UIURL()+"/")
		require.Equal(t, http.StatusOK, code)
	}
}

// recorder keeps the records a slog.Logger receives.
type recorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (r *recorder) logger() *slog.Logger { return slog.New(recordHandler{r: r}) }

// below counts the records below level.
func (r *recorder) below(level slog.Level) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, rec := range r.records {
		if rec.Level < level {
			n++
		}
	}
	return n
}

type recordHandler struct {
	r     *recorder
	attrs []slog.Attr
}

func (h recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h recordHandler) Handle(_ context.Context, rec slog.Record) error {
	rec = rec.Clone()
	rec.AddAttrs(h.attrs...)
	h.r.mu.Lock()
	defer h.r.mu.Unlock()
	h.r.records = append(h.r.records, rec)
	return nil
}
func (h recordHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return recordHandler{r: h.r, attrs: append(slices.Clip(h.attrs), attrs...)}
}
func (h recordHandler) WithGroup(string) slog.Handler { return h }

func TestTemporalLogsGoToLogger(t *testing.T) {
	// Folders that already hold a database, so that every record comes from
	// Temporal itself.
	dirs := [2]string{t.TempDir(), t.TempDir()}
	for _, dir := range dirs {
		s := start(t, devtemporal.Options{DataDir: dir, FrontendAddr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, s.Stop())
	}

	var quiet, verbose recorder
	s := start(t, devtemporal.Options{DataDir: dirs[0], FrontendAddr: "127.0.0.1:0", Logger: quiet.logger()})
	require.NoError(t, s.Stop())
	require.Zero(t, quiet.below(slog.LevelWarn), "Temporal's info logs pass by default")

	s = start(t, devtemporal.Options{DataDir: dirs[1], FrontendAddr: "127.0.0.1:0", Logger: verbose.logger(), LogLevel: slog.LevelInfo})
	require.NoError(t, s.Stop())
	require.NotZero(t, verbose.below(slog.LevelWarn), "no Temporal info logs at LogLevel info")
}

func TestStartErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	t.Run("no data dir", func(t *testing.T) {
		_, err := devtemporal.Start(ctx, devtemporal.Options{})
		require.ErrorContains(t, err, "data dir is required")
	})
	t.Run("reserved search attribute", func(t *testing.T) {
		_, err := devtemporal.Start(ctx, devtemporal.Options{
			DataDir:          t.TempDir(),
			SearchAttributes: map[string]enumspb.IndexedValueType{"WorkflowId": enumspb.INDEXED_VALUE_TYPE_KEYWORD},
		})
		require.ErrorContains(t, err, "reserved")
	})
	t.Run("frontend port taken", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		_, err = devtemporal.Start(ctx, devtemporal.Options{DataDir: t.TempDir(), FrontendAddr: ln.Addr().String()})
		require.ErrorContains(t, err, "listen on frontend address")
	})
	t.Run("ui port taken", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		_, err = devtemporal.Start(ctx, devtemporal.Options{DataDir: t.TempDir(), FrontendAddr: "127.0.0.1:0", UIAddr: ln.Addr().String()})
		require.ErrorContains(t, err, "listen on ui address")
	})
	t.Run("bad address", func(t *testing.T) {
		_, err := devtemporal.Start(ctx, devtemporal.Options{DataDir: t.TempDir(), FrontendAddr: "example.com:7233"})
		require.ErrorContains(t, err, "parse frontend address")
	})
	t.Run("data dir in use", func(t *testing.T) {
		dir := t.TempDir()
		s := start(t, devtemporal.Options{DataDir: dir, FrontendAddr: "127.0.0.1:0"})
		_, err := devtemporal.Start(ctx, devtemporal.Options{DataDir: dir, FrontendAddr: "127.0.0.1:0"})
		require.True(t, errors.Is(err, devtemporal.ErrDataDirInUse), "got %v", err)
		require.NoError(t, s.Stop())
	})
	t.Run("search attribute with another type", func(t *testing.T) {
		dir := t.TempDir()
		s := start(t, devtemporal.Options{
			DataDir:          dir,
			FrontendAddr:     "127.0.0.1:0",
			SearchAttributes: map[string]enumspb.IndexedValueType{"SlipwayStatus": enumspb.INDEXED_VALUE_TYPE_KEYWORD},
		})
		require.NoError(t, s.Stop())
		_, err := devtemporal.Start(ctx, devtemporal.Options{
			DataDir:          dir,
			FrontendAddr:     "127.0.0.1:0",
			SearchAttributes: map[string]enumspb.IndexedValueType{"SlipwayStatus": enumspb.INDEXED_VALUE_TYPE_INT},
		})
		require.ErrorContains(t, err, `search attribute "SlipwayStatus" exists as`)
	})
}
