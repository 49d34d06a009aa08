// Package export writes the shop's orders out; while it runs, it holds a lock file that other
// jobs respect.
package export

import (
	"os"
	"path/filepath"
)

// LockName is the lock file's name in the state folder.
const LockName = "export.lock"

// Start takes the lock in dir.
func Start(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, LockName), []byte("export\n"), 0o644)
}

// Finish releases the lock in dir.
func Finish(dir string) error { return os.Remove(filepath.Join(dir, LockName)) }
