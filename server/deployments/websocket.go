package deployments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/gorilla/websocket"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/protobuf/encoding/protojson"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server/apierr"
	"github.com/slipway-dev/slipway/server/callctx"
	"github.com/slipway-dev/slipway/server/identity"
)

// WebSocket subprotocols. Browsers cannot set headers on a WebSocket, and a
// token in the URL ends up in access logs and browser history, so a browser
// offers `Sec-WebSocket-Protocol: slipway.v1, bearer.<access token>` (or
// `apikey.<key>`) and the server answers slipway.v1 only, never echoing the
// credential.
const (
	// WebSocketSubprotocol is the protocol of the deployment updates feed.
	WebSocketSubprotocol = "slipway.v1"
	bearerSubprotocol    = "bearer."
	apiKeySubprotocol    = "apikey."
)

// Timing of the WebSocket feed.
const (
	// wsWriteTimeout bounds one write, so a client that stopped reading
	// cannot hold its watcher forever.
	wsWriteTimeout = 10 * time.Second
	// wsReadLimit bounds what a client may send: nothing is expected but
	// control frames.
	wsReadLimit = 4 << 10
)

// CloseUnauthenticated is the WebSocket close code of a feed ended because
// the credential that opened it has ended (logout, session revoked or
// expired, API key revoked), with the reason "unauthenticated: <why>". A
// code of the 4000–4999 range, which browsers hand to the page
// (CloseEvent.code), mirroring HTTP 401; 1008 (policy violation) already
// means a deployment that is not the caller's. A client should get a fresh
// credential (log in again) before it reconnects with ?after=.
const CloseUnauthenticated = 4401

// wsProtoJSON renders deployments in WebSocket messages as REST answers
// them: every field present.
var wsProtoJSON = protojson.MarshalOptions{EmitUnpopulated: true}

// NewUpdatesHandler serves the WebSocket feed of a deployment's events, GET
// /api/v1/deployments/{id}/updates?after=N, as server.New mounts it
// (Services.DeploymentUpdates): the same watch as WatchDeployment, one JSON
// text message per event, of the deployments in pool, woken by hub (nil: by
// re-polling only). Of opts only WithWatchTiming concerns it.
//
// The path is not an RPC, so the server's Connect interceptors do not run on
// it; instead guard (the server's Deps.Interceptors: authentication, then
// rate limiting) runs as for a WatchDeployment stream carrying the request's
// credentials, so the feed is guarded by exactly the rules RPCs are, counts
// against the same per-user cap of open watches and ends, as the stream
// does, when its credential ends. Browsers may open it from the page's own
// origin and from origins (the server's Config.AllowedOrigins). Everything
// refused before the upgrade is a REST error (google.rpc.Status JSON): 401,
// 404, 429…
func NewUpdatesHandler(pool *pgxpool.Pool, hub *Hub, guard []connect.Interceptor, origins []string, logger *slog.Logger, opts ...Option) http.Handler {
	s := newService(pool, nil, nil, hub, logger, opts)
	return &updatesHandler{s: s, guard: slices.Clone(guard), origins: slices.Clone(origins), logger: s.logger}
}

// updatesHandler is NewUpdatesHandler's: it answers with the service's
// queries, hub and watch timing, and never starts or cancels a workflow.
type updatesHandler struct {
	s       *service
	guard   []connect.Interceptor
	origins []string
	logger  *slog.Logger
}

