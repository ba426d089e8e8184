package devtemporal

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// A port taken between pickPorts and Temporal's own bind makes Temporal log
// a Fatal; startTemporal must turn that into an error that Start retries,
// not crash the process. (The listeners the half-built services already
// opened stay bound until the process exits: Temporal gives no handle to
// close them.)
func TestStartTemporalPortTakenIsAnError(t *testing.T) {
	opts, err := Options{DataDir: t.TempDir(), FrontendAddr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)}.withDefaults()
	require.NoError(t, err)
	sqlCfg := sqlConfig(filepath.Join(opts.DataDir, dbFileName))
	_, err = ensureSchema(context.Background(), sqlCfg)
	require.NoError(t, err)
	require.NoError(t, ensureNamespace(sqlCfg, clusterName, opts.Namespace, nil))

	taken, err := net.Listen("tcp", loopbackIP+":0")
	require.NoError(t, err)
	defer taken.Close()

	p, err := pickPorts(opts.FrontendAddr)
	require.NoError(t, err)
	p.history = taken.Addr().(*net.TCPAddr).Port

	srv, _, err := startTemporal(opts, sqlCfg, p, &logState{})
	require.Nil(t, srv)
	var fatal fatalError
	require.True(t, errors.As(err, &fatal), "got %v", err)
}
