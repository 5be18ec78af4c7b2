package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/xuri/excelize/v2"

	"github.com/xuchang-gov/tongban/printing/excel"
)

// TestStudio drives the designer studio (/designer/) in Chromium through the real server, each
// flow a subtest on one server and one browser: a new matter built from scratch, published and
// applied for; two analysts on one draft; and the design API through the session cookie.
func TestStudio(t *testing.T) {
	began := time.Now()
	s := newBrowserSuite(t)
	t.Logf("server and browser up in %.1f s", time.Since(began).Seconds())
	s.runFlows([]browserFlow{
		{"SessionCSRF", flowStudioCSRF},
		{"NewMatterToCase", flowStudioNewMatter},
		{"Conflict", flowStudioConflict},
		{"CatalogAndPanels", flowStudioCatalogAndPanels},
	})
}

// The studio's demo staff: the analyst and publisher of 魏都区市场监督管理局 (serve --demo gives
// the designer's roles to the department with the most example matters).
const studioOrg = "wd-amr"

// studioHelpers are the page functions the studio flows use: pid is the element id the studio
// gives the control at a file's pointer (SchemaForm's pointerId), button finds an enabled
// button or tab by its text (antd spaces two-character labels).
const studioHelpers = `
const pid = (f, p) => 'at-' + (f + p).replace(/[^A-Za-z0-9_-]/g, c => '_' + c.charCodeAt(0).toString(16));
const norm = s => s.replace(/\s/g, '');
const button = t => [...document.querySelectorAll('button, [role=tab]')].find(b => norm(b.textContent) === t && !b.disabled && b.getAttribute('aria-disabled') !== 'true');
const setValue = (el, v) => {
	const proto = el.tagName === 'TEXTAREA' ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
	Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, v);
	el.dispatchEvent(new Event('input', {bubbles: true}));
};
`

// pointerID is the studio's element id of the control at a file's pointer.
func pointerID(file, pointer string) string {
	return "at-" + regexp.MustCompile(`[^A-Za-z0-9_-]`).ReplaceAllStringFunc(file+pointer, func(c string) string {
		return fmt.Sprintf("_%x", c[0])
	})
}

// studio evaluates js with the studio helpers in scope.
func studio[T any](tb *tab, js string) T {
	tb.s.t.Helper()
	return evalIn[T](tb, "(() => {"+studioHelpers+"return ("+js+"); })()")
}

// press clicks the enabled button (or tab) labelled text, waiting for it to appear.
func (tb *tab) press(text string) {
	tb.s.t.Helper()
	tb.waitFor(fmt.Sprintf(`(() => {%s return !!button(%q) })()`, studioHelpers, text))
	studio[bool](tb, fmt.Sprintf(`(button(%q).click(), true)`, text))
}

// setField types value into the input with id as React sees typing.
func (tb *tab) setField(id, value string) {
	tb.s.t.Helper()
	tb.do(chromedp.WaitVisible(chromedp.ID(id)))
	studio[bool](tb, fmt.Sprintf(`(setValue(document.getElementById(%q), %q), true)`, id, value))
}

// choose picks the option of the antd select whose input has id.
func (tb *tab) choose(id, value string) {
	tb.s.t.Helper()
	tb.chooseIn("#"+id, value)
}

// chooseIn picks the option of the antd select whose input matches the CSS selector sel.
func (tb *tab) chooseIn(sel, value string) {
	tb.s.t.Helper()
	// The select's own list (rc-select names it after the input's id): the last select's may
	// still be closing, with the same options.
	list := fmt.Sprintf(`(() => { const l = document.getElementById(document.querySelector(%q).id + '_list'); const d = l && l.closest('.ant-select-dropdown'); return d && !d.classList.contains('ant-select-dropdown-hidden') ? d : null })()`, sel)
	tb.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`.ant-select:has(%s)`, sel)), chromedp.NodeVisible))
	tb.waitFor(fmt.Sprintf(`(() => { const d = %s; const o = d && d.querySelector('.ant-select-item-option[title=%q]'); if (o) o.click(); return !!o })()`, list, value))
	tb.waitFor(fmt.Sprintf(`!!document.querySelector('.ant-select:has(%s) [title=%q]')`, sel, value))
}

