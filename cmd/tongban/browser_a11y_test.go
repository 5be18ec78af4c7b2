package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/xuchang-gov/tongban/connectors/simulate"
	"github.com/xuchang-gov/tongban/definitions/cn"
	"github.com/xuchang-gov/tongban/runtime/store"
)

// TestBrowserAccessibility drives the pages as a person who uses only the keyboard, a screen
// reader's user, or an older person with large text would, on one server: a food-licence
// application (食品经营许可) from the portal's home page to the submitted case with Tab,
// Shift-Tab, Space, Enter and the arrow keys only; axe-core (TONGBAN_AXE) over the pages of
// the portal, the workbench, the administration and the accounts; every page at 320 px (a PC
// at 400% zoom) and with large text without sideways scrolling; the skip link.
func TestBrowserAccessibility(t *testing.T) {
	s := newBrowserSuite(t)
	t.Run("KeyboardFoodLicence", func(t *testing.T) { keyboardFoodLicence(s.in(t)) })
	t.Run("Pages", func(t *testing.T) { pagesAccessible(s.in(t)) })
	t.Run("Studio", func(t *testing.T) { studioAccessible(s.in(t)) })
	t.Run("KeyboardWorkbench", func(t *testing.T) { keyboardWorkbench(s.in(t)) })
}

// keyboardWorkbench: 张伟 applies for 个体工商户设立登记; the clerk of 魏都区市场监督管理局 signs in,
// opens the to-do list and the case, pre-reviews and accepts it with an opinion, with Tab,
// Enter and Space only, and every control reached shows where the focus is.
func keyboardWorkbench(s *browserSuite) {
	t := s.t
	citizen, _ := s.personTab("张伟")
	number, _ := citizen.apply(soleProprietor, soleProprietorForm(t, nil))
	clerk := s.newTab("wd-amr clerk by keyboard")
	staff := s.demoUser("", "wd-amr", "clerk")
	// Where the workbench sends a signed-out clerk, with 工作人员 chosen.
	clerk.open("/account/login?kind=staff&next=%2Fwork%2F")
	clerk.keyTo(`e.id === "f-login"`)
	clerk.typeKeys(staff.Mobile)
	clerk.keyTo(`e.id === "f-password"`)
	clerk.typeKeys(demoPassword)
	clerk.awaitLoad(clerk.pressLoading(kb.Enter))
	if strings.Contains(clerk.location(), "/account/login") {
		t.Fatalf("the clerk could not sign in by keyboard:\n%s", clerk.pageText())
	}
	if !strings.HasSuffix(clerk.location(), "/work/") {
		t.Fatalf("the clerk's sign-in ended on %s, not the to-do list", clerk.location())
	}
	clerk.keyTo(fmt.Sprintf(`e.getAttribute("href") === "/work/cases/%s"`, number))
	clerk.awaitLoad(clerk.pressLoading(kb.Enter))
	if evalIn[bool](clerk, `!!document.getElementById("pre-opinion")`) {
		clerk.keyTo(`e.id === "pre-opinion"`)
		clerk.typeKeys("材料齐全，预审通过")
		clerk.keyTo(`e.closest('form[action$="/pre-review"]') && e.type === "submit"`)
		clerk.awaitLoad(clerk.pressLoading(" "))
	}
	const opinion = "材料齐全，符合法定形式，予以受理"
	clerk.keyTo(`e.id === "acc-opinion"`)
	clerk.typeKeys(opinion)
	clerk.keyTo(`e.name === "decision" && e.value === "accept"`)
	clerk.awaitLoad(clerk.pressLoading(" "))
	clerk.open("/work/cases/" + number)
	if evalIn[bool](clerk, `!!document.getElementById("acceptance")`) {
		t.Fatalf("case %s still waits for acceptance after the keyboard acceptance:\n%s", number, clerk.pageText())
	}
	clerk.mustSee(opinion)
}

