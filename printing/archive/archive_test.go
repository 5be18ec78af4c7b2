package archive_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/printing/archive"
)

var at = time.Date(2026, 11, 29, 16, 30, 0, 0, time.FixedZone("CST", 8*3600))

func pkg() archive.Package {
	return archive.Package{
		CaseNumber: "XC20261129000001",
		Case:       map[string]any{"number": "XC20261129000001", "matter": "food-business-license", "status": "archived"},
		Form:       json.RawMessage(`{"enterpriseName":"许昌市魏都区禾味轩餐饮管理有限公司"}`),
		Audit:      []map[string]any{{"seq": 1, "type": "submitted"}, {"seq": 2, "type": "accepted"}},
		Documents: map[string]io.Reader{
			"certificate.pdf":       strings.NewReader("%PDF-1.4 certificate"),
			"acceptance-notice.pdf": strings.NewReader("%PDF-1.4 受理通知书"),
		},
		Materials: map[string]io.Reader{
			"businessLicense/1.jpg": strings.NewReader("JPEG bytes"),
			"floorPlan.pdf":         strings.NewReader("%PDF-1.4 plan"),
		},
		CreatedAt: at,
	}
}

func write(t *testing.T, p archive.Package) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := archive.Write(&buf, p); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	data := write(t, pkg())
	m, err := archive.Read(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, e := range m.Files {
		paths = append(paths, e.Path)
	}
	want := "case.json form.json audit.json documents/acceptance-notice.pdf documents/certificate.pdf materials/businessLicense/1.jpg materials/floorPlan.pdf"
	if got := strings.Join(paths, " "); got != want {
		t.Errorf("files %s\nwant  %s", got, want)
	}
	if m.CaseNumber != "XC20261129000001" || !m.CreatedAt.Equal(at) || m.Files[4].Size != int64(len("%PDF-1.4 certificate")) {
		t.Errorf("manifest %+v", m)
	}
	zr, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if got := content(t, zr, "materials/businessLicense/1.jpg"); got != "JPEG bytes" {
		t.Errorf("material reads %q", got)
	}
	if got := content(t, zr, "form.json"); !strings.Contains(got, "禾味轩") {
		t.Errorf("form.json %q", got)
	}
	if again := write(t, pkg()); !bytes.Equal(again, data) {
		t.Error("the same package written twice differs")
	}
}

func content(t *testing.T, zr *zip.Reader, name string) string {
	t.Helper()
	rc, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return string(b)
}

// rewrite copies a package entry by entry, letting change replace (or drop, with nil) each
// file's content and add files at the end; the zip stays valid, so only the manifest can tell.
func rewrite(t *testing.T, data []byte, change func(name string, content []byte) []byte, extra map[string]string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		c := []byte(content(t, zr, f.Name))
		if c = change(f.Name, c); c == nil {
			continue
		}
		w, _ := zw.Create(f.Name)
		w.Write(c)
	}
	for n, c := range extra {
		w, _ := zw.Create(n)
		w.Write([]byte(c))
	}
	zw.Close()
	return buf.Bytes()
}

func problems(t *testing.T, data []byte) []string {
	t.Helper()
	err := archive.Verify(bytes.NewReader(data), int64(len(data)))
	var verr *archive.VerifyError
	if !errors.As(err, &verr) {
		t.Fatalf("got %v, want a *VerifyError", err)
	}
	var out []string
	for _, p := range verr.Problems {
		out = append(out, p.String())
	}
	return out
}

func TestVerifyFindsTamperingAndStrayFiles(t *testing.T) {
	good := write(t, pkg())
	same := func(_ string, c []byte) []byte { return c }
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"a document changed", rewrite(t, good, func(n string, c []byte) []byte {
			if n == "documents/certificate.pdf" {
				return []byte("%PDF-1.4 certificatf")
			}
			return c
		}, nil), "documents/certificate.pdf：SHA-256 与清单不符（内容被改动）"},
		{"the audit trail shortened", rewrite(t, good, func(n string, c []byte) []byte {
			if n == "audit.json" {
				return c[:len(c)-10]
			}
			return c
		}, nil), "audit.json：大小 "},
		{"a file added", rewrite(t, good, same, map[string]string{"materials/extra.pdf": "x"}), "materials/extra.pdf：清单中没有此文件（多出的文件）"},
		{"a material removed", rewrite(t, good, func(n string, c []byte) []byte {
			if n == "materials/floorPlan.pdf" {
				return nil
			}
			return c
		}, nil), "materials/floorPlan.pdf：清单中有此文件，包中缺少"},
		{"no manifest", rewrite(t, good, func(n string, c []byte) []byte {
			if n == archive.ManifestFile {
				return nil
			}
			return c
		}, nil), "manifest.json：缺少清单文件"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := problems(t, c.data)
			if len(got) != 1 || !strings.HasPrefix(got[0], c.want) {
				t.Errorf("problems %q, want one starting %q", got, c.want)
			}
		})
	}

	// a flipped byte inside the zip: the zip's own checksum or the manifest catches it
	flipped := bytes.Clone(good)
	i := bytes.Index(flipped, []byte("%PDF-1.4 certificate"))
	flipped[i+10] ^= 1
	if err := archive.Verify(bytes.NewReader(flipped), int64(len(flipped))); err == nil || !strings.Contains(err.Error(), "documents/certificate.pdf") {
		t.Errorf("flipped byte: %v", err)
	}
}

func TestWriteRefusesUnsafeNames(t *testing.T) {
	for _, name := range []string{"../escape.pdf", "/abs.pdf", `a\b.pdf`, "a/../b.pdf", ""} {
		p := pkg()
		p.Materials = map[string]io.Reader{name: strings.NewReader("x")}
		if err := archive.Write(io.Discard, p); err == nil {
			t.Errorf("%q accepted", name)
		}
	}
}
