package compile

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"github.com/slipway-dev/slipway/internal/proc"
)

// BenchmarkCompile measures a warm compile through the pool and, in the
// same run, two baselines: a cold node process per compile (start node,
// load solc, compile: what the pool avoids) and solc-js compiling the same
// standard JSON in a loop inside one warm node process (the floor the pool
// can approach). Reported as ms/op figures and ratios.
func BenchmarkCompile(b *testing.B) {
	for _, bc := range []struct {
		name string
		req  compileapi.Request
	}{
		{"Counter", compileapi.Request{Source: counterSrc}},
		{"ERC20", compileapi.Request{Source: erc20Src, Optimizer: compileapi.Optimizer{Enabled: true}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			p := newTestPool(b, Config{Size: 1})
			if _, err := p.Compile(ctx, bc.req); err != nil { // warm up
				b.Fatal(err)
			}
			b.ResetTimer()
			start := time.Now()
			for b.Loop() {
				if _, err := p.Compile(ctx, bc.req); err != nil {
					b.Fatal(err)
				}
			}
			warm := time.Since(start).Seconds() * 1000 / float64(b.N)
			b.StopTimer()

			// Cold: a fresh node process per compile.
			const coldRuns = 3
			coldStart := time.Now()
			for range coldRuns {
				cp, err := NewPool(ctx, Config{Size: 1})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := cp.Compile(ctx, bc.req); err != nil {
					b.Fatal(err)
				}
				cp.Close()
			}
			cold := time.Since(coldStart).Seconds() * 1000 / coldRuns

			inNode := inNodeBaseline(b, p, bc.req)
			b.ReportMetric(warm, "pool-ms/op")
			b.ReportMetric(cold, "cold-ms/op")
			b.ReportMetric(inNode, "innode-ms/op")
			b.ReportMetric(cold/warm, "cold/pool")
			b.ReportMetric(warm/inNode, "pool/innode")
		})
	}
}

// inNodeBaseline runs solc-js on the request's standard JSON in one warm
// node process, 20 times after a warm-up, and answers ms per compile.
func inNodeBaseline(b *testing.B, p *Pool, req compileapi.Request) float64 {
	b.Helper()
	own, err := ownSources(req)
	if err != nil {
		b.Fatal(err)
	}
	res, err := resolveSources(own, p.oz)
	if err != nil {
		b.Fatal(err)
	}
	in, err := standardInput(res, req.Optimizer)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	inPath := filepath.Join(dir, "in.json")
	script := filepath.Join(dir, "bench.js")
	if err := os.WriteFile(inPath, in, 0o600); err != nil {
		b.Fatal(err)
	}
	js := `const solc = require(process.argv[2]); const fs = require('fs');
const input = fs.readFileSync(process.argv[3], 'utf8'); const n = 20;
JSON.parse(solc.compile(input));
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) { JSON.parse(solc.compile(input)); }
process.stdout.write(String(Number(process.hrtime.bigint() - t0) / 1e6 / n) + '\n');`
	if err := os.WriteFile(script, []byte(js), 0o600); err != nil {
		b.Fatal(err)
	}
	var out bytes.Buffer
	pr, err := proc.Start(context.Background(), slog.New(slog.DiscardHandler), proc.Spec{
		Name: "solc-bench", Path: p.cfg.Node, Args: []string{script, p.def.Dir, inPath}, Dir: dir, Env: os.Environ(), Stdout: &out,
	})
	if err != nil {
		b.Fatal(err)
	}
	<-pr.Done()
	ms, err := strconv.ParseFloat(strings.TrimSpace(out.String()), 64)
	if err != nil {
		b.Fatalf("in-node baseline: %q: %v (%v)", out.String(), err, pr.Err())
	}
	return ms
}
