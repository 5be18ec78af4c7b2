package workbench_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/service"
	"github.com/xuchang-gov/tongban/runtime/web/webtest"
)

var ctx = context.Background()

const (
	sole    = "sole-proprietor-registration"
	clerk   = "wd-amr/clerk"
	decider = "wd-amr/decider"
)

func newWorkbench(t testing.TB, opts ...service.Option) *webtest.Env { return webtest.New(t, opts...) }

// submit files the sample application of the sole proprietor matter online, as the citizen.
func submit(t *testing.T, e *webtest.Env, change func(form map[string]any)) string {
	t.Helper()
	return file(t, e, webtest.Citizen, sole, change)
}

// file submits a matter's sample application online as who, with a scan of every material the
// submission asks for.
func file(t *testing.T, e *webtest.Env, who, slug string, change func(form map[string]any)) string {
	t.Helper()
	form := webtest.Sample(t, slug)
	if change != nil {
		change(form)
	}
	raw, _ := json.Marshal(form)
	u := e.User(who)
	v, err := e.Service.SubmitCase(ctx, u, runtime.SubmitCase{Matter: slug, Form: raw, Draft: true})
	if err != nil {
		t.Fatal(err)
	}
	var missing *runtime.Error
	if _, err := e.Service.SubmitDraft(ctx, u, v.Number, nil, nil); errors.As(err, &missing) {
		for _, f := range missing.Fields {
			m := strings.TrimPrefix(f.Pointer, "/materials/")
			if _, err := e.Service.UploadMaterial(ctx, u, v.Number, m, "证明.pdf", strings.NewReader(string(webtest.PDF))); err != nil {
				t.Fatal(err)
			}
		}
	}
	if v, err = e.Service.SubmitDraft(ctx, u, v.Number, nil, nil); err != nil {
		t.Fatal(err)
	}
	return v.Number
}

func taskOf(t *testing.T, e *webtest.Env, who, number string) int64 {
	t.Helper()
	tasks, err := e.Service.ListTasks(ctx, e.User(who), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		if task.CaseNumber == number {
			return task.ID
		}
	}
	t.Fatalf("no task of %s for %s", who, number)
	return 0
}

// TestAcceptAndApprove takes an online case through the workbench: the clerk's to-do list,
// pre-review and acceptance with the notices printed, the decider's claim, a return refused
// without a reason, and the approval.
func TestAcceptAndApprove(t *testing.T) {
	e := newWorkbench(t)
	number := submit(t, e, nil)

	e.Get(clerk, "/work/").Expect(t, 200).Contains(t, number, "个体工商户", "受理", "待认领")
	p := e.Get(clerk, "/work/cases/"+number).Expect(t, 200).Contains(t, "预审通过", `value="accept"`, `value="not-accept"`,
		"打印材料交接清单", "陈秀芳", "全程留痕", "提交申请", "要求补齐补正")
	if !strings.Contains(p.Body, "许昌市魏都区陈记烩面馆") {
		t.Error("the form is not shown")
	}
	e.Post(clerk, "/work/cases/"+number+"/pre-review", url.Values{"opinion": {"预审通过，请携带原件"}}).Expect(t, http.StatusSeeOther)
	e.Post(clerk, "/work/cases/"+number+"/acceptance", url.Values{"decision": {"accept"}, "opinion": {"材料齐全，予以受理"}}).Expect(t, http.StatusSeeOther)
	p = e.Get(clerk, "/work/cases/"+number+"?msg=accepted").Expect(t, 200).Contains(t, "已受理", "打印受理通知书", "材料齐全，予以受理")
	pdf := e.Get(clerk, "/work/cases/"+number+"/notices/acceptance-notice").Expect(t, 200)
	if !strings.HasPrefix(pdf.Body, "%PDF") {
		t.Fatal("the acceptance notice is not a PDF")
	}
	e.Get(clerk, "/work/cases/"+number+"/notices/material-handover-list").Expect(t, 200)

	id := taskOf(t, e, decider, number)
	e.Get(decider, "/work/").Expect(t, 200).Contains(t, number, `class="due due-`, "决定")
	e.Post(decider, "/work/tasks/"+itoa(id)+"/claim", nil).Expect(t, http.StatusSeeOther)
	e.Get(decider, "/work/?mine=1").Expect(t, 200).Contains(t, number, "我已认领")
	e.Get(decider, "/work/cases/"+number).Expect(t, 200).Contains(t, `value="approve"`, "同意", "不同意", "退回到之前的环节", `<option value="accept">`)
	e.Post(decider, "/work/tasks/"+itoa(id)+"/return", url.Values{"case": {number}, "to": {"accept"}}).Expect(t, 400).Contains(t, "退回须写明理由")
	e.Post(decider, "/work/tasks/"+itoa(id)+"/complete", url.Values{"case": {number}, "outcome": {"deny"}}).Expect(t, 400).Contains(t, "不同意时须写明理由")
	e.Post(decider, "/work/tasks/"+itoa(id)+"/complete", url.Values{"case": {number}, "outcome": {"approve"}, "opinion": {"准予登记"}}).Expect(t, http.StatusSeeOther)
	v, _ := e.Service.GetCase(ctx, e.User(decider), number)
	if v.Status != runtime.StatusCertificated {
		t.Fatalf("after approval: %s", v.Status)
	}
	e.Get(decider, "/work/cases/"+number).Expect(t, 200).Contains(t, "准予许可", "已制证", "准予登记")
	// Done tasks cannot be claimed again.
	e.Post(decider, "/work/tasks/"+itoa(id)+"/claim", nil).Expect(t, 409)
}

