package pdf_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/printing/pdf"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// now is the fixed time of every test rendering, so that dates in goldens do not move.
var now = time.Date(2026, 11, 29, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

var (
	planOnce sync.Once
	plan     *definitions.Plan
	planErr  error
)

func examples(t testing.TB) *definitions.Plan {
	t.Helper()
	planOnce.Do(func() {
		b, problems := definitions.Load(os.DirFS("../../examples"))
		if len(problems) > 0 {
			planErr = problems
			return
		}
		var more definitions.Problems
		plan, more = definitions.Compile(b)
		if len(more) > 0 {
			planErr = more
		}
	})
	if planErr != nil {
		t.Fatal(planErr)
	}
	return plan
}

// sample is the preview variables of the matter's certificates: its sample.json decoded, with
// change applied to it.
func sample(t testing.TB, mp *definitions.MatterPlan, change func(form map[string]any)) rules.Vars {
	t.Helper()
	return sampleFor(t, mp, nil, change)
}

// sampleFor is the preview variables of template cp of the matter, as tongban print gives them.
func sampleFor(t testing.TB, mp *definitions.MatterPlan, cp *definitions.CompiledPrint, change func(form map[string]any)) rules.Vars {
	t.Helper()
	var form map[string]any
	if err := json.Unmarshal(mp.Def.Sample, &form); err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(form)
	}
	vars, err := pdf.PreviewVars(mp, cp, form, now)
	if err != nil {
		t.Fatal(err)
	}
	return vars
}

func food(t testing.TB) (*definitions.MatterPlan, *definitions.CompiledPrint) {
	mp := examples(t).Matter("food-business-license")
	return mp, mp.Prints["certificate"]
}

// tool finds a command-line tool the test needs, or skips the test saying which Debian
// package brings it.
func tool(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not found: install the Debian package %s (apt-get install -y %s)", name, pkg, pkg)
	}
	return p
}

func render(t testing.TB, cp *definitions.CompiledPrint, vars rules.Vars, opts pdf.Options) string {
	t.Helper()
	var buf bytes.Buffer
	if err := pdf.Render(&buf, cp, vars, opts); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "out.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func pdftotext(t testing.TB, path string, args ...string) string {
	t.Helper()
	bin := tool(t, "pdftotext", "poppler-utils")
	out, err := exec.Command(bin, append(append(args, path), "-")...).Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// TestExamplesGolden renders every print template of the examples with its matter's sample and
// compares the text pdftotext reads back with testdata/<matter>.<template>.golden. The shared
// templates of examples/print are among every matter's templates, so each has a golden per
// matter.
func TestExamplesGolden(t *testing.T) {
	for _, mp := range examples(t).Matters() {
		for name, cp := range mp.Prints {
			t.Run(mp.Def.Slug+"/"+name, func(t *testing.T) {
				path := render(t, cp, sampleFor(t, mp, cp, nil), pdf.Options{})
				got := trimLines(pdftotext(t, path, "-layout"))
				golden := filepath.Join("testdata", mp.Def.Slug+"."+name+".golden")
				if *update {
					if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./printing/pdf -update to create it)", err)
				}
				if got != string(want) {
					t.Errorf("text read back differs from %s (run with -update if the change is intended)\n--- got\n%s\n--- want\n%s", golden, got, want)
				}
			})
		}
	}
}

// trimLines drops trailing spaces and blank lines, which say nothing about the document.
func trimLines(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimRight(l, " \f"); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n") + "\n"
}

// TestExamplesStayInTheirBoxes lays out every example template and checks that each element's
// items lie inside the element's box and on the page.
func TestExamplesStayInTheirBoxes(t *testing.T) {
	for _, mp := range examples(t).Matters() {
		for name, cp := range mp.Prints {
			page, err := pdf.Layout(cp, sampleFor(t, mp, cp, nil), pdf.Options{})
			if err != nil {
				t.Fatalf("%s/%s: %v", mp.Def.Slug, name, err)
			}
			checkInBoxes(t, mp.Def.Slug+"/"+name, cp, page)
		}
	}
}

