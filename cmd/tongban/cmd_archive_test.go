package main

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/printing/archive"
)

func writeArchive(t *testing.T, path string, extra map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	err := archive.Write(&buf, archive.Package{
		CaseNumber: "XC20261129000001",
		Case:       map[string]any{"number": "XC20261129000001"},
		Form:       map[string]any{"enterpriseName": "许昌市魏都区禾味轩餐饮管理有限公司"},
		Audit:      []any{},
		Documents:  map[string]io.Reader{"certificate.pdf": strings.NewReader("%PDF-1.4")},
		CreatedAt:  time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	if extra != nil { // copy it with more files: still a valid zip
		zr, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		var out bytes.Buffer
		zw := zip.NewWriter(&out)
		for _, f := range zr.File {
			if err := zw.Copy(f); err != nil {
				t.Fatal(err)
			}
		}
		for n, c := range extra {
			w, _ := zw.Create(n)
			w.Write([]byte(c))
		}
		zw.Close()
		data = out.Bytes()
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestArchiveVerify(t *testing.T) {
	dir := t.TempDir()
	writeArchive(t, filepath.Join(dir, "good.zip"), nil)
	writeArchive(t, filepath.Join(dir, "extra.zip"), map[string]string{"documents/forged.pdf": "%PDF"})

	code, stdout, stderr := run(t, dir, "archive", "verify", "good.zip")
	if code != 0 || !strings.Contains(stdout, "good.zip: 完好，办件 XC20261129000001，4 个文件与清单一致") {
		t.Errorf("good: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = run(t, dir, "archive", "verify", "extra.zip")
	if code != 1 || !strings.Contains(stdout, "extra.zip:documents/forged.pdf：清单中没有此文件（多出的文件）") {
		t.Errorf("extra: exit %d\n%s", code, stdout)
	}
	if code, _, _ := run(t, dir, "archive", "verify", "missing.zip"); code != 1 {
		t.Errorf("missing file: exit %d", code)
	}
	if code, _, _ := run(t, dir, "archive"); code != 2 {
		t.Errorf("no subcommand: exit %d", code)
	}
}
