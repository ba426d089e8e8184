// Package chain holds what every stage that talks to an EVM network shares:
// the networks Slipway is configured for and how to reach them.
package chain

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"time"

	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/slipway-dev/slipway/internal/secrets"
)

// ErrChainIDMismatch reports an RPC endpoint that serves another chain than
// its network's configuration says: deploying there would sign for the wrong
// chain, so a mismatch makes the network unready.
var ErrChainIDMismatch = errors.New("chain id mismatch")

// Network is one configured EVM network.
type Network struct {
	// Name is what deployments refer to, such as "dev" or "sepolia".
	Name string `json:"name"`
	// ChainID must match what the RPC endpoints answer to eth_chainId.
	ChainID uint64 `json:"chainId"`
	// RPCURLs are tried in order; the first that answers is used. Each is
	// a literal URL or, since hosted providers put their API key in the
	// path or query, a secret reference ("env:NAME", "file:/path",
	// "vault:…") resolved only where the chain is dialled.
	RPCURLs []string `json:"rpcUrls"`
	// Confirmations a deployment waits for unless it asks for more.
	Confirmations uint32 `json:"confirmations"`
	// BlockTimeSeconds scales inclusion timeouts; 0 for "mine on demand".
	BlockTimeSeconds float64 `json:"blockTimeSeconds,omitempty"`
	// Signer references the deployer key: a secret holding a hex private
	// key ("env:SLIPWAY_DEV_DEPLOYER_KEY", "file:/path", "vault:…") or a
	// KMS key that signs remotely ("awskms:alias/slipway-sepolia"). The key
	// itself never appears in config. It is the first member of the pool.
	Signer string `json:"signer,omitempty"`
	// Signers are further members of the network's signer pool (SignerPool):
	// each deployment is bound to one of them when its nonce is allocated.
	Signers []SignerRef `json:"signers,omitempty"`
	// Gas is the fee policy of deployments to this network; zero fields
	// take the defaults of GasPolicy.WithDefaults.
	Gas GasPolicy `json:"gas,omitzero"`
	// Tiers lists the user tiers that may deploy here; absent, local dev
	// chains are open to all and other chains to paid users (AllowsTier).
	Tiers []string `json:"tiers,omitempty"`
	// Budgets are this network's default spend budgets per tier, over the
	// tiers' own (Config.DefaultBudget).
	Budgets map[string]Budget `json:"budgets,omitempty"`
	// MinSignerBalanceWei: below it the worker refuses to sign here, and
	// readiness and the SlipwaySignerBelowMinimum alert say so.
	MinSignerBalanceWei *Wei `json:"minSignerBalanceWei,omitempty"`
	// Approval, when set, makes deployments here wait for approvers.
	Approval *ApprovalPolicy `json:"approval,omitempty"`
	// Verify names the services verified sources are published to
	// (VerifyServices); absent, they are verified locally only.
	Verify *VerifyServices `json:"verify,omitempty"`
}

// GasPolicy bounds what a deployment pays and says how a transaction that
// is not included gets replaced.
type GasPolicy struct {
	// MaxFeePerGasGwei caps the fee per gas of any transaction, bumps
	// included; above it a deployment waits rather than overpays.
	MaxFeePerGasGwei float64 `json:"maxFeePerGasGwei,omitempty"`
	// PriorityFeeGwei is the tip; 0 takes the median reward of recent
	// blocks from eth_feeHistory, at least MinPriorityFeeGwei.
	PriorityFeeGwei float64 `json:"priorityFeeGwei,omitempty"`
	// BumpPercent raises both fee fields of a replacement; nodes refuse a
	// replacement below 10 %.
	BumpPercent int `json:"bumpPercent,omitempty"`
	// BumpIntervalBlocks is how many blocks a transaction may wait for
	// inclusion before it is replaced with higher fees.
	BumpIntervalBlocks int `json:"bumpIntervalBlocks,omitempty"`
	// MaxBumps bounds the replacements of one transaction; after the last
	// one the deployment keeps waiting without raising fees further.
	MaxBumps int `json:"maxBumps,omitempty"`
	// OutageWindowSeconds is how long a deployment keeps retrying while the
	// network's RPC is unreachable before it fails.
	OutageWindowSeconds int `json:"outageWindowSeconds,omitempty"`
	// MaxGasPerDeployment caps one deployment's gas limit here, for every
	// tier (Config.GasCeiling); 0 leaves the tiers' ceilings alone.
	MaxGasPerDeployment uint64 `json:"maxGasPerDeployment,omitempty"`
}

