package devtemporal

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/temporalio/ui-server/v2/server/api"
	"github.com/temporalio/ui-server/v2/server/auth"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	"github.com/temporalio/ui-server/v2/server/cors"
	"github.com/temporalio/ui-server/v2/server/csrf"
	"github.com/temporalio/ui-server/v2/server/headers"
	"github.com/temporalio/ui-server/v2/server/route"
	"github.com/temporalio/ui-server/v2/ui"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc"
)

// uiServer serves the Temporal Web UI.
//
// It assembles the same echo routes and middleware as ui-server's
// server.NewServer, but owns the listener and the gRPC connection:
// server.Server.Start can only listen on a fixed host:port it picks itself
// (so port 0 cannot be reported back), calls os.Exit through echo's
// Logger.Fatal when the port is taken, and never closes the gRPC connection
// it dials to the frontend. Here the port is bound before Start returns, a
// bind error is an error, and Stop releases both.
type uiServer struct {
	http *http.Server
	ln   net.Listener
	conn *grpc.ClientConn
	cfg  *uiconfig.ConfigProviderWithRefresh
	done chan error
}

// startUI serves the Web UI on ln against the frontend at frontendAddr, with
// namespace preselected. It owns ln from then on, also when it fails.
func startUI(ln net.Listener, frontendAddr, namespace string, logger *slog.Logger) (*uiServer, error) {
	host, port, err := splitHostPort(ln.Addr().String())
	if err != nil {
		_ = ln.Close()
		return nil, err
	}

	// RefreshInterval stays zero: ui-server's refresh loop cannot be stopped
	// cleanly, and this configuration never changes while the stack runs.
	cfgProvider, err := uiconfig.NewConfigProviderWithRefresh(&uiconfig.Config{
		Host:                host,
		Port:                port,
		TemporalGRPCAddress: frontendAddr,
		EnableUI:            true,
		DefaultNamespace:    namespace,
		// The dev UI is plain HTTP on loopback: a Secure CSRF cookie would
		// never come back and every write action (cancel, terminate,
		// signal) would fail.
		CORS:     uiconfig.CORS{CookieInsecure: true},
		HideLogs: true,
		// The dev stack works offline; no fetching of Temporal's news feed.
		DisableNewsFetch: true,
	})
	if err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("load ui config: %w", err)
	}
	cfg, err := cfgProvider.GetConfig()
	if err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("load ui config: %w", err)
	}

	conn, err := api.CreateGRPCConnection(cfgProvider)
	if err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("dial frontend for ui: %w", err)
	}

	e, err := newUIHandler(cfg, cfgProvider, conn)
	if err != nil {
		_ = conn.Close()
		_ = ln.Close()
		return nil, err
	}

	s := &uiServer{
		http: &http.Server{
			Handler:           e,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       2 * time.Minute,
			ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		},
		ln:   ln,
		conn: conn,
		cfg:  cfgProvider,
		done: make(chan error, 1),
	}
	go func() {
		err := s.http.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		if err != nil {
			logger.Error("temporal web ui stopped", "err", err)
		}
		s.done <- err
	}()
	return s, nil
}

// newUIHandler wires ui-server's routes the way server.NewServer does
// (v2.54.1), minus request logging (HideLogs) and OIDC (the dev UI has no
// auth).
func newUIHandler(cfg *uiconfig.Config, cfgProvider *uiconfig.ConfigProviderWithRefresh, conn *grpc.ClientConn) (*echo.Echo, error) {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true

	apiMiddleware := []api.Middleware{
		headers.WithForwardHeaders([]string{auth.AuthorizationExtrasHeader, "Caller-Type"}),
	}

	e.Use(middleware.Recover())
	e.Use(middleware.Gzip())
	e.Use(cors.CORSMiddleware(cors.CORSConfig{
		AllowHeaders: []string{
			echo.HeaderOrigin, echo.HeaderContentType, echo.HeaderAccept,
			echo.HeaderXCSRFToken, echo.HeaderAuthorization, auth.AuthorizationExtrasHeader,
			"Caller-Type",
		},
		AllowCredentials: true,
		ConfigProvider:   cfgProvider,
	}))
	e.Use(middleware.Secure())
	cookieSecure := !cfg.CORS.CookieInsecure
	e.Use(csrf.EnsureTokenCookie(cookieSecure))
	e.Use(middleware.CSRFWithConfig(csrf.MiddlewareConfig(cfgProvider, cookieSecure)))

	e.Pre(route.PublicPath(cfg.PublicPath))
	route.SetHealthRoute(e)

	// route.SetAPIRoutes, with our connection instead of one it dials and
	// never closes.
	apiGroup := e.Group("/api/v1")
	apiGroup.GET("/settings", api.GetSettings(cfgProvider))
	writeControl := route.DisableWriteMiddleware(cfgProvider)
	apiGroup.GET(api.WorkflowRawHistoryUrl,
		api.WorkflowRawHistoryHandler(workflowservice.NewWorkflowServiceClient(conn)), writeControl)
	apiGroup.Match([]string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
		"/*", api.TemporalAPIHandler(cfgProvider, apiMiddleware, conn), writeControl)

	assets, err := ui.Assets()
	if err != nil {
		return nil, fmt.Errorf("load ui assets: %w", err)
	}
	assets, err = fs.Sub(assets, "local")
	if err != nil {
		return nil, fmt.Errorf("load ui assets: %w", err)
	}
	if err := route.SetUIRoutes(e, cfg.PublicPath, assets); err != nil {
		return nil, fmt.Errorf("set ui routes: %w", err)
	}
	route.SetRenderRoute(e, cfg.PublicPath)
	return e, nil
}

// stop shuts the UI down, letting requests in flight finish until ctx ends.
func (s *uiServer) stop(ctx context.Context) error {
	var errs []error
	if err := s.http.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("shut down ui: %w", err))
		_ = s.http.Close()
	}
	if err := <-s.done; err != nil {
		errs = append(errs, fmt.Errorf("serve ui: %w", err))
	}
	if err := s.conn.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close ui frontend connection: %w", err))
	}
	s.cfg.Close()
	return errors.Join(errs...)
}