// typeExpr replaces the text of the expression editor at a file's pointer, as a paste
// would: one change, so one check, whose answer is the one for text.
func (tb *tab) typeExpr(file, pointer, text string) {
	tb.s.t.Helper()
	sel := "#" + pointerID(file, pointer) + " .cm-content"
	tb.do(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible),
		chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.KeyEvent(kb.Delete))
	insertText(tb, text)
	tb.waitFor(fmt.Sprintf(`document.querySelector(%q).textContent === %q`, sel, text))
}

// addTag adds value to the antd tags select whose input has id.
func (tb *tab) addTag(id, value string) {
	tb.s.t.Helper()
	tb.do(chromedp.SendKeys(chromedp.ID(id), value+kb.Enter, chromedp.NodeVisible))
	tb.waitFor(fmt.Sprintf(`document.querySelector('.ant-select:has(#%s)').textContent.includes(%q)`, id, value))
}

// exprStatus waits for the line under the expression editor at a file's pointer to say want
// (a regular expression) and returns it.
func (tb *tab) exprStatus(file, pointer, want string) string {
	tb.s.t.Helper()
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.textContent : "" })()`, "#"+pointerID(file, pointer)+" .expr-meta")
	var got string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got = evalIn[string](tb, js); regexp.MustCompile(want).MatchString(got) {
			return got
		}
	}
	tb.s.t.Fatalf("%s: the expression at %s%s says %q, want %s", tb.who, file, pointer, got, want)
	return ""
}

// insertText inserts text where the focus is, as a paste would.
func insertText(tb *tab, text string) {
	tb.s.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, input.InsertText, input.InsertTextParams{Text: text}); err != nil {
		tb.s.t.Fatalf("%s: inserting text: %v", tb.who, err)
	}
}

// demoToken is the API token of the demo staff member of org in role.
func (s *browserSuite) demoToken(org, role string) string {
	s.t.Helper()
	return s.demoUser("", org, role).Token
}

// save saves the draft (Ctrl+S) and waits for the studio to say so.
func (tb *tab) save() {
	tb.s.t.Helper()
	tb.press("保存")
	tb.waitFor(`[...document.querySelectorAll('.ant-message-notice')].some(n => n.textContent.includes('已保存'))`)
	tb.waitFor(`(() => { const b = [...document.querySelectorAll('button')].find(b => b.textContent.replace(/\s/g, '') === '保存'); return b && b.disabled })()`)
}

// requestPublication saves the draft, has it checked clean and asks for publication.
func (tb *tab) requestPublication() {
	tb.s.t.Helper()
	tb.save()
	tb.press("检查与发布")
	tb.press("检查")
	tb.waitFor(noErrors)
	tb.press("申请发布")
	tb.waitFor(`document.body.innerText.includes('已提交发布申请')`)
}

// openStudio opens a matter's draft in the studio and waits for its form designer.
func (tb *tab) openStudio(slug string) {
	tb.s.t.Helper()
	tb.open("/designer/#/m/" + slug)
	tb.do(chromedp.WaitVisible(chromedp.CSS(".palette")))
}

// typeCatalog types what a new matter's catalog (matter.json) still lacks, field by field in
// the catalog's panels, each control found by its pointer: texts, choices, tags and switches.
func (tb *tab) typeCatalog() {
	tb.s.t.Helper()
	at := func(p string) string { return pointerID("matter.json", p) }
	tb.press("事项目录")
	tb.innerTab("基本信息")
	for _, f := range [][2]string{{"/basicCode", "000173006099"}, {"/implementationCode", "11411002MB1C3N5P9L000173006099"},
		{"/place", "魏都区政务服务中心"}, {"/hours", "工作日 9:00-17:00"}, {"/consultationPhone", "0374-5129315"},
		{"/supervisionPhone", "12345"}, {"/version", "1.0"}, {"/effectiveFrom", "2026-01-01"}} {
		tb.setField(at(f[0]), f[1])
	}
	for _, f := range [][2]string{{"/subjectNature", "法定机关"}, {"/caseType", "承诺件"}, {"/status", "在用"}} {
		tb.choose(at(f[0]), f[1])
	}
	tb.innerTab("依据与条件")
	for _, f := range [][2]string{{"/basis", "《中华人民共和国食品安全法》第三十五条"}, {"/level", "县级"},
		{"/acceptanceConditions", "已取得营业执照"}, {"/handlingForms", "窗口办理"}} {
		tb.addTag(at(f[0]), f[1])
	}
	tb.innerTab("审批结果")
	tb.setField(at("/result/name"), "设计器测试许可证")
	tb.choose(at("/result/type"), "证照")
	tb.innerTab("收费")
	tb.toggle(at("/fee/charged"), true)
	tb.setField(at("/fee/standard"), "工本费按经营面积每平方米 2 元")
	tb.innerTab("支持的服务")
	tb.toggle(at("/supports/appointment"), true)
	tb.toggle(at("/supports/onlinePayment"), false)
	tb.toggle(at("/supports/delivery"), false)
}

// innerTab opens the tab labelled text of the editor's inner (left) tab list.
func (tb *tab) innerTab(text string) {
	tb.s.t.Helper()
	tb.waitFor(fmt.Sprintf(`(() => {%s const b = [...document.querySelectorAll('.ant-tabs-left [role=tab]')].find(b => norm(b.textContent) === %q); if (b) b.click(); return !!b })()`, studioHelpers, text))
}

// toggle sets the switch with id on or off; a switch not set yet is written when it is first
// switched, so off is on and then off.
func (tb *tab) toggle(id string, on bool) {
	tb.s.t.Helper()
	tb.do(chromedp.Click(chromedp.ID(id), chromedp.NodeVisible))
	if !on {
		tb.waitFor(fmt.Sprintf(`document.getElementById(%q).getAttribute('aria-checked') === 'true'`, id))
		tb.do(chromedp.Click(chromedp.ID(id), chromedp.NodeVisible))
	}
	tb.waitFor(fmt.Sprintf(`document.getElementById(%q).getAttribute('aria-checked') === %q`, id, fmt.Sprint(on)))
}

// noErrors holds when the studio's problems list has no error (a warning, such as no sample,
// may remain: publishing acknowledges it).
const noErrors = `document.body.innerText.includes('没有发现问题') || document.body.innerText.includes('（错误 0 个）')`

// flowStudioNewMatter: the analyst creates a matter from scratch in the studio — five fields (an
// ID number, a division, a number, a checkbox, and a text shown only when the checkbox is
// ticked), a repeatable section with two columns, two materials (one conditional) and a fee
// expression; a broken expression is underlined at its line and column and publishing is
// refused; fixed, the number field renamed and the fee follows; the analyst asks for
// publication, the publisher publishes, a citizen applies in the portal with the generated
// form and the clerk accepts.
func flowStudioNewMatter(s *browserSuite) {
	t := s.t
	slug := fmt.Sprintf("studio-%d", time.Now().UnixNano()%1e6)
	const name = "设计器新建测试事项"
	analyst := s.staffTab(studioOrg, "analyst")
	analyst.open("/designer/")
	analyst.press("新建事项")
	analyst.setField("slug", slug)
	analyst.setField("name", name)
	analyst.press("创建")
	analyst.waitFor(fmt.Sprintf(`location.hash === "#/m/%s" && !!document.querySelector(".palette")`, slug))

	// The catalog first, typed in its panels: a matter whose catalog is incomplete does not
	// load, so its expressions cannot be checked yet.
	analyst.typeCatalog()

	// The form: five fields in the first section.
	analyst.press("申请表")
	add := func(widget, key, title string) {
		analyst.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[aria-label="添加%s"]`, widget)), chromedp.NodeVisible))
		analyst.setField(pointerID("form.schema.json", "/properties/"+strings.ReplaceAll(key, "[].", "/items/properties/")+"/title"), title)
	}
	add("身份证号", "idCardField1", "身份证号码")
	add("行政区划", "divisionField1", "所在区县")
	add("数字", "numberField1", "经营面积")
	add("勾选", "checkboxField1", "委托代理人办理")
	add("单行文本", "textField1", "代理人姓名")
	analyst.typeExpr("form.ui.json", "/fields/textField1/visible", "form.checkboxField1 == true")
	analyst.exprStatus("form.ui.json", "/fields/textField1/visible", `类型：bool`)
	// A repeatable section with two columns: Enter on it makes it the place new fields go.
	add("可重复行", "rowsField1", "从业人员")
	analyst.do(chromedp.Focus(chromedp.CSS(`.field-row[aria-label^="从业人员"]`)), chromedp.KeyEvent(kb.Enter))
	add("单行文本", "rowsField1[].textField2", "姓名")
	add("数字", "rowsField1[].numberField2", "年龄")
	structure := studio[string](analyst, `document.querySelector('[aria-label="表单结构"]').innerText`)
	for _, want := range []string{"身份证号码", "所在区县", "经营面积", "委托代理人办理", "代理人姓名", "从业人员", "姓名", "年龄"} {
		if !strings.Contains(structure, want) {
			t.Errorf("the form designer does not show %q:\n%s", want, structure)
		}
	}

	// Two materials, the second only when an agent applies.
	analyst.press("申请材料")
	analyst.press("添加申请材料")
	analyst.press("添加申请材料")
	for i, m := range []struct{ id, name, requirement string }{{"application", "申请书", "required"}, {"proxy", "授权委托书", "conditional"}} {
		at := func(k string) string { return pointerID("materials.json", fmt.Sprintf("/materials/%d/%s", i, k)) }
		analyst.setField(at("id"), m.id)
		analyst.setField(at("name"), m.name)
		analyst.choose(at("requirement"), m.requirement)
		analyst.choose(at("source"), "upload")
		analyst.addTag(at("fileTypes"), "pdf")
	}
	analyst.typeExpr("materials.json", "/materials/1/condition", "form.checkboxField1 == true")
	analyst.exprStatus("materials.json", "/materials/1/condition", `类型：bool`)

	// One fee, its amount typed broken first: the error is underlined at its line and column.
	analyst.press("收费")
	analyst.press("添加收费项目")
	fee := func(k string) string { return pointerID("fees.json", "/items/0/"+k) }
	analyst.setField(fee("id"), "fee")
	analyst.setField(fee("name"), "工本费")
	analyst.choose(fee("kind"), "administrative")
	typed := time.Now()
	analyst.typeExpr("fees.json", "/items/0/amount", "form.numberField1 *")
	status := analyst.exprStatus("fees.json", "/items/0/amount", `第 1 行第 \d+ 列`)
	analyst.waitFor(fmt.Sprintf(`!!document.querySelector('#%s .cm-lintRange-error, #%s .cm-lintPoint-error')`, fee("amount"), fee("amount")))
	t.Logf("broken fee underlined %d ms after typing began: %s", time.Since(typed).Milliseconds(), status)
	analyst.save()
	analyst.press("检查与发布")
	analyst.press("检查")
	analyst.waitFor(`document.body.innerText.includes('fees.json/items/0/amount（1:')`)
	if studio[bool](analyst, `!!button('申请发布')`) {
		t.Errorf("the analyst may ask to publish a draft with an error")
	}
	// The publisher is refused through the API as well.
	publisherToken := s.demoToken(studioOrg, "publisher")
	if status, body := designCall(t, s.url, "POST", "/matters/"+slug+"/draft/publish", `{"acknowledge":true}`, "Authorization", "Bearer "+publisherToken); status != 400 || !strings.Contains(body, "fees.json") {
		t.Errorf("publishing the broken draft answers %d %s, want 400 naming fees.json", status, body)
	}

	// Fixed, then the number field renamed: the fee follows.
	analyst.press("收费")
	analyst.typeExpr("fees.json", "/items/0/amount", "form.numberField1 * 2")
	analyst.exprStatus("fees.json", "/items/0/amount", `类型：`)
	analyst.press("申请表")
	analyst.do(chromedp.Click(chromedp.CSS(`.field-row[aria-label^="经营面积"]`), chromedp.NodeVisible))
	analyst.setField("field-path", "area")
	analyst.press("重命名…")
	analyst.waitFor(`document.body.innerText.includes('将更新 1 处引用')`)
	analyst.press("重命名")
	analyst.press("收费")
	if got := studio[string](analyst, fmt.Sprintf(`document.querySelector('#%s .cm-content').textContent`, fee("amount"))); got != "form.area * 2" {
		t.Errorf("after the rename the fee reads %q, want form.area * 2", got)
	}
	analyst.requestPublication()

	// The publisher publishes.
	publisher := s.staffTab(studioOrg, "publisher")
	publisher.open("/designer/")
	publisher.waitFor(fmt.Sprintf(`document.body.innerText.includes(%q) && document.body.innerText.includes('待发布')`, name))
	publisher.publishDraft(slug)

	// A citizen applies with the generated form, with an agent, and the clerk accepts.
	citizen, _ := s.personTab("张伟")
	number, materials := citizen.apply(slug, map[string]string{
		"idCardField1": s.demoUser("张伟", "", "").IDNumber, "divisionField1": "411002", "area": "35",
		"checkboxField1": "true", "textField1": "李代理", "rowsField1.0.textField2": "王五", "rowsField1.0.numberField2": "30",
	})
	if strings.Join(materials, ",") != "application,proxy" {
		t.Errorf("the citizen uploaded %v, want application and proxy (an agent applies)", materials)
	}
	clerk := s.staffTab(studioOrg, "clerk")
	clerk.accept(number, "材料齐全，予以受理")
	t.Logf("case %s of the new matter %s accepted", number, slug)
}

