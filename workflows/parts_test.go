package workflows

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/slipway-dev/slipway/activities/builds/buildsapi"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"github.com/slipway-dev/slipway/activities/deploy/deployapi"
	"github.com/slipway-dev/slipway/activities/progress/progressapi"
	"github.com/slipway-dev/slipway/activities/verify/verifyapi"
	"github.com/slipway-dev/slipway/internal/deprole"
	"github.com/slipway-dev/slipway/internal/status"
)

// partsEnv is a deployEnv whose DeploymentWorkflow can start itself as a
// child, with a fake chain that confirms whatever Prepare signs unless
// fail names the deployment, and rows whose status PartStatus answers.
type partsEnv struct {
	*deployEnv
	mu       sync.Mutex
	prepared map[string][]deployapi.PrepareInput
	rows     map[string]progressapi.PartStatus
	fail     map[string]bool
}

func newPartsEnv(t *testing.T, own ...string) *partsEnv {
	e := &partsEnv{deployEnv: newDeployEnv(t, append(own, "Record")...), prepared: map[string][]deployapi.PrepareInput{},
		rows: map[string]progressapi.PartStatus{}, fail: map[string]bool{}}
	e.RegisterWorkflowWithOptions(DeploymentWorkflow, workflow.RegisterOptions{Name: DeploymentWorkflowName})
	// Record keeps each row's status, as the database would.
	e.OnActivity(progressapi.ActivityRecord, mock.Anything, mock.Anything).Return(func(_ context.Context, s progressapi.Step) error {
		e.deployEnv.mu.Lock()
		e.steps = append(e.steps, s)
		e.deployEnv.mu.Unlock()
		e.mu.Lock()
		defer e.mu.Unlock()
		r := e.rows[s.DeploymentID]
		if status.IsTerminal(r.Status) {
			return nil
		}
		r.Status = s.Status
		if s.ContractAddress != nil {
			r.ContractAddress = *s.ContractAddress
		}
		if s.Error != nil {
			r.Error = *s.Error
		}
		e.rows[s.DeploymentID] = r
		return nil
	})
	e.OnActivity(progressapi.ActivityPartStatus, mock.Anything, mock.Anything).Return(func(_ context.Context, id string) (progressapi.PartStatus, error) {
		e.mu.Lock()
		defer e.mu.Unlock()
		r := e.rows[id]
		if r.Status == "" {
			r.Status = status.Pending
		}
		return r, nil
	}).Maybe()
	e.OnActivity(deployapi.ActivityPrepare, mock.Anything, mock.Anything).Return(func(_ context.Context, in deployapi.PrepareInput) (deployapi.PrepareResult, error) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.prepared[in.DeploymentID] = append(e.prepared[in.DeploymentID], in)
		return deployapi.PrepareResult{TxHash: "0x" + strings.Repeat("1", 64), ContractAddress: addressOf(in.DeploymentID)}, nil
	}).Maybe()
	e.OnActivity(deployapi.ActivityAwait, mock.Anything, mock.Anything).Return(deployapi.AwaitResult{Included: true}, nil).Maybe()
	e.OnActivity(deployapi.ActivityConfirm, mock.Anything, mock.Anything).Return(func(_ context.Context, in deployapi.ConfirmInput) (deployapi.ConfirmResult, error) {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.fail[in.DeploymentID] {
			return deployapi.ConfirmResult{}, temporal.NewNonRetryableApplicationError("the transaction reverted", deployapi.ErrTypeReverted, nil)
		}
		return deployapi.ConfirmResult{Confirmed: true, Confirmations: 1, TxHash: "0x" + strings.Repeat("1", 64), ContractAddress: addressOf(in.DeploymentID), BlockNumber: 9}, nil
	}).Maybe()
	return e
}

// addressOf is the fake chain's address for a deployment's contract.
func addressOf(id string) string { return "0x" + strings.Repeat(id[len(id)-1:], 40) }

func (e *partsEnv) preparedFor(id string) []deployapi.PrepareInput {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.prepared[id]
}