// keyTo is tabTo that also checks the control reached shows the focus: an outline.
func (tb *tab) keyTo(cond string) {
	tb.s.t.Helper()
	tb.tabTo(cond)
	if got := evalIn[[]string](tb, `[document.activeElement.outerHTML.slice(0, 80), getComputedStyle(document.activeElement).outlineStyle, getComputedStyle(document.activeElement).outlineWidth]`); got[1] == "none" || got[2] == "0px" {
		tb.s.t.Errorf("%s on %s: the focused %s shows no focus (outline %s %s)", tb.who, tb.location(), got[0], got[1], got[2])
	}
}

// studioAccessible runs axe-core over the studio as the demo analyst sees it: the matter list
// and a matter's editor on each of its tabs.
func studioAccessible(s *browserSuite) {
	analyst := s.staffTab(studioOrg, "analyst")
	analyst.open("/designer/")
	analyst.waitFor(`(() => {` + studioHelpers + ` return !!button("新建事项") })()`)
	analyst.axe("the studio's matter list")
	analyst.openStudio("food-business-license")
	for _, label := range []string{"事项目录", "参数与计算值", "申请表", "申请材料", "收费", "办理流程", "原文JSON", "检查与发布"} {
		analyst.press(label)
		analyst.settle()
		analyst.axe("the studio's tab " + label)
	}
	analyst.press("申请表")
	analyst.do(chromedp.Click(chromedp.CSS(`.field-row[aria-label$=" uscc"]`), chromedp.NodeVisible))
	analyst.waitFor(`!!document.querySelector('[aria-label="预填规则"] .cm-content')`)
	analyst.axe("the field panel with its prefill rules")
}

// keyboardFoodLicence: 张伟 searches for the matter, opens its guide and the form, fills every
// field of the sample application, chooses a file for every material (Space on the file
// control; the test stands in for the system's file dialog), and submits with Enter. Keys come
// at 60 to 400 ms, also right after the radio buttons and checkboxes refresh the form; after
// each choice the focus is where it was. The stored case holds exactly what was typed.
func keyboardFoodLicence(s *browserSuite) {
	t := s.t
	tb, _ := s.personTab("张伟")
	tb.open("/")
	tb.tabTo(`e.id === "q"`)
	tb.typeKeys("食品经营许可")
	tb.awaitLoad(tb.pressLoading(kb.Enter))
	tb.tabTo(`e.getAttribute("href") === "/matters/food-business-license"`)
	tb.awaitLoad(tb.pressLoading(kb.Enter))
	tb.tabTo(`e.getAttribute("href") === "/matters/food-business-license/apply"`)
	tb.awaitLoad(tb.pressLoading(kb.Enter))
	tb.waitFor(`!!document.getElementById("apply-form")`)

	want := wantedControls(formFields("", sampleForm(t, "food-business-license"), map[string]string{}))
	tb.keyboardFill(want, writePDF(t, "材料.pdf"))
	tb.awaitLoad(tb.pressLoading(kb.Enter))
	m := caseNumberPath.FindStringSubmatch(tb.location())
	if m == nil || strings.Contains(tb.location(), "apply") {
		t.Fatalf("the submission ended on %s:\n%s", tb.location(), tb.pageText())
	}
	tb.mustSee(m[1], "查询码")

	db, err := store.Open(context.Background(), s.data)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.GetCaseByNumber(context.Background(), m[1])
	if err != nil {
		t.Fatal(err)
	}
	var stored map[string]any
	json.Unmarshal(c.Form, &stored)
	got := wantedControls(formFields("", stored, map[string]string{}))
	for name, values := range want {
		if !slices.Equal(sorted(got[name]), sorted(values)) {
			t.Errorf("the case stores %s = %q, typed %q", name, got[name], values)
		}
	}
}

