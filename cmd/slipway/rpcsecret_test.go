package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"go.temporal.io/server/temporaltest"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/db/dbtest"
	"github.com/slipway-dev/slipway/internal/devstack/anvil"
	"github.com/slipway-dev/slipway/internal/secrets"
	"github.com/slipway-dev/slipway/internal/status"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/server/servertest"
)

// keyedProxy stands in for a hosted RPC provider: it serves anvil's RPC at
// a URL whose path and query hold an API key, answers 404 to any other
// path or query (so the pipeline is proven to use the resolved URL), and
// can be taken down and up again on the same address.
type keyedProxy struct {
	addr, path, query string
	target            *url.URL
	served            atomic.Int64
	mu                sync.Mutex
	srv               *http.Server
}

func newKeyedProxy(t *testing.T, target, path, query string) *keyedProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &keyedProxy{addr: ln.Addr().String(), path: path, query: query, target: u}
	p.serve(ln)
	t.Cleanup(p.down)
	return p
}

func (p *keyedProxy) serve(ln net.Listener) {
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.Out.URL.Scheme, r.Out.URL.Host, r.Out.Host = p.target.Scheme, p.target.Host, p.target.Host
		r.Out.URL.Path, r.Out.URL.RawPath, r.Out.URL.RawQuery = "/", "", ""
	}}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != p.path || r.URL.RawQuery != p.query {
			http.NotFound(w, r)
			return
		}
		p.served.Add(1)
		rp.ServeHTTP(w, r)
	}), ReadHeaderTimeout: 5 * time.Second}
	p.mu.Lock()
	p.srv = srv
	p.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// down closes the listener and every connection: clients get connection
// refused, as from a provider's outage.
func (p *keyedProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.srv != nil {
		_ = p.srv.Close()
		p.srv = nil
	}
}

// protoTexts answers every string and bytes field of m, nested messages
// included: payloads (inputs, results, heartbeat details, memos) are bytes
// that JSON would show base64-encoded, where a substring search misses them.
func protoTexts(m protoreflect.Message) []string {
	var out []string
	value := func(fd protoreflect.FieldDescriptor, v protoreflect.Value) {
		switch fd.Kind() {
		case protoreflect.StringKind:
			out = append(out, v.String())
		case protoreflect.BytesKind:
			out = append(out, string(v.Bytes()))
		case protoreflect.MessageKind, protoreflect.GroupKind:
			out = append(out, protoTexts(v.Message())...)
		}
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList():
			for i := range v.List().Len() {
				value(fd, v.List().Get(i))
			}
		case fd.IsMap():
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				out = append(out, k.String())
				value(fd.MapValue(), mv)
				return true
			})
		default:
			value(fd, v)
		}
		return true
	})
	return out
}

// TestRPCURLKeyNeverLeaks configures the network's RPC URL by reference, to
// a provider whose URL holds an API key in its path and in its query, and
// takes the provider away mid-confirmation for longer than the network's
// outage window, so that the deployment fails on the chain client's errors.
// The key must appear nowhere: not in deployments.error, the deployment's
// events, the workflow's history, nor the worker's log.
func TestRPCURLKeyNeverLeaks(t *testing.T) {
	const (
		pathKey  = "SlwE2ePathKey9f4c2a7e1b0d3865"
		queryKey = "SlwE2eQueryKey3b8d1f6a0c2e4979"
	)
	var logs servertest.SyncBuffer // written by the worker's goroutines
	logger, err := (&logConfig{Level: "debug", Format: "json"}).logger(&logs)
	if err != nil {
		t.Fatal(err)
	}
	pool := dbtest.New(t)
	node := anvil.NewForTestWith(t, anvil.Options{})
	px := newKeyedProxy(t, node.RPCURL(), "/v3/"+pathKey, "apikey="+queryKey)
	rpcURL := "http://" + px.addr + "/v3/" + pathKey + "?apikey=" + queryKey
	acct := node.Accounts()[0]
	key, err := acct.Key()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SLIPWAY_TEST_RPC_URL", rpcURL)
	t.Setenv("SLIPWAY_TEST_DEPLOYER_KEY", fmt.Sprintf("%x", crypto.FromECDSA(key)))
	sp, err := secrets.NewProvider(secrets.Config{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	networks := chain.Config{Networks: []chain.Network{{
		Name: "dev", ChainID: node.ChainID(), RPCURLs: []string{"env:SLIPWAY_TEST_RPC_URL"}, Confirmations: 1,
		Signer: "env:SLIPWAY_TEST_DEPLOYER_KEY",
		// Short enough to fail the deployment within seconds of the cut,
		// long enough for signing on a busy machine.
		Gas: chain.GasPolicy{BumpIntervalBlocks: 2, OutageWindowSeconds: 6},
	}}}
	if err := networks.Validate(); err != nil {
		t.Fatal(err)
	}
	ts := temporaltest.NewServer(temporaltest.WithT(t), devTemporalOptions())
	cfg := temporalConfig{Addr: ts.GetFrontendHostPort(), Namespace: ts.GetDefaultNamespace(), TaskQueue: "rpcsecret"}
	tc, err := dialTemporal(cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	runTestWorker(t, tc, cfg, pool, chainDeps{Networks: networks, Secrets: sp}, logger)
	s := newPipelineStack(t, pool, node, tc, cfg, networks, acct.Address)

	d := s.deploy(t, &slipwayv1.CreateDeploymentRequest{Network: "dev", Source: storeSource, ContractName: "Store",
		ConstructorArgs: args(t, "5", s.signer.Hex()), Confirmations: 3})
	s.until(t, d, 2*time.Minute, "inclusion", func(d db.Deployment) bool { return d.Confirmations >= 1 })
	if px.served.Load() == 0 {
		t.Fatal("nothing reached the chain through the keyed URL")
	}
	px.down()
	got := s.wait(t, d, 90*time.Second)
	if got.Status != status.Failed || !strings.Contains(got.Error, "unreachable") {
		t.Fatalf("after the outage the deployment is %s (%q), want FAILED as unreachable", got.Status, got.Error)
	}
	t.Logf("deployments.error: %s", got.Error)

	leaks := func(where, text string) {
		t.Helper()
		for _, k := range []string{pathKey, queryKey} {
			if strings.Contains(text, k) {
				t.Errorf("the RPC URL's key %s is in %s: %s", k, where, text)
			}
		}
	}
	leaks("deployments.error", got.Error)
	evs := s.events(t, d.ID)
	for _, e := range evs {
		leaks("a deployment event", e.Message)
		b, _ := json.Marshal(e)
		leaks("a deployment event", string(b))
	}

	ctx := context.Background()
	var failures int
	iter := tc.GetWorkflowHistory(ctx, d.WorkflowID, "", false, 0)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		b, err := protojson.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		leaks("the workflow history", string(b))
		for _, s := range protoTexts(proto.Message(ev).ProtoReflect()) {
			leaks("the workflow history", s)
			if strings.Contains(s, "unreachable") {
				failures++
			}
		}
	}
	if failures == 0 {
		t.Error("the history holds no failure naming the outage: nothing was scanned")
	}

	out := logs.String()
	leaks("the log", out)
	if !strings.Contains(out, "chain rpc failing") || !strings.Contains(out, px.addr) {
		t.Errorf("the log does not tell of the outage at %s:\n%s", px.addr, out)
	}
}
