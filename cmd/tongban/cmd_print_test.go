package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/printing/pdf"
)

func TestPrintRendersATemplateWithItsSample(t *testing.T) {
	root := copyExamples(t)
	out := filepath.Join(t.TempDir(), "licence.pdf")
	// flags after the template, as an analyst types them
	code, stdout, stderr := run(t, root, "print", "matters/food-business-license/print/certificate.json",
		"--data", "matters/food-business-license/sample.json", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.TrimSpace(stdout) != out {
		t.Errorf("stdout %q, want the output path", stdout)
	}
	raw, err := os.ReadFile(out)
	if err != nil || !bytes.HasPrefix(raw, []byte("%PDF-")) {
		t.Fatalf("no PDF written: %v", err)
	}
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not found: install the Debian package poppler-utils to check the text")
	}
	text, err := exec.Command(pdftotext, out, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	today := rules.Display(time.Now())
	for _, want := range []string{"许可证编号：" + pdf.SampleLicenseNumber, "经营者名称：许昌市魏都区禾味轩餐饮管理有限公司", "发证机关：许昌市魏都区市场监督管理局", today} {
		if !strings.Contains(string(text), want) {
			t.Errorf("PDF text lacks %q:\n%s", want, text)
		}
	}
}

func TestPrintOverprintWithFlagsFirst(t *testing.T) {
	root := copyExamples(t)
	code, _, stderr := run(t, root, "print", "-o", "permit.pdf", "--mode", "overprint", "--offset-x", "1.5",
		"--data", "matters/construction-permit/sample.json", "matters/construction-permit/print/certificate.json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(root, "permit.pdf")); err != nil {
		t.Fatal(err)
	}
}

func TestPrintErrors(t *testing.T) {
	root := copyExamples(t)
	sample, err := os.ReadFile(filepath.Join(root, "matters/food-business-license/sample.json"))
	if err != nil {
		t.Fatal(err)
	}
	noName := bytes.Replace(sample, []byte(`"enterpriseName": "许昌市魏都区禾味轩餐饮管理有限公司",`), nil, 1)
	if err := os.WriteFile(filepath.Join(root, "no-name.json"), noName, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bad.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"a required field missing", []string{"matters/food-business-license/print/certificate.json", "--data", "no-name.json", "-o", "x.pdf"}, 1,
			[]string{"提示：no-name.json:", "matters/food-business-license/print/certificate.json:/elements/2: 「经营者名称」缺少内容", "无法排版"}},
		{"not a template", []string{"matters/food-business-license/sample.json", "--data", "no-name.json", "-o", "x.pdf"}, 1,
			[]string{"不是打印模板"}},
		{"no such template", []string{"matters/food-business-license/print/notice.json", "--data", "no-name.json", "-o", "x.pdf"}, 1,
			[]string{"找不到模板"}},
		{"data not JSON", []string{"matters/food-business-license/print/certificate.json", "--data", "bad.json", "-o", "x.pdf"}, 1,
			[]string{"bad.json 不是有效的 JSON"}},
		{"no output", []string{"matters/food-business-license/print/certificate.json", "--data", "no-name.json"}, 2, []string{"用法"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := run(t, root, append([]string{"print"}, c.args...)...)
			if code != c.code {
				t.Errorf("exit %d, want %d: %s", code, c.code, stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if _, err := os.Stat(filepath.Join(root, "x.pdf")); err == nil {
				t.Error("a PDF was written despite the error")
			}
		})
	}
}