// flowStudioConflict: two analysts open one draft; the second sees the first editing; both
// change it, the second save gets the conflict and reloads and reapplies its change.
func flowStudioConflict(s *browserSuite) {
	t := s.t
	const slug = "sole-proprietor-registration"
	first := s.staffTab(studioOrg, "analyst")
	first.openStudio(slug)
	// The second analyst: the admin, who may edit every matter.
	second := s.staffTab("xc-gov", "admin")
	second.openStudio(slug)
	second.waitFor(`document.body.innerText.includes('也在编辑这份草稿')`)

	title := func(tb *tab, text string) {
		tb.press("收费")
		tb.setField(pointerID("fees.json", "/description"), text)
	}
	title(first, "第一位梳理人员的说明")
	first.save()
	title(second, "第二位梳理人员的说明")
	second.press("保存")
	second.waitFor(`document.body.innerText.includes('草稿已被他人修改')`)
	second.press("重新载入并应用我的修改")
	second.waitFor(`!document.body.innerText.includes('草稿已被他人修改')`)
	if got := studio[string](second, fmt.Sprintf(`document.getElementById(%q).value`, pointerID("fees.json", "/description"))); got != "第二位梳理人员的说明" {
		t.Errorf("after reload and reapply the description is %q", got)
	}
	second.save()
	token := s.demoToken(studioOrg, "analyst")
	_, body := designCall(t, s.url, "GET", "/matters/"+slug+"/draft", "", "Authorization", "Bearer "+token)
	if !strings.Contains(body, "第二位梳理人员的说明") {
		t.Errorf("the draft after the reapplied save lacks the second change:\n%.400s", body)
	}
}

