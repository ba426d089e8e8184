package userrole_test

import (
	"slices"
	"testing"

	"github.com/slipway-dev/slipway/internal/userrole"
)

func TestValid(t *testing.T) {
	for s, want := range map[string]bool{
		userrole.Deployer: true,
		userrole.Approver: true,
		userrole.Admin:    true,
		"":                false,
		"Admin":           false,
		"ADMIN":           false,
		"root":            false,
		"free":            false,
	} {
		if got := userrole.Valid(s); got != want {
			t.Errorf("Valid(%q) = %v, want %v", s, got, want)
		}
	}
	for _, n := range userrole.Names() {
		if !userrole.Valid(n) {
			t.Errorf("Names() lists %q, which Valid refuses", n)
		}
	}
	if !slices.Equal(userrole.Names(), []string{"deployer", "approver", "admin"}) {
		t.Errorf("Names() = %v", userrole.Names())
	}
}