func part(id, network string) DeploymentInput {
	p := input()
	p.DeploymentID, p.Network, p.WorkflowID, p.Role = id, network, "deployment-"+id, deprole.Deploy
	return p
}

const (
	parentID = "00000000-0000-4000-8000-0000000000f0"
	partA    = "00000000-0000-4000-8000-0000000000a1"
	partB    = "00000000-0000-4000-8000-0000000000b2"
)

func fanoutInput() DeploymentInput {
	in := input()
	in.DeploymentID, in.Network, in.Role = parentID, "", deprole.Fanout
	in.Parts = []DeploymentInput{part(partA, "alpha"), part(partB, "beta")}
	return in
}

// A multi-network deployment compiles once and deploys each network as
// its own child; one network failing leaves the other CONFIRMED and the
// whole PARTIALLY_CONFIRMED.
func TestFanoutCompilesOnceAndAggregates(t *testing.T) {
	e := newPartsEnv(t, "Compile")
	compiles := 0
	e.OnActivity(compileapi.ActivityCompile, mock.Anything, mock.Anything).Return(func(context.Context, compileapi.Request) (compileapi.Result, error) {
		compiles++
		return compileapi.Result{CompilerVersion: "0.8.37", Contracts: []compileapi.Contract{{Name: "Store", ABI: "[]", Bytecode: "0x6000"}}}, nil
	})
	e.fail[partB] = true
	e.ExecuteWorkflow(DeploymentWorkflow, fanoutInput())
	if err := e.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res DeploymentResult
	if err := e.GetWorkflowResult(&res); err != nil || res.Status != status.PartiallyConfirmed {
		t.Fatalf("result %+v %v", res, err)
	}
	if compiles != 1 {
		t.Fatalf("compiled %d times, want once", compiles)
	}
	if len(e.preparedFor(partA)) != 1 || len(e.preparedFor(partB)) != 1 || len(e.preparedFor(parentID)) != 0 {
		t.Fatalf("prepared: a %d, b %d, parent %d", len(e.preparedFor(partA)), len(e.preparedFor(partB)), len(e.preparedFor(parentID)))
	}
	if e.rows[partA].Status != status.Confirmed || e.rows[partB].Status != status.Failed {
		t.Fatalf("parts %+v", e.rows)
	}
	if got := e.rows[parentID]; got.Status != status.PartiallyConfirmed || !strings.Contains(got.Error, "beta") {
		t.Fatalf("parent %+v", got)
	}
}

// A fan-out that finds a part already ended (its parent's run was reset)
// does not run it again.
func TestFanoutSkipsEndedParts(t *testing.T) {
	e := newPartsEnv(t)
	e.rows[partA] = progressapi.PartStatus{Status: status.Confirmed, ContractAddress: addressOf(partA)}
	e.ExecuteWorkflow(DeploymentWorkflow, fanoutInput())
	var res DeploymentResult
	if err := e.GetWorkflowResult(&res); err != nil || res.Status != status.PartiallyConfirmed && res.Status != status.Confirmed {
		t.Fatalf("result %+v %v", res, err)
	}
	if n := len(e.preparedFor(partA)); n != 0 {
		t.Fatalf("an ended part was prepared %d times", n)
	}
	if n := len(e.preparedFor(partB)); n != 1 {
		t.Fatalf("the unfinished part was prepared %d times, want 1", n)
	}
}

// Every network failing fails the whole.
func TestFanoutAllFailed(t *testing.T) {
	e := newPartsEnv(t)
	e.fail[partA], e.fail[partB] = true, true
	e.ExecuteWorkflow(DeploymentWorkflow, fanoutInput())
	if err := e.GetWorkflowError(); err == nil || !strings.Contains(err.Error(), "no network deployed") {
		t.Fatalf("error %v", err)
	}
	if e.rows[parentID].Status != status.Failed {
		t.Fatalf("parent %+v", e.rows[parentID])
	}
}