// Defaults of GasPolicy, chosen for test networks and L2s; mainnet
// operators set a cap that matches their budget.
const (
	DefaultMaxFeePerGasGwei    = 500
	MinPriorityFeeGwei         = 0.001
	DefaultBumpPercent         = 20
	DefaultBumpIntervalBlocks  = 3
	DefaultMaxBumps            = 5
	DefaultOutageWindowSeconds = 3600
)

// WithDefaults fills the zero fields.
func (g GasPolicy) WithDefaults() GasPolicy {
	g.MaxFeePerGasGwei = cmp.Or(g.MaxFeePerGasGwei, DefaultMaxFeePerGasGwei)
	g.BumpPercent = cmp.Or(g.BumpPercent, DefaultBumpPercent)
	g.BumpIntervalBlocks = cmp.Or(g.BumpIntervalBlocks, DefaultBumpIntervalBlocks)
	g.MaxBumps = cmp.Or(g.MaxBumps, DefaultMaxBumps)
	g.OutageWindowSeconds = cmp.Or(g.OutageWindowSeconds, DefaultOutageWindowSeconds)
	return g
}

func (g GasPolicy) validate(name string) error {
	var errs []error
	if g.MaxFeePerGasGwei < 0 || g.MaxFeePerGasGwei > 1e6 {
		errs = append(errs, fmt.Errorf("%s: gas.maxFeePerGasGwei must be 0 to 1000000", name))
	}
	if g.PriorityFeeGwei < 0 || (g.MaxFeePerGasGwei > 0 && g.PriorityFeeGwei > g.MaxFeePerGasGwei) {
		errs = append(errs, fmt.Errorf("%s: gas.priorityFeeGwei must be 0 to maxFeePerGasGwei", name))
	}
	if g.BumpPercent != 0 && (g.BumpPercent < 10 || g.BumpPercent > 500) {
		errs = append(errs, fmt.Errorf("%s: gas.bumpPercent must be 10 to 500 (nodes refuse smaller replacements)", name))
	}
	if g.BumpIntervalBlocks < 0 || g.BumpIntervalBlocks > 1000 {
		errs = append(errs, fmt.Errorf("%s: gas.bumpIntervalBlocks must be 0 to 1000", name))
	}
	if g.MaxBumps < 0 || g.MaxBumps > 100 {
		errs = append(errs, fmt.Errorf("%s: gas.maxBumps must be 0 to 100", name))
	}
	if g.OutageWindowSeconds < 0 || g.OutageWindowSeconds > 7*24*3600 {
		errs = append(errs, fmt.Errorf("%s: gas.outageWindowSeconds must be 0 to 604800", name))
	}
	return errors.Join(errs...)
}

// Config is the networks file: JSON, so that operators can template it and
// the dev stack can write it.
type Config struct {
	// Tiers override DefaultTierPolicies per tier ("free", "paid").
	Tiers    map[string]TierPolicy `json:"tiers,omitempty"`
	Networks []Network             `json:"networks"`
}

var networkName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// LoadConfig reads and validates a networks file.
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read networks file: %w", err)
	}
	return ParseConfig(b)
}

