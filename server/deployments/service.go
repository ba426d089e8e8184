package deployments

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/status"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server/apierr"
	"github.com/slipway-dev/slipway/server/callctx"
	"github.com/slipway-dev/slipway/server/identity"
)

// Network is one EVM network deployments may target. The server's
// configuration lists them (server.Config.Networks, the same type) and
// NetworkService answers them; requests name one.
type Network struct {
	// Name is what requests use to pick the network, such as "dev".
	Name string
	// ChainID is the EIP-155 chain id, checked against the node at startup
	// by whoever wires the chain client.
	ChainID uint64
	// Confirmations is how many blocks a deployment waits for unless the
	// request asks for more.
	Confirmations uint32
}

// Workflows starts and cancels deployment workflows; cmd/slipway's
// implementation runs them on Temporal. The API only records what the user
// asked for and hands it over: the workflow does the work and reports its
// progress into the deployments and deployment_events tables.
type Workflows interface {
	// Start starts the workflow of deployment t.Row (ID t.Row.WorkflowID)
	// for request req; the workflow runs t's parts as its children. It is
	// called inside the transaction that inserted the rows; a workflow that
	// already exists with that id is not an error.
	Start(ctx context.Context, t Tree, req *slipwayv1.CreateDeploymentRequest) error
	// Cancel asks the deployment's workflow to stop; an unknown or finished
	// workflow is not an error.
	Cancel(ctx context.Context, workflowID string) error
	// Vote hands an approver's vote to the deployment's workflow and
	// returns once it is recorded. The workflow's refusals wrap
	// ErrVoteForbidden, ErrVoteDecided or ErrVoteRepeated.
	Vote(ctx context.Context, workflowID string, v Vote) error
}

// Compiler compiles the sources of a request, as ContractService's compiler
// (server.Compiler) does; WithPrecompile uses one to check user sources
// before a deployment is recorded.
type Compiler interface {
	Compile(ctx context.Context, req *slipwayv1.CompileContractRequest) (*slipwayv1.CompileContractResponse, error)
}

// Tenancy is what CreateDeployment enforces of the tier policies (see
// WithTenancy); server.Tenancy implements it from the networks file.
type Tenancy interface {
	// Admit checks, before a deployment to network is recorded, that the
	// user's tier may use it and that their budget there is not used up,
	// and answers the user's tier for CheckInFlight. Its refusals are
	// *connect.Error (permission_denied, resource_exhausted).
	Admit(ctx context.Context, user uuid.UUID, network string) (tier string, err error)
	// CheckInFlight refuses a deployment beyond the tier's cap of
	// deployments in flight, on the transaction q that records it.
	CheckInFlight(ctx context.Context, q *db.Queries, user uuid.UUID, tier string) error
}

// Errors of the service, mapped to Connect codes by deploymentError, the
// service's one boundary.
var (
	// errInvalidDeployment is a request that validation rules in the proto
	// cannot catch: an unknown network, a contract name the sources do not
	// declare, constructor arguments of the wrong shape.
	errInvalidDeployment = errors.New("invalid deployment request")
	// errDeploymentNotFound is an unknown id or another user's: the two
	// must be indistinguishable, or ids would leak.
	errDeploymentNotFound = errors.New("deployment not found")
	// errNotCancellable is a cancel after the deployment started signing
	// or ended.
	errNotCancellable = errors.New("deployment cannot be cancelled")
	// errWorkflowStart is a workflow that could not be started; the
	// deployment was not recorded, so the client may retry.
	errWorkflowStart = errors.New("cannot start the deployment workflow")
	// errUnauthenticated is a call without a principal, which only happens
	// when the server runs without the auth interceptor.
	errUnauthenticated = errors.New("authentication required")
	// errNoAddressYet is a salted deployment whose address could not be
	// computed because the sources could not be compiled in time: nothing
	// was recorded, so the client may retry.
	errNoAddressYet = errors.New("cannot compute the deployment's address now")
	// errNotUpgradeable is an upgrade of a deployment that is not a
	// CONFIRMED proxy, or of one whose upgrade runs.
	errNotUpgradeable = errors.New("deployment cannot be upgraded")
)