// TestDecisionsGiveTheirReason: the service refuses not accepting, denying and returning
// without a reason, and the case page shows its problem beside the opinion box of the form sent.
func TestDecisionsGiveTheirReason(t *testing.T) {
	e := newWorkbench(t)
	number := submit(t, e, nil)
	accepted := submit(t, e, nil)
	e.Post(clerk, "/work/cases/"+accepted+"/acceptance", url.Values{"decision": {"accept"}, "opinion": {"材料齐全，予以受理"}}).Expect(t, http.StatusSeeOther)
	id := itoa(taskOf(t, e, decider, accepted))
	for _, c := range []struct {
		name, who, path string
		form            url.Values
		message, box    string
	}{
		{"不予受理", clerk, "/work/cases/" + number + "/acceptance", url.Values{"decision": {"not-accept"}, "opinion": {"  "}}, "不予受理须写明理由", "acc-opinion"},
		{"不同意", decider, "/work/tasks/" + id + "/complete", url.Values{"case": {accepted}, "outcome": {"deny"}, "opinion": {""}}, "不同意时须写明理由", "opinion-" + id},
		{"退回", decider, "/work/tasks/" + id + "/return", url.Values{"case": {accepted}, "to": {"accept"}}, "退回须写明理由", "back-" + id},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.Post(c.who, c.path, c.form).Expect(t, http.StatusBadRequest).
				Contains(t, c.message, `<p class="error" id="`+c.box+`-error" role="alert">必填</p>`)
		})
	}
	for _, n := range []string{number, accepted} {
		if v, _ := e.Service.GetCase(ctx, e.User(clerk), n); v.Status == runtime.StatusNotAccepted || v.Status == runtime.StatusDenied {
			t.Fatalf("%s was decided without a reason: %s", n, v.Status)
		}
	}
}