func checkInBoxes(t *testing.T, what string, cp *definitions.CompiledPrint, page *pdf.Page) {
	t.Helper()
	paper := pdf.Box{W: page.WidthMM, H: page.HeightMM}
	for _, it := range page.Items {
		b := it.Bounds()
		if !paper.Contains(b) {
			t.Errorf("%s: %T of element %d at %+v is off the page", what, it, it.ElementIndex(), b)
		}
		if it.ElementIndex() < 0 {
			continue
		}
		e := cp.Template.Elements[it.ElementIndex()]
		box := pdf.Box{X: e.X, Y: e.Y, W: e.W, H: e.H}
		if e.Type == "line" {
			continue
		}
		if !box.Contains(b) {
			t.Errorf("%s: %T %v of element %d (%s) at %+v leaves its box %+v", what, it, textOf(it), it.ElementIndex(), e.Type, b, box)
		}
	}
}

func textOf(it pdf.Item) string {
	if t, ok := it.(*pdf.Text); ok {
		return fmt.Sprintf("%q", t.Text)
	}
	return ""
}

func texts(page *pdf.Page, element int) []*pdf.Text {
	var out []*pdf.Text
	for _, it := range page.Items {
		if t, ok := it.(*pdf.Text); ok && t.Element == element {
			out = append(out, t)
		}
	}
	return out
}

func TestMissingRequiredFieldIsAnError(t *testing.T) {
	mp, cp := food(t)
	vars := sample(t, mp, func(form map[string]any) { delete(form, "enterpriseName") })
	err := pdf.Render(&bytes.Buffer{}, cp, vars, pdf.Options{})
	var perr *pdf.Error
	if !errors.As(err, &perr) {
		t.Fatalf("got %v, want a *pdf.Error", err)
	}
	if want := "/elements/2: 「经营者名称」缺少内容"; err.Error() != want {
		t.Errorf("got %q, want %q", err.Error(), want)
	}

	vars = sample(t, mp, nil)
	vars["license"].(map[string]any)["verifyUrl"] = ""
	err = pdf.Render(&bytes.Buffer{}, cp, vars, pdf.Options{})
	if err == nil || err.Error() != "/elements/15: 「二维码 license.verifyUrl」缺少内容" {
		t.Errorf("empty QR: got %v", err)
	}
}

func TestCharacterMissingFromTheFontsIsAnError(t *testing.T) {
	mp, cp := food(t)
	vars := sample(t, mp, func(form map[string]any) {
		form["legalRepresentative"].(map[string]any)["name"] = "李喆"
	})
	_, err := pdf.Layout(cp, vars, pdf.Options{})
	if err == nil || err.Error() != "/elements/4: 「法定代表人（负责人）」中的字 “喆” 不在字库中，无法打印" {
		t.Errorf("got %v", err)
	}
}