// codes are the Connect codes of the service's errors.
var codes = apierr.Codes{
	{errInvalidDeployment, connect.CodeInvalidArgument},
	{errDeploymentNotFound, connect.CodeNotFound},
	{errNotCancellable, connect.CodeFailedPrecondition},
	{errWorkflowStart, connect.CodeUnavailable},
	{errNoAddressYet, connect.CodeUnavailable},
	{errNotUpgradeable, connect.CodeFailedPrecondition},
	{errUnauthenticated, connect.CodeUnauthenticated},
	{errAllUsersAdminOnly, connect.CodePermissionDenied},
	{errNotOwner, connect.CodePermissionDenied},
	{ErrVoteForbidden, connect.CodePermissionDenied},
	{ErrVoteDecided, connect.CodeAborted},
	{ErrVoteRepeated, connect.CodeAlreadyExists},
}

// deploymentError is where the service's errors become Connect codes. Errors
// it does not know (generate's, context's, faults) pass on to the error
// boundary (apierr.ToConnect), which the server runs on every RPC.
func deploymentError(err error) error { return codes.Wrap(err) }

// invalidf words an errInvalidDeployment for the client.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errInvalidDeployment, fmt.Sprintf(format, args...))
}

// Defaults of the watch streams; see WithWatchTiming.
const (
	// DefaultWatchHeartbeat is how often an idle stream shows it is alive
	// (a WebSocket ping, a snapshot on WatchDeployment): well under the
	// 30–60 s idle timeouts of common proxies and load balancers.
	DefaultWatchHeartbeat = 15 * time.Second
	// DefaultWatchRepoll is how often a watcher reads the database even
	// without a notification, so that a lost notification (the hub
	// reconnecting, no hub at all) costs latency and never an event.
	DefaultWatchRepoll = 5 * time.Second
)

// defaultPageSize is what a ListDeployments page_size of 0 means.
const defaultPageSize = 20

// Option tunes NewService and NewUpdatesHandler; the feed ignores what
// concerns only CreateDeployment (WithPrecompile, WithTenancy).
type Option func(*service)

// WithWatchTiming sets the heartbeat and re-poll intervals of watch streams
// (zero keeps a default); tests shorten them.
func WithWatchTiming(heartbeat, repoll time.Duration) Option {
	return func(s *service) {
		if heartbeat > 0 {
			s.heartbeat = heartbeat
		}
		if repoll > 0 {
			s.repoll = repoll
		}
	}
}

// WithTenancy makes CreateDeployment enforce t: networks closed to the
// caller's tier are permission_denied, a used-up budget and too many
// deployments in flight resource_exhausted with Retry-After.
func WithTenancy(t Tenancy) Option {
	return func(s *service) { s.tenancy = t }
}

// NewService answers DeploymentService from Postgres, starting and
// cancelling workflows through wf. networks are the networks requests may
// name (the same list as server.Config.Networks). watch wakes watchers when
// an event is appended on any replica; with a nil hub they find events by
// re-polling only. The WebSocket feed of the same deployments is
// NewUpdatesHandler's.
func NewService(pool *pgxpool.Pool, wf Workflows, networks []Network, watch *Hub, logger *slog.Logger, opts ...Option) slipwayv1connect.DeploymentServiceHandler {
	return newService(pool, wf, networks, watch, logger, opts)
}

