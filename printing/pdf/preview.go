package pdf

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
)

// Sample values of a preview.
const (
	SampleLicenseNumber = "示例-0001"
	SampleVerifyURLBase = "https://tongban.xuchang.gov.cn/verify/"
	SampleCaseNumber    = "示例办件-0001"
	SampleApplicantName = "示例申请人"
	SampleNoticeNumber  = "示例-通知-0001"
	SampleQueryCode     = "示例查询码"
	SampleOpinion       = "经审查，申请材料不齐全或者不符合法定形式（示例意见，实际由窗口人员填写）。"
	// SampleDueWorkingDays is how many working days after the preview's day notice.dueAt falls.
	SampleDueWorkingDays = 5
)

// PreviewVars are the variables to preview template cp of a matter with form as the
// application (usually the matter's sample.json, decoded): a sample applicant, a concluded
// case, every material provided, the fees the matter's rules give for form, a sample license
// (number 示例-0001, issued on now's day, valid five years, issued by the matter's org), the
// matter's catalog facts (MatterPlan.MatterInfo) and a sample notice: number 示例-通知-0001, a sample
// opinion, since now's day, due five working days (Monday to Friday) after now, and as its items the matter's
// materials with what the window notes of each (MaterialNote, amount 0) — or, when cp
// tabulates the amounts of notice.items (a fee notice), the fee items that apply, noted with
// their basis. cp may be nil: the items are then the materials. now is the preview's time;
// pass one fixed time to get the same PDF each run.
func PreviewVars(mp *definitions.MatterPlan, cp *definitions.CompiledPrint, form any, now time.Time) (rules.Vars, error) {
	m := &mp.Def.Matter
	kind := "enterprise"
	if slices.Contains(m.ServiceObjects, "自然人") && !slices.Contains(m.ServiceObjects, "法人") {
		kind = "person"
	}
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	materials := map[string]rules.Material{}
	for _, mat := range mp.Def.Materials.Materials {
		materials[mat.ID] = rules.Material{Provided: true, Source: mat.Source, Files: 1}
	}
	submitted, accepted := day.AddDate(0, 0, -7), day.AddDate(0, 0, -6)
	vars := rules.CaseVars(form, &rules.Applicant{Kind: kind, Name: SampleApplicantName, DivisionCode: m.Org.DivisionCode},
		rules.Case{Number: SampleCaseNumber, Channel: "window", Status: "concluded", Matter: mp.Def.Slug,
			OrgCode: m.Org.Code, DivisionCode: m.Org.DivisionCode,
			SubmittedAt: &submitted, AcceptedAt: &accepted, ConcludedAt: &now, Decision: "approve"},
		materials, now)
	vars, _ = mp.Evaluate(vars)
	applied, total, err := mp.ApplyFees(vars)
	if err != nil {
		return nil, err
	}
	vars["fees"] = feesVar(applied, total)
	vars["license"] = map[string]any{
		"number":     SampleLicenseNumber,
		"holder":     SampleApplicantName,
		"issuedAt":   day,
		"validUntil": day.AddDate(5, 0, 0),
		"verifyUrl":  SampleVerifyURLBase + SampleLicenseNumber,
		"issuer":     m.Org.Name,
	}
	vars["matter"] = mp.MatterInfo()
	items := []any{}
	if listsAmounts(cp) {
		for _, a := range applied {
			items = append(items, map[string]any{"name": a.Name, "note": a.Note(), "amount": a.Amount})
		}
	} else {
		for _, mat := range mp.Def.Materials.Materials {
			items = append(items, map[string]any{"name": mat.Name, "note": MaterialNote(&mat), "amount": 0.0})
		}
	}
	vars["notice"] = map[string]any{
		"number":  SampleNoticeNumber,
		"opinion": SampleOpinion,
		"since":   day,
		"dueAt":   addWeekdays(day, SampleDueWorkingDays).Add(17 * time.Hour),
		"items":   items,
		// What the service fills for the acceptance notice and the fee notice.
		"queryCode":     SampleQueryCode,
		"paymentStatus": "未缴纳",
	}
	return vars, nil
}

// MaterialNote is what a handover list or a correction notice says of a material by default:
// its form and copies, where the system fetches it instead, and whether it may be deferred
// (容缺), e.g. 复印件1份；可容缺受理，5个工作日内补交.
func MaterialNote(mat *definitions.Material) string {
	var parts []string
	switch mat.Source {
	case "e-license":
		parts = append(parts, "电子证照共享获取，免交纸质材料")
		if mat.Fallback == "upload" {
			parts = append(parts, "证照库中没有的上传代替")
		}
	case "generated":
		parts = append(parts, "系统生成，申请人签字确认")
	case "case":
		parts = append(parts, "取自办件，无需另交")
	default:
		s := mat.Form
		if s == "" {
			s = "原件"
		}
		if mat.Copies > 0 && mat.Form != "电子件" {
			s += strconv.Itoa(mat.Copies) + "份"
		}
		parts = append(parts, s)
	}
	switch mat.Requirement {
	case "optional":
		parts = append(parts, "非必需")
	case "conditional":
		parts = append(parts, "符合情形时提交")
	}
	if mat.Deferrable {
		s := "可容缺受理"
		if !mat.DeferDays.IsZero() {
			s += fmt.Sprintf("，%s内补交", mat.DeferDays)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "；")
}

// listsAmounts reports whether a template has a table over notice.items with a column that
// prints row.amount: a fee notice, whose items are the fees.
func listsAmounts(cp *definitions.CompiledPrint) bool {
	if cp == nil {
		return false
	}
	for _, e := range cp.Template.Elements {
		if e.Type != "table" || !strings.Contains(e.Rows, "notice.items") {
			continue
		}
		for _, c := range e.Columns {
			if strings.Contains(c.Value, "row.amount") {
				return true
			}
		}
	}
	return false
}

// addWeekdays is the nth Monday-to-Friday after day; the preview has no holiday calendar.
func addWeekdays(day time.Time, n int) time.Time {
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return day
}

// feesVar is the `fees` variable of print templates: the fee items that apply, with their
// amounts, and their total.
func feesVar(applied []definitions.AppliedFee, total float64) map[string]any {
	items := []any{}
	for _, a := range applied {
		items = append(items, map[string]any{"name": a.Name, "amount": a.Amount})
	}
	return map[string]any{"total": total, "items": items}
}
