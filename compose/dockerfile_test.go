package compose

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// stage is one FROM ... [AS name] section of a Dockerfile.
type stage struct {
	name, from string
	// instructions in order, continuation lines joined, comments dropped.
	instructions []instruction
}

type instruction struct {
	line      int
	op, args  string
	copyFrom  string // COPY --from=X
	isCopyAdd bool
}

// parseDockerfile reads stages the simple way: one instruction per line after
// joining backslash continuations. Heredocs are not used in this project's
// Dockerfile and are refused rather than misread.
func parseDockerfile(path string) ([]stage, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open dockerfile: %w", err)
	}
	defer f.Close()
	var (
		stages  []stage
		pending strings.Builder
		start   int
		n       int
	)
	sc := bufio.NewScanner(f)
	flush := func() error {
		text := strings.TrimSpace(pending.String())
		pending.Reset()
		if text == "" {
			return nil
		}
		op, args, _ := strings.Cut(text, " ")
		op = strings.ToUpper(op)
		args = strings.TrimSpace(args)
		if strings.Contains(args, "<<") && (op == "RUN" || op == "COPY") {
			return fmt.Errorf("%s:%d: heredocs are not supported by this parser", path, start)
		}
		if op == "FROM" {
			fields := strings.Fields(args)
			var from, name string
			for i := 0; i < len(fields); i++ {
				switch {
				case strings.HasPrefix(fields[i], "--"):
				case strings.EqualFold(fields[i], "AS") && i+1 < len(fields):
					name = fields[i+1]
					i++
				case from == "":
					from = fields[i]
				}
			}
			stages = append(stages, stage{name: name, from: from})
			return nil
		}
		if len(stages) == 0 {
			if op != "ARG" {
				return fmt.Errorf("%s:%d: %s before the first FROM", path, start, op)
			}
			return nil
		}
		in := instruction{line: start, op: op, args: args, isCopyAdd: op == "COPY" || op == "ADD"}
		if in.isCopyAdd {
			for _, fl := range strings.Fields(args) {
				if v, ok := strings.CutPrefix(fl, "--from="); ok {
					in.copyFrom = v
				}
			}
		}
		st := &stages[len(stages)-1]
		st.instructions = append(st.instructions, in)
		return nil
	}
	for sc.Scan() {
		n++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if pending.Len() == 0 {
			if trimmed == "" || strings.HasPrefix(trimmed, "#") {
				continue
			}
			start = n
		} else if strings.HasPrefix(trimmed, "#") {
			continue // comment lines inside a continuation are dropped
		}
		if cont, ok := strings.CutSuffix(trimmed, "\\"); ok {
			pending.WriteString(cont + " ")
			continue
		}
		pending.WriteString(trimmed)
		if err := flush(); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read dockerfile: %w", err)
	}
	if pending.Len() > 0 {
		return nil, fmt.Errorf("%s: ends inside a continued line", path)
	}
	if len(stages) == 0 {
		return nil, fmt.Errorf("%s: no FROM", path)
	}
	return stages, nil
}

// effectiveUser follows a stage's FROM chain through earlier stages and
// answers the last USER set, or "" (root) when none is.
func effectiveUser(stages []stage, i int) string {
	for i >= 0 {
		for j := len(stages[i].instructions) - 1; j >= 0; j-- {
			if in := stages[i].instructions[j]; in.op == "USER" {
				return in.args
			}
		}
		parent := stages[i].from
		i = slices.IndexFunc(stages[:i], func(s stage) bool { return s.name == parent })
	}
	return ""
}

var rootUser = regexp.MustCompile(`^(root|0)(:.*)?$`)

