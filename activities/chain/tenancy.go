package chain

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/slipway-dev/slipway/internal/usertier"
)

// localChainIDs are chains that exist only on a developer's machine (anvil
// and Hardhat's 31337, Ganache and geth --dev's 1337): gas there costs
// nothing real, so every tier may use them unless the file says otherwise.
var localChainIDs = []uint64{31337, 1337}

// Wei is an amount of wei in the networks file: a decimal string (or a JSON
// integer), since amounts of interest pass 2^53 and would lose digits as
// JSON numbers in most tools.
type Wei struct{ big.Int }

// ParseWei reads a non-negative decimal amount of wei.
func ParseWei(s string) (*big.Int, error) {
	s = strings.TrimSpace(s)
	v, ok := new(big.Int).SetString(s, 10)
	if !ok || s == "" || s[0] == '+' {
		return nil, fmt.Errorf("wei %q: want a non-negative decimal integer", s)
	}
	if v.Sign() < 0 {
		return nil, fmt.Errorf("wei %q: must not be negative", s)
	}
	if v.BitLen() > 256 {
		return nil, fmt.Errorf("wei %q: larger than 2^256", s)
	}
	return v, nil
}

// UnmarshalJSON takes "123" or 123.
func (w *Wei) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("parse wei: %w", err)
		}
	}
	v, err := ParseWei(s)
	if err != nil {
		return err
	}
	w.Set(v)
	return nil
}

// MarshalJSON writes the decimal string.
func (w Wei) MarshalJSON() ([]byte, error) { return json.Marshal(w.String()) }

// Duration is a Go duration string in the networks file, such as "24h".
type Duration time.Duration

// UnmarshalJSON takes "24h", "90m" and the like.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("parse duration: want a string such as \"24h\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("parse duration: %w", err)
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// Budget is how much a user may spend on one network's gas in a rolling
// period: every deployment reserves its worst case (gas limit × max fee)
// against it before signing and settles to what it paid.
type Budget struct {
	Wei    Wei      `json:"wei"`
	Period Duration `json:"period"`
}

func (b Budget) validate(where string) error {
	p := time.Duration(b.Period)
	if p < time.Minute || p > 366*24*time.Hour {
		return fmt.Errorf("%s: period must be 1m to 8784h", where)
	}
	return nil
}

// TierPolicy is what one tier of users may do, on every network.
type TierPolicy struct {
	// MaxGasPerDeployment caps one deployment's gas limit (estimate plus
	// margin): the deployment fails before signing above it.
	MaxGasPerDeployment uint64 `json:"maxGasPerDeployment,omitempty"`
	// Budget is the tier's spend budget per network; a network's own
	// budgets and a user's override (slipway users set-budget) win.
	Budget *Budget `json:"budget,omitempty"`
	// MaxDeploymentsInFlight caps a user's deployments that have not ended.
	MaxDeploymentsInFlight int `json:"maxDeploymentsInFlight,omitempty"`
	// MaxBuildsInFlight caps a user's concurrent compile and audit runs.
	MaxBuildsInFlight int `json:"maxBuildsInFlight,omitempty"`
}

// DefaultTierPolicies hold on every network unless the networks file's
// "tiers" says otherwise: enough gas for any template (an ERC1155 with
// every option takes about 3.5M) and dev-sized budgets, so the dev stack
// works with no configuration. Operators of networks with real money set
// budgets for them.
func DefaultTierPolicies() map[string]TierPolicy {
	return map[string]TierPolicy{
		usertier.Free: {MaxGasPerDeployment: 5_000_000, Budget: weiBudget("1000000000000000000", 24*time.Hour), MaxDeploymentsInFlight: 5, MaxBuildsInFlight: 2},
		usertier.Paid: {MaxGasPerDeployment: 15_000_000, Budget: weiBudget("10000000000000000000", 24*time.Hour), MaxDeploymentsInFlight: 50, MaxBuildsInFlight: 8},
	}
}

