package service_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/xuchang-gov/tongban/examples"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/blob"
	"github.com/xuchang-gov/tongban/runtime/service"
	"github.com/xuchang-gov/tongban/runtime/store"
	"github.com/xuchang-gov/tongban/runtime/store/storetest"
)

var ctx = context.Background()

// fixture is a service on a real SQLite store with a movable clock.
type fixture struct {
	t     *testing.T
	svc   *service.Service
	db    *store.DB
	now   time.Time
	users map[string]*runtime.User
}

// newFixture imports bundle into a service with the fixture's clock and opts.
func newFixture(t *testing.T, bundle fs.FS, opts ...service.Option) *fixture {
	return newFixtureOn(t, storetest.OpenSQLite(t), bundle, opts...)
}

// newFixtureOn is newFixture on a store of the caller's choice (storetest.Each).
func newFixtureOn(t *testing.T, db *store.DB, bundle fs.FS, opts ...service.Option) *fixture {
	blobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: db, users: map[string]*runtime.User{}, now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	db.Now = func() time.Time { return f.now }
	f.svc = service.New(db, blobs, nil, append([]service.Option{service.WithClock(db.Now)}, opts...)...)
	f.importBundle(bundle)
	creds, err := f.svc.SeedDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range creds {
		u, err := f.svc.Authenticate(ctx, c.Token)
		if err != nil {
			t.Fatal(err)
		}
		key := c.Name
		if c.Kind == "staff" {
			key = c.Org + "/" + c.Roles[0]
		}
		f.users[key] = u
	}
	return f
}

func (f *fixture) importBundle(bundle fs.FS) []service.ImportResult {
	results, problems, err := f.svc.Import(ctx, bundle, true)
	if err != nil || len(problems) > 0 {
		f.t.Fatalf("import: %v %v", err, problems)
	}
	return results
}

