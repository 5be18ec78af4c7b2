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
	SampleOpinion       = "经审查，申请材料不齐全或者不符合法定形式（示例意见，实际由窗口人员填写）。"
	// SampleDueWorkingDays is how many working days after the preview's day notice.dueAt falls.
	SampleDueWorkingDays = 5
)

// PreviewVars are the variables to preview template cp of a matter with form as the
// application (usually the matter's sample.json, decoded): a sample applicant, a concluded
// case, every material provided, the fees the matter's rules give for form, a sample license
// (number 示例-0001, issued on now's day, valid five years, issued by the matter's org), the
// matter's catalog facts (see MatterInfo) and a sample notice: number 示例-通知-0001, a sample
// opinion, due five working days (Monday to Friday) after now, and as its items the matter's
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
	materials := map[string]any{}
	for _, mat := range mp.Def.Materials.Materials {
		materials[mat.ID] = map[string]any{"provided": true, "deferred": false, "source": mat.Source, "files": 1}
	}
	vars := rules.Vars{
		"form": form,
		"applicant": map[string]any{
			"kind": kind, "name": SampleApplicantName, "idNumber": "", "uscc": "", "mobile": "",
			"divisionCode": m.Org.DivisionCode, "address": "", "legalPerson": "",
		},
		"case": map[string]any{
			"number": SampleCaseNumber, "channel": "window", "status": "concluded", "matter": mp.Def.Slug,
			"orgCode": m.Org.Code, "divisionCode": m.Org.DivisionCode,
			"submittedAt": day.AddDate(0, 0, -7), "acceptedAt": day.AddDate(0, 0, -6), "concludedAt": now,
			"decision": "approve",
		},
		"materials": materials,
		"now":       now,
	}
	fees, err := Fees(mp, vars)
	if err != nil {
		return nil, err
	}
	vars["fees"] = fees
	vars["license"] = map[string]any{
		"number":     SampleLicenseNumber,
		"holder":     SampleApplicantName,
		"issuedAt":   day,
		"validUntil": day.AddDate(5, 0, 0),
		"verifyUrl":  SampleVerifyURLBase + SampleLicenseNumber,
		"issuer":     m.Org.Name,
	}
	vars["matter"] = MatterInfo(mp)
	items := []any{}
	if listsAmounts(cp) {
		applied, err := appliedFees(mp, vars)
		if err != nil {
			return nil, err
		}
		for _, a := range applied {
			items = append(items, map[string]any{"name": a.Name, "note": feeNote(a.CompiledFee), "amount": a.amount})
		}
	} else {
		for _, mat := range mp.Def.Materials.Materials {
			items = append(items, map[string]any{"name": mat.Name, "note": MaterialNote(&mat), "amount": 0.0})
		}
	}
	vars["notice"] = map[string]any{
		"number":  SampleNoticeNumber,
		"opinion": SampleOpinion,
		"dueAt":   addWeekdays(day, SampleDueWorkingDays).Add(17 * time.Hour),
		"items":   items,
	}
	return vars, nil
}

// MatterInfo is the `matter` variable of print templates: the catalog facts of the matter
// that notices print (definitions.MatterInfoType).
func MatterInfo(mp *definitions.MatterPlan) map[string]any {
	m := &mp.Def.Matter
	return map[string]any{
		"name":              m.Name,
		"orgName":           m.Org.Name,
		"orgCode":           m.Org.Code,
		"promisedLimitDays": m.PromisedLimitDays,
		"legalLimitDays":    m.LegalLimitDays,
		"consultationPhone": m.ConsultationPhone,
		"supervisionPhone":  m.SupervisionPhone,
		"place":             m.Place,
		"hours":             m.Hours,
		"resultName":        m.Result.Name,
	}
}

// MaterialNote is what a handover list or a correction notice says of a material by default:
// its form and copies, where the system fetches it instead, and whether it may be deferred
// (容缺), e.g. 复印件1份；可容缺受理，5个工作日内补交.
func MaterialNote(mat *definitions.Material) string {
	var parts []string
	switch mat.Source {
	case "e-license":
		parts = append(parts, "电子证照共享获取，免交纸质材料")
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
		if mat.DeferDays > 0 {
			s += fmt.Sprintf("，%d个工作日内补交", mat.DeferDays)
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

// Fees is the `fees` variable of print templates: the matter's fee items that apply to vars,
// with their amounts and total.
func Fees(mp *definitions.MatterPlan, vars rules.Vars) (map[string]any, error) {
	applied, err := appliedFees(mp, vars)
	if err != nil {
		return nil, err
	}
	items := []any{}
	total := 0.0
	for _, a := range applied {
		items = append(items, map[string]any{"name": a.Name, "amount": a.amount})
		total += a.amount
	}
	return map[string]any{"total": total, "items": items}, nil
}

type appliedFee struct {
	*definitions.CompiledFee
	amount float64
}

// appliedFees are the matter's fee items whose condition holds for vars, with their amounts.
func appliedFees(mp *definitions.MatterPlan, vars rules.Vars) ([]appliedFee, error) {
	var out []appliedFee
	for i := range mp.Fees {
		f := &mp.Fees[i]
		if f.Condition != nil {
			ok, err := f.Condition.Bool(vars)
			if err != nil {
				return nil, fmt.Errorf("收费项目 %s 的条件：%w", f.ID, err)
			}
			if !ok {
				continue
			}
		}
		amount, err := f.Amount.Number(vars)
		if err != nil {
			return nil, fmt.Errorf("收费项目 %s 的金额：%w", f.ID, err)
		}
		out = append(out, appliedFee{f, amount})
	}
	return out, nil
}

// feeNote is what a fee notice says of a fee item: its basis, else its kind.
func feeNote(f *definitions.CompiledFee) string {
	switch {
	case f.Basis != "":
		return f.Basis
	case f.Kind == "service":
		return "代收服务费（非行政事业性收费）"
	}
	return "行政事业性收费"
}
