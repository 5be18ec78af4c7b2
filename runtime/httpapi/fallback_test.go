package httpapi_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
	"github.com/xuchang-gov/tongban/connectors/simulate"
	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/cn"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime/service"
)

// noticeEnv is the program with a renderer that keeps what each printed document was filled
// with, so that a test reads a notice's `notice` without parsing a PDF.
type noticeEnv struct {
	*env
	mu      sync.Mutex
	printed map[string]any // the last notice printed
}

func newNoticeEnv(t *testing.T, cfg app.Config) *noticeEnv {
	n := &noticeEnv{}
	render := func(w io.Writer, _ *definitions.CompiledPrint, vars rules.Vars, _ time.Time) error {
		n.mu.Lock()
		n.printed = vars["notice"].(map[string]any)
		n.mu.Unlock()
		_, err := io.WriteString(w, "%PDF-1.4\n%%EOF\n")
		return err
	}
	n.env = &env{apptest.Start(t, cfg, service.WithRender(render))}
	return n
}

// print fetches the case's document name through the API and returns the answer's status and,
// when printed, what its `notice` was.
func (n *noticeEnv) print(token, number, name string) (int, map[string]any) {
	n.T.Helper()
	req, _ := http.NewRequest("GET", n.URL+"/api/v1/cases/"+number+"/notices/"+name, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.T.Fatal(err)
	}
	resp.Body.Close()
	n.mu.Lock()
	defer n.mu.Unlock()
	if resp.StatusCode != 200 {
		return resp.StatusCode, nil
	}
	return resp.StatusCode, n.printed
}

// materialOf is the case's material id as the case answer shows it.
func materialOf(t testing.TB, c map[string]any, id string) map[string]any {
	t.Helper()
	for _, m := range c["materials"].([]any) {
		if m := m.(map[string]any); m["id"] == id {
			return m
		}
	}
	t.Fatalf("the case has no material %s: %v", id, c["materials"])
	return nil
}