func memBundle(t testing.TB) fstest.MapFS {
	out := fstest.MapFS{}
	err := fs.WalkDir(examples.Bundle, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(examples.Bundle, name)
		out[name] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sampleForm(t *testing.T, slug string) json.RawMessage {
	raw, err := os.ReadFile(path.Join("../../examples/matters", slug, "sample.json"))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

var pdf = []byte("%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n")

// apply files a draft, uploads what the submission asks for (deferring what may be deferred) and
// submits.
func (f *fixture) apply(who, matter string, form json.RawMessage) *runtime.CaseView {
	f.t.Helper()
	u := f.users[who]
	draft, err := f.svc.SubmitCase(ctx, u, runtime.SubmitCase{Matter: matter, Form: form, Draft: true})
	if err != nil {
		f.t.Fatal(err)
	}
	_, err = f.svc.SubmitDraft(ctx, u, draft.Number, nil, nil)
	var deferred []string
	if e, ok := err.(*runtime.Error); ok {
		for _, fe := range e.Fields {
			id := strings.TrimPrefix(fe.Pointer, "/materials/")
			if strings.Contains(fe.Message, "容缺") {
				deferred = append(deferred, id)
				continue
			}
			if _, err := f.svc.UploadMaterial(ctx, u, draft.Number, id, "材料.pdf", strings.NewReader(string(pdf))); err != nil {
				f.t.Fatalf("upload %s: %v", id, err)
			}
		}
	}
	v, err := f.svc.SubmitDraft(ctx, u, draft.Number, nil, deferred)
	if err != nil {
		f.t.Fatal(err)
	}
	return v
}

// act completes the case's task at node as the org/role's demo user.
func (f *fixture) act(number, who, node, outcome string) *runtime.CaseView {
	f.t.Helper()
	u := f.users[who]
	tasks, err := f.svc.ListTasks(ctx, u, false)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, t := range tasks {
		if t.CaseNumber == number && t.Node == node {
			v, err := f.svc.CompleteTask(ctx, u, t.ID, runtime.TaskAction{Outcome: outcome, Opinion: "同意"})
			if err != nil {
				f.t.Fatal(err)
			}
			return v
		}
	}
	f.t.Fatalf("no task %s of %s for %s", node, number, who)
	return nil
}

func (f *fixture) events(number string) []runtime.Event {
	c, err := f.db.GetCaseByNumber(ctx, number)
	if err != nil {
		f.t.Fatal(err)
	}
	events, err := f.db.ListEvents(ctx, c.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return events
}

func hasEvent(events []runtime.Event, typ string) bool {
	for _, e := range events {
		if e.Type == typ {
			return true
		}
	}
	return false
}

func TestDeadlineCountsWorkingDaysAndWarns(t *testing.T) {
	f := newFixture(t, memBundle(t))
	// Thursday 2026-04-30, before the 劳动节 holiday of 1–5 May; 5 May is the 5th day off.
	f.now = time.Date(2026, 4, 30, 9, 0, 0, 0, time.UTC)
	v := f.apply("许昌瑞祥置业有限公司", "food-business-license", sampleForm(t, "food-business-license"))
	v = f.act(v.Number, "wd-amr/clerk", "accept", "accept")
	// Promised 5 working days: 6, 7, 8, 9 (adjusted Saturday), 11 May.
	if due := v.Deadline.DueAt.Format("2006-01-02"); due != "2026-05-11" {
		t.Fatalf("due %s, want 2026-05-11 (5 working days past 劳动节 with the 9 May adjusted day)", due)
	}
	cases := []struct {
		at      string
		left    int
		warning string
	}{
		{"2026-05-06", 4, "normal"},
		{"2026-05-09", 1, "yellow"},
		{"2026-05-11", 0, "yellow"},
		{"2026-05-13", -2, "red"},
	}
	for _, c := range cases {
		f.now, _ = time.Parse("2006-01-02", c.at)
		v, err := f.svc.GetCase(ctx, f.users["许昌瑞祥置业有限公司"], v.Number)
		if err != nil {
			t.Fatal(err)
		}
		if v.Deadline.RemainingDays != c.left || v.Deadline.Warning != c.warning {
			t.Errorf("%s: %d days %s, want %d %s", c.at, v.Deadline.RemainingDays, v.Deadline.Warning, c.left, c.warning)
		}
	}
}

func TestCorrectionStopsTheClock(t *testing.T) {
	f := newFixture(t, memBundle(t))
	// Monday 2 March: accepted, due 9 March (5 working days).
	v := f.apply("许昌瑞祥置业有限公司", "food-business-license", sampleForm(t, "food-business-license"))
	v = f.act(v.Number, "wd-amr/clerk", "accept", "accept")
	if due := v.Deadline.DueAt.Format("2006-01-02"); due != "2026-03-09" {
		t.Fatalf("due %s", due)
	}
	f.now = time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	v, err := f.svc.RequestCorrection(ctx, f.users["wd-amr/reviewer"], v.Number, "平面布局图不清晰，请重新提供", []string{"cateringLayout"})
	if err != nil {
		t.Fatal(err)
	}
	if !v.Deadline.Stopped || v.Status != runtime.StatusCorrection {
		t.Fatalf("correction: %s stopped=%v", v.Status, v.Deadline.Stopped)
	}
	// While stopped, a week passes and the remaining days do not shrink.
	left := v.Deadline.RemainingDays
	f.now = time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)
	v, _ = f.svc.GetCase(ctx, f.users["许昌瑞祥置业有限公司"], v.Number)
	if v.Deadline.RemainingDays != left || v.Deadline.Warning == "red" {
		t.Fatalf("the clock ran while stopped: %d left (was %d), %s", v.Deadline.RemainingDays, left, v.Deadline.Warning)
	}
	v, err = f.svc.ResumeCorrection(ctx, f.users["许昌瑞祥置业有限公司"], v.Number, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Stopped from 3 to 10 March, 5 working days: the deadline moves from 9 to 16 March.
	if due := v.Deadline.DueAt.Format("2006-01-02"); due != "2026-03-16" || v.Status != runtime.StatusInApproval {
		t.Fatalf("after resuming: due %s, %s", due, v.Status)
	}
	f.act(v.Number, "wd-amr/reviewer", "review", "approve")
}

func TestSpecialProcedureStopsTheClock(t *testing.T) {
	f := newFixture(t, memBundle(t))
	v := f.apply("许昌瑞祥置业有限公司", "food-business-license", sampleForm(t, "food-business-license"))
	f.act(v.Number, "wd-amr/clerk", "accept", "accept")
	reviewer := f.users["wd-amr/reviewer"]
	f.now = time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	if _, err := f.svc.SpecialProcedure(ctx, reviewer, v.Number, runtime.SpecialProcedure{Kind: "expert-review"}); runtime.ErrorCode(err) != runtime.EINVALID {
		t.Fatalf("a special procedure without a reason: %v", err)
	}
	v, err := f.svc.SpecialProcedure(ctx, reviewer, v.Number, runtime.SpecialProcedure{Kind: "expert-review", Reason: "中央厨房工艺需专家论证"})
	if err != nil || !v.Deadline.Stopped {
		t.Fatalf("start: %v stopped=%v", err, v.Deadline.Stopped)
	}
	if _, err := f.svc.RequestCorrection(ctx, reviewer, v.Number, "请补正", nil); runtime.ErrorCode(err) != runtime.ECONFLICT {
		t.Fatalf("a correction during a special procedure: %v", err)
	}
	f.now = time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	v, err = f.svc.SpecialProcedure(ctx, reviewer, v.Number, runtime.SpecialProcedure{Reason: "专家论证完成"})
	if err != nil {
		t.Fatal(err)
	}
	// Stopped 3 to 6 March, 3 working days: due 9 March becomes 12 March.
	if due := v.Deadline.DueAt.Format("2006-01-02"); due != "2026-03-12" || v.Deadline.Stopped {
		t.Fatalf("after the procedure: due %s stopped=%v", due, v.Deadline.Stopped)
	}
	if _, err := f.svc.SpecialProcedure(ctx, f.users["xc-health/reviewer"], v.Number, runtime.SpecialProcedure{Kind: "hearing", Reason: "x"}); runtime.ErrorCode(err) != runtime.ENOTFOUND {
		t.Fatalf("staff of another org: %v", err)
	}
}

func TestEscalationWarnsTheSupervisor(t *testing.T) {
	f := newFixture(t, memBundle(t))
	v := f.apply("许昌瑞祥置业有限公司", "food-business-license", sampleForm(t, "food-business-license"))
	f.act(v.Number, "wd-amr/clerk", "accept", "accept")
	if n, err := f.svc.FireDueTimers(ctx); err != nil || n != 0 {
		t.Fatalf("nothing is due yet: %d %v", n, err)
	}
	f.now = f.now.AddDate(0, 0, 14)
	if n, err := f.svc.FireDueTimers(ctx); err != nil || n == 0 {
		t.Fatalf("the overdue review was not escalated: %d %v", n, err)
	}
	if !hasEvent(f.events(v.Number), "escalated") {
		t.Fatal("no escalation in the audit trail")
	}
	if n, _ := f.svc.FireDueTimers(ctx); n != 0 {
		t.Fatalf("escalated twice: %d", n)
	}
}

// TestTimerNodeWaitsWorkingDays inserts a 公示 period (timer) before the certificate of 个体工商户
// and lets the clock run past it.
func TestTimerNodeWaitsWorkingDays(t *testing.T) {
	bundle := memBundle(t)
	name := "matters/sole-proprietor-registration/workflow.json"
	var wf map[string]any
	json.Unmarshal(bundle[name].Data, &wf)
	wf["nodes"] = append(wf["nodes"].([]any), map[string]any{"id": "publicity", "type": "timer", "name": "公示", "waitDays": 3})
	for _, e := range wf["edges"].([]any) {
		e := e.(map[string]any)
		if e["from"] == "decision" && e["on"] == "approve" {
			e["to"] = "publicity"
		}
	}
	wf["edges"] = append(wf["edges"].([]any), map[string]any{"from": "publicity", "to": "issue"})
	bundle[name].Data, _ = json.Marshal(wf)
	f := newFixture(t, bundle)
	v := f.apply("张伟", "sole-proprietor-registration", sampleForm(t, "sole-proprietor-registration"))
	f.act(v.Number, "wd-amr/clerk", "accept", "accept")
	v = f.act(v.Number, "wd-amr/decider", "decision", "approve")
	if v.Status != runtime.StatusInApproval {
		t.Fatalf("during the publicity period: %s", v.Status)
	}
	statusAfter := func(days int) runtime.Status {
		f.now = f.now.AddDate(0, 0, days)
		if _, err := f.svc.FireDueTimers(ctx); err != nil {
			t.Fatal(err)
		}
		v, err := f.svc.GetCase(ctx, f.users["张伟"], v.Number)
		if err != nil {
			t.Fatal(err)
		}
		return v.Status
	}
	if s := statusAfter(2); s != runtime.StatusInApproval {
		t.Fatalf("two days into a three working day publicity: %s", s)
	}
	if s := statusAfter(5); s != runtime.StatusCertificated {
		t.Fatalf("after the publicity period: %s", s)
	}
}

// TestNewVersionLeavesRunningCasesAlone publishes a second version of a matter while a case of
// the first is running: the running case keeps its version and its workflow.
func TestNewVersionLeavesRunningCasesAlone(t *testing.T) {
	bundle := memBundle(t)
	f := newFixture(t, bundle)
	old := f.apply("张伟", "sole-proprietor-registration", sampleForm(t, "sole-proprietor-registration"))
	name := "matters/sole-proprietor-registration/workflow.json"
	bundle[name].Data = []byte(strings.Replace(string(bundle[name].Data), `"name": "核准登记"`, `"name": "核准登记（第二版）"`, 1))
	results := f.importBundle(bundle)
	for _, r := range results {
		if r.Slug == "sole-proprietor-registration" && (r.Unchanged || r.Version != 2) {
			t.Fatalf("want version 2, got %+v", r)
		}
	}
	fresh := f.apply("张伟", "sole-proprietor-registration", sampleForm(t, "sole-proprietor-registration"))
	if old.MatterVersion != 1 || fresh.MatterVersion != 2 {
		t.Fatalf("versions %d and %d", old.MatterVersion, fresh.MatterVersion)
	}
	f.act(old.Number, "wd-amr/clerk", "accept", "accept")
	f.act(fresh.Number, "wd-amr/clerk", "accept", "accept")
	names := map[string]string{}
	for _, number := range []string{old.Number, fresh.Number} {
		v, _ := f.svc.GetCase(ctx, f.users["张伟"], number)
		for _, task := range v.Tasks {
			if task.Node == "decision" {
				names[number] = task.Name
			}
		}
	}
	if names[old.Number] != "核准登记" || names[fresh.Number] != "核准登记（第二版）" {
		t.Fatalf("task names %v", names)
	}
}

// TestWindowCaseForAnApplicant files a 个体工商户 case at the window for a person who has no
// account yet, with the paper materials received: the account is made, the case is the
// applicant's, the clerk is recorded as who filed it, and other orgs' clerks are refused.
func TestWindowCaseForAnApplicant(t *testing.T) {
	f := newFixture(t, memBundle(t))
	clerk := f.users["wd-amr/clerk"]
	person := runtime.User{Kind: "person", Name: "赵春梅", IDNumber: "411002198503140213", Mobile: "13803749876"}
	req := runtime.SubmitCase{Matter: "sole-proprietor-registration", Form: sampleForm(t, "sole-proprietor-registration")}
	if _, err := f.svc.SubmitAtWindow(ctx, f.users["xc-health/clerk"], person, req, nil); runtime.ErrorCode(err) != runtime.EFORBIDDEN {
		t.Fatalf("a clerk of another org: %v", err)
	}
	v, err := f.svc.SubmitAtWindow(ctx, clerk, person, req, []string{"premisesProof", "familyRelationProof"})
	if err != nil {
		t.Fatal(err)
	}
	if v.Channel != "window" || v.Status != runtime.StatusSubmitted {
		t.Fatalf("window case: %s %s", v.Channel, v.Status)
	}
	events := f.events(v.Number)
	if !strings.Contains(events[0].Actor, "wd-amr") && !strings.Contains(events[0].Actor, "魏都区市场监督管理局") {
		t.Fatalf("the clerk is not recorded: %s", events[0].Actor)
	}
	again, err := f.svc.SubmitAtWindow(ctx, clerk, person, req, []string{"premisesProof", "familyRelationProof"})
	if err != nil {
		t.Fatal(err)
	}
	c1, _ := f.db.GetCaseByNumber(ctx, v.Number)
	c2, _ := f.db.GetCaseByNumber(ctx, again.Number)
	if c1.ApplicantID != c2.ApplicantID {
		t.Fatal("the same person got two accounts")
	}
}

// TestStaffAndStepsAreNamedInChinese reads the names people see of the demo staff and of a
// construction permit's parallel review, looked at from the planning bureau: org and role codes
// stay in the data and never make up a name.
func TestStaffAndStepsAreNamedInChinese(t *testing.T) {
	f := newFixture(t, memBundle(t))
	for _, tc := range []struct{ who, name string }{
		{"wd-amr/clerk", "许昌市魏都区市场监督管理局·窗口受理"},
		{"xc-nr/reviewer", "许昌市自然资源和规划局·审查"},
		{"xc-nr/checker", "许昌市自然资源和规划局·审核"},
		{"xc-housing/decider", "许昌市住房和城乡建设局·决定"},
		{"xc-housing/supervisor", "许昌市住房和城乡建设局·督办"},
	} {
		t.Run(tc.who, func(t *testing.T) {
			if got := f.users[tc.who].Name; got != tc.name {
				t.Errorf("demo staff %s is named %q, want %q", tc.who, got, tc.name)
			}
		})
	}

	v := f.apply("许昌瑞祥置业有限公司", "construction-permit", sampleForm(t, "construction-permit"))
	f.act(v.Number, "xc-housing/clerk", "accept", "accept")
	v, err := f.svc.GetCase(ctx, f.users["xc-nr/reviewer"], v.Number)
	if err != nil {
		t.Fatal(err)
	}
	open := map[string]runtime.TaskView{}
	for _, task := range v.Tasks {
		if task.Status == runtime.TaskOpen {
			open[task.Node] = task
		}
	}
	for _, tc := range []struct{ node, org, orgName string }{
		{"qualitySafetyReview", "xc-housing", "许昌市住房和城乡建设局"},
		{"planningCheck", "xc-nr", "许昌市自然资源和规划局"},
		{"civilDefenseReview", "xc-civil-defense", "许昌市人民防空办公室"},
	} {
		t.Run(tc.node, func(t *testing.T) {
			task, ok := open[tc.node]
			if !ok {
				t.Fatalf("no open step %s among %+v", tc.node, v.Tasks)
			}
			if task.OrgCode != tc.org || task.OrgName != tc.orgName {
				t.Errorf("step %s is held by %s %q, want %s %q", tc.node, task.OrgCode, task.OrgName, tc.org, tc.orgName)
			}
		})
	}
}
