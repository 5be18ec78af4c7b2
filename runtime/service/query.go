package service

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"maps"
	"slices"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
)

// canSee decides whether a user may see a case: applicants their own; staff the cases of their
// org subtree and the cases they have work on (a department in a parallel approval).
func (s *Service) canSee(ctx context.Context, u *runtime.User, c *runtime.Case) (bool, error) {
	switch u.Kind {
	case "person", "enterprise":
		return c.ApplicantID == u.ID, nil
	case "staff":
		// A draft is the applicant's own until they submit it.
		if c.Status == runtime.StatusDraft {
			return false, nil
		}
		orgs := s.scope(u)
		// The accepting window follows a cross-district case it passed on.
		if slices.Contains(orgs, c.OrgCode) || slices.Contains(orgs, c.WindowOrg) {
			return true, nil
		}
		tasks, _, err := s.db.ListTasks(ctx, runtime.TaskQuery{CaseID: c.ID, OrgCodes: orgs, Limit: 1})
		return len(tasks) > 0, err
	}
	return false, nil
}

// visibleCase returns a case the user may see; every other number is "not found", so that
// case numbers cannot be probed.
func (s *Service) visibleCase(ctx context.Context, u *runtime.User, number string) (*runtime.Case, error) {
	c, err := s.db.GetCaseByNumber(ctx, number)
	if err != nil {
		if runtime.ErrorCode(err) == runtime.ENOTFOUND {
			return nil, caseNotFound(number)
		}
		return nil, err
	}
	ok, err := s.canSee(ctx, u, c)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, caseNotFound(number)
	}
	return c, nil
}

// GetCase returns a case the user may see.
func (s *Service) GetCase(ctx context.Context, u *runtime.User, number string) (*runtime.CaseView, error) {
	c, err := s.visibleCase(ctx, u, number)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, u, c)
}

// ListCases lists the applicant's own cases, or the cases of a staff member's org subtree.
func (s *Service) ListCases(ctx context.Context, u *runtime.User, f runtime.CaseFilter) ([]runtime.CaseView, int, error) {
	sf := runtime.CaseQuery{Matter: f.Matter, Offset: f.Offset, Limit: f.Limit}
	if f.Status != "" {
		sf.Status = []runtime.Status{f.Status}
	}
	switch u.Kind {
	case "staff":
		sf.OrgCodes = s.scope(u)
		// Drafts are not the org's (canSee): staff list every other status.
		if f.Status == runtime.StatusDraft {
			return []runtime.CaseView{}, 0, nil
		}
		if sf.Status == nil {
			for st := range runtime.StatusNames {
				if st != runtime.StatusDraft {
					sf.Status = append(sf.Status, st)
				}
			}
			slices.Sort(sf.Status)
		}
	default:
		sf.ApplicantID = u.ID
	}
	cases, total, err := s.db.ListCases(ctx, sf)
	if err != nil {
		return nil, 0, err
	}
	out := make([]runtime.CaseView, 0, len(cases))
	for _, c := range cases {
		v, err := s.view(ctx, u, c)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, *v)
	}
	return out, total, nil
}

// CaseEvents returns the audit trail of a case the user may see.
func (s *Service) CaseEvents(ctx context.Context, u *runtime.User, number string) ([]runtime.Event, error) {
	c, err := s.visibleCase(ctx, u, number)
	if err != nil {
		return nil, err
	}
	return s.db.ListEvents(ctx, c.ID)
}

// progressNames are the events the public timeline shows, in Chinese.
var progressNames = map[string]string{
	"submitted": "已提交申请", "accepted": "已受理", "correction-requested": "需补齐补正材料",
	"correction-resumed": "已补正", "certificate-issued": "已制证", "concluded": "已办结",
	"task-created": "进入审批环节",
}

// progressTypes are progressNames' event types, the only ones the lookup reads.
var progressTypes = slices.Sorted(maps.Keys(progressNames))

// Progress is the public lookup by case number and query code; a wrong pair is "not found"
// whichever half is wrong.
func (s *Service) Progress(ctx context.Context, number, queryCode string) (*runtime.Progress, error) {
	notFound := runtime.Errorf(runtime.ENOTFOUND, "办件编号或查询码不正确")
	if number == "" || queryCode == "" {
		return nil, runtime.Invalid("请填写办件编号和查询码")
	}
	c, applicant, events, err := s.db.CaseTrail(ctx, number, progressTypes)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.QueryCode), []byte(queryCode)) != 1 {
		return nil, notFound
	}
	plan, mp, err := s.matterOf(ctx, c)
	if err != nil {
		return nil, err
	}
	p := &runtime.Progress{Number: c.Number, MatterName: mp.Def.Matter.Name, Status: c.Status,
		StatusName: runtime.StatusNames[c.Status], Deadline: deadlineOf(c, plan.Calendar, s.now())}
	for _, e := range events {
		name, ok := progressNames[e.Type]
		if !ok {
			continue
		}
		if e.Type == "task-created" {
			var d struct{ Name string }
			json.Unmarshal(e.Data, &d)
			name = "进入「" + d.Name + "」环节"
		}
		p.Steps = append(p.Steps, runtime.ProgressStep{At: e.At, Name: name})
	}
	if applicant != "" {
		p.Applicant = maskName(applicant)
	}
	return p, nil
}

// caseWork is the work a case view lists: everything but the escalation watches.
var caseWork = []runtime.TaskKind{runtime.TaskPerson, runtime.TaskDelivery, runtime.TaskTimer, runtime.TaskConnector}

