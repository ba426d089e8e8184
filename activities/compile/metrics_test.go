package compile

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"github.com/slipway-dev/slipway/internal/metrics"
)

// mapCache is an in-memory Cache whose Get fails when broken.
type mapCache struct {
	m      map[CacheKey]compileapi.Result
	broken bool
}

func (c *mapCache) Get(_ context.Context, k CacheKey) (compileapi.Result, bool, error) {
	if c.broken {
		return compileapi.Result{}, false, errors.New("database down")
	}
	r, ok := c.m[k]
	return r, ok, nil
}

func (c *mapCache) Put(_ context.Context, k CacheKey, r compileapi.Result) error {
	c.m[k] = r
	return nil
}

// TestCacheLookupsAreCounted: hits and misses reach
// slipway_compile_cache_requests_total, and a failed lookup is a miss.
func TestCacheLookupsAreCounted(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	cache := &mapCache{m: map[CacheKey]compileapi.Result{}}
	p := &Pool{cfg: Config{Cache: cache, Metrics: m, Logger: slog.New(slog.DiscardHandler)}}
	ctx := context.Background()
	key := cacheKey("0.8.30", []byte(`{"language":"Solidity"}`), "C", true)
	if _, ok := p.cacheGet(ctx, key); ok {
		t.Fatal("hit in an empty cache")
	}
	p.cachePut(ctx, key, compileapi.Result{CompilerVersion: "0.8.30"})
	if _, ok := p.cacheGet(ctx, key); !ok {
		t.Fatal("miss after put")
	}
	cache.broken = true
	if _, ok := p.cacheGet(ctx, key); ok {
		t.Fatal("hit from a broken cache")
	}
	got := map[string]float64{}
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == "slipway_compile_cache_requests_total" {
			for _, s := range f.GetMetric() {
				got[s.GetLabel()[0].GetValue()] = s.GetCounter().GetValue()
			}
		}
	}
	if got["hit"] != 1 || got["miss"] != 2 {
		t.Fatalf("cache requests = %v, want hit 1, miss 2", got)
	}
}
