package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/xuchang-gov/tongban/connectors/simulate"
	"github.com/xuchang-gov/tongban/definitions/cn"
)

// The browser tests drive the real binary (serve --demo) with Debian's headless Chromium, as a
// citizen and as staff would: the account pages, the portal and the workbench, through their
// forms and links. scripts/chromium.sh installs the browser; TONGBAN_CHROMIUM names another
// binary. Screenshots of the main pages go to TONGBAN_SHOTS (default /tmp/shots).

const demoPassword = "Xuchang-2026!demo"

// Demo staff of 魏都区市场监督管理局 (wd-amr), who handle 个体工商户设立登记, by mobile.
const (
	wdClerkMobile   = "13903740036"
	wdDeciderMobile = "13903740038"
)

// textedCode is the code in the newest text to mobile the server has queued for the SMS
// gateway, read from its database as another process may (the simulators run inside it).
func (s *browserSuite) textedCode(mobile string) string {
	s.t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(s.data, "tongban.db")+"?mode=ro")
	if err != nil {
		s.t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT payload FROM outbox WHERE topic = 'connector.push.sms-gateway' ORDER BY id DESC`)
	if err != nil {
		s.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var payload string
		rows.Scan(&payload)
		var text struct{ Mobile, Content string }
		json.Unmarshal([]byte(payload), &text)
		if m := regexp.MustCompile(`验证码 (\d{6})`).FindStringSubmatch(text.Content); m != nil && text.Mobile == mobile {
			return m[1]
		}
	}
	s.t.Fatalf("no code texted to %s", mobile)
	return ""
}

// browserSuite is a running server and a running browser.
type browserSuite struct {
	t       *testing.T
	url     string
	data    string
	browser context.Context // the browser's first tab; users get their own browser contexts
	shots   string
}

// chromiumPath finds the browser, or skips the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests start the binary and a headless Chromium; skipped under -short")
	}
	if p := os.Getenv("TONGBAN_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium found: run scripts/chromium.sh (installs Debian's chromium), or set TONGBAN_CHROMIUM")
	return ""
}

// newBrowserSuite builds and starts tongban serve --demo, with serveArgs, and a headless Chromium.
func newBrowserSuite(t *testing.T, serveArgs ...string) *browserSuite {
	t.Helper()
	chromium := chromiumPath(t)
	bin := buildTongban(t)
	data := t.TempDir()
	srv := spawnServer(t, bin, data, nil, append([]string{"--demo"}, serveArgs...)...)
	s := &browserSuite{t: t, data: data, shots: os.Getenv("TONGBAN_SHOTS")}
	if s.shots == "" {
		s.shots = "/tmp/shots"
	}
	if err := os.MkdirAll(s.shots, 0o755); err != nil {
		t.Fatal(err)
	}
	// The demo seeds many users and matters; on a busy machine that takes a while.
	select {
	case s.url = <-srv.urls:
	case <-srv.done:
		t.Fatalf("tongban serve exited before it started listening:\n%s", srv.log())
	case <-time.After(120 * time.Second):
		t.Fatalf("tongban serve did not start within 120 s:\n%s", srv.log())
	}

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	t.Cleanup(cancel)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 900),
	)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(browser, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting %s: %v", chromium, err)
	}
	s.browser = browser
	return s
}

// tab is one user's tab, in a browser context of its own (its own cookies).
type tab struct {
	s    *browserSuite
	who  string
	ctx  context.Context
	last string // the last page's path, for failure messages
}

func (s *browserSuite) newTab(who string) *tab {
	ctx, cancel := chromedp.NewContext(s.browser, chromedp.WithNewBrowserContext())
	s.t.Cleanup(cancel)
	// The first action opens the tab and binds it to the context it runs in: run it with the
	// tab's own context, not one with a timeout, or the tab closes when that one ends.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 900)); err != nil {
		s.t.Fatalf("opening a tab for %s: %v", who, err)
	}
	return &tab{s: s, who: who, ctx: ctx}
}

// do runs actions, failing the test with the page's text on an error.
func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.s.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.s.t.Fatalf("%s on %s: %v\npage text:\n%s", tb.who, tb.location(), err, tb.pageText())
	}
}

func (tb *tab) location() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return tb.last
	}
	return loc
}

func (tb *tab) pageText() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if len(text) > 3000 {
		text = text[:3000] + "…"
	}
	return text
}

// eval evaluates JavaScript and decodes its result.
func evalIn[T any](tb *tab, js string) T {
	tb.s.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.s.t.Fatalf("%s on %s: evaluating %s: %v", tb.who, tb.location(), js, err)
	}
	return v
}

// open navigates to a path of the server and waits for its body.
func (tb *tab) open(path string) {
	tb.s.t.Helper()
	tb.last = path
	tb.do(chromedp.Navigate(tb.s.url+path), chromedp.WaitReady(chromedp.CSS("body")))
}

// clickAndLoad clicks an element that submits a form or follows a link and waits for the
// next page to load.
func (tb *tab) clickAndLoad(sel string) {
	tb.s.t.Helper()
	tb.awaitLoad(tb.click(sel))
}

// click clicks an element that loads the next page and returns a mark of the page it left,
// for awaitLoad: between the two, other tabs can act, so that their requests overlap.
func (tb *tab) click(sel string) float64 {
	tb.s.t.Helper()
	before := evalIn[float64](tb, `window.__tbPage = Math.random()`)
	tb.do(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	return before
}

// awaitLoad waits until the page marked by click has been replaced by the next one.
func (tb *tab) awaitLoad(before float64) {
	tb.s.t.Helper()
	tb.waitFor(fmt.Sprintf(`window.__tbPage !== %v && document.readyState === "complete"`, before))
}

// waitFor evaluates a JavaScript condition until it holds, through navigations (an evaluation
// that a navigation interrupts is tried again).
func (tb *tab) waitFor(cond string) {
	tb.s.t.Helper()
	var err error
	for deadline := time.Now().Add(40 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
		var ok bool
		ok, err = chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		cancel()
		if err == nil && ok {
			return
		}
	}
	tb.s.t.Fatalf("%s on %s: waiting for %s: %v\npage text:\n%s", tb.who, tb.location(), cond, err, tb.pageText())
}

// text returns the visible text of the page.
func (tb *tab) text() string {
	tb.s.t.Helper()
	return evalIn[string](tb, `document.body.innerText`)
}

// mustSee fails unless the page shows every one of want.
func (tb *tab) mustSee(want ...string) {
	tb.s.t.Helper()
	text := tb.text()
	for _, w := range want {
		if !strings.Contains(text, w) {
			tb.s.t.Fatalf("%s on %s: the page does not show %q:\n%s", tb.who, tb.location(), w, text)
		}
	}
}

// settle waits until the live refresh (static/form.js) has nothing in flight: it fires 250 ms
// after a change and marks its form data-busy while a request is out.
func (tb *tab) settle() {
	tb.s.t.Helper()
	tb.do(chromedp.Sleep(450*time.Millisecond), chromedp.Poll[chromedp.Void](
		`!document.querySelector("form[data-busy]")`,
		chromedp.WithPollingTimeout(30*time.Second)))
}

// fill types value into the control named name as a person would: text is typed, a select
// chooses its option, a radio button or checkbox is clicked. It then leaves the field, so that
// its change reaches the live refresh, and waits for the refresh.
func (tb *tab) fill(name, value string) {
	tb.s.t.Helper()
	sel := fmt.Sprintf(`[name=%q]`, name)
	kind := evalIn[string](tb, fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? (e.tagName + ":" + (e.type || "")).toLowerCase() : "" })()`, sel))
	switch {
	case kind == "":
		tb.s.t.Fatalf("%s on %s: no control named %q", tb.who, tb.location(), name)
	case kind == "input:radio" || kind == "input:checkbox":
		tb.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=%q][value=%q]`, name, value)), chromedp.NodeVisible))
	case strings.HasPrefix(kind, "select:"):
		tb.do(chromedp.SetValue(chromedp.CSS(sel), value, chromedp.NodeVisible))
		evalIn[bool](tb, fmt.Sprintf(`document.querySelector(%q).dispatchEvent(new Event("change", {bubbles: true}))`, sel))
	default:
		tb.do(chromedp.Clear(chromedp.CSS(sel), chromedp.NodeVisible), chromedp.SendKeys(chromedp.CSS(sel), value, chromedp.NodeVisible))
		evalIn[bool](tb, fmt.Sprintf(`(() => { document.querySelector(%q).blur(); return true })()`, sel))
	}
	tb.settle()
	got := evalIn[string](tb, fmt.Sprintf(`(() => { const e = document.querySelector(%q + ":checked") || document.querySelector(%q); return e ? e.value : "" })()`, sel, sel))
	if got != value {
		tb.s.t.Fatalf("%s on %s: %s holds %q after typing %q", tb.who, tb.location(), name, got, value)
	}
}

// shot saves full-page screenshots of the current page at phone (390×844) and PC (1366×900)
// widths as DIR/NAME-phone.png and DIR/NAME-pc.png.
func (tb *tab) shot(name string) {
	tb.s.t.Helper()
	for _, v := range []struct {
		suffix string
		w, h   int64
		mobile bool
	}{{"phone", 390, 844, true}, {"pc", 1366, 900, false}} {
		viewport := chromedp.EmulateViewport(v.w, v.h, chromedp.EmulateScale(1))
		if v.mobile {
			viewport = chromedp.EmulateViewport(v.w, v.h, chromedp.EmulateScale(2), chromedp.EmulateMobile)
		}
		tb.do(viewport, chromedp.Sleep(200*time.Millisecond))
		ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		cancel()
		if err != nil {
			tb.s.t.Fatalf("screenshot of %s: %v", name, err)
		}
		// The page must not scroll sideways at either width.
		if over := evalIn[float64](tb, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); over > 1 {
			tb.s.t.Errorf("%s (%s, %d px wide) overflows sideways by %v px", name, v.suffix, v.w, over)
		}
		file := filepath.Join(tb.s.shots, name+"-"+v.suffix+".png")
		if err := os.WriteFile(file, png, 0o644); err != nil {
			tb.s.t.Fatal(err)
		}
	}
	tb.do(chromedp.EmulateViewport(1366, 900, chromedp.EmulateScale(1)))
}

// login signs in on the account page with the 个人/法人/工作人员 choice.
func (tb *tab) login(kind, login, password string) {
	tb.s.t.Helper()
	if !tb.tryLogin(kind, login, password) {
		tb.s.t.Fatalf("%s could not sign in:\n%s", tb.who, tb.pageText())
	}
}

// tryLogin types a sign-in on the account page and reports whether it left the page signed in.
func (tb *tab) tryLogin(kind, login, password string) bool {
	tb.s.t.Helper()
	tb.open("/account/login")
	tb.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name="kind"][value=%q]`, kind)), chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.ID("f-login"), login), chromedp.SendKeys(chromedp.ID("f-password"), password))
	tb.clickAndLoad(`form[action="/account/login"] button[type=submit]`)
	return !strings.Contains(tb.location(), "/account/login")
}

