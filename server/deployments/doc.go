// Package deployments is the deployment capability of Slipway's API: the
// DeploymentService procedures (create, get, list and cancel, and the
// WatchDeployment stream) on Postgres, the WebSocket feed of a deployment's
// events, and the hub that wakes a replica's watchers when any replica
// appends an event.
//
// Whoever wires the API (cmd/slipway) hands both halves to server.New, built
// on the same pool and hub: NewService as Services.Deployments and
// NewUpdatesHandler as Services.DeploymentUpdates, which the server mounts
// at /api/v1/deployments/{id}/updates. The feed is not an RPC, so it runs
// the guard interceptors it is given (the server's Deps.Interceptors)
// itself.
//
// The package does not import the server, which imports it: what the two
// share lives in leaf packages (server/apierr for errors on the wire,
// server/callctx for what the edge knows of a request, server/identity for
// the caller).
package deployments