func TestNotAcceptAndCorrection(t *testing.T) {
	e := newWorkbench(t)
	t.Run("不予受理须写明理由", func(t *testing.T) {
		number := submit(t, e, nil)
		e.Post(clerk, "/work/cases/"+number+"/acceptance", url.Values{"decision": {"not-accept"}}).Expect(t, 400).Contains(t, "不予受理须写明理由")
		e.Post(clerk, "/work/cases/"+number+"/acceptance", url.Values{"decision": {"not-accept"}, "opinion": {"经营场所位于禁止经营区域"}}).Expect(t, http.StatusSeeOther)
		e.Get(clerk, "/work/cases/"+number).Expect(t, 200).Contains(t, "不予受理", "打印不予受理通知书", "经营场所位于禁止经营区域")
	})
	t.Run("要求补齐补正", func(t *testing.T) {
		number := submit(t, e, nil)
		e.Post(clerk, "/work/cases/"+number+"/correction", url.Values{"materials": {"premisesProof"}}).Expect(t, 400).Contains(t, "请写明需要补正的内容")
		e.Post(clerk, "/work/cases/"+number+"/correction", url.Values{"materials": {"premisesProof"}, "opinion": {"场所证明不清晰"}}).Expect(t, http.StatusSeeOther)
		e.Get(clerk, "/work/cases/"+number).Expect(t, 200).Contains(t, "补齐补正", "计时暂停", "打印补齐补正告知书", "场所证明不清晰")
	})
}

// TestWindow identifies an applicant by ID number, shows what the registers know, and starts a
// case at the window with the form prefilled from the account registers.
func TestWindow(t *testing.T) {
	e := newWorkbench(t)
	zhang := e.User(webtest.Citizen)
	earlier := submit(t, e, func(f map[string]any) { f["operator"].(map[string]any)["idNumber"] = zhang.IDNumber })

	e.Get(clerk, "/work/window?key=123").Expect(t, 400).Contains(t, "校验位不符")
	found := e.Get(clerk, "/work/window?key="+zhang.IDNumber).Expect(t, 200).Contains(t, "人口库信息：张伟", "户籍地址", "电子证照", "历史办件", earlier,
		`<td data-label="证照类型" class="nowrap">居民身份证</td>`,
		"/work/window/apply/"+sole+"?key="+zhang.IDNumber)
	// The register's facts start with who the person is.
	if i, j := strings.Index(found.Body, "<dt>姓名/名称</dt>"), strings.Index(found.Body, "<dt>出生日期</dt>"); i < 0 || j < i {
		t.Errorf("the register's name is not listed first:\n%s", found.Body)
	}
	e.Get(clerk, "/work/window?key="+e.User(webtest.Enterprise).USCC).Expect(t, 200).Contains(t, "法人库信息", "/work/window/apply/food-business-license")

	path := "/work/window/apply/" + sole
	start := e.Get(clerk, path+"?key="+zhang.IDNumber).Expect(t, 200).Contains(t, "申请人：<strong>张伟</strong>", "已收取并扫描", "电子证照库自动核验")
	values := start.FormValues(t, "window-form")
	if values.Get("operator.name") != "张伟" || values.Get("operator.idNumber") != zhang.IDNumber {
		t.Fatalf("the window form is not prefilled: %v", values)
	}
	sample := webtest.Sample(t, sole)
	sample["operator"] = map[string]any{"name": "张伟", "idNumber": zhang.IDNumber, "mobile": zhang.Mobile, "politicalStatus": "群众", "residence": "河南省许昌市魏都区七一路街道七一东路168号"}
	filled := webtest.Merge(values, e.FormFor(sole, sample))

	t.Run("登录过期后回到本表单", func(t *testing.T) {
		// The form posts to its own address, key and all: a post whose session has expired
		// signs in and comes back to the form of this applicant (form.js restores the typing).
		action := path + "?key=" + zhang.IDNumber
		start.Contains(t, `action="`+action+`"`)
		values := webtest.Merge(filled, url.Values{"_action": {"submit"}, "_csrf": {e.CSRF("")}})
		p := e.Post("", action, values).Expect(t, http.StatusSeeOther)
		if want := "/account/login?next=" + url.QueryEscape(action); p.Location != want {
			t.Fatalf("sent to %s, want %s", p.Location, want)
		}
		e.Get(clerk, action).Expect(t, 200).Contains(t, "申请人：<strong>张伟</strong>")
	})
	t.Run("行的增删", func(t *testing.T) {
		p := e.Post(clerk, path, webtest.Merge(filled, url.Values{"_action": {"add:familyMembers"}})).Expect(t, 200)
		// The page posted back still names the applicant the registers know.
		p.Contains(t, `name="familyMembers.2.name"`, "申请人：<strong>张伟</strong>")
	})
	t.Run("未收取的材料显示在清单旁", func(t *testing.T) {
		p := e.Post(clerk, path, webtest.Merge(filled, url.Values{"_action": {"submit"}})).Expect(t, 400)
		if !strings.Contains(p.Text("m-premisesProof-error"), "请上传") {
			t.Fatalf("no problem beside the material\n%s", p.Body)
		}
	})
	filled.Set("_action", "submit")
	filled["_received"] = []string{"premisesProof", "familyRelationProof"}
	p := e.Post(clerk, path, filled).Expect(t, http.StatusSeeOther)
	number, err := webtest.CaseNumber(strings.TrimPrefix(p.Location, "/work"))
	if err != nil {
		t.Fatal(p.Location)
	}
	e.Get(clerk, "/work/cases/"+number).Expect(t, 200).Contains(t, "窗口受理").Lacks(t, "预审通过")
	// The materials handed in on paper are on the case's record as received.
	events, err := e.Service.CaseEvents(ctx, e.User(clerk), number)
	if err != nil || len(events) == 0 || events[0].Type != "created" || !strings.Contains(string(events[0].Data), `"received":["premisesProof","familyRelationProof"]`) {
		t.Fatalf("the case's record does not show the materials received: %v %v", events, err)
	}
	e.Post(clerk, "/work/cases/"+number+"/acceptance", url.Values{"decision": {"accept"}}).Expect(t, http.StatusSeeOther)
	e.Get(clerk, "/work/cases/"+number).Expect(t, 200).Contains(t, "打印受理通知书", "打印材料交接清单")
}

