package service

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/engine"
)

// themeAcceptOpinion is the opinion recorded on a member's acceptance step when the theme's one
// acceptance covers it.
const themeAcceptOpinion = "一件事综合受理"

// startMember starts a waiting member whose predecessors concluded approved: their certificates
// fill its named fields and material, its form is checked in full, and its case is created in
// the unit of work that concluded the last predecessor. A theme already accepted at the window
// accepts it at once. A member that cannot start stops with the reason.
func (s *Service) startMember(tx runtime.Tx, tc *runtime.ThemeCase, run *themeRun, j int, issued map[string]Certificate) error {
	ctx := tx.Context()
	mc := &tc.Members[j]
	mem := run.tp.Member(mc.Member)
	plan, mp, err := s.plans.get(ctx, mc.Matter, mc.MatterVersion)
	if err != nil {
		return err
	}
	form := map[string]any{}
	sources := map[string]definitions.FieldSource{}
	var have []materialRecord
	for raw, v := range map[*json.RawMessage]any{&mc.Form: &form, &mc.Sources: &sources, &mc.Materials: &have} {
		if len(*raw) > 0 {
			if err := json.Unmarshal(*raw, v); err != nil {
				return err
			}
		}
	}
	combined, err := decodeForm(tc.Form)
	if err != nil {
		return err
	}
	for _, before := range mem.Before {
		fill := mem.Fills[before]
		if fill == nil {
			continue
		}
		cert, err := s.predecessorCertificate(ctx, tc, before, issued)
		if err != nil {
			return err
		}
		if cert == nil {
			s.stopMember(tc, run, j, "前置事项「"+run.tp.Member(before).Plan.Def.Matter.Name+"」没有出具证照，本事项无法启动", nil)
			return nil
		}
		vars := rules.Vars{"form": combined, "certificate": map[string]any{"number": cert.Number, "holder": cert.Holder,
			"issuer": cert.Issuer, "issuedAt": cert.IssuedAt, "validUntil": cert.ValidUntil, "verifyUrl": s.verifyURL + cert.Number}}
		if err := fill.Fill(form, sources, vars, cert.Number); err != nil {
			s.stopMember(tc, run, j, "由前置证照填写申请表时出错："+err.Error(), nil)
			return nil
		}
		if fill.Material != "" {
			have = slices.DeleteFunc(have, func(r materialRecord) bool { return r.ID == fill.Material })
			licenseType := mp.Def.Matter.Result.Name
			if mat := materialByID(mp, fill.Material); mat != nil && mat.LicenseType != "" {
				licenseType = mat.LicenseType
			}
			have = append(have, materialRecord{ID: fill.Material, License: &licenseRecord{Number: cert.Number, Type: licenseType,
				Holder: cert.Holder}, FromCase: cert.CaseNumber})
		}
	}
	raw, err := json.Marshal(form)
	if err != nil {
		return err
	}
	formValue, err := decodeForm(raw)
	if err != nil {
		return err
	}
	if errs := mem.Check(formValue, false); len(errs) > 0 {
		s.stopMember(tc, run, j, "申请表不满足「"+mp.Def.Matter.Name+"」的要求："+errs[0].Pointer+" "+errs[0].Message, nil)
		return nil
	}
	applicant, err := tx.GetUser(tc.ApplicantID)
	if err != nil {
		return err
	}
	c := runtime.Case{Matter: mc.Matter, MatterVersion: mc.MatterVersion, ApplicantID: tc.ApplicantID, Channel: tc.Channel,
		Status: runtime.StatusDraft, Form: raw, OrgCode: mp.Def.Matter.Org.Code, DivisionCode: mp.Def.Matter.Org.DivisionCode}
	m, err := s.prepareSubmission(&c, formValue, plan, mp, applicant, have, nil, nil)
	if err != nil {
		s.stopMember(tc, run, j, "「"+mp.Def.Matter.Name+"」无法启动："+runtime.ErrorMessage(err), nil)
		return nil
	}
	m.window, m.actor = &run.tp.Def.Theme.Window, "system"
	created := event("created", "system", s.now(), map[string]any{"matter": c.Matter, "version": c.MatterVersion,
		"channel": c.Channel, "theme": tc.Theme, "member": mem.ID, "after": mem.Before})
	started, _, err := s.createSubmitted(tx, runtime.NewCase{Case: c}, m, created)
	if err != nil {
		return err
	}
	if mc.Sources, err = json.Marshal(sources); err != nil {
		return err
	}
	mc.Form, mc.State, mc.CaseID, mc.CaseNumber = raw, runtime.MemberStarted, started.ID, started.Number
	if tc.Status != runtime.ThemeAccepted {
		return nil
	}
	for _, t := range m.created {
		if n := mp.Workflow.Nodes[t.Node]; t.Kind == runtime.TaskPerson && n != nil && n.Type == "acceptance" {
			return s.acceptForTheme(tx, started.ID, t)
		}
	}
	return nil
}

