package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/slipway-dev/slipway/db"
)

// auditLine is one exported audit row: stable JSON field names, since
// compliance tooling parses them.
type auditLine struct {
	ID           int64           `json:"id"`
	At           time.Time       `json:"at"`
	ActorKind    string          `json:"actorKind"`
	ActorUserID  string          `json:"actorUserId,omitempty"`
	Action       string          `json:"action"`
	ResourceType string          `json:"resourceType"`
	ResourceID   string          `json:"resourceId"`
	Details      json.RawMessage `json:"details"`
	ClientIP     string          `json:"clientIp,omitempty"`
	UserAgent    string          `json:"userAgent,omitempty"`
	RequestID    string          `json:"requestId,omitempty"`
}

// parseSince takes an RFC 3339 time, a date, or a duration back from now
// ("720h").
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("--since %q: want an RFC 3339 time, a date (2026-01-31) or a duration back from now (720h)", s)
}

func runAuditLog(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("audit-log", stderr)
	dsn := registerDatabaseFlags(fs)
	email := fs.String("user", "", "the user's email")
	sinceFlag := fs.String("since", "", "oldest row: RFC 3339 time, date, or duration back from now such as 720h (default: all)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return fmt.Errorf("%w: --user EMAIL is required", errUsage)
	}
	since, err := parseSince(*sinceFlag, time.Now())
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	pool, err := connectDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	q := db.New(pool)
	u, err := q.GetUserByEmail(ctx, *email)
	if db.IsNotFound(err) {
		return fmt.Errorf("%w: no user with email %q", errUsage, *email)
	}
	if err != nil {
		return fmt.Errorf("look up user: %w", err)
	}
	w := bufio.NewWriter(stdout)
	enc := json.NewEncoder(w)
	var afterID int64
	for {
		rows, err := q.ListAuditLogsForUser(ctx, db.ListAuditLogsForUserParams{UserID: u.ID, Since: since, AfterID: afterID, MaxRows: 500})
		if err != nil {
			return fmt.Errorf("read audit log: %w", err)
		}
		for _, r := range rows {
			line := auditLine{ID: r.ID, At: r.CreatedAt.UTC(), ActorKind: r.ActorKind, Action: r.Action,
				ResourceType: r.ResourceType, ResourceID: r.ResourceID, Details: json.RawMessage(r.Details),
				UserAgent: r.UserAgent, RequestID: r.RequestID}
			if r.ActorUserID != nil {
				line.ActorUserID = r.ActorUserID.String()
			}
			if r.ClientIP != nil {
				line.ClientIP = r.ClientIP.String()
			}
			if len(line.Details) == 0 {
				line.Details = json.RawMessage("{}")
			}
			if err := enc.Encode(line); err != nil {
				return fmt.Errorf("write: %w", err)
			}
		}
		if len(rows) < 500 {
			break
		}
		last := rows[len(rows)-1]
		since, afterID = last.CreatedAt, last.ID
	}
	return w.Flush()
}