// TestNamesInChinese looks at the workbench as staff of several orgs and at a construction
// permit's parallel review from the planning bureau: the header names each member of staff by
// org and role, and the branches still open elsewhere name the departments holding them, in
// Chinese and never by code.
func TestNamesInChinese(t *testing.T) {
	e := newWorkbench(t)
	for _, tc := range []struct{ who, name, code string }{
		{clerk, "许昌市魏都区市场监督管理局·窗口受理", "·clerk"},
		{decider, "许昌市魏都区市场监督管理局·决定", "·decider"},
		{"xc-nr/reviewer", "许昌市自然资源和规划局·审查", "·reviewer"},
	} {
		t.Run(tc.who, func(t *testing.T) {
			e.Get(tc.who, "/work/").Expect(t, 200).Contains(t, `<span class="who-name">`+tc.name+"</span>").Lacks(t, tc.code)
		})
	}

	number := file(t, e, webtest.Enterprise, "construction-permit", nil)
	if _, err := e.Service.Accept(ctx, e.User("xc-housing/clerk"), number, runtime.TaskAction{Outcome: "accept"}); err != nil {
		t.Fatal(err)
	}
	p := e.Get("xc-nr/reviewer", "/work/cases/"+number).Expect(t, 200)
	for _, tc := range []struct{ branch, shown, code string }{
		{"质量安全监督审查", "质量安全监督审查（许昌市住房和城乡建设局 · 审查）", "xc-housing"},
		{"人防审查", "人防审查（许昌市人民防空办公室 · 审查）", "xc-civil-defense"},
	} {
		t.Run(tc.branch, func(t *testing.T) {
			p.Contains(t, "其他在办环节", tc.shown).Lacks(t, tc.code)
		})
	}
}

