package pdf_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/expr-lang/expr/types"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/internal/benchcpu"
	"github.com/xuchang-gov/tongban/printing/pdf"
)

// TestQRCodeScansToTheVerifyURL rasterises the certificate and scans it as a phone would.
func TestQRCodeScansToTheVerifyURL(t *testing.T) {
	mp, cp := food(t)
	vars := sample(t, mp, nil)
	want := vars["license"].(map[string]any)["verifyUrl"].(string)

	page, err := pdf.Layout(cp, vars, pdf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var qrs []*pdf.QR
	for _, it := range page.Items {
		if q, ok := it.(*pdf.QR); ok {
			qrs = append(qrs, q)
		}
	}
	if len(qrs) != 1 || qrs[0].Content != want || qrs[0].W != 32 {
		t.Fatalf("QR items %+v", qrs)
	}

	path := render(t, cp, vars, pdf.Options{})
	pdftoppm := tool(t, "pdftoppm", "poppler-utils")
	zbarimg := tool(t, "zbarimg", "zbar-tools")
	png := filepath.Join(t.TempDir(), "page")
	if out, err := exec.Command(pdftoppm, "-r", "200", "-png", "-singlefile", path, png).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	out, err := exec.Command(zbarimg, "--raw", "-q", png+".png").Output()
	if err != nil {
		t.Fatalf("zbarimg found no code: %v", err)
	}
	if got := strings.TrimSpace(string(out)); got != want {
		t.Errorf("QR code reads %q, want %q", got, want)
	}
}

// TestOverprintPrintsOnlyTheDataShifted checks 套打: no frame, no fixed wording, no labels, and
// every value moved by the printer's calibration.
func TestOverprintPrintsOnlyTheDataShifted(t *testing.T) {
	mp, cp := food(t)
	vars := sample(t, mp, nil)
	electronic, err := pdf.Layout(cp, vars, pdf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	over, err := pdf.Layout(cp, vars, pdf.Options{Mode: pdf.Overprint, OffsetXMM: 1.5, OffsetYMM: -0.8})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range over.Items {
		switch it := it.(type) {
		case *pdf.Rect, *pdf.Line:
			t.Errorf("overprint draws the form's %T of element %d", it, it.ElementIndex())
		case *pdf.Text:
			for _, fixed := range []string{"食品经营许可证", "国家市场监督管理总局监制", "经营者名称", "12315", "王建国"} {
				if strings.Contains(it.Text, fixed) {
					t.Errorf("overprint prints pre-printed %q", it.Text)
				}
			}
		}
	}
	e, o := texts(electronic, 2)[0], texts(over, 2)[0]
	if o.Text != "许昌市魏都区禾味轩餐饮管理有限公司" || !strings.HasPrefix(e.Text, "经营者名称：") {
		t.Fatalf("electronic %q, overprint %q", e.Text, o.Text)
	}
	// the value starts where the label ends, shifted by the calibration
	if dx := o.X - (e.X + e.W - o.W); dx < 1.49 || dx > 1.51 {
		t.Errorf("value moved %.2f mm right, want 1.5", dx)
	}
	if dy := o.Y - e.Y; dy < -0.81 || dy > -0.79 {
		t.Errorf("value moved %.2f mm down, want -0.8", dy)
	}
	if q := texts(over, 15); len(q) != 0 {
		t.Errorf("QR as text? %v", q)
	}
}

func TestTableRowsThatDoNotFitAreAnError(t *testing.T) {
	mp := examples(t).Matter("construction-permit")
	cp := mp.Prints["certificate"]
	vars := sample(t, mp, func(form map[string]any) {
		rows := form["participants"].([]any)
		for len(rows) < 40 {
			rows = append(rows, rows[len(rows)%4])
		}
		form["participants"] = rows
	})
	_, err := pdf.Layout(cp, vars, pdf.Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "/elements/19: 「参建单位」共 40 行，110 毫米高的表格只放得下 ") {
		t.Errorf("got %v", err)
	}

	vars = sample(t, mp, nil)
	page, err := pdf.Layout(cp, vars, pdf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var cells []string
	for _, tx := range texts(page, 19) {
		cells = append(cells, tx.Text)
	}
	got := strings.Join(cells, "|")
	if !strings.HasPrefix(got, "参建单位|单位类别|单位名称|负责人|姓名|勘察单位|许昌市勘察测绘院有限公司|勘察单位项目负责人|赵志刚|") {
		t.Errorf("table cells: %s", got)
	}
}

// compile builds a CompiledPrint from a template written in the test, the way definitions
// compiles one (form is untyped here).
func compile(t *testing.T, tmpl definitions.PrintTemplate) *definitions.CompiledPrint {
	t.Helper()
	env := rules.NewEnv(nil, nil, nil, map[string]types.Type{"license": definitions.LicenseType, "fees": definitions.FeesType})
	cp := &definitions.CompiledPrint{Template: &tmpl, Values: map[int]*rules.Program{}, Rows: map[int]*rules.Program{}, Columns: map[int][]*rules.Program{}}
	for i, e := range tmpl.Elements {
		if e.Value != "" {
			p, err := env.Compile(e.Value, rules.Any)
			if err != nil {
				t.Fatal(err)
			}
			cp.Values[i] = p
		}
	}
	return cp
}

func pngOf(t *testing.T, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{R: uint8(x), G: 80, B: uint8(y), A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestImagesSealPicturesAndBackground(t *testing.T) {
	cp := compile(t, definitions.PrintTemplate{
		Title: "照片测试", Kind: "notice", Mode: "electronic", Background: "paper.png",
		Page: definitions.Page{Size: "A5", Orientation: "portrait"},
		Elements: []definitions.PrintElement{
			{Type: "image", X: 10, Y: 10, W: 40, H: 20, Value: `"photo"`, Label: "照片", Required: true},
			{Type: "seal", X: 60, Y: 10, W: 40, H: 40, Value: `"许昌市行政审批服务局"`},
			{Type: "image", X: 10, Y: 60, W: 20, H: 20, Value: `"none"`},
		},
	})
	photo, seal, paper := pngOf(t, 200, 200), pngOf(t, 50, 50), pngOf(t, 148, 210)
	opts := pdf.Options{Images: map[string][]byte{"photo": photo, "paper.png": paper}, Seals: map[string][]byte{"许昌市行政审批服务局": seal}}
	page, err := pdf.Layout(cp, rules.Vars{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	var imgs []pdf.Box
	for _, it := range page.Items {
		if im, ok := it.(*pdf.Image); ok {
			imgs = append(imgs, im.Box)
		}
	}
	want := []pdf.Box{{0, 0, 148, 210}, {20, 10, 20, 20}, {60, 10, 40, 40}} // background, photo kept square and centred, seal picture
	if len(imgs) != len(want) {
		t.Fatalf("images %v", imgs)
	}
	for k := range want {
		if imgs[k] != want[k] {
			t.Errorf("image %d at %+v, want %+v", k, imgs[k], want[k])
		}
	}
	if err := pdf.Render(&bytes.Buffer{}, cp, rules.Vars{}, opts); err != nil {
		t.Fatal(err)
	}
	// overprint leaves the background to the paper unless asked for it
	over, _ := pdf.Layout(cp, rules.Vars{}, pdf.Options{Mode: pdf.Overprint, Images: opts.Images, Seals: opts.Seals})
	if b := over.Items[0].Bounds(); b.W == 148 {
		t.Error("overprint drew the background")
	}

	_, err = pdf.Layout(cp, rules.Vars{}, pdf.Options{Images: map[string][]byte{"paper.png": paper}})
	if err == nil || err.Error() != "/elements/0: 「照片」的图片 photo 未提供" {
		t.Errorf("missing photo: %v", err)
	}
	_, err = pdf.Layout(cp, rules.Vars{}, pdf.Options{})
	if err == nil || err.Error() != "/background: 底图 paper.png 未提供" {
		t.Errorf("missing background: %v", err)
	}
	_, err = pdf.Layout(cp, rules.Vars{}, pdf.Options{Images: map[string][]byte{"paper.png": paper, "photo": []byte("GIF89a")}})
	if err == nil || err.Error() != "/elements/0: 「照片」不是可用的 PNG 或 JPEG 图片" {
		t.Errorf("bad photo: %v", err)
	}
}

func TestDrawnSealIsInkNotText(t *testing.T) {
	mp, cp := food(t)
	page, err := pdf.Layout(cp, sample(t, mp, nil), pdf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var circles, shapes int
	for _, it := range page.Items {
		switch it := it.(type) {
		case *pdf.Circle:
			circles++
			if !it.Ink {
				t.Error("seal ring covers what lies beneath")
			}
		case *pdf.Polygon:
			shapes++
		case *pdf.Text:
			if it.Element == 16 {
				t.Errorf("seal lettering is text: %q", it.Text)
			}
		}
	}
	// ring, star and the 13 characters of 许昌市魏都区市场监督管理局
	if circles != 1 || shapes != 14 {
		t.Errorf("%d rings and %d shapes", circles, shapes)
	}
}

// TestRenderingIsConcurrentAndRepeatable renders the same certificate from several goroutines
// (run with -race) and expects the same bytes each time.
func TestRenderingIsConcurrentAndRepeatable(t *testing.T) {
	mp, cp := food(t)
	vars := sample(t, mp, nil)
	outs := make([][]byte, 4)
	var wg sync.WaitGroup
	for k := range outs {
		wg.Go(func() {
			var buf bytes.Buffer
			if err := pdf.Render(&buf, cp, vars, pdf.Options{}); err != nil {
				t.Error(err)
			}
			outs[k] = buf.Bytes()
		})
	}
	wg.Wait()
	for k := range outs[1:] {
		if !bytes.Equal(outs[0], outs[k+1]) {
			t.Errorf("rendering %d differs from the first", k+1)
		}
	}
}

func BenchmarkRenderCertificate(b *testing.B) {
	mp, cp := food(b)
	vars := sample(b, mp, nil)
	var size int
	b.ReportAllocs()
	start := benchcpu.Time()
	for b.Loop() {
		var buf bytes.Buffer
		if err := pdf.Render(&buf, cp, vars, pdf.Options{}); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	benchcpu.Report(b, start)
	b.ReportMetric(float64(size), "pdf-bytes")
}

// BenchmarkLayoutCertificate is what checking that a certificate can be printed costs when it
// is issued, inside the approval's unit of work: the layout without the drawing.
func BenchmarkLayoutCertificate(b *testing.B) {
	mp, cp := food(b)
	vars := sample(b, mp, nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pdf.Layout(cp, vars, pdf.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestParagraphsKeepTheirIndentAndWrapCleanly(t *testing.T) {
	para := "　　经审查，你单位提交的申请材料齐全、符合法定形式，根据《中华人民共和国行政许可法》第三十二条的规定，决定予以受理。"
	cp := compile(t, definitions.PrintTemplate{
		Title: "受理通知书", Kind: "notice", Mode: "electronic",
		Page: definitions.Page{Size: "A4", Orientation: "portrait"},
		Elements: []definitions.PrintElement{
			{Type: "multiline", X: 20, Y: 20, W: 80, H: 60, Value: `form.text`, SizePt: 12},
			{Type: "text", X: 20, Y: 100, W: 170, H: 8, Value: `"电话：0374-1234567    监督：12345"`},
		},
	})
	page, err := pdf.Layout(cp, rules.Vars{"form": map[string]any{"text": para + "\n" + para}}, pdf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	lines := texts(page, 0)
	starts := 0
	for _, l := range lines {
		r := []rune(l.Text)
		if r[0] == '　' {
			starts++
			if l.X != 20 {
				t.Errorf("indented line at x %.2f", l.X)
			}
		}
		if strings.ContainsRune("，。、；：）》」", r[0]) || r[0] == ' ' {
			t.Errorf("line starts with %q: %q", r[0], l.Text)
		}
		if l.W > 80.01 {
			t.Errorf("line %q is %.2f mm wide in an 80 mm box", l.Text, l.W)
		}
	}
	if starts != 2 || len(lines) < 6 {
		t.Errorf("%d lines, %d paragraph starts", len(lines), starts)
	}
	if got := texts(page, 1)[0].Text; got != "电话：0374-1234567    监督：12345" {
		t.Errorf("spaces typed in the template are lost: %q", got)
	}
}

func TestTextWithoutABoxRunsToTheMargin(t *testing.T) {
	cp := compile(t, definitions.PrintTemplate{
		Title: "无框", Kind: "notice", Mode: "electronic",
		Page: definitions.Page{Size: "A4", Orientation: "portrait", MarginsMM: [4]float64{20, 20, 20, 20}},
		Elements: []definitions.PrintElement{
			{Type: "text", X: 150, Y: 20, Value: `"许昌市魏都区民政局"`, SizePt: 12},
			{Type: "qr", X: 20, Y: 40, Value: `"x"`},
		},
	})
	_, err := pdf.Layout(cp, rules.Vars{}, pdf.Options{})
	if err == nil || err.Error() != `/elements/1: 「二维码 "x"」需要宽 w 和高 h` {
		t.Errorf("QR without a size: %v", err)
	}
	cp.Template.Elements = cp.Template.Elements[:1]
	page, err := pdf.Layout(cp, rules.Vars{}, pdf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if tx := texts(page, 0); len(tx) != 1 || tx[0].X+tx[0].W > 190.01 {
		t.Errorf("text without a box: %+v", tx)
	}
}
