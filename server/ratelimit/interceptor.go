package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"

	"github.com/slipway-dev/slipway/server/identity"
)

// Response fields, as named by API.md and the IETF draft.
const (
	HeaderLimit      = "RateLimit-Limit"
	HeaderRemaining  = "RateLimit-Remaining"
	HeaderReset      = "RateLimit-Reset"
	HeaderRetryAfter = "Retry-After"
)

// exemptPrefix is the gRPC health service, which probes call without
// credentials and must never be refused for calling often.
const exemptPrefix = "/grpc.health.v1.Health/"

// Interceptor answers the Connect interceptor that limits every RPC, unary
// and streaming (a stream counts once, when it opens), on every protocol.
// It must run after the auth interceptor, whose identity.Principal it reads.
func (l *Limiter) Interceptor() connect.Interceptor { return interceptor{l} }

type interceptor struct{ l *Limiter }

func (i interceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if req.Spec().IsClient {
			return next(ctx, req)
		}
		d, limited, err := i.l.check(ctx, req.Spec().Procedure, req.Peer().Addr, req.Header())
		if err != nil {
			return nil, err
		}
		if !limited {
			return next(ctx, req)
		}
		if !d.Allowed {
			return nil, d.refusal()
		}
		res, err := next(ctx, req)
		if err != nil {
			return nil, d.annotate(err)
		}
		if res != nil {
			d.writeTo(res.Header())
		}
		return res, nil
	}
}

func (i interceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (i interceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		d, limited, err := i.l.check(ctx, conn.Spec().Procedure, conn.Peer().Addr, conn.RequestHeader())
		if err != nil {
			return err
		}
		if !limited {
			return next(ctx, conn)
		}
		if !d.Allowed {
			return d.refusal()
		}
		// Headers go out with the first message, or with the error.
		d.writeTo(conn.ResponseHeader())
		if err := next(ctx, conn); err != nil {
			return d.annotate(err)
		}
		return nil
	}
}

// check decides one RPC: limited is false for RPCs no bucket applies to,
// and for RPCs let through because the limiter failed open. err is the
// Connect error to answer instead of running the RPC.
func (l *Limiter) check(ctx context.Context, procedure, peer string, h http.Header) (d Decision, limited bool, err error) {
	if strings.HasPrefix(procedure, exemptPrefix) {
		return Decision{}, false, nil
	}
	if p, ok := identity.FromContext(ctx); ok {
		d, err = l.TakeUser(ctx, p.UserID)
	} else if l.auth[procedure] {
		d, err = l.TakeAuthIP(ctx, l.cfg.Resolver.ClientIP(peer, h.Values("X-Forwarded-For")))
	} else {
		return Decision{}, false, nil
	}
	if err == nil {
		return d, true, nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		// The client went away or its deadline passed: not the database's
		// fault, and nobody is left to answer.
		code := connect.CodeCanceled
		if errors.Is(ctxErr, context.DeadlineExceeded) {
			code = connect.CodeDeadlineExceeded
		}
		return Decision{}, false, connect.NewError(code, ctxErr)
	}
	outcome := failureOutcome(l.cfg.FailClosed)
	l.failures.WithLabelValues(outcome).Inc()
	if ok, suppressed := l.warned.allow(time.Now()); ok {
		l.logger.WarnContext(ctx, "rate limiter cannot reach the database; requests are "+outcome+" unlimited",
			slog.String("procedure", procedure),
			slog.Any("err", err),
			slog.Int64("suppressed", suppressed),
		)
	}
	if !l.cfg.FailClosed {
		return Decision{}, false, nil
	}
	ce := connect.NewError(connect.CodeUnavailable, errors.New("rate limiting is unavailable; try again shortly"))
	ce.Meta().Set(HeaderRetryAfter, "1")
	return Decision{}, false, ce
}

// refusal is the error of a request over its limit.
func (d Decision) refusal() error {
	ce := connect.NewError(connect.CodeResourceExhausted, fmt.Errorf(
		"rate limit exceeded: %d requests per %s for %s; retry in %ds",
		d.Limit, windowName(d.Window), d.scope(), ceilSeconds(d.RetryAfter)))
	d.writeTo(ce.Meta())
	return ce
}

func windowName(w time.Duration) string {
	if w == time.Minute {
		return "minute"
	}
	return w.String()
}

func (d Decision) scope() string {
	if d.Tier == TierIP {
		return "this address"
	}
	return "tier " + d.Tier
}

// annotate adds the fields to an error from further in (validation, the
// handler), so error answers carry them too.
func (d Decision) annotate(err error) error {
	ce, ok := errors.AsType[*connect.Error](err)
	if !ok {
		ce = connect.NewError(connect.CodeOf(err), err)
		err = ce
	}
	d.writeTo(ce.Meta())
	return err
}

// writeTo sets the fields on h: Retry-After only on refusals.
func (d Decision) writeTo(h http.Header) {
	h.Set(HeaderLimit, strconv.Itoa(d.Limit))
	h.Set(HeaderRemaining, strconv.Itoa(d.Remaining))
	h.Set(HeaderReset, strconv.FormatInt(ceilSeconds(d.Reset), 10))
	if !d.Allowed {
		h.Set(HeaderRetryAfter, strconv.FormatInt(max(ceilSeconds(d.RetryAfter), 1), 10))
	}
}

// ceilSeconds rounds up, so a client that waits as long as it is told never
// arrives early.
func ceilSeconds(d time.Duration) int64 {
	return int64((d + time.Second - 1) / time.Second)
}
