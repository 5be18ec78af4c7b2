package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/definitions/cn"
)

// TestBrowserFlows drives the further flows of the portal and the workbench in Chromium, each a
// subtest on one server and one browser (starting them is most of a flow's cost): parallel
// approval by three departments, a correction round, a window case started by ID number, a
// script typed into a form, and the sign-in lockout.
func TestBrowserFlows(t *testing.T) {
	began := time.Now()
	s := newBrowserSuite(t)
	t.Logf("server and browser up in %.1f s", time.Since(began).Seconds())
	s.runFlows([]browserFlow{
		{"ParallelApproval", flowParallelApproval},
		{"Correction", flowCorrection},
		{"WindowByIDNumber", flowWindowByIDNumber},
		{"ScriptInFormIsInert", flowScriptInForm},
		// Last: the failures lock out the client address too, and every tab signs in from
		// 127.0.0.1, so no flow after it could sign in for the lockout period.
		{"Lockout", flowLockout},
	})
}

// browserFlow is one flow of a browser test, run as a subtest on the suite's server and browser.
type browserFlow struct {
	name string
	run  func(*browserSuite)
}

// runFlows runs flows in order, each as a subtest timed in the log.
func (s *browserSuite) runFlows(flows []browserFlow) {
	for _, flow := range flows {
		s.t.Run(flow.name, func(t *testing.T) {
			began := time.Now()
			flow.run(s.in(t))
			t.Logf("%s in %.1f s", flow.name, time.Since(began).Seconds())
		})
	}
}

// in is the suite as seen by a subtest: failures and the tabs' cleanup belong to t.
func (s *browserSuite) in(t *testing.T) *browserSuite {
	sub := *s
	sub.t = t
	return &sub
}

// demoUser is one entry of the demo-credentials.json that serve --demo writes.
type demoUser struct {
	Name, Kind, Org, IDNumber, USCC, Mobile, Token string
	Roles                                          []string
}

// demoUser finds a demo user by name, or the staff member of org in role when name is "".
func (s *browserSuite) demoUser(name, org, role string) demoUser {
	s.t.Helper()
	raw, err := os.ReadFile(filepath.Join(s.data, app.DemoCredentialsFile))
	if err != nil {
		s.t.Fatal(err)
	}
	var users []demoUser
	if err := json.Unmarshal(raw, &users); err != nil {
		s.t.Fatal(err)
	}
	for _, u := range users {
		if (name != "" && u.Name == name) || (name == "" && u.Org == org && slices.Contains(u.Roles, role)) {
			return u
		}
	}
	s.t.Fatalf("no demo user %q %s %s in %s", name, org, role, app.DemoCredentialsFile)
	return demoUser{}
}

// staffTab opens a tab for the demo staff member of org in role, signed in by mobile.
func (s *browserSuite) staffTab(org, role string) *tab {
	s.t.Helper()
	tb := s.newTab(org + " " + role)
	tb.login("staff", s.demoUser("", org, role).Mobile, demoPassword)
	return tb
}

// personTab opens a tab for a demo citizen, signed in by ID number.
func (s *browserSuite) personTab(name string) (*tab, demoUser) {
	s.t.Helper()
	u := s.demoUser(name, "", "")
	tb := s.newTab(name)
	tb.login("person", u.IDNumber, demoPassword)
	return tb, u
}

// formFields flattens an application into the names of the generated form's controls
// ("a.b", "rows.0.c", "list.1") and the values they hold.
func formFields(prefix string, v any, out map[string]string) map[string]string {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			formFields(prefix+k+".", x, out)
		}
	case []any:
		for i, x := range v {
			formFields(prefix+strconv.Itoa(i)+".", x, out)
		}
	default:
		out[strings.TrimSuffix(prefix, ".")] = formValue(v)
	}
	return out
}

