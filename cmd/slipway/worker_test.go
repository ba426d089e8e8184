package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/slipway-dev/slipway/activities/builds"
	"github.com/slipway-dev/slipway/activities/compile"
	"github.com/slipway-dev/slipway/activities/deploy"
	"github.com/slipway-dev/slipway/activities/lint/auditor"
	"github.com/slipway-dev/slipway/activities/progress"
	"github.com/slipway-dev/slipway/activities/verify"
)

// TestPipelineRegistersEveryActivityName keeps the activity names that the
// workflows call (the Activity… constants declared under activities/, next
// to each stage's request and result types) in step with what the worker
// registers: the exported methods of the activity structs, by reflection
// over their method sets. A renamed method, or a name declared for a
// method that is not there or not registered, fails here rather than as a
// deployment stuck on an activity no worker serves.
func TestPipelineRegistersEveryActivityName(t *testing.T) {
	reg := &recordingRegistry{activities: map[string]string{}}
	registerPipeline(reg, pipelineDeps{Compile: &compile.Activities{}, Lint: &auditor.Activities{},
		Deploy: &deploy.Activities{}, Progress: &progress.Activities{}, Verify: &verify.Activities{}, Builds: &builds.Activities{}})
	for _, e := range reg.errs {
		t.Error(e)
	}
	names := declaredActivityNames(t, filepath.Join("..", "..", "activities"))
	if len(names) < 17 {
		t.Fatalf("found %d activity names under activities/ (%v); the test no longer sees them", len(names), names)
	}
	for constant, name := range names {
		if _, ok := reg.activities[name]; !ok {
			t.Errorf("%s = %q: no activity struct the worker registers has a method %s", constant, name, name)
		}
	}
}

// recordingRegistry is a worker.Registry that records the activities
// registered, by name (a struct's exported methods, as Temporal names
// them), and the struct each came from.
type recordingRegistry struct {
	worker.Registry // nil: registrations the test does not expect panic
	activities      map[string]string
	errs            []string
}

func (r *recordingRegistry) RegisterWorkflow(any)                                      {}
func (r *recordingRegistry) RegisterWorkflowWithOptions(any, workflow.RegisterOptions) {}

func (r *recordingRegistry) RegisterActivity(a any) {
	typ := reflect.TypeOf(a)
	if typ.Kind() != reflect.Pointer || typ.Elem().Kind() != reflect.Struct {
		r.errs = append(r.errs, "registered "+typ.String()+", not a pointer to an activity struct")
		return
	}
	for i := range typ.NumMethod() {
		m := typ.Method(i)
		if prev, ok := r.activities[m.Name]; ok {
			r.errs = append(r.errs, "activity "+m.Name+" registered by both "+prev+" and "+typ.String())
		}
		r.activities[m.Name] = typ.String()
	}
}

// declaredActivityNames answers the package-level string constants named
// Activity<Name> in the non-test Go files under dir, by qualified constant.
func declaredActivityNames(t *testing.T, dir string) map[string]string {
	t.Helper()
	named := regexp.MustCompile(`^Activity[A-Z]`)
	names := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if !named.MatchString(id.Name) {
						continue
					}
					constant := f.Name.Name + "." + id.Name
					lit, ok := ast.Expr(nil), i < len(vs.Values)
					if ok {
						lit = vs.Values[i]
					}
					bl, ok := lit.(*ast.BasicLit)
					if !ok || bl.Kind != token.STRING {
						t.Errorf("%s: %s is not a string literal", path, constant)
						continue
					}
					names[constant], _ = strconv.Unquote(bl.Value)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}
