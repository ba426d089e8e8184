package progressapi

// Verification statuses, as deployment_verifications.status stores them.
const (
	VerificationPending  = "PENDING"
	VerificationVerified = "VERIFIED"
	VerificationFailed   = "FAILED"
	VerificationSkipped  = "SKIPPED"
)

// VerificationService is one verifier's answer: the local re-derivation
// ("local") or a publishing service.
type VerificationService struct {
	Name    string `json:"name"`
	Status  string `json:"status"`
	URL     string `json:"url,omitempty"`
	Message string `json:"message,omitempty"`
}

// VerificationStep is where a confirmed deployment's verification stands.
type VerificationStep struct {
	DeploymentID string                `json:"deploymentId"`
	Status       string                `json:"status"`
	Match        string                `json:"match,omitempty"`
	Message      string                `json:"message"`
	Services     []VerificationService `json:"services,omitempty"`
}
