package deploy

import "go.temporal.io/sdk/temporal"

func permanent(typ string, err error) error {
	return temporal.NewNonRetryableApplicationError(err.Error(), typ, err)
}