// flowStudioCatalogAndPanels: the admin exports the Excel catalog, edits a name and imports it
// from the matter list (the draft gets it); a bad cell is refused naming the cell. A parameter's
// value is a number control and a computed value's expression is checked; a field's prefill
// rule has the expression editor; a broken fee still previews the form with the error above
// it; the check lists the validate-time warnings apart from the errors.
func flowStudioCatalogAndPanels(s *browserSuite) {
	t := s.t
	admin := s.staffTab("xc-gov", "admin")
	status, workbook := designCall(t, s.url, "GET", "/catalog", "", "Cookie", admin.cookieHeader())
	if status != 200 {
		t.Fatalf("GET catalog with the session: %d %.300s", status, workbook)
	}
	edited := func(header, value string) string {
		f, err := excelize.OpenReader(strings.NewReader(workbook))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows(excel.SheetName)
		row := slices.IndexFunc(rows, func(r []string) bool { return len(r) > 0 && r[0] == "food-business-license" })
		col, _ := excelize.ColumnNumberToName(slices.Index(rows[0], header) + 1)
		if row < 0 || col == "" {
			t.Fatalf("no row of food-business-license or column %s in the export", header)
		}
		if err := f.SetCellValue(excel.SheetName, fmt.Sprint(col, row+1), value); err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(t.TempDir(), "catalog.xlsx")
		if err := f.SaveAs(name); err != nil {
			t.Fatal(err)
		}
		return name
	}
	const upload = `input[aria-label="选择事项目录 Excel 文件"]`
	admin.open("/designer/")
	admin.do(chromedp.SetUploadFiles(chromedp.CSS(upload), []string{edited("法定办结时限（工作日）", "十")}))
	admin.waitFor(`document.body.innerText.includes('未写入任何事项') && document.body.innerText.includes('事项目录!')`)
	admin.do(chromedp.SetUploadFiles(chromedp.CSS(upload), []string{edited("事项名称", "食品经营许可证核发（目录导入）")}))
	admin.waitFor(`document.body.innerText.includes('已写入 1 个事项的草稿')`)
	token := s.demoToken("xc-gov", "admin")
	_, body := designCall(t, s.url, "GET", "/matters/food-business-license/draft", "", "Authorization", "Bearer "+token)
	if !strings.Contains(body, "食品经营许可证核发（目录导入）") {
		t.Errorf("the draft after the catalog import lacks the new name:\n%.300s", body)
	}
	// Without its sample the draft has a warning whatever the date.
	var draft struct{ Revision int }
	_ = json.Unmarshal([]byte(body), &draft)
	if status, body := designCall(t, s.url, "DELETE", "/matters/food-business-license/draft/files/sample.json", "", "Authorization", "Bearer "+token, "If-Match", fmt.Sprint(draft.Revision)); status != 200 {
		t.Fatalf("deleting sample.json: %d %s", status, body)
	}

	admin.openStudio("minimum-living-allowance")
	admin.press("参数与计算值")
	value := pointerID("matter.json", "/parameters/0/value")
	admin.waitFor(fmt.Sprintf(`(() => { const e = document.getElementById(%q); return !!e && e.classList.contains('ant-input-number-input') && e.value === '620' })()`, value))
	admin.exprStatus("matter.json", "/values/0/expression", `类型：`)

	admin.openStudio("food-business-license")
	admin.do(chromedp.Click(chromedp.CSS(`.field-row[aria-label$=" uscc"]`), chromedp.NodeVisible))
	admin.exprStatus("form.ui.json", "/prefill/0/value", `类型：string`)

	admin.press("收费")
	admin.typeExpr("fees.json", "/items/0/amount", "form.noSuchField * 2")
	admin.exprStatus("fees.json", "/items/0/amount", `第 1 行第 \d+ 列`)
	admin.save()
	admin.waitFor(`(() => { const f = document.querySelector('iframe.preview-frame'); return !!f && f.srcdoc.includes('草稿有 1 个错误') && f.srcdoc.includes('name="premisesArea"') })()`)
	admin.press("检查与发布")
	admin.press("检查")
	admin.waitFor(`document.body.innerText.includes('错误 1 个（须修正后才能发布）') && document.body.innerText.includes('fees.json/items/0/amount')`)
	// Fixed, the check lists the warnings apart from the errors.
	admin.press("收费")
	admin.typeExpr("fees.json", "/items/0/amount", "12")
	admin.save()
	admin.press("检查与发布")
	admin.press("检查")
	admin.waitFor(`document.body.innerText.includes('（不妨碍发布，发布即表示已确认）') && document.body.innerText.includes('没有示例数据') && document.body.innerText.includes('（错误 0 个）')`)
	if status, body := designCall(t, s.url, "DELETE", "/matters/food-business-license/draft", "", "Authorization", "Bearer "+token); status != 204 {
		t.Errorf("discarding the draft: %d %s", status, body)
	}
}

