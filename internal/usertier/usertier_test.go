package usertier_test

import (
	"testing"

	"github.com/slipway-dev/slipway/internal/usertier"
)

func TestValid(t *testing.T) {
	for s, want := range map[string]bool{
		usertier.Free: true,
		usertier.Paid: true,
		"":            false,
		"Free":        false,
		"PAID":        false,
		"ip":          false,
		"enterprise":  false,
	} {
		if got := usertier.Valid(s); got != want {
			t.Errorf("Valid(%q) = %v, want %v", s, got, want)
		}
	}
}
