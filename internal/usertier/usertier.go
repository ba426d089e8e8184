// Package usertier names the tiers a user account can be on. The users
// table refuses any other (its CHECK constraint in db/migrations), the rate
// limiter sets a user's limit by tier, and a networks file's tenancy
// settings name tiers, so every place that spells a tier takes it from here.
package usertier

// The tiers, as the users table stores them.
const (
	Free = "free"
	Paid = "paid"
)

// Valid reports whether s names a tier.
func Valid(s string) bool { return s == Free || s == Paid }
