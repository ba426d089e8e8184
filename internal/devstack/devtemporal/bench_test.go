package devtemporal_test

import (
	"context"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/slipway-dev/slipway/internal/devstack/devtemporal"
)

// BenchmarkStart measures Start until ready (frontend, namespace, search
// attributes and Web UI answering) on a new folder and on one that already
// holds a database: `slipway dev` has to be ready in under 10 s warm.
// Run with -benchtime=3x; every iteration is a full start and stop.
func BenchmarkStart(b *testing.B) {
	opts := func(dir string) devtemporal.Options {
		return devtemporal.Options{
			DataDir:      dir,
			FrontendAddr: "127.0.0.1:0",
			UIAddr:       "127.0.0.1:0",
			Logger:       testLogger(),
			SearchAttributes: map[string]enumspb.IndexedValueType{
				"SlipwayUser":    enumspb.INDEXED_VALUE_TYPE_KEYWORD,
				"SlipwayNetwork": enumspb.INDEXED_VALUE_TYPE_KEYWORD,
				"SlipwayStatus":  enumspb.INDEXED_VALUE_TYPE_KEYWORD,
			},
		}
	}
	startStop := func(b *testing.B, dir string) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		b.StartTimer()
		s, err := devtemporal.Start(ctx, opts(dir))
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		began := time.Now()
		if err := s.Stop(); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(time.Since(began).Milliseconds()), "stop-ms")
	}

	b.Run("fresh", func(b *testing.B) {
		b.StopTimer()
		for range b.N {
			startStop(b, b.TempDir())
		}
	})
	b.Run("warm", func(b *testing.B) {
		b.StopTimer()
		dir := b.TempDir()
		startStop(b, dir)
		b.ResetTimer()
		b.StopTimer()
		for range b.N {
			startStop(b, dir)
		}
	})
}
