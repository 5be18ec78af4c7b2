// Package archive writes and checks the archive package (归档包) of a concluded case: one zip
// holding the case's metadata, its form data, every document generated for it, the materials,
// the audit trail and a manifest with the SHA-256 and size of every other file, so that the
// package can be checked for completeness and tampering long after the case.
package archive

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"
)

// Names of the fixed files in a package, and the folders of the others.
const (
	ManifestFile = "manifest.json"
	CaseFile     = "case.json"
	FormFile     = "form.json"
	AuditFile    = "audit.json"
	DocumentsDir = "documents"
	MaterialsDir = "materials"
)

// FormatVersion is the manifest's format; Verify refuses versions it does not know.
const FormatVersion = 1

// Package is what goes into the archive of one case.
type Package struct {
	// CaseNumber names the case in the manifest.
	CaseNumber string
	// Case, Form and Audit are written as indented JSON (json.RawMessage is kept as given):
	// the case's metadata, the application data and the audit trail.
	Case  any
	Form  any
	Audit any
	// Documents are the generated documents (certificate, notices, receipts) by file name;
	// Materials the materials the applicant provided or the system fetched, by file name (a
	// name may have folders: "businessLicense/1.pdf"). Each reader is read once.
	Documents map[string]io.Reader
	Materials map[string]io.Reader
	// CreatedAt is the time recorded in the manifest and on every file; the same package
	// written at the same time gives the same bytes.
	CreatedAt time.Time
}

// Manifest is manifest.json: every other file of the package with its size and SHA-256.
type Manifest struct {
	Version    int       `json:"version"`
	CaseNumber string    `json:"caseNumber"`
	CreatedAt  time.Time `json:"createdAt"`
	Files      []Entry   `json:"files"`
}

// Entry is one file listed in the manifest.
type Entry struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Write writes the package to w as a zip, the manifest last.
func Write(w io.Writer, pkg Package) error {
	zw := zip.NewWriter(w)
	m := Manifest{Version: FormatVersion, CaseNumber: pkg.CaseNumber, CreatedAt: pkg.CreatedAt.UTC()}
	add := func(name string, r io.Reader) error {
		e, err := writeFile(zw, name, r, pkg.CreatedAt)
		if err != nil {
			return fmt.Errorf("归档文件 %s：%w", name, err)
		}
		m.Files = append(m.Files, e)
		return nil
	}
	for _, f := range []struct {
		name string
		v    any
	}{{CaseFile, pkg.Case}, {FormFile, pkg.Form}, {AuditFile, pkg.Audit}} {
		data, err := json.MarshalIndent(f.v, "", "  ")
		if err != nil {
			return fmt.Errorf("归档文件 %s：%w", f.name, err)
		}
		if err := add(f.name, strings.NewReader(string(data)+"\n")); err != nil {
			return err
		}
	}
	for _, group := range []struct {
		dir   string
		files map[string]io.Reader
	}{{DocumentsDir, pkg.Documents}, {MaterialsDir, pkg.Materials}} {
		names := make([]string, 0, len(group.files))
		for n := range group.files {
			if !validName(n) {
				return fmt.Errorf("归档文件名 %q 无效：应为相对路径，不含 .. 和反斜杠", n)
			}
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			if err := add(group.dir+"/"+n, group.files[n]); err != nil {
				return err
			}
		}
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if _, err := writeFile(zw, ManifestFile, strings.NewReader(string(data)+"\n"), pkg.CreatedAt); err != nil {
		return err
	}
	return zw.Close()
}

func writeFile(zw *zip.Writer, name string, r io.Reader, at time.Time) (Entry, error) {
	if r == nil {
		return Entry{}, errors.New("没有内容")
	}
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: at}
	if stored(name) {
		h.Method = zip.Store
	}
	fw, err := zw.CreateHeader(h)
	if err != nil {
		return Entry{}, err
	}
	sum := sha256.New()
	n, err := io.Copy(io.MultiWriter(fw, sum), r)
	if err != nil {
		return Entry{}, err
	}
	return Entry{Path: name, Size: n, SHA256: hex.EncodeToString(sum.Sum(nil))}, nil
}