// predecessorCertificate is the certificate a predecessor's case issued: from the move that
// just concluded it, or as stored.
func (s *Service) predecessorCertificate(ctx context.Context, tc *runtime.ThemeCase, member string, issued map[string]Certificate) (*Certificate, error) {
	i := slices.IndexFunc(tc.Members, func(mc runtime.ThemeMemberCase) bool { return mc.Member == member })
	for _, number := range tc.Members[i].Certificates {
		if c, ok := issued[number]; ok {
			return &c, nil
		}
		stored, err := s.db.GetCertificate(ctx, number)
		if err != nil {
			return nil, err
		}
		return &Certificate{Number: stored.Number, Holder: stored.Holder, Issuer: stored.Issuer, IssuedAt: stored.IssuedAt,
			ValidUntil: stored.ValidUntil, CaseNumber: tc.Members[i].CaseNumber, Matter: stored.Matter}, nil
	}
	return nil, nil
}

// acceptForTheme completes a member case's acceptance step in the unit of work that started it:
// the theme was accepted at the window once, for all its members.
func (s *Service) acceptForTheme(tx runtime.Tx, caseID int64, t *runtime.Task) error {
	m, err := s.loadMove(tx.Context(), tx, caseID, nil)
	if err != nil {
		return err
	}
	state, effects, err := engine.Complete(m.mp.Workflow, m.state, t.Token, "accept", m.vars, m.at)
	if err != nil {
		return err
	}
	if err := tx.CloseTask(t.ID, "accept"); err != nil {
		return err
	}
	m.state = state
	m.record("task-completed", map[string]any{"task": t.ID, "node": t.Node, "outcome": "accept", "opinion": themeAcceptOpinion})
	if err := m.apply(effects); err != nil {
		return err
	}
	return s.commit(tx, m)
}

// AcceptTheme is the window's one acceptance of a theme case (综合受理): the acceptance step of
// every started member is completed with the same outcome and opinion, and the theme case is
// accepted. Members started later are accepted as they start.
func (s *Service) AcceptTheme(ctx context.Context, u *runtime.User, number string, a runtime.TaskAction) (*runtime.ThemeCaseView, error) {
	if err := checkAcceptance(u, a); err != nil {
		return nil, err
	}
	tc, run, err := s.themeCase(ctx, number)
	if err != nil {
		return nil, err
	}
	w := run.tp.Def.Theme.Window
	if u.OrgCode != w.Org || !slices.Contains(u.OrgRoles, w.Role) {
		return nil, runtime.Errorf(runtime.EFORBIDDEN, "一件事由%s综合受理窗口受理", s.orgName(w.Org))
	}
	if tc.Status != runtime.ThemeSubmitted {
		return nil, runtime.Errorf(runtime.ECONFLICT, "一件事办件 %s 已受理过", number)
	}
	for _, mc := range tc.Members {
		if mc.State != runtime.MemberStarted {
			continue
		}
		tasks, _, err := s.db.ListTasks(ctx, runtime.TaskQuery{CaseID: mc.CaseID, OrgCodes: []string{w.Org}, Roles: []string{w.Role},
			Status: []runtime.TaskStatus{runtime.TaskOpen, runtime.TaskClaimed}, Kinds: []runtime.TaskKind{runtime.TaskPerson}})
		if err != nil {
			return nil, err
		}
		_, mp, err := s.plans.get(ctx, mc.Matter, mc.MatterVersion)
		if err != nil {
			return nil, err
		}
		for _, t := range tasks {
			if n := mp.Workflow.Nodes[t.Node]; n != nil && n.Type == "acceptance" {
				if _, err := s.CompleteTask(ctx, u, t.ID, a); err != nil {
					return nil, err
				}
			}
		}
	}
	err = s.db.WithTx(ctx, func(tx runtime.Tx) error {
		fresh, err := tx.GetThemeCase(number)
		if err != nil || fresh.Status != runtime.ThemeSubmitted {
			return err
		}
		now := s.now()
		fresh.Status, fresh.AcceptedAt = runtime.ThemeAccepted, &now
		tc = fresh
		return tx.UpdateThemeCase(fresh)
	})
	if err != nil {
		return nil, err
	}
	if tc, err = s.db.GetThemeCase(ctx, number); err != nil {
		return nil, err
	}
	return s.themeView(ctx, tc, run)
}