// TestELicenseUploadFallback: the food licence's 营业执照 comes from the e-license library and
// declares an upload fallback. Held by the library it is fetched; not held (a canteen of a body
// outside the registers) or with the library down, the submission asks for an upload, and the
// uploaded file stands in — the case answer (via), the handover list and the audit trail say
// which happened. A material without the declaration goes on without an upload, as before.
func TestELicenseUploadFallback(t *testing.T) {
	e := newNoticeEnv(t, app.Config{})
	token := e.Token(enterprise)
	clerk := e.staff("wd-amr", "clerk")
	handover := func(number string) string {
		t.Helper()
		_, notice := e.print(clerk, number, "material-handover-list")
		return jsonText(notice["items"])
	}

	t.Run("电子证照库有营业执照：自动获取", func(t *testing.T) {
		c := e.apply(token, "food-business-license", sample(t, "food-business-license"), true)
		n := c["number"].(string)
		if m := materialOf(t, c, "businessLicense"); m["via"] != "e-license" || len(m["files"].([]any)) != 0 {
			t.Errorf("the fetched license: %v", m)
		}
		if items := handover(n); !strings.Contains(items, `"name":"营业执照或者其他主体资格证明文件","note":"电子证照库自动获取"`) {
			t.Errorf("handover list: %s", items)
		}
		if ev := strings.Join(e.events(n)[service.EventLicenseFallback], "\n"); !strings.Contains(ev, `"via":"e-license"`) || !strings.Contains(ev, `"number":"91411002MA9L3KQ5X2"`) {
			t.Errorf("the audit trail does not say the library gave it: %s", ev)
		}
	})

	for _, tc := range []struct {
		name, problem string
		change        func(form map[string]any)
		down          bool
	}{
		{"电子证照库中没有：上传主体资格证明代替", "电子证照库中没有该持证人有效的「营业执照」", func(form map[string]any) {
			form["uscc"] = cn.MakeUSCC("12410102MB0123457") // a body of 郑州, outside the registers
		}, false},
		{"电子证照库查询失败：上传代替", "电子证照库查询失败", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := sample(t, "food-business-license")
			if tc.change != nil {
				tc.change(form)
			}
			if tc.down {
				e.Simulators.SetFaults(simulate.ELicense, simulate.Faults{Down: true})
				defer e.Simulators.SetFaults(simulate.ELicense, simulate.Faults{})
			}
			draft := e.expect(201)(e.call(token, "POST", "/api/v1/cases", map[string]any{"matter": "food-business-license", "form": form, "draft": true}))
			n := draft["number"].(string)
			refused := e.expect(400)(e.call(token, "POST", "/api/v1/cases/"+n+"/submit", map[string]any{}))
			found := false
			for _, f := range refused["error"].(map[string]any)["fields"].([]any) {
				f := f.(map[string]any)
				found = found || f["pointer"] == "/materials/businessLicense" && strings.Contains(f["message"].(string), tc.problem) && strings.Contains(f["message"].(string), "请上传")
			}
			if !found {
				t.Fatalf("the submission does not ask for the fallback upload: %v", refused)
			}
			c := e.apply(token, "food-business-license", form, true)
			n = c["number"].(string)
			m := materialOf(t, c, "businessLicense")
			if m["via"] != "fallback-upload" || len(m["files"].([]any)) != 1 || !strings.Contains(jsonText(m["license"]), tc.problem) {
				t.Errorf("the uploaded stand-in: %v", m)
			}
			if items := handover(n); !strings.Contains(items, "电子证照库未能获取（"+tc.problem) || !strings.Contains(items, "已上传 1 个文件代替") {
				t.Errorf("handover list: %s", items)
			}
			if ev := strings.Join(e.events(n)[service.EventLicenseFallback], "\n"); !strings.Contains(ev, `"via":"fallback-upload"`) || !strings.Contains(ev, tc.problem) {
				t.Errorf("the audit trail does not say the upload stood in: %s", ev)
			}
			e.verifyChain(n)
		})
	}

	t.Run("未声明替代方式的材料照旧", func(t *testing.T) {
		e.Simulators.SetFaults(simulate.ELicense, simulate.Faults{Down: true})
		c := e.apply(e.Token(elder), "senior-longevity-allowance", sample(t, "senior-longevity-allowance"), false)
		e.Simulators.SetFaults(simulate.ELicense, simulate.Faults{})
		m := materialOf(t, c, "elderIdCard")
		if m["via"] != nil || len(m["files"].([]any)) != 0 {
			t.Errorf("a material without fallback: %v", m)
		}
		if ev := e.events(c["number"].(string))[service.EventLicenseFallback]; len(ev) != 0 {
			t.Errorf("recorded a fallback the material does not declare: %v", ev)
		}
		draft := e.expect(201)(e.call(e.Token(elder), "POST", "/api/v1/cases", map[string]any{"matter": "senior-longevity-allowance", "form": sample(t, "senior-longevity-allowance"), "draft": true}))
		if status, _ := e.upload(e.Token(elder), draft["number"].(string), "elderIdCard", "证.pdf", []byte("%PDF-1.4\n%%EOF\n")); status != 400 {
			t.Errorf("an upload for an e-license without fallback: %d", status)
		}
	})
}

// documentNames are the names of the documents the case answer lists.
func documentNames(c map[string]any) string {
	var names []string
	for _, d := range c["documents"].([]any) {
		names = append(names, d.(map[string]any)["name"].(string))
	}
	return strings.Join(names, ",")
}