// pagesAccessible runs axe-core over the pages of every site, checks that none scrolls
// sideways at 320 px wide (the kiosk's too) or with large text, and follows the skip link.
func pagesAccessible(s *browserSuite) {
	citizen, _ := s.personTab("张伟")
	clerk := s.staffTab("wd-amr", "clerk")
	admin := s.staffTab("xc-gov", "admin")
	visitor := s.newTab("visitor")
	applicant := s.demoUser("张伟", "", "")
	// Two registered online and not yet verified: one the register has a mobile number for
	// (the code form), one it has none for (to a window, where the clerk's page offers to
	// verify them).
	withCode, withoutCode := s.registerTab(250), s.registerTab(241)
	pending := cn.MakeIDNumber("411002", time.Date(1988, 4, 17, 0, 0, 0, 0, time.UTC), 241)
	for _, p := range []struct {
		tb   *tab
		path string
	}{
		{visitor, "/"}, {visitor, "/?kiosk=1"}, {visitor, "/?kiosk=0"}, {visitor, "/matters/food-business-license"}, {visitor, "/progress"},
		{visitor, "/account/login"}, {visitor, "/account/register"}, {visitor, "/account/register?kind=enterprise"}, {visitor, "/account/reset"},
		{citizen, "/cases"}, {citizen, "/account/"}, {citizen, "/account/password"}, {citizen, "/matters/food-business-license/apply"},
		{withCode, "/account/verify"}, {withoutCode, "/account/verify"}, {clerk, "/work/window?key=" + pending},
		{clerk, "/work/"}, {clerk, "/work/window"}, {clerk, "/work/window?key=" + applicant.IDNumber},
		{clerk, "/work/window/apply/food-business-license?key=" + applicant.IDNumber}, {clerk, "/work/monitor"}, {clerk, "/work/messages"},
		{admin, "/admin/users"}, {admin, "/admin/users?q=张"}, {admin, "/admin/events"},
	} {
		p.tb.open(p.path)
		p.tb.axe(p.path)
		p.tb.reflows(p.path)
	}
	// A refused sign-in: its error summary and alert pass too.
	visitor.open("/account/login")
	visitor.awaitLoad(visitor.click(`form[action="/account/login"] button[type=submit]`))
	visitor.waitFor(`document.activeElement && document.activeElement.id === "error-summary"`)
	visitor.axe("the refused sign-in")
	if users := evalIn[string](admin, `(document.querySelector('a[href^="/admin/users/"]') || {}).getAttribute?.("href") || ""`); users != "" {
		admin.open(users)
		admin.axe(users)
		admin.reflows(users)
	}

	// The first Tab reaches the skip link, and Enter moves the focus to the main content.
	visitor.open("/")
	visitor.do(chromedp.KeyEvent(kb.Tab))
	if got := evalIn[string](visitor, `document.activeElement.textContent`); got != "跳到主要内容" {
		visitor.s.t.Errorf("the first Tab reaches %q, not the skip link", got)
	}
	visitor.do(chromedp.KeyEvent(kb.Enter))
	visitor.do(chromedp.KeyEvent(kb.Tab))
	if in := evalIn[bool](visitor, `!!document.activeElement.closest("main")`); !in {
		visitor.s.t.Error("Tab after the skip link is not in the main content")
	}
	// Focus is visible: a focused link has an outline.
	if w := evalIn[string](visitor, `getComputedStyle(document.activeElement).outlineStyle`); w == "none" {
		visitor.s.t.Error("the focused link has no outline")
	}
	// The 大字版 switch is a toggle button; it enlarges the text at once and the choice lasts.
	before := evalIn[float64](visitor, `parseFloat(getComputedStyle(document.body).fontSize)`)
	visitor.tabTo(`e.classList.contains("large-switch")`)
	visitor.do(chromedp.KeyEvent(" "))
	if got := evalIn[[]any](visitor, `[document.activeElement.getAttribute("aria-pressed"), parseFloat(getComputedStyle(document.body).fontSize)]`); got[0] != "true" || got[1].(float64) < before*1.2 {
		visitor.s.t.Errorf("after 大字版: aria-pressed %v, text %v px (was %v)", got[0], got[1], before)
	}
	visitor.open("/matters/food-business-license")
	if !evalIn[bool](visitor, `document.documentElement.classList.contains("large")`) {
		visitor.s.t.Error("large text did not last to the next page")
	}
	visitor.axe("large text")
	visitor.reflows("large text")
}

