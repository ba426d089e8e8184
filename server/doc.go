// Package server is Slipway's HTTP API: one http.Handler that answers every
// protocol a client may speak on one port, and the http.Server that runs it.
//
// Routes, in the order a request meets them:
//
//   - /slipway.v1.<Service>/<Method>: Connect (JSON and binary, unary over
//     POST or GET), gRPC and gRPC-Web, served by the Connect handlers
//     directly so that plain `curl -d '{}' -H 'Content-Type: application/json'`
//     works without any Connect header.
//   - /api/...: REST-style JSON transcoded by connectrpc.com/vanguard from
//     the google.api.http annotations into the same Connect handlers, so
//     both paths share one implementation and one interceptor chain.
//     /api/v1/deployments/{id}/updates is the WebSocket feed of a
//     deployment's events (Services.DeploymentUpdates), which runs the
//     guard interceptors itself.
//   - /grpc.health.v1.Health/: the gRPC health protocol, reflecting /readyz.
//   - GET /healthz, GET /readyz, GET /metrics: liveness, readiness and
//     Prometheus.
//
// Every request passes, outermost first:
//
//  1. the edge middleware: panic recovery (a 500 with only the request id;
//     the panic and stack go to the log), the request id (X-Request-Id,
//     reused when sane, else a UUID; in the context and on every log line
//     through NewLogHandler), security headers, and once answered the access
//     log line and the request metrics (slipway_http_requests_total,
//     slipway_http_request_duration_seconds);
//  2. CORS for the configured origins;
//  3. the body limit (413 with a message);
//  4. the router, then for RPCs the Connect interceptors: outcome observer,
//     panic recovery, protovalidate (invalid_argument before any handler
//     runs), and the error boundary that maps domain errors to Connect codes
//     in one place (apierr.ToConnect).
//
// JSON is decoded strictly on every protocol: unknown fields, malformed JSON,
// invalid UTF-8 and out-of-range numbers answer invalid_argument. Error
// answers are JSON: google.rpc.Status ({"code": 3, "message": …}) on REST,
// Connect's error body on Connect, trailers on gRPC and gRPC-Web. The edge
// rewrites what the libraries would otherwise answer as plain text, an empty
// body, or a 5xx for a request that never reached Slipway's code.
package server
