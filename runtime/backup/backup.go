// Package backup copies a data folder while its server runs — the database as one consistent
// snapshot, the material files, the file secret — into a folder with a manifest of every file's
// size and SHA-256, and restores such a folder into a new data folder only when every file is
// exactly what the manifest says.
package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Snapshotter writes a consistent copy of the database to a new file (store.DB.SnapshotTo).
type Snapshotter interface {
	SnapshotTo(ctx context.Context, path string) error
}

// ManifestFile is the name of the manifest in a backup folder.
const ManifestFile = "manifest.json"

// Format names the layout of a backup, so that a later program can tell what it reads.
const Format = "tongban-backup/1"

// Database is the database's file name in a data folder and in a backup.
const Database = "tongban.db"

// Manifest lists what a backup holds.
type Manifest struct {
	Format    string    `json:"format"`
	CreatedAt time.Time `json:"createdAt"`
	Files     []File    `json:"files"`
}

// File is one file of a backup, by its slash-separated path inside the folder.
type File struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// kept are what a data folder holds besides the database that a restored server needs: the
// material files (content-addressed, never changed once written, so copying them after the
// snapshot finds every file it names) and the key that signs file references. Staged uploads
// and spooled bodies are left: they belong to requests of the running server.
var kept = []string{"blobs", "secret.key", "demo-credentials.json"}

// Make backs the data folder data up into to, which must not exist or be empty: the database
// first, as one snapshot, then the files, then the manifest last, so that a backup without a
// manifest is one that did not finish.
func Make(ctx context.Context, db Snapshotter, data, to string, now time.Time) (*Manifest, error) {
	if err := emptyFolder(to); err != nil {
		return nil, err
	}
	if err := db.SnapshotTo(ctx, filepath.Join(to, Database)); err != nil {
		return nil, fmt.Errorf("数据库快照失败：%w", err)
	}
	for _, name := range kept {
		if err := copyTree(filepath.Join(data, name), filepath.Join(to, name)); err != nil {
			return nil, fmt.Errorf("复制 %s 失败：%w", name, err)
		}
	}
	files, err := hashTree(to)
	if err != nil {
		return nil, err
	}
	m := &Manifest{Format: Format, CreatedAt: now.UTC(), Files: files}
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return m, writeSynced(filepath.Join(to, ManifestFile), raw)
}

// Check reads the manifest of the backup in dir and compares every file against it: a file
// missing, added, of another size or another hash is a mismatch, named in the error.
func Check(dir string) (*Manifest, error) {
	raw, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("备份不完整：缺少清单 %s（%w）", ManifestFile, err)
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil || m.Format != Format {
		return nil, fmt.Errorf("清单 %s 不是 %s 格式的备份清单", ManifestFile, Format)
	}
	have, err := hashTree(dir)
	if err != nil {
		return nil, err
	}
	want := map[string]File{}
	for _, f := range m.Files {
		want[f.Path] = f
	}
	var problems []error
	for _, f := range have {
		w, ok := want[f.Path]
		switch {
		case !ok:
			problems = append(problems, fmt.Errorf("%s 不在清单中", f.Path))
		case w != f:
			problems = append(problems, fmt.Errorf("%s 与清单不符（大小 %d/%d，SHA-256 %s…/%s…）", f.Path, f.Size, w.Size, f.SHA256[:12], short(w.SHA256)))
		}
		delete(want, f.Path)
	}
	for _, p := range slices.Sorted(maps.Keys(want)) {
		problems = append(problems, fmt.Errorf("%s 缺失", p))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("备份与清单不符，拒绝恢复：%w", errors.Join(problems...))
	}
	return &m, nil
}

// Restore checks the backup in from and copies it into the data folder data, which must not
// hold a database yet.
func Restore(from, data string) (*Manifest, error) {
	m, err := Check(from)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(data, Database)); err == nil {
		return nil, fmt.Errorf("数据目录 %s 已有数据库，不覆盖：请恢复到新的数据目录", data)
	}
	for _, f := range m.Files {
		if err := copyFile(filepath.Join(from, filepath.FromSlash(f.Path)), filepath.Join(data, filepath.FromSlash(f.Path))); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func short(s string) string { return s[:min(12, len(s))] }

// emptyFolder makes dir, or accepts it when it is empty.
func emptyFolder(dir string) error {
	entries, err := os.ReadDir(dir)
	if err == nil && len(entries) > 0 {
		return fmt.Errorf("备份目录 %s 不是空的", dir)
	}
	return os.MkdirAll(dir, 0o750)
}

// hashTree lists every file under dir but the manifest, with its size and SHA-256, by path.
func hashTree(dir string) ([]File, error) {
	var files []File
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil || rel == ManifestFile {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		n, err := io.Copy(h, f)
		if err != nil {
			return err
		}
		files = append(files, File{Path: filepath.ToSlash(rel), Size: n, SHA256: hex.EncodeToString(h.Sum(nil))})
		return nil
	})
	return files, err
}

// copyTree copies the file or folder src to dst; a src that does not exist is nothing to copy.
// Temporary files of writes under way (dot-prefixed) are left.
func copyTree(src, dst string) error {
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() || (rel != "." && d.Name()[0] == '.') {
			return nil
		}
		return copyFile(path, filepath.Join(dst, rel))
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// copyFile copies one file, synced, making its folder.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	return errors.Join(err, out.Close())
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}
