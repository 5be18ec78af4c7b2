package service

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/observe"
)

// RenderNotice draws one of a case's documents — a shared notice (受理通知书, 材料交接清单, 补正告知书,
// 不予受理通知书, 缴费通知单) or one of the matter's own (a 公示表) — for someone who may see the
// case, and returns its title.
func (s *Service) RenderNotice(ctx context.Context, u *runtime.User, number, name string, w io.Writer) (string, error) {
	c, err := s.visibleCase(ctx, u, number)
	if err != nil {
		return "", err
	}
	return s.renderNotice(ctx, c, name, w)
}

func (s *Service) renderNotice(ctx context.Context, c *runtime.Case, name string, w io.Writer) (string, error) {
	plan, mp, err := s.matterOf(ctx, c)
	if err != nil {
		return "", err
	}
	t := mp.Prints[name]
	if t == nil || definitions.SharedNoticeNamed(name) == nil && mp.Document(name) == nil {
		return "", runtime.Errorf(runtime.ENOTFOUND, "事项「%s」没有文书 %s", mp.Def.Matter.Name, name)
	}
	open, err := s.openWork(ctx, c)
	if err != nil {
		return "", err
	}
	vars, err := s.documentVars(ctx, c, mp)
	if err != nil {
		return "", err
	}
	docs, err := documentsOf(c, mp, open, func() (rules.Vars, error) { return vars, nil })
	if err != nil {
		return "", err
	}
	i := slices.IndexFunc(docs, func(d runtime.Document) bool { return d.Name == name })
	if i < 0 {
		return "", runtime.Errorf(runtime.ECONFLICT, "办件当前为「%s」，没有这份文书", runtime.StatusNames[c.Status])
	}
	if s.render == nil {
		return "", runtime.Errorf(runtime.EINTERNAL, "no renderer is configured")
	}
	notice, err := s.noticeFor(ctx, c, mp, plan, name, open)
	if err != nil {
		return "", err
	}
	vars["notice"] = notice
	_, end := observe.Trace(ctx, "render notice")
	err = s.render(w, t, vars, s.now().In(runtime.Zone))
	end(err)
	return docs[i].Title, err
}

// documents lists the documents the case may print now (documentsOf), reading its open work
// unless given, and its variables only if a condition needs them.
func (s *Service) documents(ctx context.Context, c *runtime.Case, mp *definitions.MatterPlan, open []*runtime.Task) ([]runtime.Document, error) {
	if open == nil {
		var err error
		if open, err = s.openWork(ctx, c); err != nil {
			return nil, err
		}
	}
	return documentsOf(c, mp, open, func() (rules.Vars, error) { return s.documentVars(ctx, c, mp) })
}

// openWork is the work the case waits for now: its open and claimed tasks.
func (s *Service) openWork(ctx context.Context, c *runtime.Case) ([]*runtime.Task, error) {
	tasks, _, err := s.db.ListTasks(ctx, runtime.TaskQuery{CaseID: c.ID, Kinds: caseWork, Status: []runtime.TaskStatus{runtime.TaskOpen, runtime.TaskClaimed}, Limit: 500})
	return tasks, err
}

// documentsOf lists the documents the case may print now: the shared notices of its status (the
// fee notice only when fees are charged), then the matter's own whose statuses allow, whose
// nodes the case waits at (among its tasks) and whose condition holds. vars gives the case's
// variables, asked for only when a condition is to run; a condition that cannot run hides its
// document. A document without a template in the plan is left out.
func documentsOf(c *runtime.Case, mp *definitions.MatterPlan, tasks []*runtime.Task, vars func() (rules.Vars, error)) ([]runtime.Document, error) {
	status := string(c.Status)
	out := []runtime.Document{}
	for _, n := range definitions.SharedNotices {
		if mp.Prints[n.Name] != nil && slices.Contains(n.Statuses, status) && (!n.Charged || c.FeeTotal > 0) {
			out = append(out, runtime.Document{Name: n.Name, Title: n.Title})
		}
	}
	for _, d := range mp.Documents {
		if d.Print == nil || !slices.Contains(d.Statuses, status) || len(d.AtNodes) > 0 && waitingAt(tasks, d.AtNodes) == nil {
			continue
		}
		if d.Condition != nil {
			v, err := vars()
			if err != nil {
				return nil, err
			}
			if ok, err := d.Condition.Bool(v); err != nil || !ok {
				continue
			}
		}
		out = append(out, runtime.Document{Name: d.Template, Title: d.Title})
	}
	return out, nil
}

// waitingAt is the case's open work at one of the nodes, or nil.
func waitingAt(tasks []*runtime.Task, nodes []string) *runtime.Task {
	for _, t := range tasks {
		if (t.Status == runtime.TaskOpen || t.Status == runtime.TaskClaimed) && slices.Contains(nodes, t.Node) {
			return t
		}
	}
	return nil
}

// documentVars is what every document of a case sees: the case's own variables, the matter's
// catalog facts and the fees.
func (s *Service) documentVars(ctx context.Context, c *runtime.Case, mp *definitions.MatterPlan) (rules.Vars, error) {
	form, err := decodeForm(c.Form)
	if err != nil {
		return nil, err
	}
	applicant, err := s.db.GetUser(ctx, c.ApplicantID)
	if err != nil {
		return nil, err
	}
	recs, err := materialRecords(c)
	if err != nil {
		return nil, err
	}
	vars := varsFor(mp, c, form, applicant, materialStates(mp, recs), s.now())
	vars["matter"] = mp.MatterInfo()
	var fees []runtime.FeeLine
	if len(c.Fees) > 0 {
		if err := json.Unmarshal(c.Fees, &fees); err != nil {
			return nil, err
		}
	}
	items := make([]any, len(fees))
	for i, f := range fees {
		items[i] = map[string]any{"name": f.Name, "amount": f.Amount}
	}
	vars["fees"] = map[string]any{"total": c.FeeTotal, "items": items}
	vars["license"] = map[string]any{}
	return vars, nil
}