// typeForm sets the generated form's controls to values, many at once: typing each as fill
// does costs a live refresh per field, too slow for the largest forms. A control that is not
// there yet is either shown by a value set before (the live refresh brings it) or in a row
// still to add (添加一项, once the row before it is filled).
func (tb *tab) typeForm(values map[string]string) {
	tb.s.t.Helper()
	raw, _ := json.Marshal(values)
	set := fmt.Sprintf(`((values) => {
		const missing = [];
		let form = null;
		for (const [name, value] of Object.entries(values)) {
			const els = [...document.getElementsByName(name)].filter(e => e.type !== "hidden" && e.type !== "file");
			if (!els.length) { missing.push(name); continue; }
			for (const e of els) {
				if (e.type === "radio" || e.type === "checkbox") e.checked = e.value === value;
				else e.value = value;
				form = e.form;
			}
		}
		if (form) form.dispatchEvent(new Event("change", {bubbles: true}));
		return missing.sort();
	})(%s)`, raw)
	last := ""
	for range 20 {
		missing := evalIn[[]string](tb, set)
		tb.settle()
		if len(missing) == 0 {
			return
		}
		if key := strings.Join(missing, " "); key != last {
			last = key
			continue
		}
		// The refresh brought none of them: the first is in a row still to add.
		parts := strings.Split(missing[0], ".")
		row := len(parts) - 1
		for ; row >= 0; row-- {
			if _, err := strconv.Atoi(parts[row]); err == nil {
				break
			}
		}
		if row < 0 {
			tb.s.t.Fatalf("%s on %s: the form has no control %q:\n%s", tb.who, tb.location(), missing[0], tb.pageText())
		}
		tb.clickAndLoad(fmt.Sprintf(`button[value="add:%s"]`, strings.Join(parts[:row], ".")))
		last = ""
	}
	tb.s.t.Fatalf("%s on %s: could not type the form", tb.who, tb.location())
}

// apply fills the generated form of a matter with values, uploads a PDF for every material
// to upload, submits, and returns the case number and the uploaded materials' IDs.
func (tb *tab) apply(slug string, values map[string]string) (string, []string) {
	tb.s.t.Helper()
	tb.open("/matters/" + slug + "/apply")
	tb.do(chromedp.WaitVisible(chromedp.ID("apply-form")))
	tb.typeForm(values)
	var materials []string
	for _, input := range tb.uploadMaterials(writePDF(tb.s.t, "材料.pdf")) {
		materials = append(materials, strings.TrimPrefix(input, "file."))
	}
	return tb.submitApplication(), materials
}

// soleProprietorForm is the sample application for 个体工商户设立登记 with changes, less the
// operator's name, ID number and mobile, which the form takes from the signed-in account.
func soleProprietorForm(t *testing.T, changes map[string]string) map[string]string {
	values := formFields("", sampleForm(t, soleProprietor), map[string]string{})
	for _, k := range []string{"operator.name", "operator.idNumber", "operator.mobile"} {
		delete(values, k)
	}
	maps.Copy(values, changes)
	return values
}

