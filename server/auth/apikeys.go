package auth

import (
	"context"
	"errors"
	"fmt"

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

// apiKeyHandler is the ApiKeyService boundary. Every method acts on the
// authenticated caller's keys only.
type apiKeyHandler struct{ s *Service }

func (h *apiKeyHandler) CreateApiKey(ctx context.Context, req *connect.Request[slipwayv1.CreateApiKeyRequest]) (*connect.Response[slipwayv1.CreateApiKeyResponse], error) {
	p, ok := identity.FromContext(ctx)
	if !ok {
		return nil, toConnectError(ErrNoCredentials)
	}
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
			var err error
			row, err = q.CreateAPIKey(ctx, db.CreateAPIKeyParams{UserID: p.UserID, Name: req.Msg.GetName(), Prefix: prefix, SecretHash: hash})
			if err != nil {
				return err
			}
			d := map[string]any{"name": row.Name, "prefix": row.Prefix}
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
	out := &slipwayv1.ApiKey{Id: k.ID.String(), Name: k.Name, Prefix: k.Prefix, CreatedAt: timestamppb.New(k.CreatedAt)}
	if k.LastUsedAt != nil {
		out.LastUsedAt = timestamppb.New(*k.LastUsedAt)
	}
	return out
}