func materialRecords(c *runtime.Case) ([]materialRecord, error) {
	var recs []materialRecord
	if len(c.Materials) > 0 {
		if err := json.Unmarshal(c.Materials, &recs); err != nil {
			return nil, err
		}
	}
	return recs, nil
}

// noticeFor fills `notice` for one kind of notice from the case and its audit trail.
// A matter's own document is numbered by its code, carries the last decision's opinion and, when
// declared at nodes, the period of the case's wait there (since, dueAt).
func (s *Service) noticeFor(ctx context.Context, c *runtime.Case, mp *definitions.MatterPlan, plan *definitions.Plan, name string, open []*runtime.Task) (map[string]any, error) {
	events, err := s.db.ListEvents(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	notice := map[string]any{"number": c.Number, "opinion": "", "items": []any{}}
	if n := definitions.SharedNoticeNamed(name); n != nil {
		notice["number"] = c.Number + "-" + n.Code
	}
	last := func(typ string) map[string]any {
		var data map[string]any
		for _, e := range events {
			if e.Type == typ {
				data = map[string]any{}
				json.Unmarshal(e.Data, &data)
			}
		}
		return data
	}
	item := func(name, note string, amount float64) map[string]any {
		return map[string]any{"name": name, "note": note, "amount": amount}
	}
	var items []any
	switch name {
	case "material-handover-list":
		recs, err := materialRecords(c)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			m := materialByID(mp, r.ID)
			if m == nil {
				continue
			}
			note := fmt.Sprintf("已提交 %d 个文件", len(r.Files))
			switch {
			case r.Deferred && r.DueAt != nil:
				note = fmt.Sprintf("容缺受理，%s前补交", rules.Display(r.DueAt.In(runtime.Zone)))
			case licenseVia(m, r) == viaLibrary:
				note = "电子证照库自动获取"
			case licenseVia(m, r) == viaFallback:
				note = fmt.Sprintf("电子证照库未能获取（%s），已上传 %d 个文件代替", r.licenseProblem(), len(r.Files))
			case m.Source == "e-license" && r.Received:
				note = "电子证照库未能获取（" + r.licenseProblem() + "），窗口已核验原件"
			case m.Source == "e-license":
				note = "电子证照库未能获取（" + r.licenseProblem() + "），请核验原件"
			case m.Source == "generated":
				note = "系统生成"
			}
			items = append(items, item(m.Name, note, 0))
		}
	case "correction-notice":
		if d := last("correction-requested"); d != nil {
			notice["opinion"] = d["opinion"]
			ids, _ := d["materials"].([]any)
			for _, id := range ids {
				if m := materialByID(mp, fmt.Sprint(id)); m != nil {
					items = append(items, item(m.Name, m.Description, 0))
				}
			}
		}
		if c.StoppedAt != nil {
			notice["dueAt"] = dueAfter(plan.Calendar, *c.StoppedAt, correctionDays)
		}
	case "not-accepted-notice":
		if d := last("task-completed"); d != nil && d["outcome"] == "not-accept" {
			notice["opinion"] = d["opinion"]
		}
	case "fee-payment-notice":
		var fees []runtime.FeeLine
		json.Unmarshal(c.Fees, &fees)
		for _, f := range fees {
			fee := definitions.FeeItem{Kind: f.Kind}
			if i := slices.IndexFunc(mp.Def.Fees.Items, func(it definitions.FeeItem) bool { return it.ID == f.ID }); i >= 0 {
				fee = mp.Def.Fees.Items[i]
			}
			items = append(items, item(f.Name, fee.Note(), f.Amount))
		}
		notice["dueAt"] = dueAfter(plan.Calendar, s.now(), feePaymentDays)
		notice["paymentStatus"] = "未缴纳"
		if c.FeePaidAt != nil {
			notice["paymentStatus"] = "已缴纳 " + rules.Display(c.FeePaidAt.In(runtime.Zone))
		}
	case "acceptance-notice":
		if d := last("task-completed"); d != nil {
			notice["opinion"] = d["opinion"]
		}
		notice["queryCode"] = c.QueryCode
	default:
		doc := mp.Document(name)
		if doc.Code != "" {
			notice["number"] = c.Number + "-" + doc.Code
		}
		if d := last("task-completed"); d != nil {
			notice["opinion"] = d["opinion"]
		}
		if t := waitingAt(open, doc.AtNodes); t != nil {
			notice["since"] = t.CreatedAt.In(runtime.Zone)
			if t.DueAt != nil {
				notice["dueAt"] = t.DueAt.In(runtime.Zone)
			}
		}
	}
	if _, ok := notice["since"]; !ok && c.SubmittedAt != nil {
		notice["since"] = c.SubmittedAt.In(runtime.Zone)
	}
	if _, ok := notice["dueAt"]; !ok && c.DueAt != nil {
		notice["dueAt"] = c.DueAt.In(runtime.Zone)
	}
	if items != nil {
		notice["items"] = items
	}
	return notice, nil
}

// feePaymentDays is the working days a fee payment notice gives to pay.
var feePaymentDays = definitions.Days(5)

// correctionDays is the working days a correction notice gives the applicant to supply what
// it lists.
var correctionDays = definitions.Days(10)
