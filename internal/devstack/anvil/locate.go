package anvil

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/slipway-dev/slipway/internal/proc"
)

// BinEnv names the environment variable that points at a native anvil binary,
// for machines where it does not come from the project's node_modules.
const BinEnv = "SLIPWAY_ANVIL_BIN"

// ErrBinaryNotFound reports that no anvil binary was found anywhere Locate
// looks. It is the one start failure that means "not installed" rather than
// "broken", so test helpers may skip on it outside CI.
var ErrBinaryNotFound = errors.New("anvil binary not found (run `npm ci` in the repository root, or set " + BinEnv + ")")

// Locate finds the native anvil binary: $SLIPWAY_ANVIL_BIN; then the
// platform package of npm's @foundry-rs/anvil in a node_modules folder found
// upward from the working directory or from the running executable's
// directory; then anvil on PATH. The npm package's own .bin/anvil is a node
// wrapper, so Locate prefers the native binary it wraps: stopping the wrapper
// alone could leave the real node running.
func Locate() (string, error) {
	return locate(os.Getenv(BinEnv), proc.StartDirs(), exec.LookPath)
}

func locate(envBin string, startDirs []string, lookPath func(string) (string, error)) (string, error) {
	if envBin != "" {
		if err := proc.CheckExecutable(envBin); err != nil {
			return "", fmt.Errorf("use anvil from %s: %w", BinEnv, err)
		}
		return envBin, nil
	}
	rel := nodeModulesCandidates()
	for _, start := range startDirs {
		for dir := start; ; {
			for _, r := range rel {
				p := filepath.Join(dir, "node_modules", r)
				if proc.CheckExecutable(p) == nil {
					return p, nil
				}
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	p, err := lookPath(binaryName())
	if err != nil {
		return "", ErrBinaryNotFound
	}
	// A PATH entry may be node_modules/.bin/anvil, a link to the npm
	// wrapper: follow it to the native binary beside it when there is one.
	if real, err := filepath.EvalSymlinks(p); err == nil && filepath.Base(real) == "bin.mjs" {
		pkg := filepath.Dir(real) // …/node_modules/@foundry-rs/anvil
		for _, r := range rel {
			native := filepath.Join(filepath.Dir(filepath.Dir(pkg)), r)
			if proc.CheckExecutable(native) == nil {
				return native, nil
			}
		}
	}
	return p, nil
}

// nodeModulesCandidates lists, relative to a node_modules folder, where npm
// puts the native binary: the platform package, then the folder the
// package's postinstall downloads into when optional packages were skipped.
func nodeModulesCandidates() []string {
	var c []string
	if pkg := platformPackage(); pkg != "" {
		c = append(c, filepath.Join("@foundry-rs", pkg, "bin", binaryName()))
	}
	return append(c, filepath.Join("@foundry-rs", "anvil", "dist", binaryName()))
}

// platformPackage names @foundry-rs/anvil's package for this platform, the
// way the package's const.mjs maps node's platform and arch.
func platformPackage() string {
	osName := map[string]string{"linux": "linux", "darwin": "darwin", "windows": "win32"}[runtime.GOOS]
	arch := map[string]string{"amd64": "amd64", "arm64": "arm64"}[runtime.GOARCH]
	if osName == "" || arch == "" {
		return ""
	}
	return "anvil-" + osName + "-" + arch
}

func binaryName() string {
	if runtime.GOOS == "windows" {
		return "anvil.exe"
	}
	return "anvil"
}
