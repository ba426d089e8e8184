package lint

import (
	"fmt"
	"strings"
	"testing"
)

func FuzzSrcLocation(f *testing.F) {
	f.Add("0:10:0", "contract A {}\n")
	f.Add("5:3:1", "a\nbé\r\nc")
	f.Add("-1:-1:-1", "")
	f.Add("12:0:-1", "x")
	f.Fuzz(func(t *testing.T, src, text string) {
		s, err := ParseSrc(src)
		if err != nil {
			return
		}
		if s.Start < 0 || s.Length < 0 || s.File < -1 {
			t.Fatalf("ParseSrc(%q) = %+v", src, s)
		}
		if back, err := ParseSrc(fmt.Sprintf("%d:%d:%d", s.Start, s.Length, s.File)); err != nil || back != s {
			t.Fatalf("round trip of %+v: %+v, %v", s, back, err)
		}
		li := NewLineIndex(text)
		line, col := li.Position(s.Start)
		if line < 1 || col < 1 || line > strings.Count(text, "\n")+1 {
			t.Fatalf("Position(%d) = %d:%d in %q", s.Start, line, col, text)
		}
		if s.Start <= len(text) {
			wantLine := strings.Count(text[:s.Start], "\n") + 1
			if line != wantLine {
				t.Fatalf("Position(%d) line %d, want %d", s.Start, line, wantLine)
			}
		}
	})
}

// FuzzAnalyze feeds arbitrary JSON as an AST: errors are fine, panics are
// not.
func FuzzAnalyze(f *testing.F) {
	f.Add(`{"nodeType":"SourceUnit","src":"0:0:0","nodes":[{"nodeType":"ContractDefinition","src":"0:1:0","id":3,"nodes":[]}]}`)
	f.Add(`{"nodeType":"SourceUnit","src":"0:5:0","nodes":[{"nodeType":"FunctionCall","src":"0:1:0","expression":{"nodeType":"MemberAccess","src":"0:1:0","memberName":"call"}}]}`)
	f.Fuzz(func(t *testing.T, ast string) {
		_, _ = Analyze([]Unit{{Path: "a.sol", Source: "contract A {}", AST: []byte(ast)}}, Options{})
	})
}
