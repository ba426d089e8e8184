package secrets

import (
	"strings"
	"testing"

	"go.temporal.io/sdk/converter"
)

// Workflow and activity inputs pass through Temporal's data converter and
// are stored in its history: a Secret in them must arrive as "[redacted]".
func TestSecretInTemporalPayload(t *testing.T) {
	type deployInput struct {
		Network     string
		DeployerKey Secret
	}
	p, err := converter.GetDefaultDataConverter().ToPayload(deployInput{Network: "dev", DeployerKey: NewSecretString(leaked)})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(p.GetData()), leaked) || !strings.Contains(string(p.GetData()), Redacted) {
		t.Fatalf("payload: %s", p.GetData())
	}
}
