package progressapi

// Names of the activities that look after the parts of a deployment.
const (
	ActivityPartStatus        = "PartStatus"
	ActivitySetImplementation = "SetImplementation"
)

// PartStatus is where a deployment (a part of another) stands: the
// multi-network workflow reads it before starting a part's workflow, so
// that a resumed fan-out runs only what has not ended.
type PartStatus struct {
	Status          string `json:"status"`
	ContractAddress string `json:"contractAddress,omitempty"`
	TxHash          string `json:"txHash,omitempty"`
	BlockNumber     uint64 `json:"blockNumber,omitempty"`
	Error           string `json:"error,omitempty"`
}

// Implementation points a proxy's deployment at its new implementation,
// once an upgrade is confirmed.
type Implementation struct {
	// DeploymentID is the proxy's deployment.
	DeploymentID string `json:"deploymentId"`
	Address      string `json:"address"`
	// Upgrade is the upgrade's deployment, for the proxy's event.
	Upgrade string `json:"upgrade"`
}