func TestMonitor(t *testing.T) {
	e := newWorkbench(t)
	a := submit(t, e, nil)
	b := submit(t, e, nil)
	e.Service.Accept(ctx, e.User(clerk), b, runtime.TaskAction{Outcome: "accept"})
	p := e.Get(clerk, "/work/monitor").Expect(t, 200).Contains(t, "智能调度监控", "网上申报", "已提交", "审批中", "个体工商户", a, b, "导出 Excel")
	if strings.Contains(p.Body, "草稿") {
		t.Error("drafts are counted")
	}
	e.Get(clerk, "/work/monitor?status=in-approval").Expect(t, 200).Contains(t, b, "已筛选，最近 1 件").Lacks(t, `href="/work/cases/`+a+`"`)
	e.Get(clerk, "/work/monitor?channel=window").Expect(t, 200).Contains(t, "已筛选，最近 0 件")
	// A draft is the applicant's: never counted. The city's service bureau supervises the
	// whole city; a department of the city sees none of a district's cases.
	if _, err := e.Service.SubmitCase(ctx, e.User(webtest.Citizen), runtime.SubmitCase{Matter: sole, Form: json.RawMessage(`{}`), Draft: true}); err != nil {
		t.Fatal(err)
	}
	e.Get(clerk, "/work/monitor").Expect(t, 200).Contains(t, "共 2 件")
	e.Get("xc-service-center/supervisor", "/work/monitor").Expect(t, 200).Contains(t, "共 2 件", a, b, "未起算", "即将到期",
		"<b>2</b>许昌市魏都区市场监督管理局", "<b>2</b>魏都区")
	e.Get("xc-health/clerk", "/work/monitor").Expect(t, 200).Contains(t, "共 0 件").Lacks(t, a)
	// 督办: the supervisor escalates the case due today from the monitor; the department sees
	// the note on the case's record. A clerk may not escalate.
	e.Get("xc-service-center/supervisor", "/work/monitor").Contains(t, `action="/work/cases/`+b+`/escalate"`).Lacks(t, `action="/work/cases/`+a+`/escalate"`)
	e.Post(clerk, "/work/cases/"+b+"/escalate", url.Values{"note": {"请今日办结"}}).Expect(t, http.StatusForbidden)
	e.Post("xc-service-center/supervisor", "/work/cases/"+b+"/escalate", url.Values{"note": {"请今日办结"}}).Expect(t, http.StatusSeeOther)
	e.Get(clerk, "/work/cases/"+b).Expect(t, 200).Contains(t, "督办", "请今日办结")
	x := e.Get(clerk, "/work/monitor/cases.xlsx?status=submitted").Expect(t, 200)
	if !strings.HasPrefix(x.Body, "PK") || !strings.Contains(x.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("export: %s", x.Header.Get("Content-Type"))
	}
	e.Get(clerk, "/work/monitor/statistics.xlsx").Expect(t, 200)
	e.Get(clerk, "/work/monitor/other.xlsx").Expect(t, 404)
}

