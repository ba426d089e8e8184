package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/slipway-dev/slipway/activities/compile"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"github.com/slipway-dev/slipway/activities/lint"
)

// errFindings is the audit's "a finding reached the threshold": exit 1, the
// report already printed.
var errFindings = errors.New("findings at or above the threshold")

// auditReport is the --json shape: the audit API's answer (findings with
// file and line, summary) plus the compiler used.
type auditReport struct {
	Findings        []lint.Finding `json:"findings"`
	Summary         lint.Summary   `json:"summary"`
	CompilerVersion string         `json:"compilerVersion,omitempty"`
}

func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("audit", stderr)
	var lc logConfig
	lc.register(fs)
	asJSON := fs.Bool("json", false, "print the report as JSON (the audit API's shape)")
	asSARIF := fs.Bool("sarif", false, "print the report as SARIF 2.1.0, for code-scanning tools")
	version := fs.String("compiler-version", "", "solc version such as 0.8.24; default: the newest installed version each file's pragma allows")
	failOn := fs.String("fail-on", envString("SLIPWAY_AUDIT_FAIL_ON", ""), "exit 1 when a finding has this severity or higher, whatever its confidence: HIGH, MEDIUM, LOW or INFO; default: the deployment gate's, HIGH findings of HIGH confidence (env SLIPWAY_AUDIT_FAIL_ON)")
	deps := fs.Bool("include-dependencies", false, "also report findings inside @openzeppelin/ files")
	nodeModules := fs.String("node-modules", envString("SLIPWAY_NODE_MODULES", ""), "node_modules folder holding solc and @openzeppelin/contracts; default: found above the working directory, then above the slipway binary (env SLIPWAY_NODE_MODULES)")
	autoInstall := fs.Bool("solc-auto-install", envBool("SLIPWAY_SOLC_AUTO_INSTALL", true), "install a missing solc-js release from npm (env SLIPWAY_SOLC_AUTO_INSTALL)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: slipway audit [--json|--sarif] [--compiler-version V] [--fail-on SEVERITY] FILE.sol...")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: audit needs at least one .sol file", errUsage)
	}
	if *asJSON && *asSARIF {
		return fmt.Errorf("%w: choose one of --json and --sarif", errUsage)
	}
	// Empty: the deployment gate's default (lint.Gate).
	var threshold lint.Severity
	if strings.TrimSpace(*failOn) != "" {
		t, err := lint.ParseSeverity(*failOn)
		if err != nil {
			return fmt.Errorf("%w: --fail-on: %w", errUsage, err)
		}
		threshold = t
	}
	logger, err := lc.logger(stderr)
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	sources, err := readSources(fs.Args())
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if *nodeModules == "" {
		*nodeModules = locateNodeModules()
	}
	pool, err := compile.NewPool(ctx, compile.Config{Size: 1, Logger: logger, AutoInstall: *autoInstall, NodeModules: *nodeModules})
	if err != nil {
		return fmt.Errorf("start solc: %w", err)
	}
	defer pool.Close()

	report, err := auditSources(ctx, pool, sources, *version, *deps)
	var ce *compile.CompileError
	if errors.As(err, &ce) {
		for _, d := range ce.Diagnostics {
			fmt.Fprintln(stderr, d.String())
		}
		return fmt.Errorf("%w: the sources do not compile", errUsage)
	}
	if err != nil {
		if errors.Is(err, compile.ErrNoCompiler) {
			return fmt.Errorf("%w: %w", errUsage, err)
		}
		return err
	}
	switch {
	case *asJSON:
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(report); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	case *asSARIF:
		if err := writeSARIF(stdout, report, sources); err != nil {
			return err
		}
	default:
		for _, f := range report.Findings {
			fmt.Fprintf(stdout, "%s:%d:%d: %s [%s] %s\n", f.File, f.Line, f.Column, f.Severity, f.Detector, f.Title)
		}
		s := report.Summary
		fmt.Fprintf(stdout, "%d high, %d medium, %d low, %d info (solc %s)\n", s.High, s.Medium, s.Low, s.Info, report.CompilerVersion)
	}
	if lint.Gate(report.Findings, threshold) {
		return errFindings
	}
	return nil
}

// readSources reads the files, named as solc will see them: relative to the
// working directory when inside it (so relative imports between them
// resolve), else by base name.
func readSources(paths []string) (map[string]string, error) {
	wd, _ := os.Getwd()
	out := map[string]string{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		name := filepath.Base(p)
		if abs, err := filepath.Abs(p); err == nil && wd != "" {
			if rel, err := filepath.Rel(wd, abs); err == nil && !strings.HasPrefix(rel, "..") {
				name = filepath.ToSlash(rel)
			}
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("%s is given twice", name)
		}
		out[name] = string(b)
	}
	return out, nil
}

// auditSources compiles the sources together and analyses them. Files whose
// pragmas no one compiler satisfies are compiled one by one, each with the
// version its own pragma asks for.
func auditSources(ctx context.Context, pool *compile.Pool, sources map[string]string, version string, deps bool) (auditReport, error) {
	res, err := pool.Compile(ctx, compileapi.Request{Sources: sources, CompilerVersion: version})
	if errors.Is(err, compile.ErrNoCompiler) && version == "" && len(sources) > 1 {
		return auditEach(ctx, pool, sources, deps)
	}
	if err != nil {
		return auditReport{}, err
	}
	findings, err := lint.Analyze(lint.UnitsFromResult(res), lint.Options{IncludeDependencies: deps, CompilerVersion: res.CompilerVersion})
	if err != nil {
		return auditReport{}, fmt.Errorf("analyse: %w", err)
	}
	return auditReport{Findings: nonNil(findings), Summary: lint.Summarize(findings), CompilerVersion: res.CompilerVersion}, nil
}

func auditEach(ctx context.Context, pool *compile.Pool, sources map[string]string, deps bool) (auditReport, error) {
	names := make([]string, 0, len(sources))
	for n := range sources {
		names = append(names, n)
	}
	sort.Strings(names)
	var all []lint.Finding
	var versions []string
	for _, n := range names {
		r, err := auditSources(ctx, pool, map[string]string{n: sources[n]}, "", deps)
		if err != nil {
			return auditReport{}, err
		}
		all = append(all, r.Findings...)
		versions = append(versions, r.CompilerVersion)
	}
	return auditReport{Findings: nonNil(all), Summary: lint.Summarize(all), CompilerVersion: strings.Join(versions, ",")}, nil
}

func nonNil(f []lint.Finding) []lint.Finding {
	if f == nil {
		return []lint.Finding{}
	}
	return f
}

// locateNodeModules finds the node tools for a CLI run from anywhere: above
// the working directory (a project of the user's), else above the binary
// (a checkout's bin/slipway); "" lets the pool report what is missing.
func locateNodeModules() string {
	if nm, err := compile.FindNodeModules(""); err == nil {
		return nm
	}
	if exe, err := os.Executable(); err == nil {
		if nm, err := compile.FindNodeModules(filepath.Dir(exe)); err == nil {
			return nm
		}
	}
	return ""
}