// A salted deployment whose address already holds its contract is
// CONFIRMED without broadcasting anything, and verified.
func TestSaltedAlreadyDeployedConfirmsWithoutATransaction(t *testing.T) {
	e := newDeployEnv(t, "Broadcast", "Verify")
	e.OnActivity(deployapi.ActivityPrepare, mock.Anything, mock.Anything).Return(deployapi.PrepareResult{AlreadyDeployed: true, ContractAddress: "0xabc"}, nil)
	var verified verifyapi.Input
	e.OnActivity(verifyapi.ActivityVerify, mock.Anything, mock.Anything).Return(func(_ context.Context, in verifyapi.Input) (verifyapi.Result, error) {
		verified = in
		return verifyapi.Result{Status: progressapi.VerificationVerified, Match: "full"}, nil
	})
	in := input()
	in.Salt = "0x" + strings.Repeat("ab", 32)
	e.ExecuteWorkflow(DeploymentWorkflow, in)
	var res DeploymentResult
	if err := e.GetWorkflowResult(&res); err != nil || res.Status != status.Confirmed || res.ContractAddress != "0xabc" || res.TxHash != "" {
		t.Fatalf("result %+v %v", res, err)
	}
	if verified.Address != "0xabc" || verified.CreationTxHash != "" {
		t.Fatalf("verified %+v", verified)
	}
}

const upgradeableTemplate = `{"kind":"ERC20","name":"Tok","symbol":"TOK","options":{"upgradeable":"uups"}}`

// initializeABI is what the generated UUPS token's ABI says of initialize.
const initializeABI = `[{"type":"constructor","inputs":[]},{"type":"function","name":"initialize","inputs":[{"name":"initialOwner","type":"address"}],"outputs":[],"stateMutability":"nonpayable"}]`

// An upgradeable deployment deploys its implementation as a child first,
// then the proxy whose constructor calls initialize with the request's
// arguments; the row records both addresses.
func TestUpgradeableDeploysImplementationThenProxy(t *testing.T) {
	e := newPartsEnv(t, "Compile")
	e.OnActivity(compileapi.ActivityCompile, mock.Anything, mock.Anything).Return(func(_ context.Context, req compileapi.Request) (compileapi.Result, error) {
		if strings.HasPrefix(req.ContractName, "Slipway") {
			return compileapi.Result{CompilerVersion: "0.8.37", Contracts: []compileapi.Contract{{Name: req.ContractName,
				ABI: `[{"type":"constructor","inputs":[{"name":"implementation","type":"address"},{"name":"data","type":"bytes"}]}]`, Bytecode: "0x6001"}}}, nil
		}
		return compileapi.Result{CompilerVersion: "0.8.37", Contracts: []compileapi.Contract{{Name: req.ContractName, ABI: initializeABI, Bytecode: "0x6002"}}}, nil
	})
	in := input()
	in.Source, in.ContractName, in.Template, in.ProxyKind = "", "", json.RawMessage(upgradeableTemplate), "uups"
	in.ConstructorArgs = []json.RawMessage{json.RawMessage(`"0x00000000000000000000000000000000000000aa"`)}
	impl := part("00000000-0000-4000-8000-0000000000c3", "dev")
	impl.Role = deprole.Implementation
	in.Parts = []DeploymentInput{impl}
	e.ExecuteWorkflow(DeploymentWorkflow, in)
	var res DeploymentResult
	if err := e.GetWorkflowResult(&res); err != nil || res.Status != status.Confirmed {
		t.Fatalf("result %+v %v", res, err)
	}
	ip := e.preparedFor(impl.DeploymentID)
	if len(ip) != 1 || ip[0].Bytecode != "0x6002" || len(ip[0].ConstructorArgs) != 0 {
		t.Fatalf("implementation prepared %+v", ip)
	}
	pp := e.preparedFor(in.DeploymentID)
	if len(pp) != 1 || pp[0].Bytecode != "0x6001" || len(pp[0].ConstructorArgs) != 2 {
		t.Fatalf("proxy prepared %+v", pp)
	}
	if got := string(pp[0].ConstructorArgs[0]); !strings.EqualFold(got, `"`+addressOf(impl.DeploymentID)+`"`) {
		t.Fatalf("proxy's implementation argument %s", got)
	}
	// initialize(address) is 0xc4d66de8.
	if got := string(pp[0].ConstructorArgs[1]); !strings.HasPrefix(got, `"0xc4d66de8`) || !strings.HasSuffix(got, `aa"`) {
		t.Fatalf("proxy's initializer call %s", got)
	}
	var implAddr string
	for _, s := range e.steps {
		if s.DeploymentID == in.DeploymentID && s.ImplementationAddress != nil {
			implAddr = *s.ImplementationAddress
		}
	}
	if !strings.EqualFold(implAddr, addressOf(impl.DeploymentID)) {
		t.Fatalf("recorded implementation %q", implAddr)
	}
}