func TestSecurity(t *testing.T) {
	e := newWorkbench(t)
	number := submit(t, e, func(f map[string]any) { f["businessName"] = `<script>alert(1)</script>许昌市魏都区陈记` })
	t.Run("申请人和访客不能进入工作台", func(t *testing.T) {
		e.Get(webtest.Citizen, "/work/").Expect(t, 403)
		if p := e.Get("", "/work/").Expect(t, http.StatusSeeOther); !strings.HasPrefix(p.Location, "/account/login?next=") {
			t.Fatal(p.Location)
		}
	})
	t.Run("其他机构看不到办件", func(t *testing.T) {
		e.Get("xc-health/clerk", "/work/cases/"+number).Expect(t, 404)
		e.Post("xc-health/clerk", "/work/cases/"+number+"/acceptance", url.Values{"decision": {"accept"}}).Expect(t, 404)
	})
	t.Run("没有 CSRF 令牌的提交被拒绝", func(t *testing.T) {
		id := taskOf(t, e, clerk, number)
		e.Post(clerk, "/work/tasks/"+itoa(id)+"/claim", url.Values{"_csrf": {""}}).Expect(t, 403)
	})
	t.Run("表单中的脚本不会执行", func(t *testing.T) {
		e.Get(clerk, "/work/cases/"+number).Expect(t, 200).Contains(t, "&lt;script&gt;alert(1)&lt;/script&gt;").Lacks(t, "<script>alert(1)")
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestProvisionalDeadline: a case whose deadline reaches a year without a holiday calendar shows
// it as 暂定 to staff; one inside the calendar does not.
func TestProvisionalDeadline(t *testing.T) {
	now := time.Now()
	e := newWorkbench(t, service.WithClock(func() time.Time { return now }))
	for _, tc := range []struct {
		accepted    time.Time
		provisional bool
	}{
		{time.Date(2026, 12, 28, 10, 0, 0, 0, runtime.Zone), true},
		{time.Date(2026, 12, 1, 10, 0, 0, 0, runtime.Zone), false},
	} {
		now = tc.accepted
		number := file(t, e, webtest.Enterprise, "food-business-license", nil)
		if _, err := e.Service.Accept(ctx, e.User(clerk), number, runtime.TaskAction{Outcome: "accept"}); err != nil {
			t.Fatal(err)
		}
		p := e.Get(clerk, "/work/cases/"+number).Expect(t, 200)
		if tc.provisional {
			p.Contains(t, "暂定")
		} else {
			p.Lacks(t, "暂定")
		}
	}
}

// TestMonitorLiveUpdate follows the monitor's server-sent events: the first carries the cases
// as they stand, and accepting one sends the block again with the case in approval.
func TestMonitorLiveUpdate(t *testing.T) {
	e := newWorkbench(t)
	a := submit(t, e, nil)
	stream, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(e.Request(clerk, "GET", "/work/monitor/live", nil).WithContext(stream))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("content type %q", ct)
	}
	updates := make(chan string)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		var data []string
		for sc.Scan() {
			line := sc.Text()
			if d, ok := strings.CutPrefix(line, "data: "); ok {
				data = append(data, d)
			} else if line == "" && data != nil {
				updates <- strings.Join(data, "\n")
				data = nil
			}
		}
		close(updates)
	}()
	next := func() string {
		select {
		case u, ok := <-updates:
			if !ok {
				t.Fatal("the stream ended")
			}
			return u
		case <-stream.Done():
			t.Fatal("no update")
		}
		return ""
	}
	if first := next(); !strings.Contains(first, a) || !strings.Contains(first, "已提交") || strings.Contains(first, "审批中") {
		t.Fatalf("first update: %s", first)
	}
	changed := time.Now()
	if _, err := e.Service.Accept(ctx, e.User(clerk), a, runtime.TaskAction{Outcome: "accept"}); err != nil {
		t.Fatal(err)
	}
	if u := next(); !strings.Contains(u, "审批中") {
		t.Fatalf("after acceptance: %s", u)
	}
	t.Logf("the update arrived %s after the acceptance", time.Since(changed).Round(time.Millisecond))
}

// TestScorecardPages shows 政务服务成绩单 to the city's supervisor, with each org linked to the
// monitor and an Excel export, and publishes it on the portal without personal data.
func TestScorecardPages(t *testing.T) {
	e := newWorkbench(t)
	a := submit(t, e, nil)
	month := time.Now().In(runtime.Zone).Format("2006-01")
	p := e.Get("xc-service-center/supervisor", "/work/scorecard?period="+month).Expect(t, 200)
	p.Contains(t, "政务服务成绩单", "各单位排名", "各县（市、区）排名", "网上可办率", "一网通办实现率", "按时办结率", "满意度",
		`href="/work/monitor?org=wd-amr"`, "许昌市魏都区市场监督管理局", "魏都区", "导出 Excel")
	x := e.Get("xc-service-center/supervisor", "/work/scorecard.xlsx?period="+month).Expect(t, 200)
	if !strings.HasPrefix(x.Body, "PK") {
		t.Fatal("the export is not a spreadsheet")
	}
	e.Get("xc-service-center/supervisor", "/work/scorecard?period=2026-13").Expect(t, 400)
	e.Get(webtest.Citizen, "/work/scorecard").Expect(t, 403)
	public := e.Get("", "/scorecard?period="+month).Expect(t, 200)
	public.Contains(t, "政务服务成绩单", "许昌市魏都区市场监督管理局", "不含任何个人信息").Lacks(t, a, "张伟", `href="/work/`)
}