// TestLongTextShrinksAndWrapsInsideItsBox gives the food licence a very long name and a long
// list of business items: the name shrinks onto one line, then wraps; the items wrap and
// shrink; nothing leaves its box, which pdftotext's word boxes confirm.
func TestLongTextShrinksAndWrapsInsideItsBox(t *testing.T) {
	mp, cp := food(t)
	long := "许昌市魏都区禾味轩餐饮管理有限公司七一路东段第一分店暨中央厨房集体用餐配送中心"
	items := []any{}
	for _, s := range []string{"热食类食品制售", "冷食类食品制售", "生食类食品制售", "半成品制售", "自制饮品制售", "预包装食品销售（含冷藏冷冻食品）",
		"散装食品销售（含冷藏冷冻食品、散装熟食）", "特殊食品销售（保健食品、特殊医学用途配方食品、婴幼儿配方乳粉、其他婴幼儿配方食品）", "糕点类食品制售（含裱花蛋糕）",
		"单位食堂（职工食堂）", "集体用餐配送", "中央厨房"} {
		items = append(items, s)
	}
	vars := sample(t, mp, func(form map[string]any) {
		form["enterpriseName"] = long
		form["businessItems"] = items
	})
	page, err := pdf.Layout(cp, vars, pdf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkInBoxes(t, "long text", cp, page)

	name := texts(page, 2)
	if len(name) != 1 || name[0].SizePt >= 12 || name[0].SizePt < pdf.MinSizePt {
		t.Errorf("the long name should shrink onto one line: %+v", name)
	}
	if got := name[0].Text; got != "经营者名称："+long {
		t.Errorf("name reads %q", got)
	}
	lines := texts(page, 8)
	if len(lines) < 3 || lines[0].SizePt >= 12 {
		t.Errorf("the business items should wrap onto several lines at a smaller size, got %d lines", len(lines))
	}
	var joined strings.Builder
	for _, l := range lines {
		joined.WriteString(l.Text)
		if strings.ContainsAny(l.Text[:len(string([]rune(l.Text)[0]))], "，。、；：）》」") {
			t.Errorf("line starts with closing punctuation: %q", l.Text)
		}
	}
	if !strings.Contains(joined.String(), "中央厨房（含网络经营）") {
		t.Errorf("items lost: %s", joined.String())
	}

	// still longer: wraps onto two lines of the 8 mm box at the smallest sizes, then fails
	vars = sample(t, mp, func(form map[string]any) { form["enterpriseName"] = long + long })
	page, err = pdf.Layout(cp, vars, pdf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkInBoxes(t, "longer name", cp, page)
	if n := len(texts(page, 2)); n != 2 {
		t.Errorf("the longer name should wrap onto 2 lines, got %d", n)
	}
	vars = sample(t, mp, func(form map[string]any) { form["enterpriseName"] = strings.Repeat(long, 6) })
	_, err = pdf.Layout(cp, vars, pdf.Options{})
	if err == nil || err.Error() != "/elements/2: 「经营者名称」内容太长，150×8 毫米的框内放不下（已缩到 6 磅）" {
		t.Errorf("got %v", err)
	}

	// the PDF agrees: every word pdftotext finds of the name lies in the name's box
	vars = sample(t, mp, func(form map[string]any) { form["enterpriseName"] = long + long })
	words := bboxWords(t, render(t, cp, vars, pdf.Options{}))
	e := cp.Template.Elements[2]
	found := 0
	for _, w := range words {
		if !strings.Contains(long+long, strings.TrimPrefix(w.text, "经营者名称：")) {
			continue
		}
		found++
		if w.x0 < e.X-0.2 || w.x1 > e.X+e.W+0.2 || w.y0 < e.Y-0.2 || w.y1 > e.Y+e.H+0.2 {
			t.Errorf("word %q at x %.1f–%.1f y %.1f–%.1f mm leaves the box %+v", w.text, w.x0, w.x1, w.y0, w.y1, e)
		}
	}
	if found != 2 {
		t.Errorf("found %d lines of the name in the PDF, want 2", found)
	}
}

type word struct {
	text           string
	x0, y0, x1, y1 float64 // millimetres
}

func bboxWords(t *testing.T, path string) []word {
	t.Helper()
	var out []word
	for _, l := range strings.Split(pdftotext(t, path, "-bbox"), "\n") {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, "<word ") {
			continue
		}
		var w word
		var rest string
		if _, err := fmt.Sscanf(l, `<word xMin="%f" yMin="%f" xMax="%f" yMax="%f">%s`, &w.x0, &w.y0, &w.x1, &w.y1, &rest); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		w.text = strings.TrimSuffix(rest, "</word>")
		const mm = 25.4 / 72
		w.x0, w.y0, w.x1, w.y1 = w.x0*mm, w.y0*mm, w.x1*mm, w.y1*mm
		out = append(out, w)
	}
	return out
}
