package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Timeouts of the HTTP server. Unary calls must fit in them; streams
// (WatchDeployment, the WebSocket feed) have both deadlines lifted per
// request by the edge middleware, because net/http applies WriteTimeout to
// the whole answer (HTTP/1.1: the connection; HTTP/2: the stream, which is
// reset) and an expired read deadline on an HTTP/1.1 connection cancels the
// request's context.
const (
	// ReadHeaderTimeout bounds slow-loris header trickling.
	ReadHeaderTimeout = 10 * time.Second
	// ReadTimeout bounds reading a whole request, body included: a 2 MiB
	// body at a slow 50 KiB/s still fits.
	ReadTimeout = 60 * time.Second
	// WriteTimeout bounds a unary answer from the end of its request
	// headers: compiling or auditing a large contract is the slowest unary
	// call, well under this, and a client that reads slower is cut off.
	WriteTimeout = 2 * time.Minute
	// IdleTimeout closes keep-alive connections nobody uses.
	IdleTimeout = 2 * time.Minute
	// MaxHeaderBytes leaves room for a JWT and an API key, far below
	// net/http's 1 MiB default.
	MaxHeaderBytes = 64 << 10
	// ShutdownTimeout is how long in-flight calls get to finish once the
	// context is cancelled; streams are ended at once.
	ShutdownTimeout = 15 * time.Second
)

// Run listens on addr (host:port; port 0 picks a free one) and serves h until
// ctx is cancelled, then shuts down gracefully. It is Serve for callers that
// do not need the listener.
func Run(ctx context.Context, addr string, h http.Handler, logger *slog.Logger) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return Serve(ctx, ln, h, logger)
}

// Serve serves h on ln, HTTP/1.1 and cleartext HTTP/2 (h2c, which gRPC
// needs without TLS), until ctx is cancelled. It then stops accepting, ends
// streams, gives in-flight calls ShutdownTimeout to finish and closes the
// rest. It answers nil after a shutdown that ctx asked for. Taking a listener
// lets tests and the dev stack bind port 0 and learn the port first.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.Default()
	}
	srv := NewHTTPServer(h, logger)
	drain, startDrain := context.WithCancel(context.WithoutCancel(ctx))
	defer startDrain()
	base := context.WithValue(context.WithoutCancel(ctx), drainKey{}, drain)
	srv.BaseContext = func(net.Listener) context.Context { return base }

	if b, ok := h.(interface{ background(context.Context) }); ok {
		// Stops when shutdown begins: a draining server is not ready.
		bgDone := make(chan struct{})
		go func() { defer close(bgDone); b.background(drain) }()
		defer func() { startDrain(); <-bgDone }()
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	logger.InfoContext(ctx, "http server listening", slog.String("addr", ln.Addr().String()))

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve http on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	logger.InfoContext(ctx, "http server shutting down", slog.Duration("grace", ShutdownTimeout))
	startDrain()
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if err != nil {
		_ = srv.Close()
		err = fmt.Errorf("shut down http server: %w", err)
	}
	if serr := <-serveErr; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, fmt.Errorf("serve http: %w", serr))
	}
	if err == nil {
		logger.InfoContext(ctx, "http server stopped")
	}
	return err
}

// NewHTTPServer configures an http.Server for h with Slipway's timeouts,
// limits and protocols, for callers that manage the server themselves.
func NewHTTPServer(h http.Handler, logger *slog.Logger) *http.Server {
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetHTTP2(true)
	protocols.SetUnencryptedHTTP2(true)
	return &http.Server{
		Handler:           h,
		Protocols:         &protocols,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

type drainKey struct{}

// drainContext answers the context that Serve cancels when shutdown begins,
// or nil outside Serve.
func drainContext(ctx context.Context) context.Context {
	d, _ := ctx.Value(drainKey{}).(context.Context)
	return d
}