// flowParallelApproval: an enterprise applies for 建筑工程施工许可证核发; the clerk of 住建局
// accepts; the reviewers of 住建局, 自然资源和规划局 and 人防办 each claim their branch of the
// parallel review in their own tab and approve at the same moment; the branches join, 住建局
// checks and decides, and the enterprise downloads the certificate.
func flowParallelApproval(s *browserSuite) {
	t := s.t
	const slug = "construction-permit"
	ent := s.demoUser("许昌瑞祥置业有限公司", "", "")
	applicant := s.newTab("enterprise")
	applicant.login("enterprise", ent.USCC, demoPassword)
	values := formFields("", sampleForm(t, slug), map[string]string{})
	// The construction unit is the signed-in enterprise, prefilled from the legal-person
	// register (its representative is 张伟); the permits are those the e-license library holds
	// for it.
	for _, k := range []string{"constructionUnit.name", "constructionUnit.uscc", "constructionUnit.legalRepName"} {
		delete(values, k)
	}
	values["constructionUnit.legalRepIdNumber"] = s.demoUser("张伟", "", "").IDNumber
	values["planning.buildingPermitNo"] = "建字第411003202400123号"
	values["planning.realEstateCertNo"] = "豫（2023）许昌市不动产权第0012345号"
	number, _ := applicant.apply(slug, values)

	clerk := s.staffTab("xc-housing", "clerk")
	clerk.accept(number, "材料齐全，符合法定形式，予以受理")

	branches := []struct{ org, task string }{
		{"xc-housing", "质量安全监督审查"},
		{"xc-nr", "规划许可核验"},
		{"xc-civil-defense", "人防审查"},
	}
	var reviewers []*tab
	for _, b := range branches {
		r := s.staffTab(b.org, "reviewer")
		r.open("/work/")
		r.mustSee(number, b.task)
		r.clickAndLoad(fmt.Sprintf(`tr:has(a[href="/work/cases/%s"]) form[action$="/claim"] button`, number))
		r.open("/work/?mine=1")
		r.mustSee(number, "我已认领")
		r.open("/work/cases/" + number)
		// The other branches are open beside this one.
		r.mustSee(b.task, "其他在办环节")
		reviewers = append(reviewers, r)
	}
	reviewers[1].shot("approver-case")
	// All three send their approval before any answer comes back.
	marks := make([]float64, len(reviewers))
	for i, r := range reviewers {
		marks[i] = r.startTask("approve", branches[i].task+"通过，同意")
	}
	for i, r := range reviewers {
		r.awaitLoad(marks[i])
		r.open("/work/")
		if strings.Contains(r.text(), number) {
			t.Errorf("%s still lists case %s after approving", r.who, number)
		}
	}

	checker := s.staffTab("xc-housing", "checker")
	checker.open("/work/cases/" + number)
	// The joined branches' opinions are on the record the checker reads.
	checker.mustSee("质量安全监督审查通过", "规划许可核验通过", "人防审查通过")
	checker.completeTask("approve", "各部门并联审查均通过，符合施工许可条件")
	decider := s.staffTab("xc-housing", "decider")
	decider.open("/work/cases/" + number)
	decider.completeTask("approve", "准予许可")

	cert := applicant.awaitCertificate(number)
	t.Logf("case %s: certificate of %d bytes", number, len(applicant.fetchPDF(cert)))
}