func upgradeInput() DeploymentInput {
	in := input()
	in.Role, in.ProxyKind = deprole.Upgrade, "uups"
	in.Upgrade = &UpgradeTarget{ProxyDeploymentID: "00000000-0000-4000-8000-0000000000d4", Proxy: "0x" + strings.Repeat("d", 40), Current: "00000000-0000-4000-8000-0000000000d4"}
	impl := part("00000000-0000-4000-8000-0000000000e5", "dev")
	impl.Role = deprole.Implementation
	in.Parts = []DeploymentInput{impl}
	return in
}

// An upgrade OpenZeppelin's rules refuse fails with the report before
// anything is signed.
func TestUpgradeRefusedWhenUnsafe(t *testing.T) {
	e := newPartsEnv(t)
	e.OnActivity(buildsapi.ActivityCheckUpgrade, mock.Anything, mock.Anything).Return(buildsapi.CheckResult{Safe: false, Errors: []string{"storage-delete: Store: Deleted `a`"}, Report: "Deleted `a`"}, nil)
	in := upgradeInput()
	e.ExecuteWorkflow(DeploymentWorkflow, in)
	if err := e.GetWorkflowError(); err == nil || !strings.Contains(err.Error(), "Deleted `a`") {
		t.Fatalf("error %v", err)
	}
	if n := len(e.preparedFor(in.DeploymentID)) + len(e.preparedFor(in.Parts[0].DeploymentID)); n != 0 {
		t.Fatalf("%d transactions prepared for an unsafe upgrade", n)
	}
	var report buildsapi.CheckResult
	for _, s := range e.steps {
		if len(s.UpgradeSafety) > 0 {
			_ = json.Unmarshal(s.UpgradeSafety, &report)
		}
	}
	if report.Safe || len(report.Errors) != 1 {
		t.Fatalf("recorded report %+v", report)
	}
}

// A safe upgrade deploys the new implementation, calls upgradeToAndCall on
// the proxy and points the proxy's deployment at the new implementation.
func TestUpgradeDeploysAndPointsTheProxy(t *testing.T) {
	e := newPartsEnv(t)
	e.OnActivity(buildsapi.ActivityCheckUpgrade, mock.Anything, mock.Anything).Return(buildsapi.CheckResult{Safe: true}, nil)
	var set progressapi.Implementation
	e.OnActivity(progressapi.ActivitySetImplementation, mock.Anything, mock.Anything).Return(func(_ context.Context, i progressapi.Implementation) error {
		set = i
		return nil
	})
	in := upgradeInput()
	e.ExecuteWorkflow(DeploymentWorkflow, in)
	var res DeploymentResult
	if err := e.GetWorkflowResult(&res); err != nil || res.Status != status.Confirmed {
		t.Fatalf("result %+v %v", res, err)
	}
	call := e.preparedFor(in.DeploymentID)
	if len(call) != 1 || !strings.EqualFold(call[0].To, in.Upgrade.Proxy) || !strings.HasPrefix(call[0].Data, "0x4f1ef286") || call[0].Bytecode != "" {
		t.Fatalf("upgrade call %+v", call)
	}
	if !strings.EqualFold(set.Address, addressOf(in.Parts[0].DeploymentID)) || set.DeploymentID != in.Upgrade.ProxyDeploymentID {
		t.Fatalf("SetImplementation %+v", set)
	}
}
