package service

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/engine"
)

func mustBeStaff(u *runtime.User) error {
	if u.Kind != "staff" {
		return runtime.Errorf(runtime.EFORBIDDEN, "只有工作人员可以办理待办")
	}
	return nil
}

// ListTasks is the worklist: open tasks of the user's roles in their org, or those they hold.
func (s *Service) ListTasks(ctx context.Context, u *runtime.User, mine bool) ([]runtime.TaskView, error) {
	if err := mustBeStaff(u); err != nil {
		return nil, err
	}
	f := runtime.TaskQuery{Limit: 500, Kinds: []runtime.TaskKind{runtime.TaskPerson, runtime.TaskDelivery}}
	if mine {
		f.ClaimedBy, f.Status = u.ID, []runtime.TaskStatus{runtime.TaskClaimed}
	} else {
		f.OrgCodes, f.Roles = []string{u.OrgCode}, u.OrgRoles
		f.Status = []runtime.TaskStatus{runtime.TaskOpen, runtime.TaskClaimed}
	}
	if !mine && len(u.OrgRoles) == 0 {
		return []runtime.TaskView{}, nil
	}
	tasks, _, err := s.db.ListTasks(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]runtime.TaskView, 0, len(tasks))
	for _, t := range tasks {
		c, err := s.db.GetCase(ctx, t.CaseID)
		if err != nil {
			return nil, err
		}
		out = append(out, s.taskView(ctx, t, c))
	}
	return out, nil
}

