package compile_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"

	"github.com/slipway-dev/slipway/activities/compile"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
)

// An activity that runs solc heartbeats while it does, so that a worker
// dying mid-compile is noticed within the heartbeat timeout; outside an
// activity Heartbeat does nothing.
func TestHeartbeatWhileCompiling(t *testing.T) {
	compile.Heartbeat(context.Background())() // no activity: no panic

	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	var beats atomic.Int32
	env.SetOnActivityHeartbeatListener(func(*activity.Info, converter.EncodedValues) { beats.Add(1) })
	slow := func(ctx context.Context) error {
		defer compile.Heartbeat(ctx)()
		time.Sleep(compileapi.HeartbeatEvery + compileapi.HeartbeatEvery/2)
		return nil
	}
	env.RegisterActivity(slow)
	if _, err := env.ExecuteActivity(slow); err != nil {
		t.Fatal(err)
	}
	if beats.Load() < 1 {
		t.Fatal("no heartbeat while the activity ran")
	}
	after := beats.Load()
	time.Sleep(compileapi.HeartbeatEvery + 100*time.Millisecond)
	if beats.Load() != after {
		t.Fatal("heartbeats went on after the activity ended")
	}
}