// checkDockerfile checks the stages statically: the image a plain
// `docker build` produces is the runtime, it runs slipway as a non-root user,
// and every COPY --from names an earlier stage.
func checkDockerfile(stages []stage) []error {
	var errs []error
	names := map[string]int{}
	for i, s := range stages {
		if s.name != "" {
			if _, dup := names[s.name]; dup {
				errs = append(errs, fmt.Errorf("stage %s defined twice", s.name))
			}
			names[s.name] = i
		}
		for _, in := range s.instructions {
			if in.copyFrom == "" {
				continue
			}
			j, ok := names[in.copyFrom]
			if !ok || j >= i {
				errs = append(errs, fmt.Errorf("line %d: COPY --from=%s names no earlier stage", in.line, in.copyFrom))
			}
		}
	}
	last := len(stages) - 1
	if stages[last].name != "runtime" {
		errs = append(errs, fmt.Errorf("the last stage is %q; `docker build .` should produce the runtime stage", stages[last].name))
	}
	for _, want := range []string{"runtime", "anvil"} {
		i, ok := names[want]
		if !ok {
			errs = append(errs, fmt.Errorf("no stage %s", want))
			continue
		}
		if u := effectiveUser(stages, i); u == "" || rootUser.MatchString(u) {
			errs = append(errs, fmt.Errorf("stage %s runs as root (USER %q)", want, u))
		}
	}
	if i, ok := names["runtime"]; ok {
		var entry string
		for _, in := range stages[i].instructions {
			if in.op == "ENTRYPOINT" {
				entry = in.args
			}
		}
		if entry != `["slipway"]` {
			errs = append(errs, fmt.Errorf("runtime ENTRYPOINT %s, want [\"slipway\"]", entry))
		}
		if !slices.ContainsFunc(stages[i].instructions, func(in instruction) bool {
			return in.op == "ENV" && strings.Contains(in.args, "SLIPWAY_NODE_MODULES=")
		}) {
			errs = append(errs, errors.New("runtime stage does not point SLIPWAY_NODE_MODULES at the solc-js packages"))
		}
	}
	return errs
}

func TestDockerfile(t *testing.T) {
	stages, err := parseDockerfile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range checkDockerfile(stages) {
		t.Error(err)
	}
}

// TestDockerfileNodePackages wants the packages the runtime image keeps, and
// anvil's, to be ones package.json pins, so that a rename there cannot
// silently leave the worker without solc-js or the chain image without anvil.
func TestDockerfileNodePackages(t *testing.T) {
	root := repoRoot(t)
	stages, err := parseDockerfile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct{ Dependencies, DevDependencies map[string]string }
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatal(err)
	}
	pinned := func(name string) bool { return pkg.Dependencies[name] != "" || pkg.DevDependencies[name] != "" }
	var keep []string
	for _, s := range stages {
		for _, in := range s.instructions {
			if v, ok := strings.CutPrefix(in.args, "RUNTIME_NODE_PACKAGES="); ok && in.op == "ARG" && s.name == "node-runtime" {
				keep = strings.Fields(strings.Trim(v, `"`))
			}
		}
	}
	if !slices.Contains(keep, "solc") || !slices.Contains(keep, "@openzeppelin/contracts") {
		t.Errorf("node-runtime keeps %q; the worker needs solc and @openzeppelin/contracts", keep)
	}
	for _, name := range keep {
		if !pinned(name) {
			t.Errorf("node-runtime keeps %s, which package.json does not pin", name)
		}
	}
	if !pinned("@foundry-rs/anvil") {
		t.Error("the anvil stage copies @foundry-rs/anvil's binary, which package.json does not pin")
	}
}

func TestDockerfileChecksCatchBreakage(t *testing.T) {
	base, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	breaks := map[string]func(string) string{
		"root runtime": func(s string) string {
			return strings.Replace(s, "USER slipway:slipway\n# 8080", "USER root\n# 8080", 1)
		},
		"no USER at all": func(s string) string { return strings.ReplaceAll(s, "USER slipway:slipway", "") },
		"COPY from an unknown stage": func(s string) string {
			return strings.Replace(s, "--from=node-runtime", "--from=node-deps", 1)
		},
		"runtime not last": func(s string) string { return s + "\nFROM base AS extra\n" },
		"other entrypoint": func(s string) string {
			return strings.Replace(s, `ENTRYPOINT ["slipway"]`, `ENTRYPOINT ["/bin/sh"]`, 1)
		},
	}
	for name, brk := range breaks {
		t.Run(name, func(t *testing.T) {
			broken := brk(string(base))
			if broken == string(base) {
				t.Fatal("the mutation did not change the Dockerfile; update the test")
			}
			path := filepath.Join(t.TempDir(), "Dockerfile")
			if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
				t.Fatal(err)
			}
			stages, err := parseDockerfile(path)
			if err != nil {
				t.Fatal(err)
			}
			if errs := checkDockerfile(stages); len(errs) == 0 {
				t.Error("checkDockerfile found nothing wrong")
			} else {
				t.Log(errors.Join(errs...))
			}
		})
	}
}