// themeCase reads a theme case with the theme compiled as the case is pinned.
func (s *Service) themeCase(ctx context.Context, number string) (*runtime.ThemeCase, *themeRun, error) {
	tc, err := s.db.GetThemeCase(ctx, number)
	if err != nil {
		if runtime.ErrorCode(err) == runtime.ENOTFOUND {
			return nil, nil, runtime.Errorf(runtime.ENOTFOUND, "一件事办件 %s 不存在", number)
		}
		return nil, nil, err
	}
	run, err := s.themeAt(ctx, tc.Theme, tc.ThemeVersion, pinnedVersions(tc))
	return tc, run, err
}

// GetThemeCase returns a theme case to its applicant and to the staff of its window and members.
func (s *Service) GetThemeCase(ctx context.Context, u *runtime.User, number string) (*runtime.ThemeCaseView, error) {
	tc, run, err := s.themeCase(ctx, number)
	if err != nil {
		return nil, err
	}
	if !s.mayFollow(u, tc, run) {
		return nil, runtime.Errorf(runtime.ENOTFOUND, "一件事办件 %s 不存在", number)
	}
	return s.themeView(ctx, tc, run)
}

// mayFollow tells whether a user may see a theme case: its applicant, the staff of its window
// and of its members' orgs (and the orgs above them).
func (s *Service) mayFollow(u *runtime.User, tc *runtime.ThemeCase, run *themeRun) bool {
	switch u.Kind {
	case "person", "enterprise":
		return tc.ApplicantID == u.ID
	case "staff":
		orgs := s.subtree(u.OrgCode)
		if slices.Contains(orgs, run.tp.Def.Theme.Window.Org) || slices.Contains(orgs, run.tp.Def.Theme.Org.Code) {
			return true
		}
		return slices.ContainsFunc(run.tp.Members, func(m *definitions.ThemeMemberPlan) bool {
			return slices.Contains(orgs, m.Plan.Def.Matter.Org.Code)
		})
	}
	return false
}