func newService(pool *pgxpool.Pool, wf Workflows, networks []Network, watch *Hub, logger *slog.Logger, opts []Option) *service {
	if logger == nil {
		logger = slog.Default()
	}
	s := &service{
		pool:      pool,
		q:         db.New(pool),
		wf:        wf,
		networks:  slices.Clone(networks),
		hub:       watch,
		logger:    logger,
		heartbeat: DefaultWatchHeartbeat,
		repoll:    DefaultWatchRepoll,
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// service is the real DeploymentService. Every query is scoped by the
// caller's user id, but for admins' reads (viewer.go).
type service struct {
	pool      *pgxpool.Pool
	q         *db.Queries
	wf        Workflows
	networks  []Network
	hub       *Hub
	logger    *slog.Logger
	heartbeat time.Duration
	repoll    time.Duration
	// precompile, when set, compiles user sources within the request so
	// that compile errors and constructor arguments that do not fit the
	// ABI are answered invalid_argument before anything starts.
	precompile        Compiler
	precompileTimeout time.Duration
	// tenancy, when set, enforces the tier policies (see WithTenancy).
	tenancy Tenancy
}

// caller answers the authenticated user of ctx.
func caller(ctx context.Context) (uuid.UUID, error) {
	p, ok := identity.FromContext(ctx)
	if !ok || p.UserID == uuid.Nil {
		return uuid.Nil, errUnauthenticated
	}
	return p.UserID, nil
}

func (s *service) network(name string) (Network, error) {
	for _, n := range s.networks {
		if n.Name == name {
			return n, nil
		}
	}
	names := make([]string, len(s.networks))
	for i, n := range s.networks {
		names[i] = n.Name
	}
	slices.Sort(names)
	if len(names) == 0 {
		return Network{}, invalidf("network %q is not configured (no networks are)", name)
	}
	return Network{}, invalidf("network %q is not configured; known networks: %s", name, strings.Join(names, ", "))
}

func (s *service) CreateDeployment(ctx context.Context, req *connect.Request[slipwayv1.CreateDeploymentRequest]) (*connect.Response[slipwayv1.CreateDeploymentResponse], error) {
	d, err := s.create(withAuditMeta(ctx, req.Peer(), req.Header()), req.Msg)
	if err != nil {
		return nil, deploymentError(err)
	}
	callctx.AnnotateDeployment(ctx, d.ID, d.WorkflowID)
	out := ToProto(d)
	// A multi-network deployment answers its networks' deployments (and,
	// salted, their one address) at once.
	if err := s.withParts(ctx, d, out); err != nil {
		return nil, deploymentError(err)
	}
	return connect.NewResponse(&slipwayv1.CreateDeploymentResponse{Deployment: out}), nil
}

func (s *service) create(ctx context.Context, msg *slipwayv1.CreateDeploymentRequest) (db.Deployment, error) {
	user, err := caller(ctx)
	if err != nil {
		return db.Deployment{}, err
	}
	names := msg.GetNetworks()
	if len(names) == 0 {
		names = []string{msg.GetNetwork()}
	}
	nets := make([]Network, len(names))
	for i, name := range names {
		if nets[i], err = s.network(name); err != nil {
			return db.Deployment{}, err
		}
	}
	// A replay answers what the first request made, whatever the quotas
	// say now.
	if d, ok, err := s.byKey(ctx, s.q, user, msg.GetIdempotencyKey()); err != nil || ok {
		return d, err
	}
	var tier string
	if s.tenancy != nil {
		for _, n := range nets {
			if tier, err = s.tenancy.Admit(ctx, user, n.Name); err != nil {
				return db.Deployment{}, err
			}
		}
	}
	plan, err := planDeployment(msg)
	if err != nil {
		return db.Deployment{}, err
	}
	if err := s.checkSource(ctx, msg); err != nil {
		return db.Deployment{}, err
	}
	if err := s.planAddresses(ctx, user, msg, &plan); err != nil {
		return db.Deployment{}, err
	}
	request, err := protojson.Marshal(msg)
	if err != nil {
		return db.Deployment{}, fmt.Errorf("encode deployment request: %w", err)
	}
	t := newTree(user, msg, plan, nets, request)
	var out db.Deployment
	err = db.InTx(ctx, s.pool, func(q *db.Queries) error {
		if s.tenancy != nil {
			if err := s.tenancy.CheckInFlight(ctx, q, user, tier); err != nil {
				return err
			}
		}
		out, err = s.insertAndStart(ctx, q, t, "deployment created", auditDeploymentCreate, nil, msg)
		return err
	})
	if err != nil {
		return db.Deployment{}, err
	}
	return out, nil
}

func (s *service) GetDeployment(ctx context.Context, req *connect.Request[slipwayv1.GetDeploymentRequest]) (*connect.Response[slipwayv1.GetDeploymentResponse], error) {
	d, err := s.get(ctx, req.Msg.GetId())
	if err != nil {
		return nil, deploymentError(err)
	}
	pd, err := s.withDetails(ctx, d)
	if err != nil {
		return nil, deploymentError(err)
	}
	return connect.NewResponse(&slipwayv1.GetDeploymentResponse{Deployment: pd}), nil
}

// get answers deployment id as the caller may read it (see getFor), or
// errDeploymentNotFound for an unknown id, a malformed one and another
// user's alike.
func (s *service) get(ctx context.Context, rawID string) (db.Deployment, error) {
	v, id, err := callerAndID(ctx, rawID)
	if err != nil {
		return db.Deployment{}, err
	}
	return s.getFor(ctx, v, id)
}

// callerAndID answers the caller and the deployment id rawID; a malformed
// id is errDeploymentNotFound, as an unknown one is.
func callerAndID(ctx context.Context, rawID string) (viewer, uuid.UUID, error) {
	v, err := callerViewer(ctx)
	if err != nil {
		return viewer{}, uuid.Nil, err
	}
	id, err := uuid.Parse(rawID)
	if err != nil {
		return viewer{}, uuid.Nil, fmt.Errorf("%w: %s", errDeploymentNotFound, rawID)
	}
	return v, id, nil
}

func (s *service) ListDeployments(ctx context.Context, req *connect.Request[slipwayv1.ListDeploymentsRequest]) (*connect.Response[slipwayv1.ListDeploymentsResponse], error) {
	res, err := s.list(ctx, req.Msg)
	if err != nil {
		return nil, deploymentError(err)
	}
	return connect.NewResponse(res), nil
}

func (s *service) list(ctx context.Context, msg *slipwayv1.ListDeploymentsRequest) (*slipwayv1.ListDeploymentsResponse, error) {
	v, err := callerViewer(ctx)
	if err != nil {
		return nil, err
	}
	if msg.GetAllUsers() && !v.admin {
		return nil, errAllUsersAdminOnly
	}
	size := msg.GetPageSize()
	if size <= 0 {
		size = defaultPageSize
	}
	size = min(size, 100)
	params := db.ListDeploymentsForUserParams{UserID: v.user, PageSize: size + 1}
	if st := msg.GetStatus(); st != slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_UNSPECIFIED {
		name, ok := statusName(st)
		if !ok {
			return nil, invalidf("status %d is not a deployment status", int32(st))
		}
		params.Status = &name
	}
	if tok := msg.GetPageToken(); tok != "" {
		at, id, err := parsePageToken(tok)
		if err != nil {
			return nil, err
		}
		params.BeforeCreatedAt, params.BeforeID = &at, &id
	}
	var rows []db.Deployment
	if msg.GetAllUsers() {
		// An admin demoted since their principal was cached gets an
		// empty page: the query reads the role itself.
		rows, err = s.q.ListAllDeployments(ctx, db.ListAllDeploymentsParams{
			AdminID: v.user, Status: params.Status, BeforeCreatedAt: params.BeforeCreatedAt, BeforeID: params.BeforeID, PageSize: params.PageSize,
		})
	} else {
		rows, err = s.q.ListDeploymentsForUser(ctx, params)
	}
	if err != nil {
		return nil, fmt.Errorf("list deployments: %w", err)
	}
	res := &slipwayv1.ListDeploymentsResponse{Deployments: make([]*slipwayv1.Deployment, 0, min(len(rows), int(size)))}
	if len(rows) > int(size) {
		rows = rows[:size]
		last := rows[len(rows)-1]
		res.NextPageToken = pageToken(last.CreatedAt, last.ID)
	}
	for _, d := range rows {
		res.Deployments = append(res.Deployments, ToProto(d))
	}
	return res, nil
}

func (s *service) CancelDeployment(ctx context.Context, req *connect.Request[slipwayv1.CancelDeploymentRequest]) (*connect.Response[slipwayv1.CancelDeploymentResponse], error) {
	d, err := s.cancel(withAuditMeta(ctx, req.Peer(), req.Header()), req.Msg.GetId())
	if err != nil {
		return nil, deploymentError(err)
	}
	callctx.AnnotateDeployment(ctx, d.ID, d.WorkflowID)
	return connect.NewResponse(&slipwayv1.CancelDeploymentResponse{Deployment: ToProto(d)}), nil
}

// cancel moves the deployment to CANCELLED with its event in one
// transaction, then asks the workflow to stop. The row is what stops the
// deployment: the workflow's next progress update finds it CANCELLED and is
// refused (db.ErrDeploymentEnded), so a failed Cancel call is logged, not
// answered. Cancelling a CANCELLED deployment answers it as it is, and asks
// the workflow again, so a client may retry a cancel whose answer it lost.
func (s *service) cancel(ctx context.Context, rawID string) (db.Deployment, error) {
	v, id, err := callerAndID(ctx, rawID)
	if err != nil {
		return db.Deployment{}, err
	}
	var d db.Deployment
	err = db.InTx(ctx, s.pool, func(q *db.Queries) error {
		var err error
		d, err = q.CancelDeploymentIfNotDeploying(ctx, db.CancelDeploymentIfNotDeployingParams{ID: id, UserID: v.user})
		if db.IsNotFound(err) {
			d, err = q.GetDeploymentForUser(ctx, db.GetDeploymentForUserParams{ID: id, UserID: v.user})
			switch {
			case db.IsNotFound(err):
				return notOwned(ctx, q, v, id)
			case err != nil:
				return fmt.Errorf("get deployment %s: %w", id, err)
			}
			return notCancellable(d)
		}
		if err != nil {
			return fmt.Errorf("cancel deployment %s: %w", id, err)
		}
		return recordChange(ctx, q, &d, "cancelled by user", auditDeploymentCancel)
	})
	if err != nil {
		return db.Deployment{}, err
	}
	if err := s.wf.Cancel(ctx, d.WorkflowID); err != nil {
		s.logger.WarnContext(ctx, "cancel deployment workflow; the deployment is CANCELLED and its workflow stops at its next step",
			slog.String("workflow_id", d.WorkflowID), slog.Any("err", err))
	}
	return d, nil
}

// notCancellable explains why d cannot be cancelled; nil for a deployment
// already CANCELLED, which is answered as it is.
func notCancellable(d db.Deployment) error {
	switch {
	case d.Status == status.Cancelled:
		return nil
	case status.IsTerminal(d.Status):
		return fmt.Errorf("%w: deployment has ended (%s)", errNotCancellable, d.Status)
	default:
		return fmt.Errorf("%w: deployment is %s: its transaction may already be broadcast", errNotCancellable, d.Status)
	}
}

func (s *service) WatchDeployment(ctx context.Context, req *connect.Request[slipwayv1.WatchDeploymentRequest], stream *connect.ServerStream[slipwayv1.WatchDeploymentResponse]) error {
	v, id, err := callerAndID(ctx, req.Msg.GetId())
	if err != nil {
		return deploymentError(err)
	}
	// Counted against the caller's open watches, and ended with
	// unauthenticated once the credential that opened it has ended.
	release, err := s.hub.admitStream(v.user)
	if err != nil {
		return err
	}
	defer release()
	err = s.followAuthenticated(ctx, v, id, req.Msg.GetAfterSeq(), connectSink{stream})
	if errors.Is(err, errSend) {
		// The client is gone; nobody reads the code, and it is not a
		// server fault to log.
		return connect.NewError(connect.CodeCanceled, err)
	}
	return deploymentError(err)
}

// connectSink writes a watch to a WatchDeployment stream. Its heartbeat is
// a snapshot (a message with the deployment and no event): Connect has no
// ping of its own that passes through HTTP/1.1 proxies.
type connectSink struct {
	stream *connect.ServerStream[slipwayv1.WatchDeploymentResponse]
}

func (c connectSink) snapshot(d *slipwayv1.Deployment) error {
	return c.stream.Send(&slipwayv1.WatchDeploymentResponse{Deployment: d})
}

func (c connectSink) event(ev *slipwayv1.DeploymentEvent, d *slipwayv1.Deployment) error {
	return c.stream.Send(&slipwayv1.WatchDeploymentResponse{Event: ev, Deployment: d})
}

func (c connectSink) heartbeat(d *slipwayv1.Deployment) error { return c.snapshot(d) }