// reflows checks that the page does not scroll sideways at 320 px, a PC's 1280 px at 400%.
func (tb *tab) reflows(what string) {
	tb.s.t.Helper()
	tb.do(chromedp.EmulateViewport(320, 640, chromedp.EmulateScale(1)), chromedp.Sleep(150*time.Millisecond))
	if over := evalIn[float64](tb, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); over > 1 {
		wide := evalIn[[]string](tb, `[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !e.closest(".table-wrap, .scroll")).slice(0, 5).map(e => e.tagName + "." + e.className + " " + (e.id || ""))`)
		tb.s.t.Errorf("%s at 320 px scrolls sideways by %v px: %v", what, over, wide)
	}
	tb.do(chromedp.EmulateViewport(1366, 900, chromedp.EmulateScale(1)))
}

// wantedControls turns a form's flattened fields into what its controls hold, by name: a list
// of choices ("businessItems.0", "businessItems.1") becomes the checkbox group's values.
func wantedControls(fields map[string]string) map[string][]string {
	item := regexp.MustCompile(`^(.*)\.\d+$`)
	out := map[string][]string{}
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		name := k
		if m := item.FindStringSubmatch(k); m != nil {
			name = m[1]
		}
		out[name] = append(out[name], fields[k])
	}
	return out
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

// focused is what the test knows of the element that has the focus.
type focused struct {
	ID, Name, Tag, Type, Value, Href string
	Checked, ReadOnly, Needless      bool
	Files, Index                     int
}

const focusedJS = `(() => { const e = document.activeElement || document.body;
	const li = e.closest("#materials li");
	const same = e.name ? [...document.getElementsByName(e.name)].filter(x => x.type !== "hidden") : [];
	return {ID: e.id || "", Name: e.name || "", Tag: e.tagName.toLowerCase(), Type: (e.type || "").toLowerCase(), Value: e.value ?? "",
		Href: e.getAttribute("href") || "", Checked: !!e.checked, ReadOnly: !!e.readOnly,
		Needless: !!(li && (li.querySelector(".tag") || li.querySelector(".files"))), Files: e.files ? e.files.length : 0, Index: same.indexOf(e)} })()`

func (tb *tab) focused() focused { return evalIn[focused](tb, focusedJS) }

// paces are the gaps between keys, cycled: a person types at 60 to 400 ms a key.
var paces = []time.Duration{60 * time.Millisecond, 110 * time.Millisecond, 180 * time.Millisecond, 400 * time.Millisecond, 90 * time.Millisecond}

// typeKeys types text into the focused control a key at a time, at a human pace.
func (tb *tab) typeKeys(text string) {
	tb.s.t.Helper()
	for i, r := range []rune(text) {
		tb.do(chromedp.KeyEvent(string(r)), chromedp.Sleep(paces[i%len(paces)]))
	}
}

// pressLoading presses a key that loads the next page and returns the mark awaitLoad waits on.
func (tb *tab) pressLoading(key string) float64 {
	tb.s.t.Helper()
	before := evalIn[float64](tb, `window.__tbPage = Math.random()`)
	tb.do(chromedp.KeyEvent(key))
	return before
}

// tabTo presses Tab until the focused element e satisfies cond (JavaScript over e).
func (tb *tab) tabTo(cond string) {
	tb.s.t.Helper()
	for range 400 {
		tb.do(chromedp.KeyEvent(kb.Tab))
		if evalIn[bool](tb, `(() => { const e = document.activeElement; return !!e && e !== document.body && (`+cond+`) })()`) {
			return
		}
	}
	tb.s.t.Fatalf("%s on %s: Tab never reached %s:\n%s", tb.who, tb.location(), cond, tb.pageText())
}

