package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/engine"
	"github.com/xuchang-gov/tongban/runtime/observe"
)

// SubmitCase creates a case: a draft, or a submitted application that starts its workflow.
func (s *Service) SubmitCase(ctx context.Context, u *runtime.User, req runtime.SubmitCase) (*runtime.CaseView, error) {
	if err := mustApply(u); err != nil {
		return nil, err
	}
	return s.submitCase(ctx, u, u, req, nil)
}

// submitCase files req for applicant u; actor is who does it (the applicant online, a clerk at
// the window) and received the materials handed in on paper.
func (s *Service) submitCase(ctx context.Context, u, actor *runtime.User, req runtime.SubmitCase, received []string) (*runtime.CaseView, error) {
	if req.Matter == "" {
		return nil, runtime.Invalid("请指定事项", runtime.FieldError{Pointer: "/matter", Message: "缺少事项"})
	}
	if len(req.IdempotencyKey) > 128 {
		return nil, runtime.Invalid("Idempotency-Key 不能超过 128 个字符")
	}
	v, plan, mp, err := s.latest(ctx, req.Matter)
	if err != nil {
		return nil, err
	}
	if err := mayApply(mp, u.Kind); err != nil {
		return nil, err
	}
	form, formValue, err := checkForm(mp, req.Form, req.Draft)
	if err != nil {
		return nil, err
	}
	channel := req.Channel
	switch channel {
	case "":
		channel = "online"
	case "online", "window":
	default:
		return nil, runtime.Invalid("渠道只能是 online 或 window", runtime.FieldError{Pointer: "/channel", Message: "未知的渠道"})
	}
	now := s.now()
	c := runtime.Case{
		Matter: req.Matter, MatterVersion: v, ApplicantID: u.ID, Channel: channel,
		Status: runtime.StatusDraft, Form: form, OrgCode: mp.Def.Matter.Org.Code,
		DivisionCode: mp.Def.Matter.Org.DivisionCode,
	}
	// A clerk filing for an applicant (SubmitAtWindow) is the accepting window; another org's
	// window makes the case cross-district.
	if actor != u && channel == "window" {
		c.WindowOrg = actor.OrgCode
		if actor.OrgCode != c.OrgCode {
			c.Channel = "cross-region"
		}
	}
	have, problems := s.attachFiles(mp, u, req.Materials)
	for i, id := range received {
		if m := materialByID(mp, id); m == nil {
			problems = append(problems, runtime.FieldError{Pointer: fmt.Sprintf("/received/%d", i), Message: "没有材料 " + id})
		} else {
			have = append(have, materialRecord{ID: id, Received: true})
		}
	}
	if len(problems) > 0 {
		return nil, &runtime.Error{Code: runtime.EINVALID, Message: "附带的材料文件有误", Fields: problems}
	}
	if len(have) > 0 {
		if c.Materials, err = json.Marshal(have); err != nil {
			return nil, err
		}
	}
	var m *move
	if !req.Draft {
		licenses := s.licensesFor(ctx, &c, formValue, mp, u, have)
		if m, err = s.prepareSubmission(&c, formValue, plan, mp, u, have, licenses, req.Deferred); err != nil {
			return nil, err
		}
		m.actor = actorOf(actor)
	}
	nc := runtime.NewCase{Case: c, IdempotencyKey: req.IdempotencyKey, RequestHash: requestHash(req, received)}
	created := event("created", actorOf(actor), now, map[string]any{"matter": req.Matter, "version": v, "channel": c.Channel, "window": c.WindowOrg, "received": received})
	if m == nil {
		nc.Events = []runtime.Event{created}
	}
	var out *runtime.Case
	err = s.db.WithTx(ctx, func(tx runtime.Tx) error {
		var err error
		if m == nil {
			out, _, err = tx.CreateCase(nc)
		} else {
			out, _, err = s.createSubmitted(tx, nc, m, created)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	observe.SetCase(ctx, out.Number)
	if m != nil && m.c == out { // a new submission: its tasks are the ones just written
		return s.viewWith(ctx, u, out, m.created)
	}
	return s.view(ctx, u, out)
}

// createSubmitted creates a submitted case in tx with the move m prepared for it: its workflow
// starts as the case is numbered and everything the start does is written with it. A retry
// under the same idempotency key returns the first case with created false.
func (s *Service) createSubmitted(tx runtime.Tx, nc runtime.NewCase, m *move, created runtime.Event) (*runtime.Case, bool, error) {
	nc.Start = func(c *runtime.Case) error {
		// A submission's events are chained in one append, after the workflow has started.
		m.begin(c, created)
		return s.start(tx, m)
	}
	out, isNew, err := tx.CreateCase(nc)
	if err != nil || !isNew {
		return out, isNew, err
	}
	m.c = out
	return out, true, s.writeMove(tx, m)
}

// SaveDraft replaces a draft's form.
func (s *Service) SaveDraft(ctx context.Context, u *runtime.User, number string, form json.RawMessage) (*runtime.CaseView, error) {
	var out *runtime.Case
	err := s.db.WithTx(ctx, func(tx runtime.Tx) error {
		c, err := s.ownDraft(tx, u, number)
		if err != nil {
			return err
		}
		_, mp, err := s.matterOf(ctx, c)
		if err != nil {
			return err
		}
		if c.Form, _, err = checkForm(mp, form, true); err != nil {
			return err
		}
		if err := tx.UpdateCase(c); err != nil {
			return err
		}
		_, err = tx.AppendEvents(c.ID, []runtime.Event{event("draft-saved", actorOf(u), s.now(), nil)})
		out = c
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.view(ctx, u, out)
}

// SubmitDraft submits a saved draft, with its uploaded materials. E-licenses are fetched
// before the transaction, which never waits on the network.
func (s *Service) SubmitDraft(ctx context.Context, u *runtime.User, number string, form json.RawMessage, deferred []string) (*runtime.CaseView, error) {
	c, err := s.db.GetCaseByNumber(ctx, number)
	if err != nil || c.ApplicantID != u.ID {
		return nil, caseNotFound(number)
	}
	if len(form) > 0 {
		c.Form = form
	}
	_, mp, err := s.matterOf(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := mayApply(mp, u.Kind); err != nil {
		return nil, err
	}
	have, err := materialRecords(c)
	if err != nil {
		return nil, err
	}
	var formValue any
	if c.Form, formValue, err = checkForm(mp, c.Form, false); err != nil {
		return nil, err
	}
	licenses := s.licensesFor(ctx, c, formValue, mp, u, have)
	var out *runtime.Case
	err = s.db.WithTx(ctx, func(tx runtime.Tx) error {
		c, err := s.ownDraft(tx, u, number)
		if err != nil {
			return err
		}
		plan, mp, err := s.matterOf(ctx, c)
		if err != nil {
			return err
		}
		if len(form) > 0 {
			c.Form = form
		}
		var formValue any
		if c.Form, formValue, err = checkForm(mp, c.Form, false); err != nil {
			return err
		}
		have, err := materialRecords(c)
		if err != nil {
			return err
		}
		m, err := s.prepareSubmission(c, formValue, plan, mp, u, have, licenses, deferred)
		if err != nil {
			return err
		}
		m.c = c
		out = c
		if err := s.start(tx, m); err != nil {
			return err
		}
		return s.commit(tx, m)
	})
	if err != nil {
		return nil, err
	}
	return s.view(ctx, u, out)
}

func (s *Service) ownDraft(tx runtime.Tx, u *runtime.User, number string) (*runtime.Case, error) {
	c, err := tx.GetCaseByNumber(number)
	if err != nil || c.ApplicantID != u.ID {
		return nil, caseNotFound(number)
	}
	if c.Status != runtime.StatusDraft {
		return nil, runtime.Errorf(runtime.ECONFLICT, "办件 %s 已提交，不能再修改草稿", number)
	}
	return c, nil
}

func caseNotFound(number string) error {
	return runtime.Errorf(runtime.ENOTFOUND, "办件 %s 不存在", number)
}

// mustApply refuses whoever is not an applicant, and an applicant whose account has not proved
// its identity yet: registering names someone, only verification shows it is them.
func mustApply(u *runtime.User) error {
	switch {
	case u.Kind != "person" && u.Kind != "enterprise":
		return runtime.Errorf(runtime.EFORBIDDEN, "只有申请人账号可以申报")
	case u.Unverified:
		return runtime.Errorf(runtime.EFORBIDDEN, "您的账户尚未完成实名核验，暂不能申办。请在“我的账户”中输入发到人口库登记手机号码的验证码；人口库没有您的手机号码的，请携带身份证到政务服务窗口核验。核验前可以浏览事项和办事指南")
	}
	return nil
}

// applicantObjects are the service objects (服务对象) of the catalog each kind of applicant is.
var applicantObjects = map[string]string{"person": "自然人", "enterprise": "法人"}

// mayApply refuses an applicant of a kind the matter does not serve: an enterprise for a
// matter of 自然人 only, a person for one of 法人 only.
func mayApply(mp *definitions.MatterPlan, kind string) error {
	objects := mp.Def.Matter.ServiceObjects
	if slices.Contains(objects, applicantObjects[kind]) {
		return nil
	}
	return runtime.Errorf(runtime.EFORBIDDEN, "「%s」的服务对象为%s，%s账号不能申报", mp.Def.Matter.Name,
		strings.Join(objects, "、"), applicantObjects[kind])
}

// checkForm validates a form against the matter's schema; a draft need only be a JSON object.
// Problems are reported under /form. It returns the form and its decoded value, which
// expressions see (numbers as float64).
func checkForm(mp *definitions.MatterPlan, form json.RawMessage, draft bool) (json.RawMessage, any, error) {
	if len(form) == 0 {
		form = json.RawMessage(`{}`)
	}
	if at, bad := invalidText(form); bad {
		return nil, nil, runtime.Invalid("申请表含有无效的字符编码（须为 UTF-8）", runtime.FieldError{Pointer: "/form" + at, Message: "含有无效的字符编码"})
	}
	var value any
	if err := json.Unmarshal(form, &value); err != nil {
		return nil, nil, runtime.Invalid("申请表不是有效的 JSON", runtime.FieldError{Pointer: "/form", Message: "不是有效的 JSON"})
	}
	if _, ok := value.(map[string]any); !ok {
		return nil, nil, runtime.Invalid("申请表应为 JSON 对象", runtime.FieldError{Pointer: "/form", Message: "应为对象"})
	}
	if draft {
		return form, value, nil
	}
	if errs := mp.Form.Validate(value); len(errs) > 0 {
		fields := make([]runtime.FieldError, len(errs))
		for i, e := range errs {
			fields[i] = runtime.FieldError{Pointer: "/form" + e.Pointer, Message: e.Message}
		}
		return nil, nil, &runtime.Error{Code: runtime.EINVALID, Message: "申请表有 " + strconv.Itoa(len(fields)) + " 处需要修改", Fields: fields}
	}
	return form, value, nil
}

// licensesFor fetches the e-licenses of an application's materials. form is its value as
// checkForm validated it, so that no register is asked on behalf of a form that cannot be
// submitted.
func (s *Service) licensesFor(ctx context.Context, c *runtime.Case, form any, mp *definitions.MatterPlan, u *runtime.User, have []materialRecord) map[string]licenseRecord {
	return s.fetchLicenses(ctx, mp, varsFor(mp, c, form, u, materialStates(mp, have), s.now()), nil)
}

// prepareSubmission checks materials and computes fees for a submission, before any write;
// form is the value checkForm validated.
func (s *Service) prepareSubmission(c *runtime.Case, form any, plan *definitions.Plan, mp *definitions.MatterPlan, u *runtime.User, have []materialRecord, licenses map[string]licenseRecord, deferred []string) (*move, error) {
	now := s.now()
	byID := map[string]materialRecord{}
	for _, r := range have {
		byID[r.ID] = r
	}
	vars := varsFor(mp, c, form, u, materialStates(mp, have), now)
	records, problems := checkMaterials(mp, vars, byID, licenses, deferred, plan.Calendar, now)
	if len(problems) > 0 {
		return nil, &runtime.Error{Code: runtime.EINVALID, Message: "申请材料不齐全", Fields: problems}
	}
	vars = varsFor(mp, c, form, u, materialStates(mp, records), now)
	fees, total, err := mp.ApplyFees(vars)
	if errors.Is(err, rules.ErrMemoryBudget) {
		// What the applicant typed made a fee rule too big to compute: their input is refused,
		// not the server's health.
		return nil, runtime.Errorf(runtime.EINVALID, "按所填内容无法计算收费（数据量超出计算上限），请核对所填的面积、数量等数值；如确实无误，请联系窗口办理")
	}
	if err != nil {
		return nil, err
	}
	if c.Materials, err = json.Marshal(records); err != nil {
		return nil, err
	}
	if c.Fees, err = json.Marshal(runtime.FeeLines(fees)); err != nil {
		return nil, err
	}
	c.FeeTotal = total
	c.Status = runtime.StatusSubmitted
	c.SubmittedAt = &now
	return &move{plan: plan, mp: mp, vars: vars, at: now, actor: actorOf(u), applicant: u}, nil
}

// start runs the workflow of a case being submitted; what it does is left in m, to be written.
func (s *Service) start(tx runtime.Tx, m *move) error {
	m.svc, m.tx, m.from = s, tx, runtime.StatusDraft
	m.vars["case"].(map[string]any)["number"] = m.c.Number
	m.c.Status = runtime.StatusSubmitted
	m.c.SubmittedAt = &m.at
	m.record("submitted", map[string]any{"feeTotal": m.c.FeeTotal})
	if err := m.recordFallbacks(); err != nil {
		return err
	}
	if err := m.followDeferred(false); err != nil {
		return err
	}
	state, effects, err := engine.Start(m.mp.Workflow, m.vars, m.at)
	if err != nil {
		return err
	}
	m.state = state
	return m.apply(effects)
}

// commit writes a prepared move: the case, its events, the tasks opened and withdrawn, the
// certificates issued, the outbox messages.
func (s *Service) commit(tx runtime.Tx, m *move) error {
	if err := tx.UpdateCase(m.c); err != nil {
		return err
	}
	return s.writeMove(tx, m)
}

// writeMove writes what a move did besides changing the case row, which is written already.
func (s *Service) writeMove(tx runtime.Tx, m *move) error {
	for _, token := range m.cancelled {
		if err := tx.CancelToken(m.c.ID, token); err != nil {
			return err
		}
	}
	for i := range m.tasks {
		m.tasks[i].CaseID = m.c.ID
	}
	if len(m.tasks) > 0 {
		var err error
		if m.created, err = tx.CreateTasks(m.tasks); err != nil {
			return err
		}
	}
	for _, msg := range m.outbox {
		msg.CaseID = m.c.ID
		if _, err := tx.Enqueue(msg); err != nil {
			return err
		}
	}
	for _, issued := range m.certificates {
		if err := m.saveCertificate(issued.cert, issued.vars); err != nil {
			return err
		}
	}
	if _, err := tx.AppendEvents(m.c.ID, m.events); err != nil {
		return err
	}
	if err := s.notifyMove(tx, m.plan, m.mp, m.c, m.applicant, m.from, m.reason()); err != nil {
		return err
	}
	if m.result != "" {
		return s.memberConcluded(tx, m)
	}
	return nil
}

// requestHash identifies a submission by everything it asks for, so that a retry under its
// idempotency key can be told from another application sent under the same key.
func requestHash(req runtime.SubmitCase, received []string) string {
	raw, _ := json.Marshal(struct {
		Req      runtime.SubmitCase `json:"req"`
		Received []string           `json:"received"`
	}{req, received})
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}