// cookieHeader returns the browser context's cookies for the server, as a Cookie header.
func (tb *tab) cookieHeader() string {
	tb.s.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	got, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{tb.s.url + "/"}})
	if err != nil {
		tb.s.t.Fatalf("reading the cookies: %v", err)
	}
	var parts []string
	for _, c := range got.Cookies {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

// sampleForm reads a matter's sample application.
func sampleForm(t *testing.T, slug string) map[string]any {
	t.Helper()
	var form map[string]any
	if err := json.Unmarshal(readSample(t, slug), &form); err != nil {
		t.Fatal(err)
	}
	return form
}

// formValue returns a sample's value as the form control holds it.
func formValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		return fmt.Sprint(v)
	case float64:
		return fmt.Sprint(v)
	}
	panic(fmt.Sprintf("no control holds %T", v))
}

var caseNumberPath = regexp.MustCompile(`/cases/([^/?#]+)`)

// TestBrowserCitizenToCertificate is the main flow in a real browser: a citizen registers
// and signs in, applies for 个体工商户设立登记 with the generated form (typed from the
// sample) and uploads, a clerk of 魏都区市场监督管理局 pre-reviews and accepts the case in the
// workbench, the decider approves it, the certificate is issued, and the citizen downloads it
// from 我的办件 and rates the service 5; a second rating is refused. Screenshots of the pages
// go to /tmp/shots.
func TestBrowserCitizenToCertificate(t *testing.T) {
	began := time.Now()
	s := newBrowserSuite(t)
	t.Logf("server and browser up in %.1f s", time.Since(began).Seconds())
	mark := time.Now()
	step := func(what string) {
		t.Logf("%-40s %5.1f s", what, time.Since(mark).Seconds())
		mark = time.Now()
	}

	// A citizen registers with a valid ID number and a password that meets the policy.
	citizen := s.newTab("citizen")
	citizen.open("/")
	citizen.mustSee("许昌市政务服务网", "热门服务")
	citizen.shot("home")
	idNumber := cn.MakeIDNumber("411002", time.Date(1988, 4, 17, 0, 0, 0, 0, time.UTC), 246)
	// Registration checks the name against the population register: take the one the
	// simulated register gives this number.
	resident, err := simulate.LookupPerson(idNumber, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	name := resident.Name
	mobile := "1393741" + fmt.Sprintf("%04d", time.Now().UnixNano()%10000)
	password := "Xc-browser-2026"
	citizen.open("/account/register")
	citizen.do(
		chromedp.SendKeys(chromedp.ID("f-name"), name),
		chromedp.SendKeys(chromedp.ID("f-idNumber"), idNumber),
		chromedp.SendKeys(chromedp.ID("f-mobile"), mobile),
		chromedp.SendKeys(chromedp.ID("f-password"), password),
		chromedp.SendKeys(chromedp.ID("f-password2"), password),
	)
	citizen.clickAndLoad(`form[action="/account/register"] button[type=submit]`)
	// Registered, and asked for the code texted to the number the population register holds.
	if loc := citizen.location(); !strings.HasSuffix(strings.SplitN(loc, "?", 2)[0], "/account/verify") {
		t.Fatalf("registration ended on %s:\n%s", loc, citizen.pageText())
	}
	citizen.mustSee("实名核验", resident.Mobile[:3]+"****"+resident.Mobile[7:])
	citizen.do(chromedp.SendKeys(chromedp.ID("f-code"), s.textedCode(resident.Mobile)))
	citizen.clickAndLoad(`form[action="/account/verify"] button.primary`)
	citizen.mustSee(name, "我的账户", "实名核验已完成")
	// Sign out and in again with the new password, by ID number.
	citizen.clickAndLoad(`form[action="/account/logout"] button`)
	citizen.login("person", idNumber, password)
	step("registered and signed in")

	// The guide, then the generated form.
	const slug = "sole-proprietor-registration"
	citizen.open("/matters/" + slug)
	citizen.mustSee("个体工商户", "申请材料", "办理流程")
	citizen.shot("guide")
	citizen.clickAndLoad(`a.button[href="/matters/` + slug + `/apply"]`)
	citizen.do(chromedp.WaitVisible(chromedp.ID("apply-form")))
	// The operator is the account holder: prefilled from the account.
	if got := evalIn[string](citizen, `document.querySelector('[name="operator.idNumber"]').value`); got != idNumber {
		t.Errorf("operator.idNumber is prefilled with %q, want the account's %s", got, idNumber)
	}
	sample := sampleForm(t, slug)
	members := sample["familyMembers"].([]any)
	scope := sample["businessScope"].([]any)
	operator := sample["operator"].(map[string]any)
	citizen.fill("operator.mobile", mobile) // the applicant's own mobile, not the sample's
	citizen.fill("operator.politicalStatus", formValue(operator["politicalStatus"]))
	citizen.fill("operator.residence", formValue(operator["residence"]))
	citizen.fill("businessName", formValue(sample["businessName"]))
	citizen.fill("organisationForm", formValue(sample["organisationForm"]))
	// One row of each list is there; 添加一项 (a plain submit, so it works without JavaScript)
	// adds the next once the row before it is filled — a blank row is dropped by the next post
	// (see the report: runtime/web/form/decode.go).
	for i, m := range members {
		m := m.(map[string]any)
		if i > 0 {
			citizen.clickAndLoad(`button[value="add:familyMembers"]`)
		}
		for _, k := range []string{"name", "idNumber", "relationship"} {
			citizen.fill(fmt.Sprintf("familyMembers.%d.%s", i, k), formValue(m[k]))
		}
	}
	citizen.fill("premisesDivision", formValue(sample["premisesDivision"]))
	citizen.fill("premisesAddress", formValue(sample["premisesAddress"]))
	for i, v := range scope {
		if i > 0 {
			citizen.clickAndLoad(`button[value="add:businessScope"]`)
		}
		citizen.fill(fmt.Sprintf("businessScope.%d", i), formValue(v))
	}
	citizen.fill("preApprovalRequired", formValue(sample["preApprovalRequired"]))
	citizen.fill("capital", formValue(sample["capital"]))
	citizen.fill("employees", formValue(sample["employees"]))
	citizen.fill("byAgent", formValue(sample["byAgent"]))
	step("form typed")

	// The materials to upload: every file input the form shows as needed.
	uploads := citizen.uploadMaterials(writePDF(t, "场所使用证明.pdf"))
	citizen.shot("apply")
	number := citizen.submitApplication()
	t.Logf("uploaded %v; case %s submitted", uploads, number)
	step("uploaded and submitted")

	// The clerk finds it in the workbench, pre-reviews and accepts.
	clerk := s.newTab("wd-amr clerk")
	clerk.login("staff", wdClerkMobile, demoPassword)
	clerk.open("/work/")
	clerk.do(chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`a[href="/work/cases/%s"]`, number))))
	clerk.shot("workbench-todo")
	clerk.clickAndLoad(fmt.Sprintf(`td a[href="/work/cases/%s"]`, number))
	clerk.mustSee(number, "受理")
	clerk.shot("workbench-case")
	if !evalIn[bool](clerk, `!!document.querySelector('form[action$="/pre-review"]')`) {
		t.Errorf("case %s offers the clerk no pre-review", number)
	}
	clerk.accept(number, "材料齐全，符合法定形式，予以受理")
	step("pre-reviewed and accepted")

	// The decider approves; the certificate is issued.
	decider := s.newTab("wd-amr decider")
	decider.login("staff", wdDeciderMobile, demoPassword)
	decider.open("/work/cases/" + number)
	decider.completeTask("approve", "准予登记")
	step("approved")

	// The citizen sees it concluded, downloads the certificate and rates the service.
	citizen.open("/cases")
	citizen.do(chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`a[href="/cases/%s"]`, number))))
	citizen.shot("my-cases")
	cert := citizen.awaitCertificate(number)
	citizen.mustSee("办结时间", "下载电子证照")
	citizen.shot("case")
	body := citizen.fetchPDF(cert)
	// Without the cookies it is not handed out.
	if resp, err := http.Get(cert); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.HasPrefix(string(b), "%PDF-") {
			t.Errorf("GET %s without a session answers the certificate (%d)", cert, resp.StatusCode)
		}
	}
	t.Logf("certificate %s: %d bytes of PDF", cert, len(body))
	step("certificate downloaded")

	// A POST without the CSRF token, with the citizen's session cookie, is refused and changes
	// nothing.
	forged, _ := http.NewRequest("POST", s.url+"/cases/"+number+"/evaluation", strings.NewReader("score=1&comment=forged"))
	forged.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	forged.Header.Set("Cookie", citizen.cookieHeader())
	if resp, err := http.DefaultClient.Do(forged); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("a rating POSTed without _csrf answers %d, want 403", resp.StatusCode)
		}
	}

	// Rate 5 once; the same rating sent again is refused.
	citizen.open("/cases/" + number)
	citizen.do(chromedp.WaitVisible(chromedp.CSS(`#evaluation input[name="score"][value="5"]`)))
	resend := evalIn[string](citizen, `(() => { const f = document.querySelector('#evaluation form'); return f.action + "|" + f.querySelector('[name="_csrf"]').value })()`)
	citizen.do(chromedp.Click(chromedp.CSS(`#evaluation input[name="score"][value="5"]`)),
		chromedp.SendKeys(chromedp.ID("comment"), "办事很快，一次办好"))
	citizen.clickAndLoad(`#evaluation button[type=submit]`)
	citizen.mustSee("您的评价", "5 分")
	action, token, _ := strings.Cut(resend, "|")
	// The second rating: the same form posted again from the browser.
	evalIn[bool](citizen, fmt.Sprintf(`(() => {
		const f = document.createElement("form"); f.method = "post"; f.action = %q;
		for (const [k, v] of [["_csrf", %q], ["score", "1"], ["comment", "第二次评价"]]) {
			const i = document.createElement("input"); i.type = "hidden"; i.name = k; i.value = v; f.appendChild(i);
		}
		document.body.appendChild(f); window.__tbPage = "resend"; f.submit(); return true })()`, action, token))
	citizen.waitFor(`window.__tbPage !== "resend" && document.readyState === "complete"`)
	text := citizen.text()
	if strings.Contains(text, "第二次评价") || !strings.Contains(text, "5 分") {
		t.Errorf("a second rating of %s was taken:\n%s", number, text)
	}
	if !strings.Contains(text, "评价") {
		t.Errorf("the refused second rating says nothing:\n%s", text)
	}
	t.Logf("second rating answered: %s", firstLine(text, "评价"))
	step("rated; second rating refused")

	// A complaint from the guide's link, with a script in it, answered by the clerk.
	citizen.open("/matters/sole-proprietor-registration")
	citizen.clickAndLoad(`a[href="/messages?matter=sole-proprietor-registration"]`)
	citizen.fill("kind", "complaint")
	citizen.fill("caseNumber", number)
	citizen.do(chromedp.SendKeys(chromedp.ID("body"), "<img src=x onerror=window.__tbHacked=1>窗口没有一次告知要带的材料"))
	citizen.clickAndLoad(`form[action="/messages"] button[type=submit]`)
	citizen.mustSee("留言已提交", "窗口没有一次告知要带的材料", "等待答复")
	clerk.open("/work/messages")
	clerk.mustSee("窗口没有一次告知要带的材料", number)
	clerk.shot("workbench-messages")
	clerk.do(chromedp.SendKeys(chromedp.CSS(`form[action$="/answer"] textarea`), "已核实，向您致歉，已对窗口人员批评教育。"))
	clerk.clickAndLoad(`form[action$="/answer"] button[type=submit]`)
	clerk.mustSee("已答复，留言人可在")
	citizen.open("/messages")
	citizen.mustSee("已核实，向您致歉")
	if evalIn[bool](citizen, `window.__tbHacked === 1 || !!document.querySelector("main img")`) {
		t.Errorf("the script in the complaint ran or its markup was kept")
	}
	citizen.shot("portal-messages")
	step("complaint answered")
	t.Logf("main flow in %.1f s", time.Since(began).Seconds())
}

