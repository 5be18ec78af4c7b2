package designer

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/xuchang-gov/tongban/runtime"
)

// MaxZipBytes bounds an imported zip of one matter.
const MaxZipBytes = 8 << 20

// ExportMatter writes the matter folder of a version as a zip, files at its root.
func (s *Service) ExportMatter(ctx context.Context, u *runtime.User, slug, version string, w io.Writer) error {
	files, err := s.files(ctx, u, slug, version)
	if err != nil {
		return err
	}
	own := ownFiles(slug, files)
	names := make([]string, 0, len(own))
	for name := range own {
		names = append(names, name)
	}
	sort.Strings(names)
	zw := zip.NewWriter(w)
	for _, name := range names {
		f, err := zw.Create(name)
		if err != nil {
			return err
		}
		if _, err := f.Write(own[name]); err != nil {
			return err
		}
	}
	return zw.Close()
}

// ImportMatter makes a zip of one matter folder the draft of slug: every file checked as a
// PUT is, and the draft left as it was when one is refused.
func (s *Service) ImportMatter(ctx context.Context, u *runtime.User, slug string, data []byte) (*runtime.DraftView, error) {
	if len(data) > MaxZipBytes {
		return nil, runtime.Errorf(runtime.ETOOLARGE, "压缩包超过 %d MB 的上限", MaxZipBytes>>20)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, runtime.Invalid("不是有效的 zip 压缩包")
	}
	// Files may sit at the zip's root or in one folder.
	prefix := ""
	if len(zr.File) > 0 {
		if i := strings.Index(zr.File[0].Name, "/"); i > 0 && !strings.HasPrefix(zr.File[0].Name, "print/") {
			prefix = zr.File[0].Name[:i+1]
		}
	}
	own := map[string][]byte{}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		name := strings.TrimPrefix(path.Clean(f.Name), prefix)
		if err := checkFileName(name); err != nil {
			return nil, err
		}
		if f.UncompressedSize64 > MaxFileBytes {
			return nil, runtime.Errorf(runtime.ETOOLARGE, "文件 %s 超过 %d MB 的上限", name, MaxFileBytes>>20)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, runtime.Invalid("压缩包中的 " + name + " 无法读取")
		}
		content, err := io.ReadAll(io.LimitReader(rc, MaxFileBytes+1))
		rc.Close()
		if err != nil {
			return nil, runtime.Invalid("压缩包中的 " + name + " 无法读取")
		}
		if err := wellFormed(name, content); err != nil {
			return nil, err
		}
		own[name] = content
	}
	d, err := s.OpenDraft(ctx, u, slug)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(own))
	for n := range own {
		names = append(names, n)
	}
	sort.Strings(names)
	_, err = s.change(ctx, u, slug, strings.Join(names, ","), d.Revision, func(files map[string][]byte) {
		for name := range ownFiles(slug, files) {
			delete(files, matterDir(slug)+name)
		}
		for name, content := range own {
			files[matterDir(slug)+name] = content
		}
	})
	if err != nil {
		return nil, err
	}
	return s.Draft(ctx, u, slug)
}
