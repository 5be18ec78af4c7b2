// Package blob keeps files (materials, certificates, archives) content-addressed by SHA-256 in a
// local folder, and checks uploads: the real type of a file against what it claims, and names
// that could harm the server or the people who download them.
package blob

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
)

// Ref names stored content.
type Ref struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Dir is a blob store in a local folder: <root>/<first two hex digits>/<sha256>.
type Dir struct {
	root string
}

// NewDir opens (creating if needed) a blob folder.
func NewDir(root string) (*Dir, error) {
	if err := os.MkdirAll(root, 0o750); err != nil {
		return nil, err
	}
	return &Dir{root: root}, nil
}

var hexDigest = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ErrTooLarge is returned when content exceeds the limit given to Put.
var ErrTooLarge = errors.New("blob: content exceeds the size limit")

// ErrNotFound is returned for content the store does not hold.
var ErrNotFound = errors.New("blob: not found")

// Root is the folder the blobs live in.
func (d *Dir) Root() string { return d.root }

func (d *Dir) path(sum string) string { return filepath.Join(d.root, sum[:2], sum) }

// Put stores r, reading at most limit bytes (ErrTooLarge beyond), and returns its reference.
// The file is written to a temporary name, synced and renamed, so a crash never leaves a
// partial blob under a valid name; storing the same content twice keeps one copy.
func (d *Dir) Put(r io.Reader, limit int64) (Ref, error) {
	tmp, err := os.CreateTemp(d.root, ".upload-*")
	if err != nil {
		return Ref{}, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, limit+1))
	if err != nil {
		return Ref{}, err
	}
	if n > limit {
		return Ref{}, ErrTooLarge
	}
	if err := tmp.Sync(); err != nil {
		return Ref{}, err
	}
	if err := tmp.Close(); err != nil {
		return Ref{}, err
	}
	ref := Ref{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}
	final := d.path(ref.SHA256)
	if _, err := os.Stat(final); err == nil {
		return ref, nil
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return Ref{}, err
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return Ref{}, err
	}
	// The rename is durable only once the folder is synced: until then a power loss could leave
	// a committed case pointing at a name that is gone.
	return ref, syncDir(filepath.Dir(final))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Open returns the content with that digest.
func (d *Dir) Open(sum string) (io.ReadCloser, error) {
	if !hexDigest.MatchString(sum) {
		return nil, fmt.Errorf("blob: %q is not a SHA-256 digest", sum)
	}
	f, err := os.Open(d.path(sum))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	}
	return f, err
}
