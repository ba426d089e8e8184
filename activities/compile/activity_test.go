package compile

import (
	"errors"
	"fmt"
	"testing"

	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"go.temporal.io/sdk/temporal"
)

// TestActivityErrorClassification pins which failures Temporal retries:
// the user's errors never, infrastructure errors always.
func TestActivityErrorClassification(t *testing.T) {
	diags := []compileapi.Diagnostic{{Severity: compileapi.SeverityError, File: "Contract.sol", Line: 2, Column: 1, Message: "boom"}}
	for _, c := range []struct {
		err     error
		typ     string // "" = a plain, retryable error
		details bool
	}{
		{&CompileError{Diagnostics: diags}, compileapi.ErrTypeCompileError, true},
		{fmt.Errorf("%w: compiler version 0.8.1 is not installed", ErrNoCompiler), compileapi.ErrTypeNoCompiler, false},
		{fmt.Errorf("compile with solc 0.8.37: %w", ErrOutputTooLarge), compileapi.ErrTypeOutputTooLarge, false},
		{fmt.Errorf("compile with solc 0.8.37: %w", ErrCompiler), compileapi.ErrTypeCompilerFailed, false},
		{fmt.Errorf("compile with solc 0.8.37: %w", ErrWorkerCrashed), "", false},
		{fmt.Errorf("compile with solc 0.8.37: %w", ErrTimeout), "", false},
		{ErrPoolClosed, "", false},
	} {
		got := ActivityError(c.err)
		var appErr *temporal.ApplicationError
		if c.typ == "" {
			if errors.As(got, &appErr) || !errors.Is(got, c.err) {
				t.Errorf("%v became %#v, want it unchanged (retryable)", c.err, got)
			}
			continue
		}
		if !errors.As(got, &appErr) || appErr.Type() != c.typ || !appErr.NonRetryable() {
			t.Errorf("%v became %v, want a non-retryable %s", c.err, got, c.typ)
			continue
		}
		if c.details {
			var d []compileapi.Diagnostic
			if err := appErr.Details(&d); err != nil || len(d) != 1 || d[0] != diags[0] {
				t.Errorf("details of %v = %v, %v", c.err, d, err)
			}
		}
	}
}