func (h *updatesHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		apierr.WriteREST(w, http.StatusMethodNotAllowed, connect.CodeUnimplemented, "the deployment updates feed is a WebSocket: GET with an upgrade")
		return
	}
	if !h.originAllowed(r) {
		apierr.WriteREST(w, http.StatusForbidden, connect.CodePermissionDenied,
			fmt.Sprintf("origin %q may not open the deployment updates feed", r.Header.Get("Origin")))
		return
	}
	after, err := parseAfter(r.URL.Query())
	if err != nil {
		apierr.WriteREST(w, http.StatusBadRequest, connect.CodeInvalidArgument, err.Error())
		return
	}
	creds, offered := wsCredentials(r.Header)
	ctx, resHeader, err := h.authenticate(ctx, r.RemoteAddr, creds)
	if err != nil {
		h.refuse(w, err)
		return
	}
	v, err := callerViewer(ctx)
	if err != nil {
		h.refuse(w, deploymentError(err))
		return
	}
	callctx.AnnotateUser(ctx, v.user)
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		h.refuse(w, deploymentError(fmt.Errorf("%w: %s", errDeploymentNotFound, r.PathValue("id"))))
		return
	}
	if _, err := h.s.getFor(ctx, v, id); err != nil {
		h.refuse(w, apierr.ToConnect(ctx, h.logger, "", deploymentError(err)))
		return
	}
	if !websocket.IsWebSocketUpgrade(r) {
		apierr.WriteREST(w, http.StatusUpgradeRequired, connect.CodeFailedPrecondition,
			"the deployment updates feed is a WebSocket: send Connection: Upgrade and Upgrade: websocket")
		return
	}
	if len(offered) > 0 && !slices.Contains(offered, WebSocketSubprotocol) {
		apierr.WriteREST(w, http.StatusBadRequest, connect.CodeInvalidArgument,
			"offer the "+WebSocketSubprotocol+" subprotocol (Sec-WebSocket-Protocol: "+WebSocketSubprotocol+", bearer.<access token>)")
		return
	}
	release, err := h.s.hub.admitStream(v.user)
	if err != nil {
		h.refuse(w, err)
		return
	}
	defer release()
	if rid := callctx.RequestID(ctx); rid != "" {
		resHeader.Set(callctx.RequestIDHeader, rid)
	}
	up := websocket.Upgrader{
		HandshakeTimeout: wsWriteTimeout,
		Subprotocols:     []string{WebSocketSubprotocol},
		// Checked above, against the configured origins.
		CheckOrigin: func(*http.Request) bool { return true },
		Error: func(w http.ResponseWriter, _ *http.Request, status int, reason error) {
			apierr.WriteREST(w, status, apierr.CodeForHTTPStatus(status, false), reason.Error())
		},
	}
	conn, err := up.Upgrade(w, r, resHeader)
	if err != nil {
		// Upgrade has answered the client.
		return
	}
	h.serve(ctx, conn, v, id, after)
}

// serve runs the watch on an upgraded connection and closes it with a
// status that says why: 1000 once the deployment has ended, 1001 when the
// server drains, CloseUnauthenticated (4401) once the credential that opened
// it has ended, 1011 on a server fault.
func (h *updatesHandler) serve(ctx context.Context, conn *websocket.Conn, v viewer, id uuid.UUID, after uint32) {
	defer conn.Close()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// Reading is how control frames (pong, close) are handled, and how a
	// vanished client is noticed: no pong within the deadline ends it.
	readWindow := 2*h.s.heartbeat + wsWriteTimeout
	conn.SetReadLimit(wsReadLimit)
	_ = conn.SetReadDeadline(time.Now().Add(readWindow))
	conn.SetPongHandler(func(string) error {
		return conn.SetReadDeadline(time.Now().Add(readWindow))
	})
	errClientGone := errors.New("client closed the feed")
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		for {
			if _, _, err := conn.NextReader(); err != nil {
				cancel(errClientGone)
				return
			}
			_ = conn.SetReadDeadline(time.Now().Add(readWindow))
		}
	}()
	err := h.s.followAuthenticated(ctx, v, id, after, &wsSink{conn: conn})
	var code int
	var reason string
	switch {
	case err == nil:
		code, reason = websocket.CloseNormalClosure, "deployment ended"
	case errors.Is(context.Cause(ctx), errClientGone), errors.Is(err, errSend):
		return
	case errors.As(err, new(*callctx.CredentialEnded)):
		code, reason = CloseUnauthenticated, err.Error()
	case ctx.Err() != nil:
		code, reason = websocket.CloseGoingAway, "server shutting down; resume with ?after= the last seq"
	default:
		ce := apierr.ToConnect(ctx, h.logger, "", deploymentError(err))
		code, reason = websocket.CloseInternalServerErr, ce.Error()
		if connect.CodeOf(ce) == connect.CodeNotFound {
			code = websocket.ClosePolicyViolation
		}
	}
	if len(reason) > 120 {
		// A close frame's reason is at most 123 bytes.
		reason = reason[:120]
	}
	if conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(wsWriteTimeout)) != nil {
		return
	}
	// The closing handshake: wait briefly for the client's close frame, so
	// the connection ends cleanly rather than with a reset that may lose
	// ours.
	_ = conn.SetReadDeadline(time.Now().Add(time.Second))
	<-readerDone
}

