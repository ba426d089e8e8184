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
//     /api/v1/deployments/{id}/updates is reserved for the WebSocket feed and
//     answers 501 until the deployment pipeline provides it.
//   - /grpc.health.v1.Health/: the gRPC health protocol, reflecting /readyz.
//   - GET /healthz, GET /readyz, GET /metrics: liveness, readiness and
//     Prometheus.
//
// Every request passes the edge middleware (panic recovery, request id,
// security headers, access log, metrics, error normalisation), CORS and the
// body limit; RPCs then pass the Connect interceptors (panic recovery,
// protovalidate, and the error boundary that maps domain errors to Connect
// codes in one place).
package server
