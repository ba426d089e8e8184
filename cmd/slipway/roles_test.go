package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/slipway-dev/slipway/db"
)

// TestUsersSetRole: `slipway users set-role` changes the role and writes
// its audit row in one go; a bad role or an unknown email is a usage error
// that changes nothing.
func TestUsersSetRole(t *testing.T) {
	dsn, pool, u := cliUser(t, "grace@example.com")
	ctx := context.Background()
	q := db.New(pool)
	if u.Role != "deployer" {
		t.Fatalf("a new user's role = %q, want deployer", u.Role)
	}

	code, out, errOut := runCLI(t, "users", "set-role", "--email", "Grace@Example.com", "--role", "admin", "--database-url", dsn)
	if code != 0 {
		t.Fatalf("set-role = %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "grace@example.com now has the admin role") {
		t.Fatalf("set-role printed %q", out)
	}
	got, err := q.GetUserByID(ctx, u.ID)
	if err != nil || got.Role != "admin" {
		t.Fatalf("role after set-role = %q, %v", got.Role, err)
	}
	var actorKind, details string
	err = pool.QueryRow(ctx, "SELECT actor_kind, details::text FROM audit_logs WHERE action = 'user.role_changed' AND resource_id = $1", u.ID.String()).Scan(&actorKind, &details)
	if err != nil || actorKind != db.ActorOperator {
		t.Fatalf("audit row = %q %q, %v", actorKind, details, err)
	}
	var d map[string]string
	if err := json.Unmarshal([]byte(details), &d); err != nil || d["from"] != "deployer" || d["to"] != "admin" || d["operator"] == "" {
		t.Fatalf("audit details = %s (%v)", details, err)
	}

	// The last admin may be demoted here: this is the way back.
	if code, out, errOut := runCLI(t, "users", "set-role", "--email", "grace@example.com", "--role", "approver", "--database-url", dsn); code != 0 {
		t.Fatalf("set-role of the last admin = %d\n%s\n%s", code, out, errOut)
	}

	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown email", []string{"--email", "nobody@example.com", "--role", "admin"}, `no user with email "nobody@example.com"`},
		{"unknown role", []string{"--email", "grace@example.com", "--role", "root"}, "deployer, approver, admin"},
		{"upper-case role", []string{"--email", "grace@example.com", "--role", "Admin"}, "--role"},
		{"no role", []string{"--email", "grace@example.com"}, "--role"},
		{"no email", []string{"--role", "admin"}, "--email is required"},
	} {
		code, _, errOut := runCLI(t, append(append([]string{"users", "set-role"}, c.args...), "--database-url", dsn)...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: set-role = %d: %s (want %q)", c.name, code, errOut, c.want)
		}
	}
	got, err = q.GetUserByID(ctx, u.ID)
	if err != nil || got.Role != "approver" {
		t.Fatalf("role after refused set-roles = %q, %v", got.Role, err)
	}
	var rows int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM audit_logs WHERE action = 'user.role_changed'").Scan(&rows); err != nil || rows != 2 {
		t.Fatalf("role audit rows = %d, %v; want 2", rows, err)
	}

	// The usage of `slipway users` names set-role.
	if code, _, errOut := runCLI(t, "users"); code != exitUsage || !strings.Contains(errOut, "set-role --email E --role deployer|approver|admin") {
		t.Fatalf("users = %d: %s", code, errOut)
	}
	if code, out, _ := runCLI(t, "help"); code != 0 || !strings.Contains(out, "set-role --email E --role deployer|approver|admin") {
		t.Fatalf("help = %d: %s", code, out)
	}
}