// refuse answers a refusal before the upgrade as a REST error, with the
// error's metadata (WWW-Authenticate, Retry-After, RateLimit-*) as headers.
func (h *updatesHandler) refuse(w http.ResponseWriter, err error) {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		ce = connect.NewError(connect.CodeInternal, errors.New("internal error"))
	}
	for k, vs := range ce.Meta() {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	apierr.WriteREST(w, apierr.HTTPStatus(ce.Code()), ce.Code(), ce.Message())
}

// authenticate runs the guard interceptors around a no-op handler of a
// WatchDeployment stream with creds as its headers, answering the context
// the handler would have seen (the caller's principal and the stream
// credential to re-check in it) and the response headers the guard set. A
// stream rather than a unary call, because that is what the feed is: the
// guard treats it exactly as it treats WatchDeployment.
func (h *updatesHandler) authenticate(ctx context.Context, peer string, creds http.Header) (context.Context, http.Header, error) {
	var inner context.Context
	call := connect.StreamingHandlerFunc(func(ctx context.Context, _ connect.StreamingHandlerConn) error {
		inner = ctx
		return nil
	})
	for i := len(h.guard) - 1; i >= 0; i-- {
		call = h.guard[i].WrapStreamingHandler(call)
	}
	conn := &guardConn{peer: connect.Peer{Addr: peer}, req: creds, res: http.Header{}, trailer: http.Header{}}
	if err := call(ctx, conn); err != nil {
		if _, ok := errors.AsType[*connect.Error](err); !ok {
			err = apierr.ToConnect(ctx, h.logger, "", err)
		}
		return nil, nil, err
	}
	out := conn.res.Clone()
	if inner == nil {
		// An interceptor answered without calling through.
		return nil, nil, connect.NewError(connect.CodeUnauthenticated, errUnauthenticated)
	}
	if _, ok := identity.FromContext(inner); !ok {
		return nil, nil, connect.NewError(connect.CodeUnauthenticated, errUnauthenticated)
	}
	return inner, out, nil
}

// guardConn is the stand-in stream the guard interceptors see for a feed's
// upgrade: WatchDeployment's spec, the request's credentials as headers, and
// nothing to receive or send (the no-op handler does neither).
type guardConn struct {
	peer              connect.Peer
	req, res, trailer http.Header
}

var watchSpec = connect.Spec{
	Procedure:  slipwayv1connect.DeploymentServiceWatchDeploymentProcedure,
	StreamType: connect.StreamTypeServer,
}

func (c *guardConn) Spec() connect.Spec           { return watchSpec }
func (c *guardConn) Peer() connect.Peer           { return c.peer }
func (c *guardConn) Receive(any) error            { return io.EOF }
func (c *guardConn) RequestHeader() http.Header   { return c.req }
func (c *guardConn) Send(any) error               { return errors.New("send on the guard's stand-in stream") }
func (c *guardConn) ResponseHeader() http.Header  { return c.res }
func (c *guardConn) ResponseTrailer() http.Header { return c.trailer }

// wsCredentials collects the request's credentials as RPC headers:
// Authorization and X-API-Key as sent (non-browser clients), and a
// bearer.<token> or apikey.<key> subprotocol (browsers). offered lists the
// other subprotocols offered.
func wsCredentials(h http.Header) (creds http.Header, offered []string) {
	creds = http.Header{}
	for _, k := range []string{"Authorization", "X-Api-Key"} {
		if v := h.Values(k); len(v) > 0 {
			creds[k] = slices.Clone(v)
		}
	}
	for _, p := range websocket.Subprotocols(&http.Request{Header: h}) {
		switch {
		case strings.HasPrefix(p, bearerSubprotocol):
			creds.Add("Authorization", "Bearer "+strings.TrimPrefix(p, bearerSubprotocol))
		case strings.HasPrefix(p, apiKeySubprotocol):
			creds.Add("X-Api-Key", strings.TrimPrefix(p, apiKeySubprotocol))
		default:
			offered = append(offered, p)
		}
	}
	return creds, offered
}

