//go:build deps

// Package deps pins modules that the spine's packages are about to import, so
// that go.mod and go.sum hold them while the packages are written in parallel.
package deps

import (
	_ "buf.build/go/protovalidate"
	_ "connectrpc.com/connect"
	_ "connectrpc.com/cors"
	_ "connectrpc.com/grpchealth"
	_ "connectrpc.com/grpcreflect"
	_ "connectrpc.com/validate"
	_ "connectrpc.com/vanguard"
	_ "github.com/coder/websocket"
	_ "github.com/ethereum/go-ethereum/ethclient"
	_ "github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/jhump/protoreflect/v2/protoprint"
	_ "github.com/pressly/goose/v3"
	_ "github.com/prometheus/client_golang/prometheus/promhttp"
	_ "github.com/rs/cors"
	_ "github.com/stretchr/testify/require"
	_ "github.com/temporalio/ui-server/v2/server"
	_ "github.com/temporalio/ui-server/v2/server/config"
	_ "go.temporal.io/api/workflowservice/v1"
	_ "go.temporal.io/sdk/client"
	_ "go.temporal.io/sdk/testsuite"
	_ "go.temporal.io/sdk/worker"
	_ "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	_ "go.temporal.io/server/temporal"
	_ "go.temporal.io/server/temporaltest"
	_ "golang.org/x/net/http2"
)
