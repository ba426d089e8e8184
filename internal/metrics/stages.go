package metrics

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
)

// DeploymentStages maps the deployment workflow's activity names (the
// method names of the stage structs, as RegisterActivity names them) to
// their stage. Record, the progress writer, and FillNonce, the clean-up of
// a failed deployment, belong to no stage and are left out.
var DeploymentStages = map[string]string{
	"Generate":  StageGenerate,
	"Audit":     StageLint,
	"Compile":   StageCompile,
	"Prepare":   StageDeploy,
	"Broadcast": StageDeploy,
	"Await":     StageConfirm,
	"Bump":      StageConfirm,
	"Confirm":   StageConfirm,
}

// StageInterceptor times every activity call that workflowType's runs make
// and that stages names, into slipway_deployment_stage_seconds. Timing at
// the worker rather than inside each activity covers every stage, failed
// calls included, with one piece of code; filtering on the workflow type
// keeps the compile and audit RPCs' own workflows, which call the same
// activities, out of the deployment figures. A nil Worker answers nil.
func (w *Worker) StageInterceptor(workflowType string, stages map[string]string) interceptor.WorkerInterceptor {
	if w == nil {
		return nil
	}
	return &stageInterceptor{m: w, workflowType: workflowType, stages: stages}
}

type stageInterceptor struct {
	interceptor.WorkerInterceptorBase
	m            *Worker
	workflowType string
	stages       map[string]string
}

func (s *stageInterceptor) InterceptActivity(ctx context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	i := &stageActivity{s: s}
	i.Next = next
	return i
}

type stageActivity struct {
	interceptor.ActivityInboundInterceptorBase
	s *stageInterceptor
}

func (a *stageActivity) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	info := activity.GetInfo(ctx)
	stage, ok := a.s.stages[info.ActivityType.Name]
	if !ok || info.WorkflowType == nil || info.WorkflowType.Name != a.s.workflowType {
		return a.Next.ExecuteActivity(ctx, in)
	}
	start := time.Now()
	defer func() { a.s.m.ObserveStage(stage, time.Since(start)) }()
	return a.Next.ExecuteActivity(ctx, in)
}
