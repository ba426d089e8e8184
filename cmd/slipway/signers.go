package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"text/tabwriter"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/activities/deploy"
)

// runSigners lists every network's signers: what an operator checks before
// topping up, rotating or removing a key. It reads the networks file, the
// secrets and KMS a worker would, the chains and the database (for the
// deployments in flight; without --database-url they show as 0).
func runSigners(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("signers", stderr)
	dsn := registerDatabaseFlags(fs)
	networksFile := fs.String("networks", envString("SLIPWAY_NETWORKS_FILE", ""), "JSON file of the EVM networks and their signers (env SLIPWAY_NETWORKS_FILE)")
	network := fs.String("network", "", "list only this network's signers")
	asJSON := fs.Bool("json", false, "one JSON object per signer instead of a table")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *networksFile == "" {
		return fmt.Errorf("%w: --networks (or SLIPWAY_NETWORKS_FILE) is required", errUsage)
	}
	networks, err := loadNetworks(*networksFile)
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if *network != "" {
		n, ok := networks.Lookup(*network)
		if !ok {
			return fmt.Errorf("%w: --network %q is not in %s", errUsage, *network, *networksFile)
		}
		networks.Networks = []chain.Network{n}
	}
	sp, err := newSecrets(slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	a := &deploy.Activities{Networks: networks, Secrets: sp}
	if *dsn != "" {
		pool, err := connectDB(ctx, *dsn)
		if err != nil {
			return err
		}
		defer pool.Close()
		a.Pool = pool
	}
	states := deploy.SignerStates(ctx, a)
	if *asJSON {
		return writeSignerJSON(stdout, states)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NETWORK\tSIGNER\tADDRESS\tBALANCE (ETH)\tMINIMUM (ETH)\tIN FLIGHT\tPENDING NONCES\tSTATE")
	for _, s := range states {
		addr, state := "-", s.State
		if s.Address != ([20]byte{}) {
			addr = s.Address.Hex()
		}
		if s.Err != nil {
			state = "error: " + s.Err.Error()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", s.Network, s.Ref, addr, ether(s.Balance), ether(s.MinBalance), s.InFlight, s.PendingNonces, state)
	}
	return tw.Flush()
}

func writeSignerJSON(w io.Writer, states []deploy.SignerState) error {
	enc := json.NewEncoder(w)
	for _, s := range states {
		row := map[string]any{
			"network": s.Network, "ref": s.Ref, "draining": s.Draining, "state": s.State,
			"inFlight": s.InFlight, "pendingNonces": s.PendingNonces,
		}
		if s.Address != ([20]byte{}) {
			row["address"] = s.Address.Hex()
		}
		if s.Balance != nil {
			row["balanceWei"] = s.Balance.String()
		}
		if s.MinBalance != nil {
			row["minBalanceWei"] = s.MinBalance.String()
		}
		if s.Err != nil {
			row["error"] = s.Err.Error()
		}
		if err := enc.Encode(row); err != nil {
			return fmt.Errorf("write signer: %w", err)
		}
	}
	return nil
}

// ether formats wei as ether with up to 6 decimals; "-" for none.
func ether(wei *big.Int) string {
	if wei == nil {
		return "-"
	}
	f := new(big.Float).Quo(new(big.Float).SetInt(wei), big.NewFloat(1e18))
	return f.Text('f', 6)
}
