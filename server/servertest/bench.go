package servertest

import (
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
)

// BenchListNetworks measures a unary ListNetworks call through each of
// clients, the ways named by names, with headers[i] (name, value pairs) on
// every call of way i. It warms each way up with warm calls, then calls all
// ways in every iteration, each iteration starting at the next way, at
// b.RunParallel with 2 goroutines per core, so all see the same machine. A
// call must answer one network.
//
// It reports <name>-us, the mean microseconds per call of each way, and for
// every way after the first, ratio-<name>, the first way's mean over that
// way's (the rate against the baseline's), and answers the means.
func BenchListNetworks(b *testing.B, names []string, clients []slipwayv1connect.NetworkServiceClient, headers [][]string, warm int) []float64 {
	b.Helper()
	call := func(i int) time.Duration {
		req := connect.NewRequest(&slipwayv1.ListNetworksRequest{})
		for j := 0; j+1 < len(headers[i]); j += 2 {
			req.Header().Add(headers[i][j], headers[i][j+1])
		}
		start := time.Now()
		res, err := clients[i].ListNetworks(b.Context(), req)
		d := time.Since(start)
		if err != nil || len(res.Msg.GetNetworks()) != 1 {
			b.Errorf("%s: ListNetworks: %v", names[i], err)
		}
		return d
	}
	for range warm {
		for i := range clients {
			call(i)
		}
	}

	total := make([]atomic.Int64, len(clients))
	var n atomic.Int64
	b.SetParallelism(2)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		k := 0
		for pb.Next() {
			for j := range clients {
				i := (j + k) % len(clients)
				total[i].Add(int64(call(i)))
			}
			k++
			n.Add(1)
		}
	})
	b.StopTimer()
	per := make([]float64, len(clients))
	for i, name := range names {
		per[i] = float64(total[i].Load()) / float64(n.Load()) / 1e3
		b.ReportMetric(per[i], name+"-us")
		if i > 0 {
			b.ReportMetric(per[0]/per[i], "ratio-"+name)
		}
	}
	return per
}