// parseAfter reads ?after=N, the last seq the client has seen; absent is 0.
// Credentials in the URL are refused outright: they leak into access logs.
func parseAfter(q url.Values) (uint32, error) {
	for _, k := range []string{"access_token", "token", "api_key", "apiKey", "key"} {
		if q.Has(k) {
			return 0, fmt.Errorf("credentials in the URL (%s) are refused: send Authorization or X-API-Key, or from a browser the subprotocols %q and \"bearer.<access token>\"", k, WebSocketSubprotocol)
		}
	}
	v := q.Get("after")
	if v == "" {
		v = q.Get("afterSeq")
	}
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("after %q must be a sequence number (0 to %d)", v, uint32(1<<32-1))
	}
	return uint32(n), nil
}

// originAllowed admits requests without an Origin (not a browser), from the
// page's own origin, and from the configured CORS origins. A WebSocket is
// not subject to CORS, so without this check any site a user visits could
// open the feed with the user's credentials.
func (h *updatesHandler) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if u, err := url.Parse(origin); err == nil && strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, o := range h.origins {
		if o == "*" || strings.EqualFold(o, origin) || wildcardOriginMatch(o, origin) {
			return true
		}
	}
	return false
}

// wildcardOriginMatch matches one "*" in a configured origin, as the CORS
// middleware does ("https://*.example.com").
func wildcardOriginMatch(pattern, origin string) bool {
	pre, suf, ok := strings.Cut(strings.ToLower(pattern), "*")
	origin = strings.ToLower(origin)
	return ok && len(origin) >= len(pre)+len(suf) && strings.HasPrefix(origin, pre) && strings.HasSuffix(origin, suf)
}

// wsSink writes a watch as WebSocket text messages; its heartbeat is a ping
// frame.
type wsSink struct {
	conn *websocket.Conn
}

// wsSnapshot is the feed's first message, and the deployment as it is.
type wsSnapshot struct {
	Type       string          `json:"type"` // "snapshot"
	Deployment json.RawMessage `json:"deployment"`
}

// wsEvent is one event of the feed, with the deployment as of it.
type wsEvent struct {
	Type string `json:"type"` // "event"
	Seq  uint32 `json:"seq"`
	// Status is the short name, such as "CONFIRMED".
	Status          string          `json:"status"`
	Message         string          `json:"message"`
	At              string          `json:"at"`
	TxHash          string          `json:"txHash"`
	ContractAddress string          `json:"contractAddress"`
	Confirmations   uint32          `json:"confirmations"`
	Deployment      json.RawMessage `json:"deployment"`
}

func (s *wsSink) write(m any) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode message: %w", err)
	}
	_ = s.conn.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
	return s.conn.WriteMessage(websocket.TextMessage, b)
}

func (s *wsSink) snapshot(d *slipwayv1.Deployment) error {
	raw, err := wsProtoJSON.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode deployment: %w", err)
	}
	return s.write(wsSnapshot{Type: "snapshot", Deployment: raw})
}

func (s *wsSink) event(ev *slipwayv1.DeploymentEvent, d *slipwayv1.Deployment) error {
	raw, err := wsProtoJSON.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode deployment: %w", err)
	}
	status, _ := statusName(ev.GetStatus())
	return s.write(wsEvent{
		Type: "event", Seq: ev.GetSeq(), Status: status, Message: ev.GetMessage(),
		At: ev.GetAt().AsTime().UTC().Format(time.RFC3339Nano), TxHash: ev.GetTxHash(),
		ContractAddress: ev.GetContractAddress(), Confirmations: ev.GetConfirmations(), Deployment: raw,
	})
}

func (s *wsSink) heartbeat(*slipwayv1.Deployment) error {
	return s.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(wsWriteTimeout))
}