// accept pre-reviews (when the case offers it: online submissions) and accepts a case on its workbench page.
func (tb *tab) accept(number, opinion string) {
	tb.s.t.Helper()
	tb.open("/work/cases/" + number)
	if evalIn[bool](tb, `!!document.querySelector('form[action$="/pre-review"]')`) {
		tb.do(chromedp.SendKeys(chromedp.ID("pre-opinion"), "材料齐全，预审通过"))
		tb.clickAndLoad(`form[action$="/pre-review"] button[type=submit]`)
		tb.mustSee("预审")
	}
	tb.do(chromedp.SendKeys(chromedp.ID("acc-opinion"), opinion))
	tb.clickAndLoad(`button[name="decision"][value="accept"]`)
	tb.open("/work/cases/" + number)
	if evalIn[bool](tb, `!!document.querySelector('#acceptance')`) {
		tb.s.t.Fatalf("case %s still waits for acceptance:\n%s", number, tb.pageText())
	}
}

// completeTask types an opinion into the task form that offers outcome and sends it.
func (tb *tab) completeTask(outcome, opinion string) {
	tb.s.t.Helper()
	tb.awaitLoad(tb.startTask(outcome, opinion))
}

// startTask is completeTask without waiting for the answer (see click).
func (tb *tab) startTask(outcome, opinion string) float64 {
	tb.s.t.Helper()
	sel := fmt.Sprintf(`button[name="outcome"][value=%q]`, outcome)
	tb.do(chromedp.WaitVisible(chromedp.CSS(sel)))
	id := evalIn[string](tb, fmt.Sprintf(`document.querySelector(%q).closest('form').querySelector('textarea').id`, sel))
	tb.do(chromedp.SendKeys(chromedp.ID(id), opinion))
	return tb.click(sel)
}

