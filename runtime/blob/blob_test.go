package blob_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/runtime/blob"
)

func TestPutOpenDeduplicates(t *testing.T) {
	d, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	content := []byte("%PDF-1.7 申请书")
	a, err := d.Put(bytes.NewReader(content), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Put(bytes.NewReader(content), 1<<20)
	if err != nil || a != b {
		t.Fatalf("second put: %v %v %v", a, b, err)
	}
	r, err := d.Open(a.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if !bytes.Equal(got, content) {
		t.Fatal("content differs")
	}
	if _, err := d.Put(strings.NewReader(strings.Repeat("x", 11)), 10); !errors.Is(err, blob.ErrTooLarge) {
		t.Fatalf("want ErrTooLarge, got %v", err)
	}
	if _, err := d.Open("../../etc/passwd"); err == nil {
		t.Fatal("a path must not be accepted as a digest")
	}
}

func TestSniffAndAllow(t *testing.T) {
	cases := []struct {
		name    string
		head    []byte
		allowed []string
		ok      bool
	}{
		{"pdf as pdf", []byte("%PDF-1.7\n..."), []string{"pdf"}, true},
		{"png as jpg only", []byte("\x89PNG\r\n\x1a\n...."), []string{"jpg"}, false},
		{"jpeg as jpg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF"), []string{"pdf", "jpg"}, true},
		{"script claiming pdf", []byte("<script>alert(1)</script>"), []string{"pdf"}, false},
		{"exe claiming pdf", []byte("MZ\x90\x00\x03"), []string{"pdf", "jpg", "png"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, ok := blob.TypeAllowed(blob.SniffType(c.head), c.allowed); ok != c.ok {
				t.Fatalf("allowed = %v, want %v (sniffed %s)", ok, c.ok, blob.SniffType(c.head))
			}
		})
	}
}

func TestSafeName(t *testing.T) {
	cases := map[string]string{
		"营业执照.pdf":                        "营业执照.pdf",
		"../../etc/passwd":                "passwd",
		`C:\Users\a\身份证.jpg`:              "身份证.jpg",
		"..hidden":                        "hidden",
		"evil\u202Efdp.exe":               "evil_fdp.exe",
		"a\x00b.pdf":                      "a_b.pdf",
		"<img src=x onerror=alert(1)>":    "_img src=x onerror=alert(1)_",
		"":                                "file",
		"营业\u200b执照\ufeff.pdf":            "营业执照.pdf",
		"CON.pdf":                         "_CON.pdf",
		"lpt1":                            "_lpt1",
		"console.pdf":                     "console.pdf",
		"报告.pdf. ":                        "报告.pdf",
		"/":                               "file",
		strings.Repeat("长", 200) + ".pdf": strings.Repeat("长", 96) + ".pdf",
	}
	for in, want := range cases {
		if got := blob.SafeName(in); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
	}
}
