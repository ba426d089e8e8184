package signer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"golang.org/x/sync/singleflight"

	"github.com/slipway-dev/slipway/internal/devstack/anvil"
	"github.com/slipway-dev/slipway/internal/secrets"
)

// lookupTimeout bounds one shared GetPublicKey lookup, which runs on its
// own clock: several Resolve calls may wait on it, and one caller giving up
// must not fail the others.
const lookupTimeout = 2 * time.Minute

// KMSAPI is the part of *kms.Client the signer uses.
type KMSAPI interface {
	Sign(ctx context.Context, in *kms.SignInput, optFns ...func(*kms.Options)) (*kms.SignOutput, error)
	GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, optFns ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error)
}

// Resolver turns a signer reference into a Signer.
type Resolver struct {
	Secrets secrets.Provider // github.com/slipway-dev/slipway/internal/secrets; resolves non-KMS refs (env:, file:, vault: …) to a hex private key
	// KMS, when nil, is built once from config.LoadDefaultConfig(ctx) (standard credential/region chain, which also honours AWS_ENDPOINT_URL_KMS / AWS_ENDPOINT_URL for local-kms).
	KMS KMSAPI
	// Logger receives one record per KMS key resolved (its address) and
	// notices of stale cache entries; nil discards them.
	Logger *slog.Logger

	mu sync.Mutex
	// client is the KMS client built from the default config when KMS is nil.
	client KMSAPI
	// keys caches what GetPublicKey said of each key reference, so that a
	// deployment costs one KMS call (Sign), not two.
	keys   map[string]kmsKey
	lookup singleflight.Group
}

// kmsKey is what the resolver remembers of a KMS key.
type kmsKey struct {
	arn  string // as GetPublicKey named it; "" if it did not
	addr common.Address
}

func (r *Resolver) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Logger
}

// Resolve answers the signer ref names. devChain: whether chainID is the
// local dev chain; public test keys (anvil/hardhat mnemonic keys) are
// refused (ErrConfig) unless devChain. Local keys are re-read from Secrets
// on every call (a rotated secret shows up by itself); KMS addresses are
// cached.
func (r *Resolver) Resolve(ctx context.Context, ref string, devChain bool) (Signer, error) {
	if strings.TrimSpace(ref) == "" {
		return nil, fmt.Errorf("%w: no signer configured", ErrConfig)
	}
	if IsKMS(ref) {
		return r.resolveKMS(ctx, strings.TrimPrefix(ref, kmsPrefix))
	}
	return r.resolveLocal(ctx, ref, devChain)
}

// resolveLocal reads a hex private key from the secrets store. Messages
// never name ref itself: a key pasted where the reference belongs would be
// echoed; the secrets provider names references only once they parse.
func (r *Resolver) resolveLocal(ctx context.Context, ref string, devChain bool) (Signer, error) {
	if r.Secrets == nil {
		return nil, fmt.Errorf("%w: no secrets provider to read the signer key from", ErrConfig)
	}
	s, err := r.Secrets.Get(ctx, ref)
	if errors.Is(err, secrets.ErrUnavailable) {
		return nil, fmt.Errorf("read signer key: %w", err)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: read signer key: %w", ErrConfig, err)
	}
	hexKey := strings.TrimPrefix(strings.TrimSpace(s.RevealString()), "0x")
	if !devChain && anvil.IsKnownTestKey(hexKey) {
		return nil, fmt.Errorf("%w: the signer is a public test key (anvil/hardhat mnemonic), refused outside the dev chain", ErrConfig)
	}
	key, err := crypto.HexToECDSA(hexKey)
	if err != nil {
		// The parse error may quote the key; say only what is wrong.
		return nil, fmt.Errorf("%w: the signer is not a hex secp256k1 private key", ErrConfig)
	}
	return NewLocal(key), nil
}

// resolveKMS answers a signer for a KMS key, asking KMS for its public key
// the first time the key is seen.
func (r *Resolver) resolveKMS(ctx context.Context, keyID string) (Signer, error) {
	if err := checkKeyID(keyID); err != nil {
		return nil, err
	}
	client, err := r.kmsClient(ctx)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	k, ok := r.keys[keyID]
	r.mu.Unlock()
	if !ok {
		ch := r.lookup.DoChan(keyID, func() (any, error) {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lookupTimeout)
			defer cancel()
			return r.fetchKey(ctx, client, keyID)
		})
		select {
		case res := <-ch:
			if res.Err != nil {
				return nil, res.Err
			}
			k = res.Val.(kmsKey)
		case <-ctx.Done():
			return nil, fmt.Errorf("read public key of KMS key %q: %w", keyID, ctx.Err())
		}
	}
	return &kmsSigner{r: r, client: client, keyID: keyID, key: k}, nil
}

// fetchKey asks KMS for the key's public key, checks the key can sign
// Ethereum transactions and caches its address.
func (r *Resolver) fetchKey(ctx context.Context, client KMSAPI, keyID string) (kmsKey, error) {
	out, err := client.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: &keyID})
	if err != nil {
		return kmsKey{}, kmsError("read public key of", keyID, err)
	}
	k, err := checkPublicKey(keyID, out)
	if err != nil {
		return kmsKey{}, err
	}
	r.mu.Lock()
	if r.keys == nil {
		r.keys = map[string]kmsKey{}
	}
	r.keys[keyID] = k
	r.mu.Unlock()
	r.logger().InfoContext(ctx, "resolved KMS signer", "key", keyID, "arn", k.arn, "address", k.addr)
	return k, nil
}

// forget drops a cached key whose signatures no longer match its address
// (an alias moved to another key): the next Resolve reads it afresh.
func (r *Resolver) forget(keyID string, stale kmsKey) {
	r.mu.Lock()
	if cur, ok := r.keys[keyID]; ok && cur == stale {
		delete(r.keys, keyID)
	}
	r.mu.Unlock()
	r.logger().Warn("KMS signer key changed; dropped its cached address", "key", keyID, "address", stale.addr)
}

// kmsClient answers the KMS client: Resolver.KMS, or one built once from the
// standard AWS configuration chain.
func (r *Resolver) kmsClient(ctx context.Context) (KMSAPI, error) {
	if r.KMS != nil {
		return r.KMS, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.client != nil {
		return r.client, nil
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		// Loading reads only the environment and local files (credentials
		// are fetched on first use), so a failure is a broken setup.
		return nil, fmt.Errorf("%w: load AWS configuration for KMS: %w", ErrConfig, err)
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("%w: no AWS region configured for KMS (set AWS_REGION or a profile's region)", ErrConfig)
	}
	r.client = kms.NewFromConfig(cfg)
	return r.client, nil
}
