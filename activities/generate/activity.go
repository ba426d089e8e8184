package generate

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/encoding/protojson"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
)

// ErrTypeInvalidTemplate is the application error type of a template that
// does not generate; retrying cannot fix it.
const ErrTypeInvalidTemplate = "InvalidTemplate"

// ActivityGenerate is the generate activity's name, as the worker
// registers it (Activities.Generate); a cmd/slipway test keeps the two
// equal.
const ActivityGenerate = "Generate"

// Activities is the generate stage of the deployment workflow. Generation
// is pure, but it runs as an activity so that a change of templates never
// changes what a replayed workflow sees.
type Activities struct{}

// Generate renders a template given as protobuf JSON (workflow inputs are
// JSON; a proto message inside a struct would not survive encoding/json).
func (Activities) Generate(_ context.Context, templateJSON []byte) (Result, error) {
	var t slipwayv1.ContractTemplate
	if err := protojson.Unmarshal(templateJSON, &t); err != nil {
		return Result{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("decode template: %v", err), ErrTypeInvalidTemplate, err)
	}
	res, err := Generate(&t)
	if errors.Is(err, ErrInvalidTemplate) {
		return Result{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeInvalidTemplate, err)
	}
	return res, err
}
