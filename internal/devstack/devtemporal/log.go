package devtemporal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// fatalError is what a Temporal Fatal or Panic log call becomes while Start is
// still building the server, so that Start can recover it and return an error
// instead of the whole process dying the way zap's Fatal would.
type fatalError struct{ msg string }

func (e fatalError) Error() string { return "temporal: " + e.msg }

// slogLogger feeds Temporal's own logging interface into log/slog. Temporal
// logs a lot at info level; the level filter keeps only what a developer
// running `slipway dev` needs to see.
type slogLogger struct {
	// log already filters by level (see newSlogLogger).
	log   *slog.Logger
	state *logState
}

// logState is shared by every logger derived with With from one server's
// logger.
type logState struct {
	// starting: while true a Fatal panics (and Start recovers); afterwards
	// it only logs.
	starting atomic.Bool
	// stopping: once Stop begins, every poller and connection of the
	// services going away warns that its peer is gone, and goroutines the
	// server leaves behind keep redialing its closed ports. Those warnings
	// say nothing; only errors pass from then on.
	stopping atomic.Bool
}

// droppedMessages are Temporal warnings about features the dev server leaves
// off on purpose, printed on every start.
var droppedMessages = map[string]bool{
	// The frontend's HTTP API (and with it Nexus) is not served: Slipway
	// uses neither, and it would be one more port per stack.
	"HTTP API port has not been set. Nexus HTTP endpoints will not be available. To enable Nexus, follow these instructions: https://github.com/temporalio/temporal/blob/main/docs/architecture/nexus.md#enabling-nexus.": true,
}

var (
	_ log.Logger      = slogLogger{}
	_ log.WithLogger  = slogLogger{}
	_ log.SLogWrapper = slogLogger{}
)

func (s slogLogger) Debug(msg string, tags ...tag.Tag) { s.emit(slog.LevelDebug, msg, tags) }
func (s slogLogger) Info(msg string, tags ...tag.Tag)  { s.emit(slog.LevelInfo, msg, tags) }
func (s slogLogger) Warn(msg string, tags ...tag.Tag)  { s.emit(slog.LevelWarn, msg, tags) }
func (s slogLogger) Error(msg string, tags ...tag.Tag) { s.emit(slog.LevelError, msg, tags) }

// DPanic is a development-time assertion in Temporal; logging it is enough.
func (s slogLogger) DPanic(msg string, tags ...tag.Tag) { s.emit(slog.LevelError, msg, tags) }

// Panic and Fatal abort Start while the server is being built (a port lost to
// a race, a bad config) and only log once it runs: an embedded dev server must
// not take down the process that also owns Postgres and anvil.
func (s slogLogger) Panic(msg string, tags ...tag.Tag) { s.fatal(msg, tags) }
func (s slogLogger) Fatal(msg string, tags ...tag.Tag) { s.fatal(msg, tags) }

func (s slogLogger) fatal(msg string, tags []tag.Tag) {
	s.emit(slog.LevelError, msg, tags)
	if s.state.starting.Load() {
		panic(fatalError{msg: msg})
	}
}

// With lets Temporal pre-bind tags (service name, shard id) without copying
// them on every call.
func (s slogLogger) With(tags ...tag.Tag) log.Logger {
	s.log = slog.New(s.log.Handler().WithAttrs(tagsToAttrs(tags)))
	return s
}

// SLog hands Temporal's components that speak slog directly the same
// filtered logger.
func (s slogLogger) SLog() *slog.Logger { return s.log }

func (s slogLogger) emit(level slog.Level, msg string, tags []tag.Tag) {
	ctx := context.Background()
	if !s.log.Enabled(ctx, level) {
		return
	}
	s.log.LogAttrs(ctx, level, msg, tagsToAttrs(tags)...)
}

func newSlogLogger(base *slog.Logger, level slog.Leveler, state *logState) slogLogger {
	return slogLogger{
		log:   slog.New(filterHandler{level: level, state: state, next: base.Handler()}),
		state: state,
	}
}

func tagsToAttrs(tags []tag.Tag) []slog.Attr {
	attrs := make([]slog.Attr, 0, len(tags))
	for _, t := range tags {
		if t == nil {
			continue
		}
		attrs = append(attrs, slog.Any(t.Key(), t.Value()))
	}
	return attrs
}

// filterHandler puts the minimum level, the shutdown quiet and
// droppedMessages in front of another handler. state may be nil.
type filterHandler struct {
	level slog.Leveler
	state *logState
	next  slog.Handler
}

func (h filterHandler) Enabled(ctx context.Context, l slog.Level) bool {
	if l < h.level.Level() {
		return false
	}
	if l < slog.LevelError && h.state != nil && h.state.stopping.Load() {
		return false
	}
	return h.next.Enabled(ctx, l)
}

func (h filterHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelError && droppedMessages[r.Message] {
		return nil
	}
	if h.state != nil && h.state.stopping.Load() && shutdownNoise(r) {
		return nil
	}
	return h.next.Handle(ctx, r)
}

// shutdownErrors are what in-flight work reports when the services cancel it
// on Stop (long polls, task queue loads, task hand-offs to a task queue
// being unloaded). Temporal logs each as an error; the work is retried from
// the database on the next start.
var shutdownErrors = []string{
	context.Canceled.Error(),
	"task queue closed",
	"task queue shutting down",
}

// shutdownNoise reports whether a record's error is one of shutdownErrors.
func shutdownNoise(r slog.Record) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		if a.Key != "error" {
			return true
		}
		v := a.Value.Resolve().Any()
		if err, ok := v.(error); ok && errors.Is(err, context.Canceled) {
			found = true
			return false
		}
		text := fmt.Sprint(v)
		for _, s := range shutdownErrors {
			if strings.Contains(text, s) {
				found = true
			}
		}
		return !found
	})
	return found
}

func (h filterHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	h.next = h.next.WithAttrs(attrs)
	return h
}

func (h filterHandler) WithGroup(name string) slog.Handler {
	h.next = h.next.WithGroup(name)
	return h
}