// ClaimTask gives the user the task, if they hold its role in its org.
func (s *Service) ClaimTask(ctx context.Context, u *runtime.User, id int64) (*runtime.TaskView, error) {
	if err := mustBeStaff(u); err != nil {
		return nil, err
	}
	var view runtime.TaskView
	err := s.db.WithTx(ctx, func(tx runtime.Tx) error {
		t, err := s.actionableTask(tx, u, id, holders)
		if err != nil {
			return err
		}
		if t, err = tx.ClaimTask(id, u.ID); err != nil {
			return err
		}
		c, err := tx.GetCase(t.CaseID)
		if err != nil {
			return err
		}
		view = s.taskView(ctx, t, c)
		_, err = tx.AppendEvents(c.ID, []runtime.Event{event("task-claimed", actorOf(u), s.now(), map[string]any{"task": id, "node": t.Node})})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &view, nil
}

// taskAccess is who may act on a task: the staff holding its role in its org, and for some
// actions also those who supervise that org.
type taskAccess int

const (
	holders taskAccess = iota
	supervisable
)

// supervises tells whether u oversees the work of org: its own supervisors (督办), or the
// administrators of the government it belongs to.
func (s *Service) supervises(u *runtime.User, org string) bool {
	if u.OrgCode == org && slices.Contains(u.OrgRoles, "supervisor") {
		return true
	}
	return slices.Contains(u.Roles, runtime.RoleAdmin) && u.OrgCode != "" && u.OrgCode == administeringOrg(s.Orgs(), org)
}

// actionableTask returns a task the user may act on: a person's or delivery task of one of
// their roles in their own org. Others are reported as not found, so that task ids reveal nothing.
func (s *Service) actionableTask(tx runtime.Tx, u *runtime.User, id int64, access taskAccess) (*runtime.Task, error) {
	t, err := tx.GetTask(id)
	if err != nil {
		return nil, runtime.Errorf(runtime.ENOTFOUND, "待办 %d 不存在", id)
	}
	if t.Kind != runtime.TaskPerson && t.Kind != runtime.TaskDelivery {
		return nil, runtime.Errorf(runtime.ENOTFOUND, "待办 %d 不存在", id)
	}
	if (t.OrgCode != u.OrgCode || !slices.Contains(u.OrgRoles, t.Role)) && !(access == supervisable && s.supervises(u, t.OrgCode)) {
		return nil, runtime.Errorf(runtime.EFORBIDDEN, "此待办属于 %s 的 %s 岗位，您无权办理", t.OrgCode, t.Role)
	}
	return t, nil
}

// CompleteTask finishes a task with an outcome and opinion and moves the case on. An open task
// is claimed on the way. Denying and not accepting must give the reason (checkOpinion).
func (s *Service) CompleteTask(ctx context.Context, u *runtime.User, id int64, a runtime.TaskAction) (*runtime.CaseView, error) {
	if err := mustBeStaff(u); err != nil {
		return nil, err
	}
	var err error
	if a.Opinion, err = checkOpinion(a.Opinion, a.Outcome); err != nil {
		return nil, err
	}
	return s.stepTask(ctx, u, id, holders, func(tx runtime.Tx, m *move, t *runtime.Task) (engine.State, []engine.Effect, error) {
		if m.c.Status == runtime.StatusCorrection {
			return m.state, nil, runtime.Errorf(runtime.ECONFLICT, "办件正在补齐补正，等申请人补正后再办理")
		}
		data, err := m.recordTaskForm(t.Node, a.Data)
		if err != nil {
			return m.state, nil, err
		}
		state, effects, err := engine.Complete(m.mp.Workflow, m.state, t.Token, a.Outcome, m.vars, m.at)
		if err != nil {
			return state, nil, err
		}
		if _, err := tx.CompleteTask(id, u.ID, a.Outcome, a.Opinion); err != nil {
			return state, nil, err
		}
		done := map[string]any{"task": id, "node": t.Node, "name": t.Name, "outcome": a.Outcome, "opinion": a.Opinion}
		if data != nil {
			done["data"] = data
		}
		m.record("task-completed", done)
		return state, effects, nil
	})
}

// ReturnTask sends the case back to an earlier step (退回) with the reason in the opinion. A
// claimed task is returned only by whoever claimed it, or by those who supervise its org.
func (s *Service) ReturnTask(ctx context.Context, u *runtime.User, id int64, a runtime.TaskAction) (*runtime.CaseView, error) {
	if err := mustBeStaff(u); err != nil {
		return nil, err
	}
	if a.To == "" {
		return nil, runtime.Invalid("请指定退回到的环节", runtime.FieldError{Pointer: "/to", Message: "缺少环节"})
	}
	var err error
	if a.Opinion, err = checkOpinion(a.Opinion, "return"); err != nil {
		return nil, err
	}
	return s.stepTask(ctx, u, id, supervisable, func(_ runtime.Tx, m *move, t *runtime.Task) (engine.State, []engine.Effect, error) {
		if t.Status == runtime.TaskClaimed && t.ClaimedBy != u.ID && !s.supervises(u, t.OrgCode) {
			return m.state, nil, runtime.Errorf(runtime.ECONFLICT, "此待办已由他人认领，只有认领人或本机关的督办、管理员可以退回")
		}
		state, effects, err := engine.Return(m.mp.Workflow, m.state, t.Token, a.To, m.at)
		if err == nil {
			m.record("task-returned", map[string]any{"task": id, "node": t.Node, "to": a.To, "opinion": a.Opinion})
		}
		return state, effects, err
	})
}

// stepTask is a person's action on a task in one unit of work: the task the user may act on
// (claimed on the way when access is holders), the case's workflow stepped by step, the effects
// applied and everything written together.
func (s *Service) stepTask(ctx context.Context, u *runtime.User, id int64, access taskAccess,
	step func(tx runtime.Tx, m *move, t *runtime.Task) (engine.State, []engine.Effect, error)) (*runtime.CaseView, error) {
	var out *runtime.Case
	err := s.db.WithTx(ctx, func(tx runtime.Tx) error {
		t, err := s.actionableTask(tx, u, id, access)
		if err != nil {
			return err
		}
		if access == holders && t.Status == runtime.TaskOpen {
			if t, err = tx.ClaimTask(id, u.ID); err != nil {
				return err
			}
		}
		m, err := s.loadMove(ctx, tx, t.CaseID, u)
		if err != nil {
			return err
		}
		state, effects, err := step(tx, m, t)
		if err != nil {
			return err
		}
		m.state = state
		if err := m.apply(effects); err != nil {
			return err
		}
		out = m.c
		return s.commit(tx, m)
	})
	if err != nil {
		return nil, err
	}
	return s.view(ctx, u, out)
}

// CompleteWaiting finishes work the case waits for outside a person's worklist — a timer that
// ran out, a department system's callback — identified by case and token.
func (s *Service) CompleteWaiting(ctx context.Context, caseID int64, token int, outcome, actor string) error {
	return s.db.WithTx(ctx, func(tx runtime.Tx) error {
		return s.completeWaiting(ctx, tx, caseID, token, outcome, actor, nil)
	})
}

func (s *Service) completeWaiting(ctx context.Context, tx runtime.Tx, caseID int64, token int, outcome, actor string, data map[string]any) error {
	m, err := s.loadMove(ctx, tx, caseID, nil)
	if err != nil {
		return err
	}
	m.actor = actor
	state, effects, err := engine.Complete(m.mp.Workflow, m.state, token, outcome, m.vars, m.at)
	if err != nil {
		return err
	}
	if err := tx.FinishToken(caseID, token, outcome); err != nil {
		return err
	}
	m.state = state
	if data == nil {
		data = map[string]any{}
	}
	data["token"], data["outcome"] = token, outcome
	m.record("waiting-completed", data)
	if err := m.apply(effects); err != nil {
		return err
	}
	return s.commit(tx, m)
}

// loadMove reads a case inside a unit of work and prepares to step its workflow.
func (s *Service) loadMove(ctx context.Context, tx runtime.Tx, caseID int64, u *runtime.User) (*move, error) {
	c, err := tx.GetCase(caseID)
	if err != nil {
		return nil, err
	}
	plan, mp, err := s.matterOf(ctx, c)
	if err != nil {
		return nil, err
	}
	var state engine.State
	if err := json.Unmarshal(c.Workflow, &state); err != nil {
		return nil, err
	}
	form, err := decodeForm(c.Form)
	if err != nil {
		return nil, err
	}
	applicant, err := tx.GetUser(c.ApplicantID)
	if err != nil {
		return nil, err
	}
	recs, err := decodeMaterials(c.Materials)
	if err != nil {
		return nil, err
	}
	now := s.now()
	m := &move{svc: s, tx: tx, c: c, from: c.Status, plan: plan, mp: mp, state: state, at: now, actor: actorOf(u)}
	m.vars = varsFor(mp, c, form, applicant, materialStates(mp, recs), now)
	return m, nil
}

// HandOverTask passes a task the user holds to a colleague of the same role (转办), or back to
// the pool when a.User is 0.
func (s *Service) HandOverTask(ctx context.Context, u *runtime.User, id int64, a runtime.TaskAction) (*runtime.TaskView, error) {
	if err := mustBeStaff(u); err != nil {
		return nil, err
	}
	var err error
	if a.Opinion, err = checkOpinion(a.Opinion, ""); err != nil {
		return nil, err
	}
	var view runtime.TaskView
	err = s.db.WithTx(ctx, func(tx runtime.Tx) error {
		if _, err := s.actionableTask(tx, u, id, holders); err != nil {
			return err
		}
		t, err := tx.HandOverTask(id, u.ID, a.User)
		if err != nil {
			return err
		}
		c, err := tx.GetCase(t.CaseID)
		if err != nil {
			return err
		}
		view = s.taskView(ctx, t, c)
		_, err = tx.AppendEvents(c.ID, []runtime.Event{event("task-handed-over", actorOf(u), s.now(),
			map[string]any{"task": id, "node": t.Node, "to": a.User, "opinion": a.Opinion})})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &view, nil
}

// checkAcceptance refuses an acceptance by anyone but staff, or without an outcome or the
// opinion the outcome needs.
func checkAcceptance(u *runtime.User, a runtime.TaskAction) error {
	if err := mustBeStaff(u); err != nil {
		return err
	}
	if a.Outcome != "accept" && a.Outcome != "not-accept" {
		return runtime.Invalid("请选择受理或不予受理", runtime.FieldError{Pointer: "/outcome", Message: "应为 accept 或 not-accept"})
	}
	_, err := checkOpinion(a.Opinion, a.Outcome)
	return err
}

// Accept completes the case's open acceptance step held by the user's org and role: accept, or
// not-accept with the reason.
func (s *Service) Accept(ctx context.Context, u *runtime.User, number string, a runtime.TaskAction) (*runtime.CaseView, error) {
	if err := checkAcceptance(u, a); err != nil {
		return nil, err
	}
	c, err := s.db.GetCaseByNumber(ctx, number)
	if err != nil {
		return nil, caseNotFound(number)
	}
	_, mp, err := s.matterOf(ctx, c)
	if err != nil {
		return nil, err
	}
	tasks, _, err := s.db.ListTasks(ctx, runtime.TaskQuery{CaseID: c.ID, OrgCodes: []string{u.OrgCode}, Roles: u.OrgRoles,
		Status: []runtime.TaskStatus{runtime.TaskOpen, runtime.TaskClaimed}, Kinds: []runtime.TaskKind{runtime.TaskPerson}})
	if err != nil {
		return nil, err
	}
	for _, t := range tasks {
		if n := mp.Workflow.Nodes[t.Node]; n != nil && n.Type == "acceptance" {
			return s.CompleteTask(ctx, u, t.ID, a)
		}
	}
	return nil, runtime.Errorf(runtime.ECONFLICT, "办件 %s 没有您可以办理的受理环节", number)
}

// recordTaskForm checks the data of a task's own form (办理表单) and keeps it in the case, so
// that the expressions the step runs into see it as tasks.<node>: the workflow state holds it,
// and the move's variables are computed again with it. A node without a form takes no data.
func (m *move) recordTaskForm(node string, raw json.RawMessage) (json.RawMessage, error) {
	form := m.mp.TaskForms[node]
	if form == nil {
		if len(raw) > 0 && string(raw) != "null" {
			return nil, runtime.Invalid("此环节没有办理表单", runtime.FieldError{Pointer: "/data", Message: "此环节不填写表单"})
		}
		return nil, nil
	}
	if len(raw) == 0 || string(raw) == "null" {
		raw = json.RawMessage("{}")
	}
	if errs := form.ValidateJSON(raw); len(errs) > 0 {
		fields := make([]runtime.FieldError, len(errs))
		for i, e := range errs {
			fields[i] = runtime.FieldError{Pointer: "/data" + e.Pointer, Message: e.Message}
		}
		return nil, runtime.Invalid("办理表单填写有误", fields...)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return nil, runtime.Invalid("办理表单应为 JSON 对象", runtime.FieldError{Pointer: "/data", Message: "不是有效的 JSON"})
	}
	data := json.RawMessage(compact.Bytes())
	m.state = engine.WithTaskData(m.state, node, data)
	raw, err := json.Marshal(m.state)
	if err != nil {
		return nil, err
	}
	m.c.Workflow = raw
	m.vars["tasks"] = engine.TaskData(raw)
	m.vars, _ = m.mp.Evaluate(m.vars)
	return data, nil
}