// TestMatterDocuments prints the low-income allowance's own documents through the notices
// endpoint: the 公示表 only while the case waits at the 公示 timer, with the period of that wait
// and its own number; the 不予确认通知书 only once denied, with the decision's opinion; the case
// answer lists each exactly when the endpoint prints it, for staff and the applicant alike.
func TestMatterDocuments(t *testing.T) {
	clock := &testClock{now: time.Date(2026, 9, 30, 1, 0, 0, 0, time.UTC)}
	e := newNoticeEnv(t, app.Config{Clock: clock.Now})
	applicant, reviewer := e.Token("张伟"), e.staff("wd-civil", "reviewer")
	visit := func(n, outcome, opinion string) {
		t.Helper()
		e.act(n, "wd-xiguan", "clerk", "accept", "accept")
		investigator := e.staff("wd-xiguan", "investigator")
		e.expect(200)(e.call(investigator, "POST", fmt.Sprintf("/api/v1/tasks/%d/complete", e.taskID(investigator, n, "visit")), map[string]any{
			"outcome": outcome, "opinion": opinion,
			"data": map[string]any{"householdSize": 3, "verifiedMonthlyIncome": 1200, "housing": "租住", "vehicles": 0}}))
	}
	caseOf := func(token, n string) map[string]any {
		return e.expect(200)(e.call(token, "GET", "/api/v1/cases/"+n, nil))
	}

	n := e.apply(applicant, "minimum-living-allowance", sample(t, "minimum-living-allowance"), true)["number"].(string)
	if got := documentNames(caseOf(applicant, n)); got != "material-handover-list" {
		t.Errorf("documents of a submitted case: %s", got)
	}
	if status, _ := e.print(applicant, n, "publicity-form"); status != http.StatusConflict {
		t.Errorf("the 公示表 before the 公示: %d", status)
	}
	visit(n, "approve", "已入户核实")
	e.act(n, "wd-civil", "reviewer", "review", "approve")

	t.Run("公示期间有公示表", func(t *testing.T) {
		for _, token := range []string{applicant, reviewer} {
			if got := documentNames(caseOf(token, n)); got != "acceptance-notice,material-handover-list,publicity-form" {
				t.Errorf("documents during the 公示: %s", got)
			}
		}
		status, notice := e.print(applicant, n, "publicity-form")
		if status != 200 {
			t.Fatalf("printing the 公示表: %d", status)
		}
		since, _ := notice["since"].(time.Time)
		due, _ := notice["dueAt"].(time.Time)
		if notice["number"] != n+"-GS" || since.Format(time.DateOnly) != "2026-09-30" || due.Format(time.DateOnly) != "2026-10-07" {
			t.Errorf("the 公示表's number and period: %v", notice)
		}
		for name, want := range map[string]int{"denial-notice": http.StatusConflict, "decision-notice": http.StatusConflict, "nothing": http.StatusNotFound, "certificate": http.StatusNotFound} {
			if status, _ := e.print(reviewer, n, name); status != want {
				t.Errorf("%s during the 公示: %d, want %d", name, status, want)
			}
		}
	})

	t.Run("公示期满后有审核确认通知书，不再有公示表", func(t *testing.T) {
		clock.set(time.Date(2026, 10, 8, 1, 0, 0, 0, time.UTC))
		if _, err := e.Service.FireDueTimers(ctx); err != nil {
			t.Fatal(err)
		}
		if got := documentNames(caseOf(applicant, n)); got != "acceptance-notice,material-handover-list,decision-notice" {
			t.Errorf("documents once approved: %s", got)
		}
		if status, _ := e.print(applicant, n, "publicity-form"); status != http.StatusConflict {
			t.Errorf("the 公示表 after the 公示: %d", status)
		}
		if status, notice := e.print(applicant, n, "decision-notice"); status != 200 || notice["number"] != n+"-QR" {
			t.Errorf("the decision notice: %d %v", status, notice)
		}
	})

	t.Run("不予确认时有不予确认通知书", func(t *testing.T) {
		d := e.apply(applicant, "minimum-living-allowance", sample(t, "minimum-living-allowance"), true)["number"].(string)
		visit(d, "deny", "入户核实家庭有经营性收入，人均月收入高于低保标准")
		if got := documentNames(caseOf(applicant, d)); got != "acceptance-notice,material-handover-list,denial-notice" {
			t.Errorf("documents once denied: %s", got)
		}
		status, notice := e.print(applicant, d, "denial-notice")
		if status != 200 || notice["number"] != d+"-BYQR" || notice["opinion"] != "入户核实家庭有经营性收入，人均月收入高于低保标准" {
			t.Errorf("the 不予确认通知书: %d %v", status, notice)
		}
		if status, _ := e.print(applicant, d, "publicity-form"); status != http.StatusConflict {
			t.Errorf("the 公示表 of a denied case: %d", status)
		}
	})
}
