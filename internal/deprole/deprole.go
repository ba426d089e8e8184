// Package deprole names what a deployment's row is (deployments.role,
// migration 00020): the one list the API, the workflows and the database
// code share. It is a leaf package so that workflows name the roles
// without importing db.
package deprole

const (
	// Deploy: the row's own transaction creates its contract (the proxy,
	// for an upgradeable deployment). Workflow inputs of older runs leave
	// the role empty, which means the same.
	Deploy = "deploy"
	// Fanout: a multi-network deployment, with no transaction of its own
	// and one part per network.
	Fanout = "fanout"
	// Implementation: an upgradeable deployment's (or an upgrade's)
	// implementation, a part of it.
	Implementation = "implementation"
	// Upgrade: an upgrade of a proxy; its own transaction is the upgrade
	// call.
	Upgrade = "upgrade"
)
