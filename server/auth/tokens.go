package auth

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// maxTokenLen bounds what is handed to the JWT parser. Slipway's tokens are
// about 400 bytes; anything much longer is not one of them.
const maxTokenLen = 4096

// Sentinel errors of access-token verification. Every one answers
// unauthenticated; they are distinct so that logs and the
// WWW-Authenticate hint can say which.
var (
	// ErrTokenExpired is a well-formed token past its exp (plus leeway):
	// the client should refresh.
	ErrTokenExpired = errors.New("access token expired")
	// ErrTokenInvalid is anything else wrong with a token: bad signature,
	// unknown kid, wrong algorithm, issuer or audience, not yet valid,
	// malformed claims.
	ErrTokenInvalid = errors.New("invalid access token")
)

// AccessClaims are the claims of a Slipway access token. Besides the
// registered claims (sub = user id, iss, aud, exp, nbf, iat, jti) it names
// the session (sid) so that logout can revoke the token, and the tier at
// issue time (informational: requests use the tier read fresh with the
// session check).
type AccessClaims struct {
	SessionID string `json:"sid"`
	Tier      string `json:"tier"`
	jwt.RegisteredClaims
}

// tokenIssuer signs and verifies access tokens.
type tokenIssuer struct {
	keys     *KeySet
	issuer   string
	audience string
	ttl      time.Duration
	leeway   time.Duration
	now      func() time.Time
	parser   *jwt.Parser
	verified *verifiedCache
}

func newTokenIssuer(keys *KeySet, cfg Config, now func() time.Time) *tokenIssuer {
	return &tokenIssuer{
		keys:     keys,
		issuer:   cfg.Issuer,
		audience: cfg.Audience,
		ttl:      cfg.AccessTTL,
		leeway:   cfg.Leeway,
		now:      now,
		parser: jwt.NewParser(
			// The algorithm is pinned: "none", HS256 keyed with the public
			// key and every other algorithm are refused before any key is
			// looked up.
			jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
			jwt.WithIssuer(cfg.Issuer),
			jwt.WithAudience(cfg.Audience),
			jwt.WithExpirationRequired(),
			jwt.WithNotBeforeRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(cfg.Leeway),
			jwt.WithTimeFunc(now),
			jwt.WithStrictDecoding(),
		),
		verified: &verifiedCache{m: make(map[string]verifiedToken)},
	}
}

// issue signs an access token for user in session, answering it and its
// lifetime.
func (t *tokenIssuer) issue(userID, sessionID uuid.UUID, tier string) (string, time.Duration, error) {
	now := t.now().Truncate(time.Second)
	claims := AccessClaims{
		SessionID: sessionID.String(),
		Tier:      tier,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    t.issuer,
			Subject:   userID.String(),
			Audience:  jwt.ClaimStrings{t.audience},
			ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        uuid.NewString(),
		},
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	tok.Header["kid"] = t.keys.currentKID
	signed, err := tok.SignedString(t.keys.current)
	if err != nil {
		return "", 0, fmt.Errorf("sign access token: %w", err)
	}
	return signed, t.ttl, nil
}

// verifiedToken is what a valid access token says.
type verifiedToken struct {
	userID    uuid.UUID
	sessionID uuid.UUID
	tier      string
	expiresAt time.Time
}

// parse verifies an access token: its algorithm (EdDSA only), its kid (a
// key of the KeySet), its signature, iss, aud, exp, nbf and iat (with the
// configured leeway), and that sub and sid are UUIDs. The error is
// ErrTokenExpired or ErrTokenInvalid, wrapping the cause for logs.
func (t *tokenIssuer) parse(raw string) (verifiedToken, error) {
	if len(raw) == 0 || len(raw) > maxTokenLen {
		return verifiedToken{}, ErrTokenInvalid
	}
	now := t.now()
	if v, ok := t.verified.get(raw); ok {
		if now.After(v.expiresAt.Add(t.leeway)) {
			return verifiedToken{}, ErrTokenExpired
		}
		return v, nil
	}
	var claims AccessClaims
	_, err := t.parser.ParseWithClaims(raw, &claims, t.keyFor)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return verifiedToken{}, fmt.Errorf("%w: %w", ErrTokenExpired, err)
	case err != nil:
		return verifiedToken{}, fmt.Errorf("%w: %w", ErrTokenInvalid, err)
	}
	uid, err := uuid.Parse(claims.Subject)
	if err != nil || claims.Subject != uid.String() {
		return verifiedToken{}, fmt.Errorf("%w: sub is not a user id", ErrTokenInvalid)
	}
	sid, err := uuid.Parse(claims.SessionID)
	if err != nil || claims.SessionID != sid.String() {
		return verifiedToken{}, fmt.Errorf("%w: sid is not a session id", ErrTokenInvalid)
	}
	if claims.ID == "" {
		return verifiedToken{}, fmt.Errorf("%w: no jti", ErrTokenInvalid)
	}
	v := verifiedToken{userID: uid, sessionID: sid, tier: claims.Tier, expiresAt: claims.ExpiresAt.Time}
	t.verified.put(raw, v, now, t.leeway)
	return v, nil
}

// verifiedCacheMaxEntries bounds the verified-token cache: a few hundred
// bytes an entry, a few MiB in all.
const verifiedCacheMaxEntries = 10_000

// verifiedCache remembers tokens that passed full verification, keyed by
// the exact token text, until they expire. A client sends the same access
// token for its whole lifetime, so this saves an Ed25519 verification (the
// largest part of a bearer request's auth cost) on all but the first
// request. It is sound because the key set and the checks never change
// for the life of the process, and the one check that depends on time, exp,
// is repeated on every hit; the session check is not cached here.
type verifiedCache struct {
	mu sync.RWMutex
	m  map[string]verifiedToken
}

func (c *verifiedCache) get(raw string) (verifiedToken, bool) {
	c.mu.RLock()
	v, ok := c.m[raw]
	c.mu.RUnlock()
	return v, ok
}

func (c *verifiedCache) put(raw string, v verifiedToken, now time.Time, leeway time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= verifiedCacheMaxEntries {
		for k, e := range c.m {
			if now.After(e.expiresAt.Add(leeway)) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= verifiedCacheMaxEntries {
			clear(c.m)
		}
	}
	c.m[raw] = v
}

// keyFor finds the verification key named by the token's kid. It runs only
// after the parser has checked the algorithm.
func (t *tokenIssuer) keyFor(tok *jwt.Token) (any, error) {
	if tok.Method != jwt.SigningMethodEdDSA {
		return nil, errors.New("unexpected signing method")
	}
	kid, ok := tok.Header["kid"].(string)
	if !ok || kid == "" {
		return nil, errors.New("no kid")
	}
	pub, ok := t.keys.verify[kid]
	if !ok {
		return nil, errors.New("unknown kid")
	}
	return pub, nil
}
