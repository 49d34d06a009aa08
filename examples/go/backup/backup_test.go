package backup

import (
	"path/filepath"
	"testing"
)

func TestBackupRuns(t *testing.T) {
	if err := Run(filepath.Join("..", "state")); err != nil {
		t.Fatal(err)
	}
}

func TestBackupOfAnEmptyFolder(t *testing.T) {
	if err := Run(t.TempDir()); err != nil {
		t.Fatal(err)
	}
}