// unsatisfied lists the names in want whose controls do not hold their values yet, and the
// file controls of materials still without a file.
func (tb *tab) unsatisfied(want map[string][]string) []string {
	raw, _ := json.Marshal(want)
	return evalIn[[]string](tb, fmt.Sprintf(`((want) => { const out = [];
		for (const [name, values] of Object.entries(want)) {
			const els = [...document.getElementsByName(name)].filter(e => e.type !== "hidden");
			if (!els.length) { out.push(name); continue; }
			if (els[0].type === "radio" || els[0].type === "checkbox") {
				if (JSON.stringify(els.filter(e => e.checked).map(e => e.value).sort()) !== JSON.stringify([...values].sort())) out.push(name);
			} else if (values.some((v, i) => !els[i] || els[i].value !== v)) out.push(name);
		}
		for (const e of document.querySelectorAll("#materials input[type=file]")) {
			const li = e.closest("li");
			if (!e.files.length && !li.querySelector(".tag") && !li.querySelector(".files")) out.push(e.name);
		}
		return out; })(%s)`, raw))
}

// keyboardFill goes through the form with Tab, setting each control it reaches to what want
// says with the keys a person uses: a text box is cleared with End and Backspace and typed
// into, a select stepped with the arrow keys, a radio group chosen with Space or the arrows,
// a checkbox toggled with Space, a row added with Enter on 添加一项, a file chosen with Space.
// It returns with the focus on 提交申请 once every control holds its value.
func (tb *tab) keyboardFill(want map[string][]string, file string) {
	t := tb.s.t
	t.Helper()
	chooser := tb.interceptFileChooser()
	for range 3000 {
		a := tb.focused()
		left := tb.unsatisfied(want)
		if a.Tag == "button" && a.Value == "submit" && len(left) == 0 {
			return
		}
		values, wanted := want[a.Name]
		if a.Index >= 0 && a.Index < len(values) && a.Type != "radio" && a.Type != "checkbox" {
			values = values[a.Index:]
		} else if a.Index >= len(values) && a.Type != "radio" && a.Type != "checkbox" {
			wanted = false
		}
		switch {
		case a.Tag == "button" && strings.HasPrefix(a.Value, "add:"):
			list := strings.TrimPrefix(a.Value, "add:") + "."
			if slices.ContainsFunc(left, func(n string) bool {
				return strings.HasPrefix(n, list) && evalIn[int](tb, fmt.Sprintf(`document.getElementsByName(%q).length`, n)) == 0
			}) {
				tb.awaitLoad(tb.pressLoading(kb.Enter))
				continue
			}
		case a.Type == "file":
			if a.Files == 0 && !a.Needless {
				tb.do(chromedp.KeyEvent(" "))
				select {
				case node := <-chooser:
					if _, err := chromedp.Call(tb.ctx, dom.SetFileInputFiles, dom.SetFileInputFilesParams{Files: []string{file}, BackendNodeID: node}); err != nil {
						t.Fatal(err)
					}
				case <-time.After(10 * time.Second):
					t.Fatalf("Space on %s opened no file chooser", a.ID)
				}
			}
		case !wanted || a.ReadOnly:
		case a.Type == "radio":
			if !a.Checked && a.Value == values[0] {
				tb.do(chromedp.KeyEvent(" "))
			}
			for i := 0; a.Value != values[0] && i < 12; i++ {
				tb.do(chromedp.KeyEvent(kb.ArrowDown))
				a = tb.focused()
			}
			tb.keptFocus(a)
		case a.Type == "checkbox":
			if slices.Contains(values, a.Value) != a.Checked {
				tb.do(chromedp.KeyEvent(" "))
				tb.keptFocus(a)
			}
		case a.Tag == "select":
			if a.Value == values[0] {
				break
			}
			tb.do(chromedp.KeyEvent(kb.Home))
			for i := 0; a.Value != values[0] && i < 400; i++ {
				tb.do(chromedp.KeyEvent(kb.ArrowDown))
				a = tb.focused()
			}
			tb.keptFocus(a)
		case a.Value != values[0]:
			tb.do(chromedp.KeyEvent(kb.End))
			for range []rune(a.Value) {
				tb.do(chromedp.KeyEvent(kb.Backspace))
			}
			tb.typeKeys(values[0])
		}
		tb.do(chromedp.KeyEvent(kb.Tab))
	}
	t.Fatalf("%s on %s: the form was not filled by keyboard; still to do: %v", tb.who, tb.location(), tb.unsatisfied(want))
}

