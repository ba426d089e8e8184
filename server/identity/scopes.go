package identity

import (
	"fmt"
	"strings"
)

// Scope is one right an API key may hold. Each procedure needs exactly one
// (server/auth/scopes.go keeps the map), so a key leaked from a CI job that
// only reads cannot deploy, and only keys with ScopeKeys can mint or revoke
// other keys: without that rule a stolen key could make itself a successor
// and revoke the original, outliving its owner's revocation.
type Scope string

// The scopes, as API.md names them.
const (
	// ScopeRead is every Get, List and Watch call: deployments, networks,
	// the caller's user and API keys.
	ScopeRead Scope = "read"
	// ScopeDeploy is creating and cancelling deployments, the calls that
	// spend the operator's gas.
	ScopeDeploy Scope = "deploy"
	// ScopeContracts is generating, compiling and auditing contracts.
	ScopeContracts Scope = "contracts"
	// ScopeKeys is creating and revoking API keys, and for an admin's key
	// changing users' roles: the rights that change what credentials may do.
	ScopeKeys Scope = "keys"
)

// scopeOrder is the canonical order: how sets are listed and stored.
var scopeOrder = [...]Scope{ScopeRead, ScopeDeploy, ScopeContracts, ScopeKeys}

// Scopes is a set of scopes. It is a bit set so that a Principal stays a
// comparable value and a check costs an AND on every request.
type Scopes uint8

// AllScopes is what a caller with a bearer token holds: a person who
// logged in may do anything on their account.
const AllScopes Scopes = 1<<len(scopeOrder) - 1

// DefaultAPIKeyScopes is what a key made without scopes gets, and what
// keys made before scopes existed were given: every scope but ScopeKeys.
// Key management is left out because it is the one right that lets a key
// outlive its own revocation.
var DefaultAPIKeyScopes = AllScopes &^ ScopeKeys.set()

func (s Scope) set() Scopes {
	for i, o := range scopeOrder {
		if o == s {
			return 1 << i
		}
	}
	return 0
}

// Valid reports whether s is one of the four scopes.
func (s Scope) Valid() bool { return s.set() != 0 }

// ScopeNames lists every scope in canonical order.
func ScopeNames() []string { return AllScopes.Names() }

// ParseScopes answers the set of names, refusing unknown names and
// duplicates (a duplicate is a client's mistake worth reporting, not a
// no-op). No names is the empty set.
func ParseScopes(names []string) (Scopes, error) {
	var out Scopes
	for _, n := range names {
		b := Scope(n).set()
		if b == 0 {
			return 0, fmt.Errorf("unknown scope %q: want one of %s", n, strings.Join(ScopeNames(), ", "))
		}
		if out&b != 0 {
			return 0, fmt.Errorf("scope %q given twice", n)
		}
		out |= b
	}
	return out, nil
}

// StoredScopes answers the set of names as the database holds them,
// leniently: duplicates count once and unknown names are ignored (the
// column's CHECK admits neither of the latter, but a key must never gain
// a right from a name it does not know). Use ParseScopes for input.
func StoredScopes(names []string) Scopes {
	var out Scopes
	for _, n := range names {
		out |= Scope(n).set()
	}
	return out
}

// Has reports whether the set holds scope.
func (s Scopes) Has(scope Scope) bool {
	b := scope.set()
	return b != 0 && s&b == b
}

// Covers reports whether s holds every scope of o.
func (s Scopes) Covers(o Scopes) bool { return o&^s == 0 }

// Minus answers the scopes of s that are not in o.
func (s Scopes) Minus(o Scopes) Scopes { return s &^ o }

// Names answers the set's scope names in canonical order (read, deploy,
// contracts, keys); the empty set answers an empty, non-nil slice.
func (s Scopes) Names() []string {
	out := make([]string, 0, len(scopeOrder))
	for i, o := range scopeOrder {
		if s&(1<<i) != 0 {
			out = append(out, string(o))
		}
	}
	return out
}

// String is the names joined by commas, for messages and logs.
func (s Scopes) String() string { return strings.Join(s.Names(), ",") }