// view assembles what a user sees of a case.
func (s *Service) view(ctx context.Context, u *runtime.User, c *runtime.Case) (*runtime.CaseView, error) {
	tasks, _, err := s.db.ListTasks(ctx, runtime.TaskQuery{CaseID: c.ID, Limit: 500, Kinds: caseWork})
	if err != nil {
		return nil, err
	}
	return s.viewWith(ctx, u, c, tasks)
}

// viewWith is view with the case's tasks already at hand: a submission has just written them.
func (s *Service) viewWith(ctx context.Context, u *runtime.User, c *runtime.Case, tasks []*runtime.Task) (*runtime.CaseView, error) {
	plan, mp, err := s.matterOf(ctx, c)
	if err != nil {
		return nil, err
	}
	v := &runtime.CaseView{
		Number: c.Number, Matter: c.Matter, MatterName: mp.Def.Matter.Name, MatterVersion: c.MatterVersion,
		Status: c.Status, StatusName: runtime.StatusNames[c.Status], Channel: c.Channel, WindowOrg: c.WindowOrg, OrgCode: c.OrgCode, Form: c.Form,
		FeeTotal: c.FeeTotal, FeePaidAt: c.FeePaidAt, FeeDue: payable(c) == nil, SubmittedAt: c.SubmittedAt, ConcludedAt: c.ConcludedAt,
		Deadline: deadlineOf(c, plan.Calendar, s.now()), Tasks: []runtime.TaskView{},
		Materials: []runtime.MaterialStatus{},
	}
	if u != nil && u.ID == c.ApplicantID {
		v.QueryCode = c.QueryCode
	}
	if len(c.Fees) > 0 {
		if err := json.Unmarshal(c.Fees, &v.Fees); err != nil {
			return nil, err
		}
	}
	if v.Fees == nil { // none applied, or stored as null before FeeLines gave []
		v.Fees = []runtime.FeeLine{}
	}
	var recs []materialRecord
	if len(c.Materials) > 0 {
		if err := json.Unmarshal(c.Materials, &recs); err != nil {
			return nil, err
		}
	}
	for _, r := range recs {
		name, via := r.ID, ""
		if m := materialByID(mp, r.ID); m != nil {
			name, via = m.Name, licenseVia(m, r)
		}
		files := r.Files
		if files == nil {
			files = []runtime.MaterialFile{}
		}
		st := runtime.MaterialStatus{ID: r.ID, Name: name, Required: r.Required, Deferred: r.Deferred, DueAt: r.DueAt, Files: files, Via: via}
		if l := r.License; l != nil {
			st.License = &runtime.MaterialLicense{Number: l.Number, Type: l.Type, Version: l.Version, Hash: l.Hash, Problem: l.Problem}
		}
		v.Materials = append(v.Materials, st)
	}
	var tokens []int // of each task view
	for _, t := range tasks {
		if slices.Contains(caseWork, t.Kind) {
			v.Tasks = append(v.Tasks, s.taskView(ctx, t, c))
			tokens = append(tokens, t.Token)
		}
	}
	if err := s.attachReviews(ctx, mp, c, v.Tasks, tokens); err != nil {
		return nil, err
	}
	if v.Documents, err = s.documents(ctx, c, mp, tasks); err != nil {
		return nil, err
	}
	if c.ConcludedAt != nil { // only a concluded case is rated
		if ev, err := s.db.GetEvaluation(ctx, c.ID); err == nil {
			v.Evaluation = ev
		}
	}
	return v, nil
}

func (s *Service) taskView(ctx context.Context, t *runtime.Task, c *runtime.Case) runtime.TaskView {
	name := c.Matter
	if _, mp, err := s.matterOf(ctx, c); err == nil {
		name = mp.Def.Matter.Name
	}
	return runtime.TaskView{
		ID: t.ID, CaseNumber: c.Number, MatterName: name, Kind: t.Kind, Node: t.Node, Name: t.Name,
		OrgCode: t.OrgCode, OrgName: s.orgName(t.OrgCode), Role: t.Role, Status: t.Status, ClaimedBy: t.ClaimedBy,
		Outcome: t.Outcome, Opinion: t.Opinion, CreatedAt: t.CreatedAt, DueAt: t.DueAt,
	}
}

// orgName is the name people know an org by, so that a step of a parallel branch names the
// department that holds it; "" for an org the loaded tree does not have.
func (s *Service) orgName(code string) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, o := range s.orgs {
		if o.Code == code {
			return o.Name
		}
	}
	return ""
}

// attachReviews gives each open task of an assisted step the rules' record it advises on, from
// the audit trail, where the service wrote it when the task was created.
func (s *Service) attachReviews(ctx context.Context, mp *definitions.MatterPlan, c *runtime.Case, tasks []runtime.TaskView, tokens []int) error {
	var events []runtime.Event
	for i := range tasks {
		n := mp.Workflow.Nodes[tasks[i].Node]
		if n == nil || n.Type != "auto" || tasks[i].Status == runtime.TaskDone {
			continue
		}
		if events == nil {
			var err error
			if events, err = s.db.ListEvents(ctx, c.ID); err != nil {
				return err
			}
		}
		for j := len(events) - 1; j >= 0; j-- {
			var d struct {
				Token int `json:"token"`
			}
			if events[j].Type == "auto-decision" && json.Unmarshal(events[j].Data, &d) == nil && d.Token == tokens[i] {
				tasks[i].Review = events[j].Data
				break
			}
		}
	}
	return nil
}