// ThemeCases lists an applicant's theme cases; to staff, the theme cases they may follow, those
// awaiting acceptance first.
func (s *Service) ThemeCases(ctx context.Context, u *runtime.User) ([]runtime.ThemeCaseView, error) {
	q := runtime.ThemeCaseQuery{ApplicantID: u.ID}
	if u.Kind == "staff" {
		q = runtime.ThemeCaseQuery{}
	}
	list, err := s.db.ListThemeCases(ctx, q)
	if err != nil {
		return nil, err
	}
	out := []runtime.ThemeCaseView{}
	for _, tc := range list {
		run, err := s.themeAt(ctx, tc.Theme, tc.ThemeVersion, pinnedVersions(tc))
		if err != nil {
			return nil, err
		}
		if !s.mayFollow(u, tc, run) {
			continue
		}
		v, err := s.themeView(ctx, tc, run)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	slices.SortStableFunc(out, func(a, b runtime.ThemeCaseView) int {
		return boolOrder(a.Status != runtime.ThemeSubmitted) - boolOrder(b.Status != runtime.ThemeSubmitted)
	})
	return out, nil
}

func boolOrder(b bool) int {
	if b {
		return 1
	}
	return 0
}

// memberStateNames are the Chinese names of a member's states.
var memberStateNames = map[string]string{runtime.MemberWaiting: "等待前置事项", runtime.MemberStarted: "办理中",
	runtime.MemberStopped: "未启动", runtime.MemberDone: "已办结"}

func (s *Service) themeView(ctx context.Context, tc *runtime.ThemeCase, run *themeRun) (*runtime.ThemeCaseView, error) {
	th := &run.tp.Def.Theme
	v := &runtime.ThemeCaseView{Number: tc.Number, QueryCode: tc.QueryCode, Theme: tc.Theme, ThemeName: th.Name, Status: tc.Status,
		StatusName: runtime.ThemeStatusNames[tc.Status], Result: tc.Result, Delivery: th.Delivery, TotalDays: run.tp.TotalDays(),
		SubmittedAt: tc.SubmittedAt, AcceptedAt: tc.AcceptedAt, ConcludedAt: tc.ConcludedAt}
	for _, mc := range tc.Members {
		mem := run.tp.Member(mc.Member)
		mt := &mem.Plan.Def.Matter
		mv := runtime.ThemeMemberView{Member: mc.Member, Matter: mc.Matter, MatterName: mt.Name, MatterVersion: mc.MatterVersion,
			OrgName: mt.Org.Name, PromisedLimitDays: mt.PromisedLimitDays, State: mc.State, StateName: memberStateNames[mc.State],
			Before: mem.Before, CaseNumber: mc.CaseNumber, Reason: mc.Reason, Certificates: mc.Certificates}
		if mc.State == runtime.MemberDone {
			mv.StateName = map[string]string{"approved": "准予许可", "denied": "不予许可", "not-accepted": "不予受理"}[mc.Result]
		}
		if mc.CaseNumber != "" {
			c, err := s.db.GetCaseByNumber(ctx, mc.CaseNumber)
			if err != nil {
				return nil, err
			}
			mv.CaseStatus, mv.CaseStatusName, mv.DueAt = c.Status, runtime.StatusNames[c.Status], c.DueAt
			if mc.State == runtime.MemberStarted {
				// Issued before the case concludes (it still awaits delivery): shown already.
				certs, err := s.db.CertificatesOfCase(ctx, c.ID)
				if err != nil {
					return nil, err
				}
				for _, cert := range certs {
					mv.Certificates = append(mv.Certificates, cert.Number)
				}
			}
		}
		v.Members = append(v.Members, mv)
	}
	return v, nil
}

// MemberOf tells a member case's viewer which theme case it belongs to and where each field of
// its form came from.
func (s *Service) MemberOf(ctx context.Context, u *runtime.User, caseNumber string) (*runtime.MemberOf, error) {
	c, err := s.visibleCase(ctx, u, caseNumber)
	if err != nil {
		return nil, err
	}
	tc, err := s.db.ThemeCaseOfMember(ctx, c.ID)
	if err != nil {
		if runtime.ErrorCode(err) == runtime.ENOTFOUND {
			return nil, runtime.Errorf(runtime.ENOTFOUND, "办件 %s 不属于一件事", caseNumber)
		}
		return nil, err
	}
	run, err := s.themeAt(ctx, tc.Theme, tc.ThemeVersion, pinnedVersions(tc))
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(tc.Members, func(mc runtime.ThemeMemberCase) bool { return mc.CaseID == c.ID })
	out := &runtime.MemberOf{ThemeCase: tc.Number, Theme: tc.Theme, ThemeName: run.tp.Def.Theme.Name, Member: tc.Members[i].Member,
		Sources: map[string]runtime.FieldSource{}}
	if err := json.Unmarshal(tc.Members[i].Sources, &out.Sources); err != nil {
		return nil, err
	}
	return out, nil
}
