package workbench_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/connectors/simulate"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/webtest"
)

// TestWindowLicenseFallback files a food licence at the window while the e-license library
// cannot be asked: its 营业执照 declares an upload fallback, so the clerk is told beside it that
// the library did not give it; received on paper it is accepted, and the case page says the
// original was checked at the window.
func TestWindowLicenseFallback(t *testing.T) {
	e := newWorkbench(t)
	const slug = "food-business-license"
	uscc := e.User(webtest.Enterprise).USCC
	path := "/work/window/apply/" + slug + "?key=" + uscc
	start := e.Get(clerk, path).Expect(t, 200).Contains(t, "电子证照库自动核验；库中没有时收取原件并扫描", `id="received-businessLicense"`)
	filled := webtest.Merge(start.FormValues(t, "window-form"), e.FormFor(slug, webtest.Sample(t, slug)))
	filled.Set("_action", "submit")
	mp, _, err := e.Service.MatterPlan(ctx, slug, 0)
	if err != nil {
		t.Fatal(err)
	}
	var uploads []string
	for _, m := range mp.Def.Materials.Materials {
		if m.Source == "upload" {
			uploads = append(uploads, m.ID)
		}
	}
	e.Simulators.SetFaults(simulate.ELicense, simulate.Faults{Down: true})
	defer e.Simulators.SetFaults(simulate.ELicense, simulate.Faults{})

	filled["_received"] = uploads
	p := e.Post(clerk, path, filled).Expect(t, 400)
	if msg := p.Text("m-businessLicense-error"); !strings.Contains(msg, "电子证照库未能获取") || !strings.Contains(msg, "请上传") {
		t.Fatalf("no fallback asked beside the material: %q", msg)
	}
	filled["_received"] = append(uploads, "businessLicense")
	p = e.Post(clerk, path, filled).Expect(t, http.StatusSeeOther)
	number, err := webtest.CaseNumber(strings.TrimPrefix(p.Location, "/work"))
	if err != nil {
		t.Fatal(p.Location)
	}
	e.Get(clerk, "/work/cases/"+number).Expect(t, 200).Contains(t, "电子证照库未能获取，窗口已核验原件")
}

// TestMatterDocumentsShown: the low-income allowance's 公示表 is offered for printing on the
// workbench's and the applicant's case pages while the case waits at the 公示, and prints; the
// 不予确认通知书 is not offered then, and the page refuses it.
func TestMatterDocumentsShown(t *testing.T) {
	e := newWorkbench(t)
	const slug = "minimum-living-allowance"
	number := file(t, e, webtest.Citizen, slug, nil)
	step := func(who, outcome string, data map[string]any) {
		t.Helper()
		raw, _ := json.Marshal(data)
		if _, err := e.Service.CompleteTask(ctx, e.User(who), taskOf(t, e, who, number), runtime.TaskAction{Outcome: outcome, Opinion: "同意", Data: raw}); err != nil {
			t.Fatal(err)
		}
	}
	e.Get("wd-civil/reviewer", "/work/cases/"+number).Expect(t, 200).Lacks(t, "公示表")
	step("wd-xiguan/clerk", "accept", nil)
	step("wd-xiguan/investigator", "approve", map[string]any{"householdSize": 3, "verifiedMonthlyIncome": 1200, "housing": "租住"})
	step("wd-civil/reviewer", "approve", nil)

	e.Get("wd-civil/reviewer", "/work/cases/"+number).Expect(t, 200).
		Contains(t, `href="/work/cases/`+number+`/notices/publicity-form"`, "打印最低生活保障审核确认公示表").Lacks(t, "不予确认通知书")
	e.Get(webtest.Citizen, "/cases/"+number).Expect(t, 200).
		Contains(t, `href="/cases/`+number+`/notices/publicity-form"`, "最低生活保障审核确认公示表（PDF）").Lacks(t, "不予确认通知书")
	pdf := e.Get(webtest.Citizen, "/cases/"+number+"/notices/publicity-form").Expect(t, 200)
	if !strings.HasPrefix(pdf.Body, "%PDF") || !strings.Contains(pdf.Header.Get("Content-Disposition"), url.PathEscape(number+"-最低生活保障审核确认公示表.pdf")) {
		t.Errorf("the 公示表 as printed: %q %.20q", pdf.Header.Get("Content-Disposition"), pdf.Body)
	}
	e.Get("wd-civil/reviewer", "/work/cases/"+number+"/notices/denial-notice").Expect(t, http.StatusConflict)
	e.Get("wd-civil/reviewer", "/work/cases/"+number+"/notices/nothing").Expect(t, http.StatusNotFound)
}
