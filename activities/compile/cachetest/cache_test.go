package cachetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/activities/compile"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const erc20 = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

contract Token is ERC20 {
    constructor() ERC20("Token", "TOK") { _mint(msg.sender, 1000 ether); }
}
`

func newPool(t *testing.T, cache compile.Cache) *compile.Pool {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	p, err := compile.NewPool(ctx, compile.Config{Cache: cache})
	if err != nil {
		t.Fatalf("NewPool: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

// newCachedPool is a pool caching in a database of the test's own, and
// that database's queries.
func newCachedPool(t *testing.T) (*compile.Pool, *db.Queries) {
	t.Helper()
	q := db.New(dbtest.New(t))
	return newPool(t, compile.NewPGCache(q)), q
}

// A second identical compile is answered from Postgres without solc, by
// another pool too (another worker sharing the database); any change of
// settings or sources is a miss.
func TestPostgresCacheHitSkipsSolc(t *testing.T) {
	p, q := newCachedPool(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	req := compileapi.Request{Source: erc20}

	began := time.Now()
	miss, err := p.Compile(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	missTook := time.Since(began)
	began = time.Now()
	hit, err := p.Compile(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	hitTook := time.Since(began)
	if s := p.Stats(); s.SolcRuns != 1 || s.CacheHits != 1 || s.CacheMisses != 1 {
		t.Fatalf("stats %+v: the identical compile ran solc", s)
	}
	if !reflect.DeepEqual(miss.Contracts, hit.Contracts) || !reflect.DeepEqual(miss.Warnings, hit.Warnings) ||
		len(hit.ASTs) != len(miss.ASTs) || len(hit.ASTs) == 0 || !reflect.DeepEqual(hit.Sources, miss.Sources) {
		t.Fatal("the cached result differs from the compiled one")
	}
	t.Logf("ERC20 with ASTs: miss %v, hit %v (hit/miss %.3f)", missTook, hitTook, float64(hitTook)/float64(missTook))

	other := newPool(t, compile.NewPGCache(q))
	if _, err := other.Compile(ctx, req); err != nil {
		t.Fatal(err)
	}
	if s := other.Stats(); s.SolcRuns != 0 || s.CacheHits != 1 {
		t.Fatalf("second pool on the same database: %+v", s)
	}

	runs := p.Stats().SolcRuns
	for _, changed := range []compileapi.Request{
		{Source: erc20, Optimizer: compileapi.Optimizer{Enabled: true}},
		{Source: erc20, Optimizer: compileapi.Optimizer{Enabled: true, Runs: 1}},
		{Source: erc20 + "// changed\n"},
		{Source: erc20, OmitAST: true},
		{Sources: map[string]string{"Token.sol": erc20}},
	} {
		if _, err := p.Compile(ctx, changed); err != nil {
			t.Fatal(err)
		}
		runs++
		if got := p.Stats().SolcRuns; got != runs {
			t.Fatalf("%+v was answered from the cache", changed.Optimizer)
		}
	}

	// Errors are never stored.
	bad := compileapi.Request{Source: "pragma solidity ^0.8.0;\ncontract C { uint x = ; }\n"}
	for range 2 {
		if _, err := p.Compile(ctx, bad); err == nil {
			t.Fatal("bad source compiled")
		}
	}
	if got := p.Stats().SolcRuns; got != runs+2 {
		t.Fatalf("a compile error was cached: solc runs %d, want %d", got, runs+2)
	}

	// A prune of artifacts unused since the future empties the cache.
	n, err := q.PruneCompileArtifacts(ctx, time.Now().Add(time.Hour))
	if err != nil || n != 6 {
		t.Fatalf("prune: %d rows, %v; want 6", n, err)
	}
}

// A compile succeeds when the cache's database is gone: the cache is an
// optimisation.
func TestPostgresCacheDownStillCompiles(t *testing.T) {
	dbPool := dbtest.New(t)
	p := newPool(t, compile.NewPGCache(db.New(dbPool)))
	dbPool.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	if _, err := p.Compile(ctx, compileapi.Request{Source: erc20, OmitAST: true}); err != nil {
		t.Fatalf("compile with the cache down: %v", err)
	}
	if s := p.Stats(); s.SolcRuns != 1 {
		t.Fatalf("stats %+v", s)
	}
}

// BenchmarkCompileCacheHit measures a hit of the compile RPC's request (no
// ASTs) against BenchmarkCompileCacheMiss, a warm solc compile of the same
// ERC20 with the cache on, in the same run.
func BenchmarkCompileCacheHit(b *testing.B) { benchCache(b, true) }

// BenchmarkCompileCacheMiss is the baseline of BenchmarkCompileCacheHit.
func BenchmarkCompileCacheMiss(b *testing.B) { benchCache(b, false) }

func benchCache(b *testing.B, hit bool) {
	q := db.New(dbtest.New(b))
	ctx := context.Background()
	p, err := compile.NewPool(ctx, compile.Config{Cache: compile.NewPGCache(q)})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	req := compileapi.Request{Source: erc20, OmitAST: true}
	if _, err := p.Compile(ctx, req); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if !hit {
			b.StopTimer()
			if _, err := q.PruneCompileArtifacts(ctx, time.Now().Add(time.Hour)); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		if _, err := p.Compile(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// The audit's compile (with ASTs) caches the compile stage's request that
// follows it when solc would get the same input, so the deployment's
// compile stage costs no second solc run; a follower with other settings
// is not cached from it, and one naming an unknown contract still fails.
func TestCompileWithCachesTheNextStage(t *testing.T) {
	p, _ := newCachedPool(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	audit := compileapi.Request{Source: erc20}
	next := compileapi.Request{Source: erc20, ContractName: "Token", OmitAST: true}
	other := compileapi.Request{Source: erc20, ContractName: "Token", OmitAST: true, Optimizer: compileapi.Optimizer{Enabled: true, Runs: 1000}}
	unknown := compileapi.Request{Source: erc20, ContractName: "Nope", OmitAST: true}

	if _, err := p.CompileWith(ctx, audit, next, other, unknown); err != nil {
		t.Fatal(err)
	}
	if s := p.Stats(); s.SolcRuns != 1 {
		t.Fatalf("stats %+v: want one solc run", s)
	}
	got, err := p.Compile(ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Stats(); s.SolcRuns != 1 || s.CacheHits != 1 {
		t.Fatalf("stats %+v: the next stage ran solc again", s)
	}
	if len(got.ASTs) != 0 || len(got.Contracts) == 0 || got.Contracts[0].Bytecode == "" {
		t.Fatalf("the cached next stage is not its own result: %d ASTs, contracts %+v", len(got.ASTs), got.Contracts)
	}
	if _, err := p.Compile(ctx, other); err != nil {
		t.Fatal(err)
	}
	if s := p.Stats(); s.SolcRuns != 2 {
		t.Fatalf("stats %+v: other optimizer settings must be compiled, not taken from the audit", s)
	}
	if _, err := p.Compile(ctx, unknown); err == nil {
		t.Fatal("an unknown contract compiled from the cache")
	}
}