// flowCorrection: the clerk asks for a correction (补正) of a submitted case with a reason; the
// citizen sees it on the case page, corrects the address and the material in place and sends
// it back; the clerk then accepts the corrected case.
func flowCorrection(s *browserSuite) {
	const (
		reason    = "经营场所地址缺少门牌号，请补充；场所使用证明不清晰，请重新上传"
		corrected = "魏文路中段88号临街门面东起第2间"
	)
	citizen, _ := s.personTab("张伟")
	number, materials := citizen.apply(soleProprietor, soleProprietorForm(s.t, nil))

	clerk := s.staffTab("wd-amr", "clerk")
	clerk.open("/work/cases/" + number)
	clerk.do(chromedp.Click(chromedp.CSS(`#correction summary`), chromedp.NodeVisible),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#correction input[name="materials"][value=%q]`, materials[0])), chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.ID("corr-opinion"), reason))
	clerk.shot("workbench-correction-request")
	clerk.clickAndLoad(`form[action$="/correction"] button[type=submit]`)
	clerk.open("/work/cases/" + number)
	clerk.mustSee("补正")

	citizen.open("/cases/" + number)
	citizen.mustSee("请补齐补正材料", reason)
	citizen.shot("correction")
	citizen.do(chromedp.Click(chromedp.CSS(`#correction details summary`), chromedp.NodeVisible))
	citizen.fill("premisesAddress", corrected)
	citizen.do(chromedp.SetUploadFiles(chromedp.CSS(fmt.Sprintf(`#correction input[name="file.%s"]`, materials[0])),
		[]string{writePDF(s.t, "场所使用证明（补正）.pdf")}))
	citizen.clickAndLoad(`#correction-form button[type=submit]`)
	if evalIn[bool](citizen, `!!document.querySelector('#correction')`) {
		s.t.Fatalf("the correction of %s was not taken:\n%s", number, citizen.pageText())
	}
	citizen.mustSee(corrected, "场所使用证明（补正）.pdf")

	clerk.accept(number, "补正后材料齐全，予以受理")
	clerk.mustSee(corrected, "场所使用证明（补正）.pdf")
}

// flowWindowByIDNumber: at window acceptance the clerk types a resident's ID number, sees them
// as the population register knows them with their e-licenses, starts 个体工商户设立登记 for
// them with the form prefilled, ticks the materials received, accepts, prints the acceptance
// notice, and finds the case among the resident's cases.
func flowWindowByIDNumber(s *browserSuite) {
	t := s.t
	// 刘振华 of 长葛市, in the simulated population register (connectors/simulate/people.go)
	// but with no account.
	const name = "刘振华"
	idNumber := cn.MakeIDNumber("411082", time.Date(1972, 7, 8, 0, 0, 0, 0, time.UTC), 53)
	clerk := s.staffTab("wd-amr", "clerk")
	clerk.open("/work/window")
	clerk.do(chromedp.SendKeys(chromedp.ID("key"), idNumber))
	clerk.clickAndLoad(`form[action="/work/window"] button[type=submit]`)
	clerk.mustSee("人口库信息：", name, "电子证照", "历史办件", "个体工商户设立登记")
	clerk.shot("window-person")
	clerk.clickAndLoad(fmt.Sprintf(`a[href^="/work/window/apply/%s"]`, soleProprietor))
	clerk.do(chromedp.WaitVisible(chromedp.ID("window-form")))
	if got := evalIn[string](clerk, `document.querySelector('[name="operator.name"]').value + " " + document.querySelector('[name="operator.idNumber"]').value`); got != name+" "+idNumber {
		t.Errorf("the window form is prefilled with %q, want %s %s", got, name, idNumber)
	}
	clerk.typeForm(soleProprietorForm(t, map[string]string{"operator.mobile": "13937456789"}))
	// Adding the rows posted the form: the page still names the applicant.
	clerk.mustSee("申请人：" + name)
	received := evalIn[[]string](clerk, `[...document.querySelectorAll('#checklist input[name="_received"]')].map(e => { e.click(); return e.value })`)
	if len(received) == 0 {
		t.Fatalf("the window checklist has no material to tick:\n%s", clerk.pageText())
	}
	clerk.settle()
	clerk.shot("window-apply")
	clerk.clickAndLoad(`#window-form button[name="_action"][value="submit"]`)
	m := caseNumberPath.FindStringSubmatch(clerk.location())
	if m == nil {
		t.Fatalf("starting the window case ended on %s:\n%s", clerk.location(), clerk.pageText())
	}
	number := m[1]
	clerk.mustSee(number, "窗口")
	clerk.accept(number, "当场受理")
	notice := evalIn[string](clerk, `(document.querySelector('a[href*="/notices/"]') || {}).href || ""`)
	if notice == "" {
		t.Fatalf("case %s offers no notice to print:\n%s", number, clerk.pageText())
	}
	clerk.mustSee("打印受理通知书")
	clerk.shot("window-case")
	t.Logf("window case %s for %v; notice of %d bytes", number, received, len(clerk.fetchPDF(notice)))

	clerk.open("/work/window?key=" + idNumber)
	clerk.mustSee(number)
}

// flowScriptInForm: a citizen types markup that would run script into a text field; the pages
// show it as text and run none of it, for the citizen and for the clerk.
func flowScriptInForm(s *browserSuite) {
	const address = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">魏文路88号`
	citizen, _ := s.personTab("李秀兰")
	number, _ := citizen.apply(soleProprietor, soleProprietorForm(s.t, map[string]string{"premisesAddress": address}))
	clerk := s.staffTab("wd-amr", "clerk")
	clerk.open("/work/cases/" + number)
	citizen.open("/cases/" + number)
	for _, tb := range []*tab{clerk, citizen} {
		tb.mustSee(address)
		if evalIn[bool](tb, `window.__pwned !== undefined || !![...document.querySelectorAll("main script, main img")].length`) {
			s.t.Errorf("%s: the markup in the application ran or was kept as markup", tb.who)
		}
	}
}

// flowLockout: five wrong passwords lock the account; the right one is then refused too.
func flowLockout(s *browserSuite) {
	elder := s.demoUser("王桂英", "", "")
	tb := s.newTab("王桂英")
	for i := range 5 {
		if tb.tryLogin("person", elder.IDNumber, fmt.Sprintf("wrong-password-%d", i)) {
			s.t.Fatalf("a wrong password signed in")
		}
	}
	tb.mustSee("登录失败次数过多", "账户已锁定")
	tb.shot("login-locked")
	if tb.tryLogin("person", elder.IDNumber, demoPassword) {
		s.t.Fatalf("the right password signed in to a locked account")
	}
	tb.mustSee("登录失败次数过多", "后再试")
}
