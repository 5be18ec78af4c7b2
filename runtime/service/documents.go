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

// Notices are the documents a case's people may print, by template name, and the statuses in
// which each makes sense.
var notices = map[string][]runtime.Status{
	"acceptance-notice":      {runtime.StatusInApproval, runtime.StatusApproved, runtime.StatusCertificated, runtime.StatusDelivered, runtime.StatusDenied, runtime.StatusArchived},
	"material-handover-list": {runtime.StatusSubmitted, runtime.StatusPreReviewed, runtime.StatusCorrection, runtime.StatusInApproval, runtime.StatusApproved, runtime.StatusCertificated, runtime.StatusDelivered, runtime.StatusDenied, runtime.StatusArchived},
	"correction-notice":      {runtime.StatusCorrection},
	"not-accepted-notice":    {runtime.StatusNotAccepted},
	"fee-payment-notice":     {runtime.StatusSubmitted, runtime.StatusPreReviewed, runtime.StatusInApproval, runtime.StatusApproved, runtime.StatusCertificated, runtime.StatusDelivered},
}

// RenderNotice draws one of a case's notices (受理通知书, 材料交接清单, 补正告知书, 不予受理通知书,
// 缴费通知单) for someone who may see the case.
func (s *Service) RenderNotice(ctx context.Context, u *runtime.User, number, name string, w io.Writer) error {
	c, err := s.visibleCase(ctx, u, number)
	if err != nil {
		return err
	}
	return s.renderNotice(ctx, c, name, w)
}

func (s *Service) renderNotice(ctx context.Context, c *runtime.Case, name string, w io.Writer) error {
	statuses, known := notices[name]
	if !known {
		return runtime.Errorf(runtime.ENOTFOUND, "没有文书 %s", name)
	}
	if !slices.Contains(statuses, c.Status) {
		return runtime.Errorf(runtime.ECONFLICT, "办件当前为「%s」，没有这份文书", runtime.StatusNames[c.Status])
	}
	if s.render == nil {
		return runtime.Errorf(runtime.EINTERNAL, "no renderer is configured")
	}
	plan, mp, err := s.matterOf(ctx, c)
	if err != nil {
		return err
	}
	t := mp.Prints[name]
	if t == nil {
		return runtime.Errorf(runtime.ENOTFOUND, "事项 %s 没有文书模板 %s", mp.Def.Matter.Name, name)
	}
	vars, err := s.documentVars(ctx, c, mp)
	if err != nil {
		return err
	}
	notice, err := s.noticeFor(ctx, c, mp, plan, name)
	if err != nil {
		return err
	}
	vars["notice"] = notice
	_, end := observe.Trace(ctx, "render notice")
	err = s.render(w, t, vars, s.now().In(runtime.Zone))
	end(err)
	return err
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
func (s *Service) noticeFor(ctx context.Context, c *runtime.Case, mp *definitions.MatterPlan, plan *definitions.Plan, name string) (map[string]any, error) {
	events, err := s.db.ListEvents(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	notice := map[string]any{"number": fmt.Sprintf("%s-%s", c.Number, noticeCodes[name]), "opinion": "", "items": []any{}}
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
			case m.Source == "e-license" && r.License != nil && r.License.Problem == "":
				note = "电子证照库自动获取"
			case m.Source == "e-license" && len(r.Files) == 0:
				problem := "未取得证照"
				if r.License != nil {
					problem = r.License.Problem
				}
				note = "电子证照库未能获取（" + problem + "），请核验原件"
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

var noticeCodes = map[string]string{
	"acceptance-notice": "SL", "material-handover-list": "JJ", "correction-notice": "BZ",
	"not-accepted-notice": "BSL", "fee-payment-notice": "JF",
}
