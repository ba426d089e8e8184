package proc

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestCheckExecutable(t *testing.T) {
	dir := t.TempDir()
	exe, plain := filepath.Join(dir, "tool"), filepath.Join(dir, "data")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		path string
		want error
	}{
		"executable": {exe, nil}, "not executable": {plain, fs.ErrPermission},
		"folder": {dir, fs.ErrInvalid}, "missing": {filepath.Join(dir, "nope"), fs.ErrNotExist},
	} {
		if err := CheckExecutable(c.path); !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}

func TestUnderCIAndStartDirs(t *testing.T) {
	for v, want := range map[string]bool{"true": true, "1": true, "": false, "0": false, "false": false, "No": false} {
		t.Setenv("CI", v)
		if got := UnderCI(); got != want {
			t.Errorf("CI=%q: %v", v, got)
		}
	}
	wd, _ := os.Getwd()
	if dirs := StartDirs(); len(dirs) == 0 || dirs[0] != wd {
		t.Fatalf("start dirs %v, want the working directory first", dirs)
	}
}