// flowStudioCSRF: the design API through the studio's session cookie refuses a change without
// the CSRF header (403) and takes it with the token the session route gives.
func flowStudioCSRF(s *browserSuite) {
	t := s.t
	analyst := s.staffTab(studioOrg, "analyst")
	cookie := analyst.cookieHeader()
	status, body := designCall(t, s.url, "GET", "/session", "", "Cookie", cookie)
	var session struct{ CSRFToken string }
	if err := json.Unmarshal([]byte(body), &session); status != 200 || err != nil || session.CSRFToken == "" {
		t.Fatalf("GET session with the cookie: %d %s", status, body)
	}
	const draft = "/matters/food-business-license/draft"
	if status, body := designCall(t, s.url, "POST", draft, "", "Cookie", cookie); status != 403 {
		t.Errorf("opening a draft without the CSRF header answers %d %s, want 403", status, body)
	}
	if status, body := designCall(t, s.url, "POST", draft, "", "Cookie", cookie, "X-CSRF-Token", "forged"); status != 403 {
		t.Errorf("opening a draft with a wrong CSRF token answers %d %s, want 403", status, body)
	}
	status, body = designCall(t, s.url, "POST", draft, "", "Cookie", cookie, "X-CSRF-Token", session.CSRFToken)
	if status != 200 {
		t.Fatalf("opening a draft with the CSRF token answers %d %s", status, body)
	}
	if status, body := designCall(t, s.url, "DELETE", draft, "", "Cookie", cookie, "X-CSRF-Token", session.CSRFToken); status != 204 {
		t.Errorf("discarding the draft with the CSRF token answers %d %s", status, body)
	}
}

// designCall sends a request to the design API with headers (name, value pairs) and returns
// the status and body.
func designCall(t *testing.T, base, method, path, body string, headers ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, base+"/api/v1/design"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}
