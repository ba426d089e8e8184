package chain

import (
	"fmt"
	"time"
)

// DefaultApprovalTimeout is how long a deployment waits for its approvals
// when the network's policy gives no timeout.
const DefaultApprovalTimeout = 72 * time.Hour

// ApprovalPolicy makes deployments to a network wait, after they are
// compiled and before anything is signed, for Required approvers' votes.
// A rejection ends the deployment; no decision within Timeout cancels it.
type ApprovalPolicy struct {
	Required int      `json:"required"`
	Timeout  Duration `json:"timeout,omitzero"`
}

// WaitFor answers the policy's timeout, DefaultApprovalTimeout when unset.
func (p ApprovalPolicy) WaitFor() time.Duration {
	if p.Timeout == 0 {
		return DefaultApprovalTimeout
	}
	return time.Duration(p.Timeout)
}

func (p ApprovalPolicy) validate(network string) error {
	if p.Required < 1 || p.Required > 20 {
		return fmt.Errorf("%s: approval.required must be 1 to 20, got %d", network, p.Required)
	}
	if t := time.Duration(p.Timeout); t != 0 && (t < time.Minute || t > 90*24*time.Hour) {
		return fmt.Errorf("%s: approval.timeout must be 1m to 2160h", network)
	}
	return nil
}
