package proc

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// StartDirs answers where the dev stack's tools look upward for the
// repository's files (node_modules, tools.mod): the working directory,
// where tests run in their package's folder, and the running executable's
// folder, for a binary started from elsewhere.
func StartDirs() []string {
	var dirs []string
	if wd, err := os.Getwd(); err == nil {
		dirs = append(dirs, wd)
	}
	if exe, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		dirs = append(dirs, filepath.Dir(exe))
	}
	return dirs
}

// CheckExecutable reports whether p is a regular file that may be run.
func CheckExecutable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: %w", p, fs.ErrInvalid)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s: not executable: %w", p, fs.ErrPermission)
	}
	return nil
}

// UnderCI reports whether CI is set (and not "false", "0" or "no"): there a
// tool the tests need but cannot find fails them rather than skipping, so
// that a missing tool never turns a suite green.
func UnderCI() bool {
	v, ok := os.LookupEnv("CI")
	if !ok {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "0", "false", "no":
		return false
	}
	return true
}