// writePDF writes a small PDF to upload as a material.
func writePDF(t *testing.T, name string) string {
	t.Helper()
	pdf := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(pdf, []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return pdf
}

// uploadMaterials attaches pdf to every material the apply page asks to upload and returns
// the names of their file inputs.
func (tb *tab) uploadMaterials(pdf string) []string {
	tb.s.t.Helper()
	uploads := evalIn[[]string](tb, `[...document.querySelectorAll('#materials li')].filter(li => !li.querySelector('.tag') && li.querySelector('input[type=file]')).map(li => li.querySelector('input[type=file]').name)`)
	if len(uploads) == 0 {
		tb.s.t.Fatalf("%s on %s: the form asks for no upload:\n%s", tb.who, tb.location(), tb.pageText())
	}
	for _, name := range uploads {
		tb.do(chromedp.SetUploadFiles(chromedp.CSS(fmt.Sprintf(`input[name=%q]`, name)), []string{pdf}))
	}
	tb.settle()
	return uploads
}

// submitApplication submits the apply form and returns the new case's number.
func (tb *tab) submitApplication() string {
	tb.s.t.Helper()
	tb.clickAndLoad(`button[name="_action"][value="submit"]`)
	m := caseNumberPath.FindStringSubmatch(tb.location())
	if m == nil {
		tb.s.t.Fatalf("submitting the application ended on %s, not a case page:\n%s", tb.location(), tb.pageText())
	}
	tb.mustSee(m[1], "查询码")
	return m[1]
}

// awaitCertificate opens the applicant's case page until it offers the certificate (issued
// after the decision, through the outbox) and returns the certificate's address.
func (tb *tab) awaitCertificate(number string) string {
	tb.s.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Second) {
		tb.open("/cases/" + number)
		cert := evalIn[string](tb, `(document.querySelector('#documents a[href*="/certificates/"]') || {}).href || ""`)
		if cert != "" {
			return cert
		}
		if time.Now().After(deadline) {
			tb.s.t.Fatalf("case %s shows no certificate to download:\n%s", number, tb.pageText())
		}
	}
}

// fetchPDF gets url with the tab's cookies, fails unless the answer is a PDF, and returns it.
func (tb *tab) fetchPDF(url string) []byte {
	tb.s.t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Cookie", tb.cookieHeader())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.s.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/pdf") || !strings.HasPrefix(string(body), "%PDF-") {
		tb.s.t.Fatalf("GET %s with %s's cookies: %d %s, %d bytes starting %q", url, tb.who, resp.StatusCode, resp.Header.Get("Content-Type"), len(body), body[:min(len(body), 20)])
	}
	return body
}

// firstLine returns the first line of text that contains s.
func firstLine(text, s string) string {
	for line := range strings.SplitSeq(text, "\n") {
		if strings.Contains(line, s) {
			return strings.TrimSpace(line)
		}
	}
	return ""
}