// keptFocus waits for the live refresh a choice started and checks that the focus stayed on
// the control chosen.
func (tb *tab) keptFocus(a focused) {
	tb.s.t.Helper()
	tb.settle()
	if got := evalIn[string](tb, `document.activeElement.id`); got != a.ID {
		tb.s.t.Errorf("after choosing %s = %s and the refresh the focus is on %q", a.Name, a.Value, got)
	}
}

// interceptFileChooser keeps the tab's file dialogs from opening and sends the file control
// that asked for one on the channel, for the test to choose the file as the dialog would.
func (tb *tab) interceptFileChooser() <-chan cdp.BackendNodeID {
	tb.s.t.Helper()
	ch := make(chan cdp.BackendNodeID, 1)
	if err := chromedp.Listen(tb.ctx, func(ev any) {
		if e, ok := ev.(*page.EventFileChooserOpened); ok {
			select {
			case ch <- e.BackendNodeID:
			default:
			}
		}
	}); err != nil {
		tb.s.t.Fatal(err)
	}
	if _, err := chromedp.Call(tb.ctx, page.SetInterceptFileChooserDialog, page.SetInterceptFileChooserDialogParams{Enabled: true}); err != nil {
		tb.s.t.Fatal(err)
	}
	return ch
}

// TestBrowserSessionTimeout: with a 30 s idle timeout, an applicant types part of the
// food-licence form, the township and village of the division included. Before the timeout a
// modal dialog takes the focus and offers 延长登录; Enter extends the session, which outlives
// the idle time since the last typing. Left alone again, the dialog says 登录已过期; the
// applicant closes it with Esc and submits anyway: the post goes to the sign-in page, and after
// signing in the form comes back with everything typed, the township and village included.
func TestBrowserSessionTimeout(t *testing.T) {
	s := newBrowserSuite(t, "--session-idle=30s")
	tb, applicant := s.personTab("张伟")
	tb.open("/matters/food-business-license/apply")
	tb.do(chromedp.WaitVisible(chromedp.ID("f-enterpriseName")))
	tb.do(chromedp.Focus(chromedp.ID("f-enterpriseName")))
	tb.typeKeys("禾味轩餐饮")
	tb.do(chromedp.Focus(chromedp.ID("f-premisesArea")))
	tb.typeKeys("286.5")
	tb.do(chromedp.Click(chromedp.CSS(`input[name="mainType"][value="餐饮服务经营者"]`), chromedp.NodeVisible))
	tb.settle()
	var division []string
	for _, id := range []string{"f-divisionCode", "f-divisionCode-town", "f-divisionCode-village"} {
		tb.waitFor(fmt.Sprintf(`!!document.getElementById(%q)`, id))
		// The county is 魏都区; below it the first township and its first village.
		v := evalIn[string](tb, fmt.Sprintf(`(() => { const e = document.getElementById(%q);
			e.value = [...e.options].find(o => o.value === "411002" || (o.value && %q !== "f-divisionCode")).value;
			e.dispatchEvent(new Event("change", {bubbles: true})); return e.value })()`, id, id))
		tb.settle()
		division = append(division, v)
	}
	tb.waitFor(`document.getElementById("autosave-status").textContent.includes("已自动保存")`)
	typed := tb.typedValues()

	tb.waitLong(`document.getElementById("session-dialog").open`, 40*time.Second)
	if got := evalIn[[]string](tb, `[document.activeElement.textContent, document.getElementById("session-dialog").getAttribute("role"), document.getElementById("session-title").textContent]`); got[0] != "延长登录" || got[1] != "alertdialog" || got[2] != "登录即将过期" {
		t.Fatalf("the warning: focus on %q, role %q, title %q", got[0], got[1], got[2])
	}
	tb.axe("the timeout warning")
	lastTyping := time.Now()
	tb.do(chromedp.KeyEvent(kb.Enter))
	tb.waitFor(`!document.getElementById("session-dialog").open && document.getElementById("session-status").textContent === "已延长登录。"`)
	// Past the idle time since the last typing, the session lives: it was extended.
	time.Sleep(time.Until(lastTyping.Add(22 * time.Second)))
	if !tb.sessionAlive() {
		t.Fatal("the session ended although it was extended")
	}
	aliveAt := time.Now()

	tb.waitLong(`document.getElementById("session-title").textContent === "登录已过期"`, 40*time.Second)
	if got := evalIn[string](tb, `document.activeElement.textContent`); got != "重新登录" {
		t.Errorf("the expired session's dialog focuses %q", got)
	}
	time.Sleep(time.Until(aliveAt.Add(31 * time.Second))) // the server's session has run out too
	tb.do(chromedp.KeyEvent(kb.Escape))
	tb.do(chromedp.Focus(chromedp.CSS(`button[name="_action"][value="submit"]`)))
	tb.awaitLoad(tb.pressLoading(kb.Enter))
	if loc := tb.location(); !strings.Contains(loc, "/account/login?next=") {
		t.Fatalf("the submission with an expired session went to %s", loc)
	}
	tb.do(chromedp.Click(chromedp.CSS(`input[name="kind"][value="person"]`), chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.ID("f-login"), applicant.IDNumber), chromedp.SendKeys(chromedp.ID("f-password"), demoPassword))
	tb.clickAndLoad(`form[action="/account/login"] button[type=submit]`)
	tb.waitFor(`!!document.getElementById("apply-form")`)
	tb.mustSee("已恢复登录过期前填写的内容")
	tb.settle()
	tb.settle()
	if got := tb.typedValues(); !maps.EqualFunc(got, typed, slices.Equal) {
		t.Errorf("after signing in again the form holds\n%v\nwas typed\n%v", got, typed)
	}
	if got := evalIn[[]string](tb, `[...document.getElementsByName("divisionCode")].map(e => e.value)`); !slices.Equal(got, division) {
		t.Errorf("the division is %v after signing in again, was %v", got, division)
	}
}

