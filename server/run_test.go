package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server/servertest"
)

// tickingDeployments streams one event every interval, count times, then
// blocks until the stream's context ends (if block is set).
type tickingDeployments struct {
	slipwayv1connect.UnimplementedDeploymentServiceHandler
	count    int
	interval time.Duration
	block    bool
	ended    chan error
}

func (d *tickingDeployments) WatchDeployment(ctx context.Context, _ *connect.Request[slipwayv1.WatchDeploymentRequest], stream *connect.ServerStream[slipwayv1.WatchDeploymentResponse]) error {
	for i := range d.count {
		if err := stream.Send(&slipwayv1.WatchDeploymentResponse{Event: &slipwayv1.DeploymentEvent{Seq: uint32(i + 1)}}); err != nil {
			return err
		}
		select {
		case <-time.After(d.interval):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if d.block {
		<-ctx.Done()
		if d.ended != nil {
			d.ended <- ctx.Err()
		}
		return ctx.Err()
	}
	return nil
}

// slowNetworks answers after a delay, standing for a slow unary call.
type slowNetworks struct {
	slipwayv1connect.NetworkServiceHandler
	delay time.Duration
}

func (s slowNetworks) ListNetworks(ctx context.Context, req *connect.Request[slipwayv1.ListNetworksRequest]) (*connect.Response[slipwayv1.ListNetworksResponse], error) {
	time.Sleep(s.delay)
	return s.NetworkServiceHandler.ListNetworks(ctx, req)
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	var lc net.ListenConfig
	ln, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	return ln
}

func TestServeSpeaksH2CAndShutsDownGracefully(t *testing.T) {
	deployments := &tickingDeployments{count: 1, block: true, ended: make(chan error, 1)}
	h, err := New(Config{Networks: testNetworks}, Deps{
		Logger:   slog.New(slog.DiscardHandler),
		Services: Services{Deployments: deployments},
	})
	require.NoError(t, err)
	ln := listen(t)
	url := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, ln, h, slog.New(slog.DiscardHandler)) }()

	for name, client := range protocolClients(url) {
		_, err := client.ListNetworks(t.Context(), connect.NewRequest(&slipwayv1.ListNetworksRequest{}))
		require.NoError(t, err, name)
	}

	// A stream that would never end on its own…
	watcher := slipwayv1connect.NewDeploymentServiceClient(servertest.H2CClient(), url, connect.WithGRPC())
	stream, err := watcher.WatchDeployment(t.Context(), connect.NewRequest(&slipwayv1.WatchDeploymentRequest{Id: testUUID}))
	require.NoError(t, err)
	require.True(t, stream.Receive(), "%v", stream.Err())

	// …is ended by the shutdown, which then completes well within its grace.
	start := time.Now()
	cancel()
	select {
	case err := <-deployments.ended:
		assert.ErrorIs(t, err, context.Canceled)
	// Half the grace: ended by the shutdown itself, not by the grace
	// running out (5 s proved too tight on a loaded 2-core CI machine).
	case <-time.After(ShutdownTimeout / 2):
		t.Fatal("the stream was not ended by the shutdown")
	}
	select {
	case err := <-served:
		require.NoError(t, err)
	case <-time.After(ShutdownTimeout):
		t.Fatal("Serve did not return after shutdown")
	}
	assert.Less(t, time.Since(start), ShutdownTimeout/2)
	for stream.Receive() { // drain
	}
	_ = stream.Close()

	_, err = protocolClients(url)["connect+json"].ListNetworks(t.Context(), connect.NewRequest(&slipwayv1.ListNetworksRequest{}))
	assert.Error(t, err, "the server still answers after shutdown")
}

func TestRunReportsListenErrors(t *testing.T) {
	ln := listen(t)
	defer ln.Close()
	err := Run(t.Context(), ln.Addr().String(), http.NotFoundHandler(), slog.New(slog.DiscardHandler))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "listen on")
}

// TestStreamsOutliveTheServerTimeouts runs the server with timeouts far
// shorter than the stream, over HTTP/1.1 (Connect streaming, gRPC-Web) and
// HTTP/2 (gRPC): the stream must get every event, while a unary call slower
// than the write timeout is still cut off.
func TestStreamsOutliveTheServerTimeouts(t *testing.T) {
	const timeout = 300 * time.Millisecond
	h, err := New(Config{Networks: testNetworks}, Deps{
		Logger: slog.New(slog.DiscardHandler),
		Services: Services{
			Deployments: &tickingDeployments{count: 6, interval: 150 * time.Millisecond},
			Networks:    slowNetworks{NewNetworkService(testNetworks, nil), 3 * timeout},
		},
	})
	require.NoError(t, err)
	srv := NewHTTPServer(h, slog.New(slog.DiscardHandler))
	srv.ReadTimeout, srv.WriteTimeout = timeout, timeout
	ln := listen(t)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	url := "http://" + ln.Addr().String()

	for name, client := range map[string]slipwayv1connect.DeploymentServiceClient{
		"connect HTTP/1.1":  slipwayv1connect.NewDeploymentServiceClient(&http.Client{Transport: &http.Transport{}}, url),
		"grpc-web HTTP/1.1": slipwayv1connect.NewDeploymentServiceClient(&http.Client{Transport: &http.Transport{}}, url, connect.WithGRPCWeb()),
		"grpc h2c":          slipwayv1connect.NewDeploymentServiceClient(servertest.H2CClient(), url, connect.WithGRPC()),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			stream, err := client.WatchDeployment(t.Context(), connect.NewRequest(&slipwayv1.WatchDeploymentRequest{Id: testUUID}))
			require.NoError(t, err)
			defer stream.Close()
			var got []uint32
			for stream.Receive() {
				got = append(got, stream.Msg().GetEvent().GetSeq())
			}
			require.NoError(t, stream.Err())
			assert.Equal(t, []uint32{1, 2, 3, 4, 5, 6}, got)
		})
	}
	t.Run("slow unary is cut off", func(t *testing.T) {
		t.Parallel()
		client := slipwayv1connect.NewNetworkServiceClient(&http.Client{Transport: &http.Transport{}}, url)
		_, err := client.ListNetworks(t.Context(), connect.NewRequest(&slipwayv1.ListNetworksRequest{}))
		require.Error(t, err)
		assert.True(t, errors.Is(err, io.EOF) || connect.CodeOf(err) == connect.CodeUnavailable || connect.CodeOf(err) == connect.CodeUnknown, "%v", err)
	})
}
