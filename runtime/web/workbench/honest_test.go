package workbench_test

import (
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/page"
	"github.com/xuchang-gov/tongban/runtime/web/webtest"
)

// concluded files the sole proprietor's application and takes it to its certificate: the
// clerk accepts, the decider approves.
func concluded(t *testing.T, e *webtest.Env) *runtime.CaseView {
	t.Helper()
	number := submit(t, e, nil)
	e.Post(clerk, "/work/cases/"+number+"/acceptance", url.Values{"decision": {"accept"}, "opinion": {"材料齐全，予以受理"}}).Expect(t, http.StatusSeeOther)
	id := taskOf(t, e, decider, number)
	e.Post(decider, "/work/tasks/"+itoa(id)+"/complete", url.Values{"case": {number}, "outcome": {"approve"}, "opinion": {"准予登记"}}).Expect(t, http.StatusSeeOther)
	v, err := e.Service.GetCase(ctx, e.User(webtest.Citizen), number)
	if err != nil || v.ConcludedAt == nil {
		t.Fatalf("not concluded: %+v %v", v, err)
	}
	return v
}

// TestConcludedCaseSaysSo: the public progress and the case pages of a concluded case say it
// is concluded, not 今日到期; the timeline names each step completed.
func TestConcludedCaseSaysSo(t *testing.T) {
	e := newWorkbench(t)
	v := concluded(t, e)
	e.Get("", "/progress?number="+v.Number+"&code="+url.QueryEscape(v.QueryCode)).Expect(t, 200).Contains(t, "已办结").Lacks(t, "今日到期")
	e.Get(webtest.Citizen, "/cases/"+v.Number).Expect(t, 200).Contains(t, "「核准登记」办理完成").Lacks(t, "今日到期", "环节办理完成")
	e.Get(decider, "/work/cases/"+v.Number).Expect(t, 200).Contains(t, "「受理」办理完成", "「核准登记」办理完成")
}

// TestRatingIsConfirmed: after rating, the page the applicant is sent to thanks them.
func TestRatingIsConfirmed(t *testing.T) {
	e := newWorkbench(t)
	v := concluded(t, e)
	done := e.Post(webtest.Citizen, "/cases/"+v.Number+"/evaluation", url.Values{"score": {"5"}, "comment": {"很快"}}).Expect(t, http.StatusSeeOther)
	e.Get(webtest.Citizen, done.Location).Expect(t, 200).Contains(t, "感谢您的评价", "您的评价")
}

// TestAcceptanceNoticePrintsTheQueryCode: the 受理通知书 tells the applicant to check the
// progress with the number and the query code, and prints the code.
func TestAcceptanceNoticePrintsTheQueryCode(t *testing.T) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext is missing: run printing/pdf/install-test-tools.sh")
	}
	e := newWorkbench(t)
	v := concluded(t, e)
	doc := e.Get(clerk, "/work/cases/"+v.Number+"/notices/acceptance-notice").Expect(t, 200)
	path := filepath.Join(t.TempDir(), "notice.pdf")
	if err := os.WriteFile(path, []byte(doc.Body), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(out)), "")
	if !strings.Contains(text, "查询码（"+v.QueryCode+"）") {
		t.Fatalf("the notice does not print the query code %s:\n%s", v.QueryCode, text)
	}
}

// TestDeadlinesInBeijingTime: a deadline ends at 23:59 of its day in Beijing, and every page
// says so in that zone (stored in UTC, it would read 15:59).
func TestDeadlinesInBeijingTime(t *testing.T) {
	e := newWorkbench(t)
	number := submit(t, e, nil)
	e.Post(clerk, "/work/cases/"+number+"/acceptance", url.Values{"decision": {"accept"}, "opinion": {"材料齐全，予以受理"}}).Expect(t, http.StatusSeeOther)
	v, err := e.Service.GetCase(ctx, e.User(decider), number)
	if err != nil || v.Deadline.DueAt == nil {
		t.Fatalf("no deadline: %+v %v", v, err)
	}
	due := v.Deadline.DueAt.In(runtime.Zone)
	e.Get(decider, "/work/cases/"+number).Expect(t, 200).Contains(t, due.Format("2006-01-02")+" 23:59 到期").Lacks(t, "15:59")
	e.Get(webtest.Citizen, "/cases/"+number).Expect(t, 200).Contains(t, due.Format("2006年1月2日")+" 前办结")
}

// TestVerifyMasksConsistently: the public verification page masks a person holder's name
// wherever it shows it, and writes dates one way.
func TestVerifyMasksConsistently(t *testing.T) {
	e := newWorkbench(t)
	v := concluded(t, e)
	events, err := e.Service.CaseEvents(ctx, e.User(decider), v.Number)
	if err != nil {
		t.Fatal(err)
	}
	cert := page.Certificates(events)[0]
	answer, err := e.Service.VerifyCertificate(ctx, cert)
	if err != nil || !strings.HasSuffix(answer.Holder, "*") {
		t.Fatalf("holder %+v %v", answer, err)
	}
	name := e.User(webtest.Citizen).Name
	issued := answer.IssuedAt.In(runtime.Zone)
	e.Get("", "/verify/"+cert).Expect(t, 200).Contains(t, answer.Holder, issued.Format("2006年1月2日")).Lacks(t, name, issued.Format("2006年01月02日"))
}

// TestMyLicenses: 我的证照 lists the certificate issued on the applicant's case, to download,
// and the e-licenses the library holds for them.
func TestMyLicenses(t *testing.T) {
	e := newWorkbench(t)
	v := concluded(t, e)
	events, err := e.Service.CaseEvents(ctx, e.User(decider), v.Number)
	if err != nil {
		t.Fatal(err)
	}
	cert := page.Certificates(events)[0]
	p := e.Get(webtest.Citizen, "/licenses").Expect(t, 200).Contains(t, "我的证照", cert, "营业执照（个体工商户）", "/verify/"+cert, "电子证照库中的证照")
	if strings.Contains(p.Body, "下载 PDF") {
		e.Get(webtest.Citizen, "/cases/"+v.Number+"/certificates/"+cert).Expect(t, 200)
	}
	e.Get("李秀兰", "/licenses").Expect(t, 200).Lacks(t, cert)
}

// TestWindowFormKeepsWhatTheLookupShowed: the legal representative's ID number the register
// gave on the window page is filled in the window form, as the name is.
func TestWindowFormKeepsWhatTheLookupShowed(t *testing.T) {
	e := newWorkbench(t)
	uscc := e.User(webtest.Enterprise).USCC
	e.Get(clerk, "/work/window?key="+uscc).Expect(t, 200).Contains(t, "法定代表人身份证号")
	values := e.Get(clerk, "/work/window/apply/food-business-license?key="+uscc).Expect(t, 200).FormValues(t, "window-form")
	if id := values.Get("legalRepresentative.idNumber"); len(id) != 18 || values.Get("legalRepresentative.name") == "" {
		t.Fatalf("legal representative %q %q", values.Get("legalRepresentative.name"), id)
	}
}
