package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/slipway-dev/slipway/db"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/server/identity"
)

// prefixAttempts bounds retries on the (41-bit, so very rare) collision of
// a new key's lookup prefix with an existing one.
const prefixAttempts = 3

// DefaultMaxAPIKeysPerUser caps a user's active API keys unless configured
// (Config.MaxAPIKeysPerUser, slipway serve --max-api-keys). Keys are meant
// one per machine or pipeline, so 25 leaves room for a team's CI while a
// script (or a stolen key) looping on CreateApiKey stops early instead of
// filling the table. MaxAPIKeysPerUserLimit bounds what may be configured.
const (
	DefaultMaxAPIKeysPerUser = 25
	MaxAPIKeysPerUserLimit   = 10_000
)

// validateMaxAPIKeys checks a configured per-user cap on active API keys.
func validateMaxAPIKeys(n int) error {
	if n < 1 || n > MaxAPIKeysPerUserLimit {
		return fmt.Errorf("max api keys per user %d: want 1 to %d", n, MaxAPIKeysPerUserLimit)
	}
	return nil
}

// newKeyScopes answers the scopes of a key the caller asked for, and
// refuses to grant more than the caller holds: an API key with the keys
// scope may create keys, but only with scopes of its own, or a key limited
// to key management could mint itself a deploying one. No scopes asked
// means DefaultAPIKeyScopes.
func newKeyScopes(p identity.Principal, asked []string) (identity.Scopes, error) {
	want, err := identity.ParseScopes(asked)
	if err != nil {
		// Validation has refused these already; belt and braces.
		return 0, connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("scopes: %w", err))
	}
	if want == 0 {
		want = identity.DefaultAPIKeyScopes
	}
	if missing := want.Minus(p.EffectiveScopes()); missing != 0 {
		return 0, connect.NewError(connect.CodePermissionDenied, fmt.Errorf(
			"an API key can grant only scopes it holds, and this one lacks %s; ask for fewer scopes or create the key with an access token",
			strings.Join(missing.Names(), ", ")))
	}
	return want, nil
}

// apiKeyCapError is the refusal of a key over the per-user cap:
// failed_precondition rather than resource_exhausted, because waiting does
// not help (and clients read resource_exhausted as a rate limit to wait
// out); revoking a key does.
func apiKeyCapError(limit int) error {
	return connect.NewError(connect.CodeFailedPrecondition, fmt.Errorf(
		"you have %d active API keys, the most allowed; revoke one you no longer use to create another", limit))
}

// apiKeyHandler is the ApiKeyService boundary. Every method acts on the
// authenticated caller's keys only.
type apiKeyHandler struct{ s *Service }

// CreateApiKey makes a key with the scopes asked for (the default set when
// none), within the caller's own scopes and the per-user cap on active
// keys. The scope interceptor has already required the keys scope of an
// API-key caller.
func (h *apiKeyHandler) CreateApiKey(ctx context.Context, req *connect.Request[slipwayv1.CreateApiKeyRequest]) (*connect.Response[slipwayv1.CreateApiKeyResponse], error) {
	p, ok := identity.FromContext(ctx)
	if !ok {
		return nil, toConnectError(ErrNoCredentials)
	}
	scopes, err := newKeyScopes(p, req.Msg.GetScopes())
	if err != nil {
		return nil, err
	}
	limit := h.s.cfg.MaxAPIKeysPerUser
	m := h.s.meta(ctx, req.Peer(), req.Header())
	actor, kind, details := actorOf(ctx)
	var (
		row db.APIKey
		key string
	)
	for attempt := 1; ; attempt++ {
		var (
			prefix string
			hash   []byte
			err    error
		)
		if key, prefix, hash, err = newAPIKey(); err != nil {
			return nil, err
		}
		err = db.InTx(ctx, h.s.pool, func(q *db.Queries) error {
			// The lock makes the count exact: concurrent creations by one
			// user take turns, so the cap holds however many race.
			if err := q.LockUserForAPIKeyCreation(ctx, p.UserID); err != nil {
				return fmt.Errorf("lock user for api key creation: %w", err)
			}
			active, err := q.CountActiveAPIKeys(ctx, p.UserID)
			if err != nil {
				return fmt.Errorf("count active api keys: %w", err)
			}
			if int(active) >= limit {
				return apiKeyCapError(limit)
			}
			row, err = q.CreateAPIKey(ctx, db.CreateAPIKeyParams{UserID: p.UserID, Name: req.Msg.GetName(), Prefix: prefix, SecretHash: hash, Scopes: scopes.Names()})
			if err != nil {
				return err
			}
			d := map[string]any{"name": row.Name, "prefix": row.Prefix, "scopes": row.Scopes}
			for k, v := range details {
				d[k] = v
			}
			return audit(ctx, q, m, auditEntry{
				actorUserID: actor, actorKind: kind, action: ActionAPIKeyCreate,
				resourceType: resourceAPIKey, resourceID: row.ID.String(), details: d,
			})
		})
		if err == nil {
			break
		}
		if ce := new(connect.Error); errors.As(err, &ce) {
			return nil, ce
		}
		if !db.IsUniqueViolation(err, db.ConstraintAPIKeyPrefix) || attempt == prefixAttempts {
			return nil, fmt.Errorf("create api key: %w", err)
		}
	}
	return connect.NewResponse(&slipwayv1.CreateApiKeyResponse{ApiKey: apiKeyProto(row), Key: key}), nil
}

