package compile

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"github.com/slipway-dev/slipway/db"
)

// CacheKey is the content address of a compile: the SHA-256 of everything
// that decides its result, so equal keys mean equal results and a key can
// be shared by every worker of every process.
type CacheKey [32]byte

// Cache stores successful compile results by content address, so that an
// identical compile (a retried activity, the same template deployed again)
// does not spend a solc run. Implementations must be safe for concurrent
// use. The pool treats the cache as an optimisation: its errors are logged
// and the compile goes on.
type Cache interface {
	// Get answers the result stored under key; false when there is none.
	Get(ctx context.Context, key CacheKey) (compileapi.Result, bool, error)
	// Put stores a successful result under key.
	Put(ctx context.Context, key CacheKey, r compileapi.Result) error
}

// cacheKeyVersion is mixed into every key: bumping it when compileapi.Result or its
// derivation changes orphans the old rows instead of serving stale shapes.
const cacheKeyVersion = "slipway-compile-cache/v1"

// cacheKey hashes a canonical, length-prefixed encoding of the compile.
// The standard JSON input already holds the optimizer settings, every
// resolved source (the request's and the OpenZeppelin files it imports)
// and the output selection, with its maps encoded in sorted key order by
// encoding/json; the compiler version, the contract-name check and whether
// ASTs are kept complete it.
func cacheKey(version string, standardJSON []byte, contractName string, omitAST bool) CacheKey {
	h := sha256.New()
	field := func(b []byte) {
		var n [binary.MaxVarintLen64]byte
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(b)))])
		h.Write(b)
	}
	field([]byte(cacheKeyVersion))
	field([]byte(version))
	field(standardJSON)
	field([]byte(contractName))
	if omitAST {
		field([]byte{1})
	} else {
		field([]byte{0})
	}
	var k CacheKey
	h.Sum(k[:0])
	return k
}

// cacheTimeout bounds one cache call, so that a slow database costs a
// compile at most this much before the pool falls back to solc.
const cacheTimeout = 5 * time.Second

// cacheGet consults the cache; failures count as a miss.
func (p *Pool) cacheGet(ctx context.Context, key CacheKey) (compileapi.Result, bool) {
	ctx, cancel := context.WithTimeout(ctx, cacheTimeout)
	defer cancel()
	r, ok, err := p.cfg.Cache.Get(ctx, key)
	if err != nil {
		p.cfg.Metrics.CacheLookup(false)
		p.cfg.Logger.WarnContext(ctx, "compile cache read failed; compiling", "err", err)
		return compileapi.Result{}, false
	}
	p.cfg.Metrics.CacheLookup(ok)
	return r, ok
}

// cachePut stores a success; a failure only costs a later recompile. It
// runs on a context detached from the caller's cancellation so that a
// client hanging up right after its answer does not waste the compile.
func (p *Pool) cachePut(ctx context.Context, key CacheKey, r compileapi.Result) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cacheTimeout)
	defer cancel()
	if err := p.cfg.Cache.Put(ctx, key, r); err != nil {
		p.cfg.Logger.WarnContext(ctx, "compile cache write failed", "err", err)
	}
}

// PGCache is the Cache in Postgres (table compile_artifacts), shared by
// every worker that uses the same database.
type PGCache struct {
	q db.Querier
}

// NewPGCache answers a Cache over q, typically db.New(pool).
func NewPGCache(q db.Querier) *PGCache { return &PGCache{q: q} }

// Get implements Cache.
func (c *PGCache) Get(ctx context.Context, key CacheKey) (compileapi.Result, bool, error) {
	blob, err := c.q.GetCompileArtifact(ctx, key[:])
	if errors.Is(err, pgx.ErrNoRows) {
		return compileapi.Result{}, false, nil
	}
	if err != nil {
		return compileapi.Result{}, false, fmt.Errorf("read compile artifact: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(blob))
	if err != nil {
		return compileapi.Result{}, false, fmt.Errorf("decompress compile artifact: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return compileapi.Result{}, false, fmt.Errorf("decompress compile artifact: %w", err)
	}
	var r compileapi.Result
	if err := json.Unmarshal(raw, &r); err != nil {
		return compileapi.Result{}, false, fmt.Errorf("decode compile artifact: %w", err)
	}
	return r, true, nil
}

// Put implements Cache.
func (c *PGCache) Put(ctx context.Context, key CacheKey, r compileapi.Result) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode compile artifact: %w", err)
	}
	var buf bytes.Buffer
	// BestSpeed: ASTs compress ~10x even at the fastest level, and the
	// write sits on the path of the compile that produced them.
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return fmt.Errorf("compress compile artifact: %w", err)
	}
	if _, err := zw.Write(raw); err != nil {
		return fmt.Errorf("compress compile artifact: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("compress compile artifact: %w", err)
	}
	err = c.q.PutCompileArtifact(ctx, db.PutCompileArtifactParams{Key: key[:], CompilerVersion: r.CompilerVersion, Result: buf.Bytes()})
	if err != nil {
		return fmt.Errorf("store compile artifact: %w", err)
	}
	return nil
}
