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
	"github.com/xuchang-gov/tongban/runtime"
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
	today := rules.Display(time.Now().In(runtime.Zone)) // the day in the platform's zone
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

func TestPrintSharedTemplateForAMatter(t *testing.T) {
	root := copyExamples(t)
	out := filepath.Join(t.TempDir(), "acceptance.pdf")
	// no --data: the matter's sample.json fills the form
	code, stdout, stderr := run(t, root, "print", "print/acceptance-notice.json", "--matter", "food-business-license", "-o", out)
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
	// with --data, for another matter
	code, _, stderr = run(t, root, "print", "--matter", "construction-permit", "--data", "matters/construction-permit/sample.json",
		"print/material-handover-list.json", "-o", "list.pdf")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not found: install the Debian package poppler-utils to check the text")
	}
	for file, wants := range map[string][]string{
		out:                             {"受理通知书", "许昌市魏都区市场监督管理局", "编号：" + pdf.SampleNoticeNumber, "食品经营许可证核发申请", "5个工作日内办结"},
		filepath.Join(root, "list.pdf"): {"材料交接清单", "许昌市住房和城乡建设局", "建筑工程施工许可证申请表", "窗口人员签字"},
	} {
		text, err := exec.Command(pdftotext, file, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		flat := strings.Join(strings.Fields(string(text)), "")
		for _, want := range wants {
			if !strings.Contains(flat, want) {
				t.Errorf("%s lacks %q:\n%s", filepath.Base(file), want, text)
			}
		}
	}
}

func TestPrintSharedTemplateErrors(t *testing.T) {
	root := copyExamples(t)
	// a matter that replaces a shared template with its own
	own := filepath.Join(root, "matters/senior-longevity-allowance/print/acceptance-notice.json")
	shared, err := os.ReadFile(filepath.Join(root, "print/acceptance-notice.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(own, bytes.Replace(shared, []byte("../../definitions"), []byte("../../../../definitions"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	// a print folder in neither a matter folder nor the bundle root
	if err := os.MkdirAll(filepath.Join(root, "matters/print"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "matters/print/x.json"), shared, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"no matter", []string{"print/acceptance-notice.json", "-o", "x.pdf"},
			[]string{"print/acceptance-notice.json 是各事项共用的模板，请用 --matter 指定", "food-business-license", "sole-proprietor-registration"}},
		{"unknown matter", []string{"print/acceptance-notice.json", "--matter", "no-such-matter", "-o", "x.pdf"},
			[]string{"没有事项 no-such-matter（可选：construction-permit、"}},
		{"a path, not a matter", []string{"print/acceptance-notice.json", "--matter", "../matters/food-business-license", "-o", "x.pdf"},
			[]string{"没有事项 ../matters/food-business-license"}},
		{"a matter's own template for another matter", []string{"matters/food-business-license/print/certificate.json", "--matter", "construction-permit", "-o", "x.pdf"},
			[]string{"属于事项 food-business-license，不能用于事项 construction-permit"}},
		{"replaced by the matter's own", []string{"print/acceptance-notice.json", "--matter", "senior-longevity-allowance", "-o", "x.pdf"},
			[]string{"事项 senior-longevity-allowance 有自己的模板 print/acceptance-notice.json，代替了共用模板", "matters/senior-longevity-allowance/print/acceptance-notice.json"}},
		{"neither a matter nor a bundle root", []string{"matters/print/x.json", "--matter", "food-business-license", "-o", "x.pdf"},
			[]string{"matters/print/x.json 不在事项目录或定义包根目录中"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := run(t, root, append([]string{"print"}, c.args...)...)
			if code != 1 {
				t.Errorf("exit %d, want 1: %s", code, stderr)
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
	// the matter's own template prints, with --matter naming its own matter
	code, _, stderr := run(t, root, "print", "matters/senior-longevity-allowance/print/acceptance-notice.json", "--matter", "senior-longevity-allowance", "-o", "own.pdf")
	if code != 0 {
		t.Errorf("own template: exit %d: %s", code, stderr)
	}
}