// stored reports whether a file is kept uncompressed: formats that are compressed already.
func stored(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".pdf", ".ofd", ".jpg", ".jpeg", ".png", ".zip", ".gz", ".mp4", ".docx", ".xlsx":
		return true
	}
	return false
}

func validName(n string) bool {
	return n != "" && !strings.Contains(n, "\\") && !path.IsAbs(n) && path.Clean(n) == n &&
		n != "." && n != ".." && !strings.HasPrefix(n, "../")
}

// Problem is one thing wrong with a package: the file and what is wrong, in Chinese.
type Problem struct {
	Path    string
	Message string
}

func (p Problem) String() string { return p.Path + "：" + p.Message }

// VerifyError lists everything Verify found wrong.
type VerifyError struct{ Problems []Problem }

func (e *VerifyError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return "归档包校验未通过：\n" + strings.Join(lines, "\n")
}

// Verify checks a package: the manifest is readable, every file it lists is present once with
// that size and SHA-256, and no other file is there. It returns a *VerifyError listing every
// problem, or another error when the zip itself cannot be read.
func Verify(r io.ReaderAt, size int64) error {
	_, err := Read(r, size)
	return err
}

// Read verifies a package like Verify and returns its manifest.
func Read(r io.ReaderAt, size int64) (*Manifest, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("不是可读的 zip 归档包：%w", err)
	}
	var problems []Problem
	bad := func(p, format string, args ...any) {
		problems = append(problems, Problem{p, fmt.Sprintf(format, args...)})
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		if _, dup := files[f.Name]; dup {
			bad(f.Name, "包中出现不止一次")
		}
		files[f.Name] = f
	}
	mf, ok := files[ManifestFile]
	if !ok {
		return nil, &VerifyError{append(problems, Problem{ManifestFile, "缺少清单文件"})}
	}
	var m Manifest
	if data, err := readAll(mf); err != nil {
		return nil, &VerifyError{append(problems, Problem{ManifestFile, "无法读取：" + err.Error()})}
	} else if err := json.Unmarshal(data, &m); err != nil {
		return nil, &VerifyError{append(problems, Problem{ManifestFile, "不是有效的清单：" + err.Error()})}
	}
	if m.Version != FormatVersion {
		return nil, &VerifyError{append(problems, Problem{ManifestFile, fmt.Sprintf("清单版本 %d 不受支持（应为 %d）", m.Version, FormatVersion)})}
	}
	listed := map[string]bool{ManifestFile: true}
	for _, e := range m.Files {
		if listed[e.Path] {
			bad(e.Path, "在清单中出现不止一次")
			continue
		}
		listed[e.Path] = true
		f, ok := files[e.Path]
		if !ok {
			bad(e.Path, "清单中有此文件，包中缺少")
			continue
		}
		rc, err := f.Open()
		if err != nil {
			bad(e.Path, "无法读取：%v", err)
			continue
		}
		sum := sha256.New()
		n, err := io.Copy(sum, rc)
		rc.Close()
		switch {
		case err != nil:
			bad(e.Path, "无法读取（内容可能被改动）：%v", err)
		case n != e.Size:
			bad(e.Path, "大小 %d 字节与清单记载的 %d 字节不符（内容被改动）", n, e.Size)
		case hex.EncodeToString(sum.Sum(nil)) != e.SHA256:
			bad(e.Path, "SHA-256 与清单不符（内容被改动）")
		}
	}
	for _, f := range zr.File {
		if !listed[f.Name] {
			bad(f.Name, "清单中没有此文件（多出的文件）")
			listed[f.Name] = true
		}
	}
	if len(problems) > 0 {
		return &m, &VerifyError{problems}
	}
	return &m, nil
}

func readAll(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}
