package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// TestStudioPrintDesigner drives the print-template designer in Chromium through the real
// server: on a copy of the sole proprietor registration whose certificate is an overprint on
// blank A4, the analyst uploads the picture of the pre-printed paper, places the holder's name,
// the licence number, a QR code and a seal by dragging them from the palette's drop point,
// sees the server's preview, saves and asks for publication; published, a case runs to its
// certificate through the API, and pdftotext -bbox finds the holder's name and the licence
// number where they were placed, within 1 mm.
func TestStudioPrintDesigner(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext is missing: run printing/pdf/install-test-tools.sh")
	}
	s := newBrowserSuite(t)
	s.runFlows([]browserFlow{{"PlaceAndIssue", flowPrintDesigner}, {"SharedDefinitions", flowSharedDefinitions}})
}

// flowSharedDefinitions: the administrator opens the shared definitions, sees the org tree,
// marks a day of the calendar a holiday in its month grid, has the server check the change
// against every matter, tries the population database from the server and sees the mapped
// person, drags an element of a shared notice and sees its preview and the matters it reaches
// (then undoes it), and puts the calendar change in force.
func flowSharedDefinitions(s *browserSuite) {
	admin := s.staffTab("xc-gov", "admin")
	admin.open("/designer/#/shared")
	admin.waitFor(`!!document.querySelector('.shared-orgs') && document.body.innerText.includes('许昌市魏都区市场监督管理局')`)
	admin.axe("the shared definitions: orgs")
	admin.press("办公日历")
	admin.axe("the shared definitions: calendar")
	admin.do(chromedp.Click(chromedp.CSS(`button[data-date="2026-06-03"]`), chromedp.NodeVisible))
	admin.waitFor(`document.querySelector('button[data-date="2026-06-03"]').getAttribute('aria-label').includes('放假')`)
	admin.press("检查")
	admin.waitFor(`document.body.innerText.includes('没有发现问题')`)
	admin.press("连接器")
	admin.chooseIn(`input[aria-label="连接器"]`, "population-db")
	admin.setFieldIn(`input[aria-label="查询键（如身份证号）"]`, s.demoUser("张伟", "", "").IDNumber)
	admin.press("试一下")
	admin.waitFor(`(() => { const r = document.querySelector('pre[aria-label="试查询结果"]'); return !!r && r.textContent.includes('张伟') })()`)
	admin.axe("the shared definitions: connectors")
	// A shared notice in the print designer: a drag, the server's preview for a matter that
	// prints it, and the warning naming every matter the change reaches.
	admin.press("共用文书")
	admin.waitFor(`!!document.querySelector('.print-page') && document.querySelectorAll('.print-el').length > 3`)
	seq, _ := admin.previewAfter(0)
	admin.moveTo(0, 25, 25)
	admin.previewAfter(seq)
	admin.waitFor(`document.body.innerText.includes('已修改的共用文书将影响') && document.body.innerText.includes('food-business-license')`)
	studio[bool](admin, `([...document.querySelectorAll('.ant-btn')].find(b => norm(b.textContent) === '撤销').click(), true)`)
	admin.waitFor(`document.body.innerText.includes('生效（1 个文件）')`)
	admin.press("生效（1个文件）")
	admin.waitFor(`!!document.querySelector('.ant-modal-confirm')`)
	studio[bool](admin, `([...document.querySelectorAll('.ant-modal-confirm button')].find(b => norm(b.textContent) === '生效').click(), true)`)
	admin.waitFor(`[...document.querySelectorAll('.ant-message-notice')].some(n => n.textContent.includes('已生效'))`)
}

// setFieldIn types value into the input matching the CSS selector sel as React sees typing.
func (tb *tab) setFieldIn(sel, value string) {
	tb.s.t.Helper()
	tb.do(chromedp.WaitVisible(chromedp.CSS(sel)))
	studio[bool](tb, fmt.Sprintf(`(setValue(document.querySelector(%q), %q), true)`, sel, value))
}

// blankOverprint is the copy's certificate before the analyst places anything: A4 landscape,
// an overprint, only the form's printed title (which an overprint leaves out).
const blankOverprint = `{
  "title": "个体工商户营业执照（套打）",
  "kind": "certificate",
  "page": {"size": "A4", "orientation": "landscape", "marginsMm": [10, 10, 10, 10]},
  "mode": "overprint",
  "elements": [
    {"type": "text", "x": 60, "y": 15, "w": 177, "h": 14, "value": "\"营业执照\"", "sizePt": 28, "align": "center"}
  ]
}
`

