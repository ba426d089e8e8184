package deployapi

import (
	"encoding/json"
	"testing"
)

// The fields issue 15 added are omitted when unset: what older workers and
// histories wrote decodes the same, and what a plain deployment sends is
// what it sent before.
func TestOldShapesUnchanged(t *testing.T) {
	cases := []struct {
		v    any
		want string
	}{
		{PrepareInput{DeploymentID: "d", Network: "n", ABI: "[]", Bytecode: "0x00", ConstructorArgs: []json.RawMessage{json.RawMessage(`1`)}},
			`{"deploymentId":"d","network":"n","abi":"[]","bytecode":"0x00","constructorArgs":[1]}`},
		{PrepareResult{TxHash: "0x01", Nonce: 3, Signer: "0x02", ContractAddress: "0x03"},
			`{"txHash":"0x01","nonce":3,"signer":"0x02","contractAddress":"0x03"}`},
		{ConfirmInput{TxInput: TxInput{DeploymentID: "d", Network: "n"}, Required: 2},
			`{"deploymentId":"d","network":"n","required":2}`},
		{EstimateResult{InitCodeHash: "0x04", Gas: 5, MaxFeePerGasWei: "6", MaxCostWei: "30"},
			`{"initCodeHash":"0x04","gas":5,"maxFeePerGasWei":"6","maxCostWei":"30"}`},
	}
	for _, c := range cases {
		got, err := json.Marshal(c.v)
		if err != nil || string(got) != c.want {
			t.Errorf("%T encodes as %s (%v), want %s", c.v, got, err, c.want)
		}
	}
}

func TestCodeLength(t *testing.T) {
	for in, want := range map[string]int{"": 0, "0x": 0, "0x00": 1, "6001600c": 4, "0X6001": 2, "0x600": 0, "0xzz": 0} {
		if got := CodeLength(in); got != want {
			t.Errorf("CodeLength(%q) = %d, want %d", in, got, want)
		}
	}
}