func weiBudget(wei string, period time.Duration) *Budget {
	v, _ := ParseWei(wei)
	b := &Budget{Period: Duration(period)}
	b.Wei.Set(v)
	return b
}

// Tier answers tier's policy: the file's fields over the defaults.
func (c Config) Tier(tier string) TierPolicy {
	p := DefaultTierPolicies()[tier]
	o, ok := c.Tiers[tier]
	if !ok {
		return p
	}
	if o.MaxGasPerDeployment != 0 {
		p.MaxGasPerDeployment = o.MaxGasPerDeployment
	}
	if o.Budget != nil {
		p.Budget = o.Budget
	}
	if o.MaxDeploymentsInFlight != 0 {
		p.MaxDeploymentsInFlight = o.MaxDeploymentsInFlight
	}
	if o.MaxBuildsInFlight != 0 {
		p.MaxBuildsInFlight = o.MaxBuildsInFlight
	}
	return p
}

// AllowsTier reports whether users of tier may deploy to n. Without
// "tiers" in the file, local dev chains are open to all and every other
// chain to paid users only: a free sign-up must not spend real money.
func (n Network) AllowsTier(tier string) bool {
	if n.Tiers != nil {
		return slices.Contains(n.Tiers, tier)
	}
	return tier == usertier.Paid || slices.Contains(localChainIDs, n.ChainID)
}

// DefaultBudget is the budget of tier's users on n before any per-user
// override: the network's own budget for the tier, else the tier's.
func (c Config) DefaultBudget(tier string, n Network) *Budget {
	if b, ok := n.Budgets[tier]; ok {
		return &b
	}
	return c.Tier(tier).Budget
}

// GasCeiling is the most gas one deployment of a tier's user may use on n:
// the lower of the tier's and the network's ceilings.
func (c Config) GasCeiling(tier string, n Network) uint64 {
	ceiling := c.Tier(tier).MaxGasPerDeployment
	if g := n.Gas.MaxGasPerDeployment; g != 0 && (ceiling == 0 || g < ceiling) {
		ceiling = g
	}
	return ceiling
}

// MinSignerBalance is the balance below which the worker refuses to sign on
// n, nil for none.
func (n Network) MinSignerBalance() *big.Int {
	if n.MinSignerBalanceWei == nil || n.MinSignerBalanceWei.Sign() == 0 {
		return nil
	}
	return &n.MinSignerBalanceWei.Int
}

// validateTenancy checks the tier settings of the file and of its networks.
func (c Config) validateTenancy() error {
	var errs []error
	for name, p := range c.Tiers {
		if !usertier.Valid(name) {
			errs = append(errs, fmt.Errorf("tiers: unknown tier %q (want free or paid)", name))
			continue
		}
		if p.MaxDeploymentsInFlight < 0 || p.MaxBuildsInFlight < 0 {
			errs = append(errs, fmt.Errorf("tiers.%s: in-flight limits must not be negative", name))
		}
		if p.MaxGasPerDeployment != 0 && p.MaxGasPerDeployment < 21000 {
			errs = append(errs, fmt.Errorf("tiers.%s: maxGasPerDeployment must be at least 21000", name))
		}
		if p.Budget != nil {
			if err := p.Budget.validate("tiers." + name + ".budget"); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for _, n := range c.Networks {
		for _, t := range n.Tiers {
			if !usertier.Valid(t) {
				errs = append(errs, fmt.Errorf("%s: tiers: unknown tier %q (want free or paid)", n.Name, t))
			}
		}
		for t, b := range n.Budgets {
			if !usertier.Valid(t) {
				errs = append(errs, fmt.Errorf("%s: budgets: unknown tier %q (want free or paid)", n.Name, t))
				continue
			}
			if err := b.validate(n.Name + ": budgets." + t); err != nil {
				errs = append(errs, err)
			}
		}
		if g := n.Gas.MaxGasPerDeployment; g != 0 && g < 21000 {
			errs = append(errs, fmt.Errorf("%s: gas.maxGasPerDeployment must be at least 21000", n.Name))
		}
	}
	return errors.Join(errs...)
}
