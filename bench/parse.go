package main

import (
	"bufio"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Result is one line of `go test -bench` output: a benchmark's iterations
// and every figure it reported (ns/op, B/op, allocs/op and the custom
// metrics of b.ReportMetric), keyed by unit.
type Result struct {
	Pkg        string             `json:"pkg"`
	Name       string             `json:"name"`  // without the -GOMAXPROCS suffix
	Procs      int                `json:"procs"` // GOMAXPROCS, 1 when the name has no suffix
	Iterations int64              `json:"iterations"`
	Metrics    map[string]float64 `json:"metrics"`
}

// Output is what one `go test -bench` run printed, parsed.
type Output struct {
	Results []Result
	// CPU is the "cpu:" header line, when go test printed one.
	CPU string
	// Failed lists the benchmarks that printed "--- FAIL".
	Failed []string
}

var (
	// A result: the name, then the iteration count and "value unit"
	// pairs, tab separated. The name may come alone first (the testing
	// package prints it before running the benchmark), with the figures
	// on a later line when something wrote to the output meanwhile.
	benchName    = regexp.MustCompile(`^(Benchmark\S*)\s*(.*)$`)
	figuresOnly  = regexp.MustCompile(`^\s*(\d+)\s+(\S+\s+\S+.*)$`)
	procsSuffix  = regexp.MustCompile(`^(.*)-(\d+)$`)
	failedMarker = regexp.MustCompile(`^\s*--- FAIL: (Benchmark\S+)`)
)

// Parse reads `go test -bench` output. Lines it does not know (logs,
// headers other than pkg and cpu, PASS/ok) are skipped.
func Parse(r io.Reader) (Output, error) {
	var out Output
	var pkg, pending string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case strings.HasPrefix(line, "pkg: "):
			pkg = strings.TrimSpace(strings.TrimPrefix(line, "pkg: "))
			continue
		case strings.HasPrefix(line, "cpu: "):
			out.CPU = strings.TrimSpace(strings.TrimPrefix(line, "cpu: "))
			continue
		}
		if m := failedMarker.FindStringSubmatch(line); m != nil {
			name, _ := splitProcs(m[1])
			out.Failed = append(out.Failed, name)
			pending = ""
			continue
		}
		if m := benchName.FindStringSubmatch(line); m != nil {
			if r, ok := parseFigures(m[1], m[2]); ok {
				r.Pkg = pkg
				out.Results = append(out.Results, r)
				pending = ""
			} else {
				pending = m[1]
			}
			continue
		}
		if pending != "" {
			if m := figuresOnly.FindStringSubmatch(line); m != nil {
				if r, ok := parseFigures(pending, m[1]+"\t"+m[2]); ok {
					r.Pkg = pkg
					out.Results = append(out.Results, r)
					pending = ""
				}
			}
		}
	}
	return out, sc.Err()
}

// parseFigures reads "N  v1 unit1  v2 unit2 …" after a benchmark's name.
func parseFigures(fullName, rest string) (Result, bool) {
	fields := strings.Fields(rest)
	if len(fields) < 3 || len(fields)%2 == 0 {
		return Result{}, false
	}
	n, err := strconv.ParseInt(fields[0], 10, 64)
	if err != nil {
		return Result{}, false
	}
	metrics := map[string]float64{}
	for i := 1; i+1 < len(fields); i += 2 {
		v, err := strconv.ParseFloat(fields[i], 64)
		if err != nil {
			return Result{}, false
		}
		metrics[fields[i+1]] = v
	}
	name, procs := splitProcs(fullName)
	return Result{Name: name, Procs: procs, Iterations: n, Metrics: metrics}, true
}

// splitProcs strips the -GOMAXPROCS suffix the testing package appends
// when GOMAXPROCS > 1, as benchstat does.
func splitProcs(name string) (string, int) {
	if m := procsSuffix.FindStringSubmatch(name); m != nil {
		if p, err := strconv.Atoi(m[2]); err == nil {
			return m[1], p
		}
	}
	return name, 1
}