func (h *apiKeyHandler) ListApiKeys(ctx context.Context, _ *connect.Request[slipwayv1.ListApiKeysRequest]) (*connect.Response[slipwayv1.ListApiKeysResponse], error) {
	p, ok := identity.FromContext(ctx)
	if !ok {
		return nil, toConnectError(ErrNoCredentials)
	}
	rows, err := h.s.q.ListAPIKeysByUser(ctx, p.UserID)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	out := make([]*slipwayv1.ApiKey, 0, len(rows))
	for _, r := range rows {
		out = append(out, apiKeyProto(r))
	}
	return connect.NewResponse(&slipwayv1.ListApiKeysResponse{ApiKeys: out}), nil
}

// DeleteApiKey revokes one of the caller's keys. The key is refused from
// the next request on, on every instance: this one drops it from its API
// key cache on commit, and the others on the notification the revocation
// sends (see apiKeyCache). Deleting a key already revoked succeeds (the
// method is idempotent); another user's key is not_found, as is any id the
// caller never had.
func (h *apiKeyHandler) DeleteApiKey(ctx context.Context, req *connect.Request[slipwayv1.DeleteApiKeyRequest]) (*connect.Response[slipwayv1.DeleteApiKeyResponse], error) {
	p, ok := identity.FromContext(ctx)
	if !ok {
		return nil, toConnectError(ErrNoCredentials)
	}
	id, err := uuid.Parse(req.Msg.GetId())
	if err != nil {
		// Validation has already required a UUID; this is belt and braces.
		return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("id: want a UUID"))
	}
	m := h.s.meta(ctx, req.Peer(), req.Header())
	actor, kind, details := actorOf(ctx)
	err = db.InTx(ctx, h.s.pool, func(q *db.Queries) error {
		row, err := q.RevokeActiveAPIKey(ctx, db.RevokeActiveAPIKeyParams{ID: id, UserID: p.UserID})
		if db.IsNotFound(err) {
			exists, err := q.APIKeyExistsForUser(ctx, db.APIKeyExistsForUserParams{ID: id, UserID: p.UserID})
			if err != nil {
				return fmt.Errorf("look up api key: %w", err)
			}
			if !exists {
				return ErrAPIKeyNotFound
			}
			return nil // revoked before
		}
		if err != nil {
			return fmt.Errorf("revoke api key: %w", err)
		}
		d := map[string]any{"name": row.Name, "prefix": row.Prefix}
		for k, v := range details {
			d[k] = v
		}
		return audit(ctx, q, m, auditEntry{
			actorUserID: actor, actorKind: kind, action: ActionAPIKeyRevoke,
			resourceType: resourceAPIKey, resourceID: row.ID.String(), details: d,
		})
	})
	if err != nil {
		return nil, toConnectError(err)
	}
	h.s.apiKeys.invalidate(id)
	return connect.NewResponse(&slipwayv1.DeleteApiKeyResponse{}), nil
}

func apiKeyProto(k db.APIKey) *slipwayv1.ApiKey {
	// In canonical order whatever order the row holds them in.
	scopes := identity.StoredScopes(k.Scopes).Names()
	out := &slipwayv1.ApiKey{Id: k.ID.String(), Name: k.Name, Prefix: k.Prefix, CreatedAt: timestamppb.New(k.CreatedAt), Scopes: scopes}
	if k.LastUsedAt != nil {
		out.LastUsedAt = timestamppb.New(*k.LastUsedAt)
	}
	return out
}