// ParseConfig parses and validates a networks file's content. Unknown
// fields are refused so that a misspelt setting is not silently ignored.
func ParseConfig(b []byte) (Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("parse networks file: %w", err)
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Validate checks every network and that names are unique.
func (c Config) Validate() error {
	seen := map[string]bool{}
	var errs []error
	for i, n := range c.Networks {
		if err := n.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("network %d: %w", i, err))
			continue
		}
		if seen[n.Name] {
			errs = append(errs, fmt.Errorf("network %q: defined twice", n.Name))
		}
		seen[n.Name] = true
	}
	if err := c.validateTenancy(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Validate checks one network's settings.
func (n Network) Validate() error {
	var errs []error
	if !networkName.MatchString(n.Name) {
		errs = append(errs, fmt.Errorf("name %q: use lower-case letters, digits, '-' and '_' (at most 63)", n.Name))
	}
	if n.ChainID == 0 {
		errs = append(errs, fmt.Errorf("%s: chainId is required", n.Name))
	}
	if len(n.RPCURLs) == 0 {
		errs = append(errs, fmt.Errorf("%s: rpcUrls needs at least one URL", n.Name))
	}
	for _, entry := range n.RPCURLs {
		if err := validateRPCEntry(entry); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n.Name, err))
		}
	}
	if n.Confirmations == 0 || n.Confirmations > 1000 {
		errs = append(errs, fmt.Errorf("%s: confirmations must be 1 to 1000, got %d", n.Name, n.Confirmations))
	}
	if n.BlockTimeSeconds < 0 || n.BlockTimeSeconds > 3600 {
		errs = append(errs, fmt.Errorf("%s: blockTimeSeconds must be 0 to 3600", n.Name))
	}
	seenSigner := map[string]bool{}
	for _, s := range n.SignerPool() {
		if err := s.validate(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n.Name, err))
		}
		if seenSigner[s.Ref] {
			errs = append(errs, fmt.Errorf("%s: signer %q is listed twice", n.Name, s.Ref))
		}
		seenSigner[s.Ref] = true
	}
	if err := n.Gas.validate(n.Name); err != nil {
		errs = append(errs, err)
	}
	if n.Approval != nil {
		if err := n.Approval.validate(n.Name); err != nil {
			errs = append(errs, err)
		}
	}
	if err := n.Verify.validate(n.Name); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Lookup finds a network by name.
func (c Config) Lookup(name string) (Network, bool) {
	for _, n := range c.Networks {
		if n.Name == name {
			return n, true
		}
	}
	return Network{}, false
}

// CheckReachable asks the network's RPC endpoints for their chain id and
// answers nil when one of them answers the configured id; p resolves the
// entries that are secret references (nil when none are). Readiness uses it,
// so it never leaks the RPC URL (which often embeds a provider API key).
func (n Network) CheckReachable(ctx context.Context, p secrets.Provider) error {
	var errs []error
	for i, entry := range n.RPCURLs {
		raw, err := resolveRPCURL(ctx, p, entry)
		if err != nil {
			errs = append(errs, fmt.Errorf("rpc %d: %w", i, err))
			continue
		}
		got, err := chainID(ctx, raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("rpc %d: %w", i, err))
			continue
		}
		if got != n.ChainID {
			errs = append(errs, fmt.Errorf("rpc %d: %w: configured %d, endpoint answers %d", i, ErrChainIDMismatch, n.ChainID, got))
			continue
		}
		return nil
	}
	return errors.Join(errs...)
}

func chainID(ctx context.Context, rawURL string) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	s := secrets.NewURLScrubber(rawURL)
	c, err := ethclient.DialContext(ctx, rawURL)
	if err != nil {
		return 0, fmt.Errorf("dial: %w", scrubError(err, s))
	}
	defer c.Close()
	id, err := c.ChainID(ctx)
	if err != nil {
		return 0, fmt.Errorf("eth_chainId: %w", scrubError(err, s))
	}
	if !id.IsUint64() {
		return 0, fmt.Errorf("eth_chainId: %s does not fit 64 bits", id)
	}
	return id.Uint64(), nil
}
