// Package compose holds the configuration of the docker-compose stack at the
// repository root (docker-compose.yml, built from the root Dockerfile) and
// the tests that check it without a Docker engine.
//
// The folder is new at the top level because none of the project's others
// fits: it is neither Go code of the service nor monitoring rules, but the
// files a container stack mounts. What it holds:
//
//   - networks.json: the networks file (chain.LoadConfig's format) of the
//     stack, naming the anvil service's RPC endpoint, chain id 31337.
//   - prometheus/prometheus.yml: scrapes every replica of slipway-api and
//     slipway-worker through Docker's DNS and loads monitoring/alerts.yml.
//   - grafana/provisioning: the Prometheus datasource and the provider that
//     loads monitoring/grafana/slipway-dashboard.json.
//   - temporal: the Temporal server's dynamic config and the admin-tools
//     scripts that create its schema and namespace.
//   - secrets/: the stack's secret files (JWT signing key, database
//     password, the anvil deployer key). Git ignores it; WriteSecrets, run as
//     `go run ./compose/gensecrets`, fills it.
//
// compose_test.go loads docker-compose.yml with compose-go, the loader the
// docker compose CLI itself uses, and checks the wiring (dependencies,
// healthchecks, secrets, mounts, replicas, build targets) and the Dockerfile's
// stages, so a broken stack fails `go test` here where no Docker engine runs.
package compose
