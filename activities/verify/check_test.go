package verify

import (
	"errors"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"go.temporal.io/sdk/temporal"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/activities/verify/verifyapi"
)

// FuzzCheck feeds the activity's input checks what a caller may send: they
// never panic, and what they refuse is a non-retryable application error.
func FuzzCheck(f *testing.F) {
	f.Add("dev", "0x5FbDB2315678afecb367f032d93F642f64180aa3", "0x"+"ab"+"00112233445566778899aabbccddeeff00112233445566778899aabbccddee")
	f.Add("dev", "5FbDB2315678afecb367f032d93F642f64180aa3", "")
	f.Add("sepolia", "0x", "0xzz")
	a := &Activities{Networks: chain.Config{Networks: []chain.Network{{Name: "dev", ChainID: 31337, RPCURLs: []string{"http://127.0.0.1:8545"}, Confirmations: 1}}}}
	f.Fuzz(func(t *testing.T, network, addr, hash string) {
		_, _, h, err := a.check(verifyapi.Input{Network: network, Address: addr, CreationTxHash: hash})
		if err != nil {
			var ae *temporal.ApplicationError
			if !errors.As(err, &ae) || !ae.NonRetryable() {
				t.Fatalf("check(%q, %q, %q) = %v, want a non-retryable application error", network, addr, hash, err)
			}
			return
		}
		if network != "dev" || !strings.HasPrefix(addr, "0x") || !common.IsHexAddress(addr) ||
			(hash != "" && h.Hex() != strings.ToLower(hash)) || (hash == "" && h != (common.Hash{})) {
			t.Fatalf("check accepted %q, %q, %q (hash %s)", network, addr, hash, h)
		}
	})
}
