package localkms

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/slipway-dev/slipway/internal/proc"
)

// Module is the local-kms main package, pinned as a tool in the repository's
// tools.mod so that every machine runs the same KMS.
const Module = "github.com/nsmithuk/local-kms"

// BinEnv names the environment variable that points at a prebuilt local-kms,
// for machines that run Slipway outside its repository.
const BinEnv = "SLIPWAY_LOCAL_KMS_BIN"

// ErrNotBuildable reports that local-kms can be neither found nor built here:
// no `go` command, or no repository (tools.mod) above the working directory
// or the executable. It is the one start failure that means "not set up"
// rather than "broken", so test helpers may skip on it outside CI.
var ErrNotBuildable = errors.New("cannot build local-kms: needs the go command and the Slipway repository's tools.mod (or set " + BinEnv + ")")

var (
	buildMu sync.Mutex
	built   string
)

// Build answers the path of the pinned local-kms binary: $SLIPWAY_LOCAL_KMS_BIN
// when set; otherwise what `go tool -modfile=tools.mod -n` answers in the
// repository root, which builds the tool into Go's build cache the first time
// (seconds once its modules are downloaded) and reuses it afterwards. The go
// command locks its cache, so parallel test binaries can build at once.
func Build(ctx context.Context) (string, error) {
	if bin := os.Getenv(BinEnv); bin != "" {
		if err := proc.CheckExecutable(bin); err != nil {
			return "", fmt.Errorf("use local-kms from %s: %w", BinEnv, err)
		}
		return bin, nil
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	// The cache may have been trimmed since (go clean -cache, or five
	// days unused): check before reusing.
	if built != "" && proc.CheckExecutable(built) == nil {
		return built, nil
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNotBuildable, err)
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, goBin, "tool", "-modfile="+filepath.Join(root, "tools.mod"), "-n", Module)
	cmd.Dir = root
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build local-kms: %w\n%s", err, strings.TrimSpace(stderr.String()))
	}
	bin := strings.TrimSpace(stdout.String())
	if err := proc.CheckExecutable(bin); err != nil {
		return "", fmt.Errorf("build local-kms: go tool answered %q: %w", bin, err)
	}
	built = bin
	return bin, nil
}

// repoRoot finds the folder holding go.mod and tools.mod, upward from the
// working directory (tests run in their package's folder) or from the
// running executable's folder.
func repoRoot() (string, error) {
	starts := proc.StartDirs()
	for _, dir := range starts {
		for {
			if isFile(filepath.Join(dir, "tools.mod")) && isFile(filepath.Join(dir, "go.mod")) {
				return dir, nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "", fmt.Errorf("%w: no tools.mod found above %s", ErrNotBuildable, strings.Join(starts, " or "))
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