// apiCall calls the API with a bearer token.
func apiCall(t *testing.T, base, token, method, path string, body io.Reader, contentType string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

func apiJSON(t *testing.T, base, token, method, path string, body any) map[string]any {
	t.Helper()
	raw, _ := json.Marshal(body)
	status, out := apiCall(t, base, token, method, path, bytes.NewReader(raw), "application/json")
	if status/100 != 2 {
		t.Fatalf("%s %s = %d: %s", method, path, status, out)
	}
	var v map[string]any
	_ = json.Unmarshal(out, &v)
	return v
}

// dragBy drags the element matching sel by (dx, dy) CSS pixels with the mouse, in steps, as a
// hand would.
func (tb *tab) dragBy(sel string, dx, dy float64) {
	tb.s.t.Helper()
	r := studio[[]float64](tb, fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.scrollIntoView({block: 'center', inline: 'center'}); const b = el.getBoundingClientRect(); return [b.left + Math.min(8, b.width / 2), b.top + Math.min(8, b.height / 2)] })()`, sel))
	x, y := r[0], r[1]
	actions := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y), chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1))}
	const steps = 8
	for k := 1; k <= steps; k++ {
		actions = append(actions, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x+dx*float64(k)/steps, y+dy*float64(k)/steps, chromedp.ButtonLeft))
	}
	actions = append(actions, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, x+dx, y+dy, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	tb.do(actions...)
}

// placeAt adds an element of the palette entry label and drags it so that its top-left corner
// lands at (x, y) millimetres on the page; it returns the element's index.
func (tb *tab) placeAt(label string, x, y float64) int {
	tb.s.t.Helper()
	before := studio[int](tb, `document.querySelectorAll('.print-el').length`)
	studio[bool](tb, fmt.Sprintf(`([...document.querySelectorAll('.print-designer .palette button')].find(b => norm(b.textContent) === %q).click(), true)`, label))
	tb.waitFor(fmt.Sprintf(`document.querySelectorAll('.print-el').length === %d`, before+1))
	tb.moveTo(before, x, y)
	return before
}

// moveTo drags element i so that its top-left corner lands at (x, y) millimetres.
func (tb *tab) moveTo(i int, x, y float64) {
	tb.s.t.Helper()
	sel := fmt.Sprintf(`.print-el[data-index="%d"]`, i)
	// px per mm as the canvas draws the page
	scale := studio[float64](tb, `(() => { const p = document.querySelector('.print-page'); return p.getBoundingClientRect().width / +/纸张 ([\d.]+)×/.exec(p.getAttribute('aria-label'))[1] })()`)
	pos := studio[[]float64](tb, fmt.Sprintf(`(() => { const m = /X ([\d.]+)，Y ([\d.]+) 毫米/.exec(document.querySelector(%q).getAttribute('aria-label')); return [+m[1], +m[2]] })()`, sel))
	tb.dragBy(sel, (x-pos[0])*scale, (y-pos[1])*scale)
	tb.waitFor(fmt.Sprintf(`document.querySelector(%q).getAttribute('aria-label').includes('（X %s，Y %s 毫米）')`, sel, strconv.FormatFloat(x, 'f', -1, 64), strconv.FormatFloat(y, 'f', -1, 64)))
}

// previewAfter waits for a server preview of a later request than seq and returns its
// sequence number and round trip.
func (tb *tab) previewAfter(seq int) (int, int) {
	tb.s.t.Helper()
	tb.waitFor(fmt.Sprintf(`(() => { const i = document.querySelector('img.print-preview'); return !!i && +i.dataset.seq > %d && i.complete })()`, seq))
	return studio[int](tb, `+document.querySelector('img.print-preview').dataset.seq`), studio[int](tb, `+document.querySelector('img.print-preview').dataset.ms`)
}

func flowPrintDesigner(s *browserSuite) {
	t := s.t
	slug := fmt.Sprintf("print-%d", time.Now().UnixNano()%1e6)
	analystToken := s.demoToken(studioOrg, "analyst")
	if status, body := designCall(t, s.url, "POST", "/matters", fmt.Sprintf(`{"slug": %q, "from": "sole-proprietor-registration"}`, slug), "Authorization", "Bearer "+analystToken); status != 201 {
		t.Fatalf("copying the matter: %d %s", status, body)
	}
	var d struct{ Revision int }
	_, body := designCall(t, s.url, "GET", "/matters/"+slug+"/draft", "", "Authorization", "Bearer "+analystToken)
	_ = json.Unmarshal([]byte(body), &d)
	if status, body := designCall(t, s.url, "PUT", "/matters/"+slug+"/draft/files/print/certificate.json", blankOverprint, "Authorization", "Bearer "+analystToken, "If-Match", strconv.Itoa(d.Revision)); status != 200 {
		t.Fatalf("blank certificate: %d %s", status, body)
	}

	analyst := s.staffTab(studioOrg, "analyst")
	analyst.openStudio(slug)
	analyst.press("打印模板")
	analyst.waitFor(`!!document.querySelector('.print-page') && document.querySelectorAll('.print-el').length === 1`)

	// The picture of the pre-printed paper, as a scanner gives it.
	paper := image.NewRGBA(image.Rect(0, 0, 1188, 840))
	for y := range 840 {
		for x := range 1188 {
			paper.Set(x, y, color.RGBA{250, 236, 214, 255})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, paper)
	paperPath := filepath.Join(t.TempDir(), "paper.png")
	if err := os.WriteFile(paperPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	analyst.do(chromedp.SetUploadFiles(chromedp.CSS(`.print-upload input[type=file]`), []string{paperPath}))
	analyst.waitFor(`(() => { const i = document.querySelector('.print-background'); return !!i && i.complete && i.naturalWidth === 1188 })()`)

	analyst.placeAt("文字", 40, 60)
	number := analyst.placeAt("文字", 40, 80)
	analyst.typeExpr("print/certificate.json", fmt.Sprintf("/elements/%d/value", number), "license.number")
	analyst.exprStatus("print/certificate.json", fmt.Sprintf("/elements/%d/value", number), `类型：`)
	qr := analyst.placeAt("二维码", 230, 120)
	seal := analyst.placeAt("印章", 180, 130)

	// The server's preview of the unsaved template: the paper under the placed data.
	seq, first := analyst.previewAfter(0)
	analyst.waitFor(`document.querySelectorAll('.print-el.has-error').length === 0`)
	analyst.axe("the print designer")
	// The seal a little to the right, to time a preview round trip after a drag.
	analyst.moveTo(seal, 185, 130)
	seq, ms := analyst.previewAfter(seq)
	// Dragged partly off the paper, the QR code is marked with the check's message; back, it is not.
	analyst.moveTo(qr, 285, 120)
	analyst.waitFor(fmt.Sprintf(`(() => { const e = document.querySelector('.print-el[data-index="%d"]'); return e.classList.contains('has-error') && e.getAttribute('aria-label').includes('超出纸张') })()`, qr))
	analyst.moveTo(qr, 230, 120)
	analyst.previewAfter(seq)
	analyst.waitFor(`document.querySelectorAll('.print-el.has-error').length === 0`)
	t.Logf("print preview round trips: %d ms, then %d ms after a drag", first, ms)
	src := studio[string](analyst, `document.querySelector('img.print-preview').src`)
	shown, err := png.Decode(base64PNG(t, src))
	if err != nil {
		t.Fatal(err)
	}
	if r, g, b, _ := shown.At(5, 5).RGBA(); r>>8 != 250 || g>>8 != 236 || b>>8 != 214 {
		t.Errorf("the preview's corner is %d,%d,%d, want the paper's colour", r>>8, g>>8, b>>8)
	}

	analyst.requestPublication()
	if status, body := designCall(t, s.url, "POST", "/matters/"+slug+"/draft/publish", `{"acknowledge": true}`, "Authorization", "Bearer "+s.demoToken(studioOrg, "publisher")); status != 200 {
		t.Fatalf("publishing: %d %s", status, body)
	}

	// A case of the new version runs to its certificate.
	applicant := s.demoUser("张伟", "", "").Token
	form, _ := os.ReadFile("../../examples/matters/sole-proprietor-registration/sample.json")
	n := apiJSON(t, s.url, applicant, "POST", "/api/v1/cases", map[string]any{"matter": slug, "form": json.RawMessage(form), "draft": true})["number"].(string)
	for _, material := range []string{"premisesProof", "familyRelationProof"} {
		var mb bytes.Buffer
		w := multipart.NewWriter(&mb)
		part, _ := w.CreateFormFile("file", "证明.pdf")
		_, _ = part.Write([]byte("%PDF-1.4\n%%EOF\n"))
		_ = w.Close()
		if status, out := apiCall(t, s.url, applicant, "POST", "/api/v1/cases/"+n+"/materials/"+material, &mb, w.FormDataContentType()); status != 201 {
			t.Fatalf("upload %s: %d %s", material, status, out)
		}
	}
	apiJSON(t, s.url, applicant, "POST", "/api/v1/cases/"+n+"/submit", map[string]any{})
	apiJSON(t, s.url, s.demoToken(studioOrg, "clerk"), "POST", "/api/v1/cases/"+n+"/accept", map[string]any{"opinion": "予以受理"})
	decider := s.demoToken(studioOrg, "decider")
	var task float64
	tasks := apiJSON(t, s.url, decider, "GET", "/api/v1/tasks", nil)
	items, _ := tasks["items"].([]any)
	for _, it := range items {
		if it.(map[string]any)["caseNumber"] == n {
			task = it.(map[string]any)["id"].(float64)
		}
	}
	if task == 0 {
		t.Fatalf("no task of case %s for the decider: %v", n, tasks)
	}
	apiJSON(t, s.url, decider, "POST", fmt.Sprintf("/api/v1/tasks/%d/complete", int(task)), map[string]any{"outcome": "approve", "opinion": "准予登记"})
	var cert, holderName string
	_, raw := apiCall(t, s.url, applicant, "GET", "/api/v1/cases/"+n+"/events", nil, "")
	var events []struct {
		Type string
		Data struct{ Number, Holder string }
	}
	if err := json.Unmarshal(raw, &events); err != nil {
		t.Fatalf("events: %v %s", err, raw)
	}
	for _, e := range events {
		if e.Type == "certificate-issued" {
			cert, holderName = e.Data.Number, e.Data.Holder
		}
	}
	if cert == "" {
		t.Fatalf("case %s issued no certificate", n)
	}
	status, doc := apiCall(t, s.url, applicant, "GET", "/api/v1/certificates/"+cert+"/document", nil, "")
	if status != 200 {
		t.Fatalf("certificate document: %d", status)
	}
	pdfPath := filepath.Join(t.TempDir(), "cert.pdf")
	_ = os.WriteFile(pdfPath, doc, 0o644)
	out, err := exec.Command("pdftotext", "-bbox", pdfPath, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	// Text is centred in its 8 mm box from the palette: its words' middle is the box's.
	at := func(text string, x, y float64) {
		t.Helper()
		for _, l := range strings.Split(string(out), "\n") {
			var x0, y0, x1, y1 float64
			var w string
			if _, err := fmt.Sscanf(strings.TrimSpace(l), `<word xMin="%f" yMin="%f" xMax="%f" yMax="%f">%s`, &x0, &y0, &x1, &y1, &w); err != nil {
				continue
			}
			if strings.TrimSuffix(w, "</word>") != text {
				continue
			}
			const mm = 25.4 / 72
			if dx, dy := x0*mm-x, (y0+y1)/2*mm-(y+4); math.Abs(dx) > 1 || math.Abs(dy) > 1 {
				t.Errorf("%q is at %.1f, %.1f mm, placed at %.1f, %.1f (box middle %.1f): off by %.2f, %.2f mm", text, x0*mm, (y0+y1)/2*mm, x, y, y+4, dx, dy)
			}
			t.Logf("%q printed at x %.2f mm (placed %.0f), middle y %.2f mm (box middle %.0f)", text, x0*mm, x, (y0+y1)/2*mm, y+4)
			return
		}
		t.Errorf("the certificate does not print %q:\n%s", text, out)
	}
	if holderName == "" {
		t.Fatalf("the certificate-issued event names no holder")
	}
	at(holderName, 40, 60)
	at(cert, 40, 80)
	if strings.Contains(string(out), ">营业执照</word>") {
		t.Errorf("the overprint printed the paper's own title")
	}
}

// base64PNG decodes a data: URL of a PNG.
func base64PNG(t *testing.T, src string) io.Reader {
	t.Helper()
	_, data, ok := strings.Cut(src, ",")
	if !ok {
		t.Fatalf("not a data URL: %.40s", src)
	}
	return base64.NewDecoder(base64.StdEncoding, strings.NewReader(data))
}
