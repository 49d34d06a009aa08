package export

import (
	"os"
	"path/filepath"
	"testing"
)

var state = filepath.Join("..", "state")

func TestFinishReleasesTheLock(t *testing.T) {
	dir := t.TempDir()
	if err := Start(dir); err != nil {
		t.Fatal(err)
	}
	if err := Finish(dir); err != nil {
		t.Fatal(err)
	}
}

// Takes the shop's real lock and forgets to release it.
func TestStartTakesTheLock(t *testing.T) {
	if err := Start(state); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(state, LockName)); err != nil {
		t.Fatalf("no lock after Start: %v", err)
	}
}
