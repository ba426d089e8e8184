//go:build !unix

package devtemporal

import (
	"fmt"
	"os"
)

// lockDataDir only creates the lock file where advisory locks are not
// available through syscall: the same-folder guard is best effort there.
func lockDataDir(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	return f, nil
}

func unlockDataDir(f *os.File) error {
	if err := f.Close(); err != nil {
		return fmt.Errorf("close lock file: %w", err)
	}
	return nil
}
