// Package userrole names the roles a user account can hold. The users
// table refuses any other (its CHECK constraint in db/migrations), the API
// validates them (proto/slipway/v1/auth.proto) and decides on them through
// identity.Principal, and `slipway users set-role` sets them, so every place
// that spells a role takes it from here.
package userrole

// The roles, as the users table stores them.
const (
	// Deployer is every new account: it deploys and reads its own
	// deployments.
	Deployer = "deployer"
	// Approver may also decide on other users' deployments that wait for
	// approval.
	Approver = "approver"
	// Admin may also change users' roles and read every user's
	// deployments (but not act on them).
	Admin = "admin"
)

// Valid reports whether s names a role.
func Valid(s string) bool { return s == Deployer || s == Approver || s == Admin }

// Names lists the roles, least privileged first, for messages and flags.
func Names() []string { return []string{Deployer, Approver, Admin} }
