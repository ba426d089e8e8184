package compile

import (
	"context"
	"errors"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"strings"
	"sync"
	"testing"
)

// memCache is an in-memory Cache that counts its calls; the Postgres one is
// tested in ./cachetest against a real database.
type memCache struct {
	mu         sync.Mutex
	m          map[CacheKey]compileapi.Result
	gets, puts int
	fail       error
}

func (c *memCache) Get(_ context.Context, k CacheKey) (compileapi.Result, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gets++
	if c.fail != nil {
		return compileapi.Result{}, false, c.fail
	}
	r, ok := c.m[k]
	return r, ok, nil
}

func (c *memCache) Put(_ context.Context, k CacheKey, r compileapi.Result) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.puts++
	if c.fail != nil {
		return c.fail
	}
	if c.m == nil {
		c.m = map[CacheKey]compileapi.Result{}
	}
	c.m[k] = r
	return nil
}

func TestCacheHitSkipsSolcAndChangesMiss(t *testing.T) {
	mc := &memCache{}
	p := newTestPool(t, Config{Cache: mc})
	ctx := ctxT(t)
	base := compileapi.Request{Source: counterSrc}
	first, err := p.Compile(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Stats(); s.SolcRuns != 1 || s.CacheMisses != 1 || mc.puts != 1 {
		t.Fatalf("first compile: stats %+v, puts %d", s, mc.puts)
	}
	again, err := p.Compile(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Stats(); s.SolcRuns != 1 || s.CacheHits != 1 {
		t.Fatalf("identical compile ran solc: %+v", s)
	}
	if again.Contracts[0].Bytecode != first.Contracts[0].Bytecode || again.Sources[DefaultFile] != counterSrc || len(again.ASTs) == 0 {
		t.Fatalf("hit differs from the compile: %+v", again)
	}

	runs := uint64(1)
	for _, c := range []struct {
		name string
		req  compileapi.Request
		hit  bool
	}{
		{"optimizer on", compileapi.Request{Source: counterSrc, Optimizer: compileapi.Optimizer{Enabled: true}}, false},
		{"optimizer runs", compileapi.Request{Source: counterSrc, Optimizer: compileapi.Optimizer{Runs: 1000}}, false},
		{"source changed", compileapi.Request{Source: counterSrc + "\n"}, false},
		{"ASTs dropped", compileapi.Request{Source: counterSrc, OmitAST: true}, false},
		{"contract named", compileapi.Request{Source: counterSrc, ContractName: "Counter"}, false},
		{"file renamed", compileapi.Request{Sources: map[string]string{"Counter.sol": counterSrc}}, false},
		{"renamed again", compileapi.Request{Sources: map[string]string{"Counter.sol": counterSrc}}, true},
		// Naming the version the pragma selects anyway is the same compile.
		{"version pinned", compileapi.Request{Source: counterSrc, CompilerVersion: p.def.Version}, true},
	} {
		if _, err := p.Compile(ctx, c.req); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !c.hit {
			runs++
		}
		if got := p.Stats().SolcRuns; got != runs {
			t.Errorf("%s: solc runs %d, want %d", c.name, got, runs)
			runs = got
		}
	}
}

// The version is part of the key; with one compiler installed in tests it
// is checked on the key itself.
func TestCacheKeyCoversVersion(t *testing.T) {
	in := []byte(`{"language":"Solidity"}`)
	k := cacheKey("0.8.24", in, "", false)
	for _, other := range []CacheKey{
		cacheKey("0.8.25", in, "", false),
		cacheKey("0.8.24", []byte(`{"language":"Solidity" }`), "", false),
		cacheKey("0.8.24", in, "C", false),
		cacheKey("0.8.24", in, "", true),
		cacheKey("0.8.2", append([]byte("4"), in...), "", false), // no ambiguity at field borders
	} {
		if other == k {
			t.Errorf("key collision with %x", other)
		}
	}
	if cacheKey("0.8.24", in, "", false) != k {
		t.Error("key not deterministic")
	}
}

func TestCacheStoresOnlySuccesses(t *testing.T) {
	mc := &memCache{}
	p := newTestPool(t, Config{Cache: mc})
	ctx := ctxT(t)
	bad := compileapi.Request{Source: "pragma solidity ^0.8.0;\ncontract C { function f() { } }\n"}
	for range 2 {
		var ce *CompileError
		if _, err := p.Compile(ctx, bad); !errors.As(err, &ce) {
			t.Fatalf("want a compile error, got %v", err)
		}
	}
	if s := p.Stats(); mc.puts != 0 || s.SolcRuns != 2 {
		t.Fatalf("an error was cached: puts %d, stats %+v", mc.puts, s)
	}
}

func TestCacheFailureIsOnlyAMiss(t *testing.T) {
	mc := &memCache{fail: errors.New("database down")}
	p := newTestPool(t, Config{Cache: mc})
	for range 2 {
		r, err := p.Compile(ctxT(t), compileapi.Request{Source: counterSrc, OmitAST: true})
		if err != nil || !strings.HasPrefix(r.Contracts[0].Bytecode, "0x6") {
			t.Fatalf("compile with a failing cache: %v", err)
		}
	}
	if s := p.Stats(); s.SolcRuns != 2 || mc.gets != 2 || mc.puts != 2 {
		t.Fatalf("stats %+v, gets %d, puts %d", s, mc.gets, mc.puts)
	}
}