// typedValues is what the apply form's controls hold, by name, as they would post.
func (tb *tab) typedValues() map[string][]string {
	return evalIn[map[string][]string](tb, `(() => { const out = {};
		for (const [k, v] of new FormData(document.getElementById("apply-form"))) {
			if (typeof v === "string" && k !== "_csrf" && k !== "_action") (out[k] = out[k] || []).push(v);
		}
		return out })()`)
}

// sessionAlive asks the server, with the tab's cookies, whether its session still holds.
func (tb *tab) sessionAlive() bool {
	return evalIn[bool](tb, `fetch("/account/", {redirect: "manual", credentials: "same-origin"}).then(r => r.status === 200)`)
}

// waitLong is waitFor for conditions that take longer than its 40 s.
func (tb *tab) waitLong(cond string, d time.Duration) {
	tb.s.t.Helper()
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		if evalIn[bool](tb, cond) {
			return
		}
	}
	tb.s.t.Fatalf("%s on %s: %s did not hold within %v:\n%s", tb.who, tb.location(), cond, d, tb.pageText())
}

// registerTab registers resident seq of 魏都区 born 1988-04-17 (the population simulator's)
// through the registration page in a tab of their own, which is left signed in, unverified.
func (s *browserSuite) registerTab(seq int) *tab {
	s.t.Helper()
	who, err := simulate.LookupPerson(cn.MakeIDNumber("411002", time.Date(1988, 4, 17, 0, 0, 0, 0, time.UTC), seq), time.Now())
	if err != nil {
		s.t.Fatal(err)
	}
	tb := s.newTab(who.Name)
	tb.open("/account/register")
	const password = "Xc-a11y-2026"
	tb.do(
		chromedp.SendKeys(chromedp.ID("f-name"), who.Name),
		chromedp.SendKeys(chromedp.ID("f-idNumber"), who.IDNumber),
		chromedp.SendKeys(chromedp.ID("f-mobile"), fmt.Sprintf("1393742%04d", seq)),
		chromedp.SendKeys(chromedp.ID("f-password"), password),
		chromedp.SendKeys(chromedp.ID("f-password2"), password),
	)
	tb.clickAndLoad(`form[action="/account/register"] button[type=submit]`)
	tb.mustSee("实名核验")
	return tb
}
