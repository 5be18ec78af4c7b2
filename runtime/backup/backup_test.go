package backup_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/runtime/backup"
)

// fileSnapshot stands in for the store: its snapshot is a file with known content.
type fileSnapshot string

func (s fileSnapshot) SnapshotTo(_ context.Context, path string) error {
	return os.WriteFile(path, []byte(s), 0o600)
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestMakeCheckRestore: a backup holds the snapshot, the material files and the secret, not
// the staged uploads nor temporary files; it restores into a new folder; any change to it is
// refused, naming the file; a folder with a database is never written over.
func TestMakeCheckRestore(t *testing.T) {
	data := t.TempDir()
	write(t, filepath.Join(data, "blobs", "ab", "abcd"), "a material")
	write(t, filepath.Join(data, "blobs", ".upload-1"), "half written")
	write(t, filepath.Join(data, "secret.key"), "0123456789abcdef0123456789abcdef")
	write(t, filepath.Join(data, "uploads", "x"), "a staged upload")
	dir := filepath.Join(t.TempDir(), "b")
	m, err := backup.Make(context.Background(), fileSnapshot("the database"), data, dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range m.Files {
		paths = append(paths, f.Path)
	}
	if got := strings.Join(paths, " "); got != "blobs/ab/abcd secret.key tongban.db" {
		t.Fatalf("backup holds %s", got)
	}
	if _, err := backup.Make(context.Background(), fileSnapshot(""), data, dir, time.Now()); err == nil {
		t.Error("a backup into a folder that is not empty went through")
	}
	restored := filepath.Join(t.TempDir(), "r")
	if _, err := backup.Restore(dir, restored); err != nil {
		t.Fatal(err)
	}
	if raw, _ := os.ReadFile(filepath.Join(restored, "blobs", "ab", "abcd")); string(raw) != "a material" {
		t.Errorf("restored material %q", raw)
	}
	if _, err := backup.Restore(dir, restored); err == nil || !strings.Contains(err.Error(), "已有数据库") {
		t.Errorf("restore over a database: %v", err)
	}
	for _, tc := range []struct{ name, path, content, want string }{
		{"changed", "secret.key", "another key", "secret.key 与清单不符"},
		{"added", "blobs/cd/cdef", "x", "blobs/cd/cdef 不在清单中"},
		{"missing", "tongban.db", "", "tongban.db 缺失"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			changed := filepath.Join(t.TempDir(), "b")
			if err := os.CopyFS(changed, os.DirFS(dir)); err != nil {
				t.Fatal(err)
			}
			if tc.content == "" {
				os.Remove(filepath.Join(changed, tc.path))
			} else {
				write(t, filepath.Join(changed, tc.path), tc.content)
			}
			_, err := backup.Restore(changed, filepath.Join(t.TempDir(), "r"))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("restore: %v, want %q", err, tc.want)
			}
		})
	}
}
