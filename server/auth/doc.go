// Package auth is Slipway's identity capability: accounts, sessions with
// rotating refresh tokens, per-user API keys, and the Connect interceptor
// that authenticates every RPC on every protocol (Connect, gRPC, gRPC-Web
// and the REST transcoding, which reaches the same handlers).
//
// Wiring: build a KeySet (ParseKeySet from the secrets provider's PEM or
// seed; GenerateEd25519PEM for the dev stack), then NewService, and hand
// server.New its AuthHandler, APIKeyHandler and UserHandler as
// Deps.Services and its Interceptor first in Deps.Interceptors. Close it after the HTTP server
// has drained.
//
// Credentials and how they are stored:
//
//   - Passwords: argon2id (DefaultPasswordParams: 64 MiB, 2 passes, 2
//     lanes), PHC strings, constant-time comparison, upgraded on login when
//     the parameters change. Policy: at least 12 characters, not on an
//     embedded list of common passwords nor an obvious pattern of one
//     (CheckPassword).
//   - Access tokens: JWTs signed with Ed25519 (alg EdDSA, pinned on
//     verify), kid = RFC 7638 thumbprint of the public key, claims sub (user
//     id), sid (session id), tier, iss, aud, exp, nbf, iat and jti;
//     15 minutes by default; DefaultLeeway (5 s) of clock skew tolerated.
//   - Refresh tokens: 256 random bits, base64url (43 characters), stored as
//     SHA-256, single use; each refresh answers a new pair in the same
//     session; a second use of a spent token revokes the session (reuse
//     detection). Sessions end after RefreshIdleTTL without a refresh and
//     RefreshAbsoluteTTL after login.
//   - API keys: slw_<8 lower-case alphanumerics>_<43 characters of
//     base64url>; the first 12 characters are the stored, displayed lookup
//     prefix, the whole key is stored as SHA-256 and compared in constant
//     time.
//
// Revocation: an access token is accepted only while its session stands,
// checked through a per-process cache whose entries live at most
// SessionCacheTTL (2 s by default): a logout or reuse revocation on this
// process refuses the session's tokens from the next request; on another
// replica within SessionCacheTTL. API key lookups are cached per process
// for at most APIKeyCacheTTL (2 s), and every replica drops a key from its
// cache the moment the revocation commits, through Postgres LISTEN/NOTIFY
// (a trigger on api_keys notifies in the revoking transaction); while a
// replica's listening connection is down its cache is off, so a revoked key
// is refused at once everywhere. Keys' last_used_at is written in batches
// every LastUsedFlush.
//
// Roles: the principal carries the user's role (deployer, approver, admin)
// read with the tier, so a role change reaches requests as a tier change
// does, within the caches' TTLs. UserService.SetUserRole is for admins
// only, decided on the role as it stands in the database (users.go).
//
// Every change (register, login, refresh, logout, reuse detection, API key
// creation and revocation, role changes) writes one audit_logs row in the transaction of
// the change; failed logins write one too (anonymous actor, the normalised
// email, never the password). Requests refused by validation never reach
// the handlers and write nothing.
package auth
