//go:build unix

package devtemporal

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockDataDir takes an exclusive advisory lock on a file in the data folder.
// Two Temporal servers on one SQLite file would fight over shard ownership and
// corrupt each other's view of running workflows, and the sqlite plugin shares
// one connection per file within a process; the lock turns that into a clear
// error. The kernel drops the lock when the process dies, so a crash never
// leaves the folder locked.
func lockDataDir(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("lock %s: %w", path, ErrDataDirInUse)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}

func unlockDataDir(f *os.File) error {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_UN); err != nil {
		_ = f.Close()
		return fmt.Errorf("unlock data dir: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close lock file: %w", err)
	}
	return nil
}
