package progressapi

import (
	"encoding/json"

	"github.com/slipway-dev/slipway/activities/lint"
)

// ErrTypeEnded is the application error type of a step for a deployment
// that has already ended in another status (cancelled by its user, most
// often): the workflow stops rather than revive it.
const ErrTypeEnded = "DeploymentEnded"

// Step is one stage change. Nil fields leave the row's value alone.
type Step struct {
	DeploymentID      string        `json:"deploymentId"`
	Status            string        `json:"status"`
	Message           string        `json:"message"`
	ContractName      *string       `json:"contractName,omitempty"`
	CompilerVersion   *string       `json:"compilerVersion,omitempty"`
	Error             *string       `json:"error,omitempty"`
	TxHash            *string       `json:"txHash,omitempty"`
	ContractAddress   *string       `json:"contractAddress,omitempty"`
	BlockNumber       *uint64       `json:"blockNumber,omitempty"`
	GasUsed           *uint64       `json:"gasUsed,omitempty"`
	Confirmations     *uint32       `json:"confirmations,omitempty"`
	Lint              *lint.Summary `json:"lint,omitempty"`
	EffectiveGasPrice string        `json:"effectiveGasPrice,omitempty"`
	FeePaid           string        `json:"feePaid,omitempty"`
	SourceHash        []byte        `json:"sourceHash,omitempty"`
	// ImplementationAddress is an upgradeable deployment's implementation.
	ImplementationAddress *string `json:"implementationAddress,omitempty"`
	// UpgradeSafety is an upgrade's safety report (JSON).
	UpgradeSafety json.RawMessage `json:"upgradeSafety,omitempty"`
	// Verify, on a CONFIRMED step, opens the deployment's verification
	// (PENDING) in the same transaction, so that no watcher sees the
	// deployment ended before its verification begins.
	Verify bool `json:"verify,omitempty"`
	// UnlessEnded skips the step for a deployment that has already ended,
	// such as the CANCELLED of a workflow whose user cancelled through the
	// API, which recorded it then.
	UnlessEnded bool `json:"unlessEnded,omitempty"`
}

// MarshalJSON writes a step as histories already hold it: the lint counts
// under "High", "Medium", "Low" and "Info", the keys of the type lint.Summary
// replaced, rather than the lower-case keys of its audit API form. Reading
// needs nothing of the kind: encoding/json matches keys without regard to
// case, so a step of either form reads back the same.
func (s Step) MarshalJSON() ([]byte, error) {
	type plain Step // without this method
	type recordedLint struct{ High, Medium, Low, Info int }
	out := struct {
		plain
		Lint *recordedLint `json:"lint,omitempty"`
	}{plain: plain(s)}
	if l := s.Lint; l != nil {
		out.Lint = &recordedLint{High: l.High, Medium: l.Medium, Low: l.Low, Info: l.Info}
	}
	return json.Marshal(out)
}
