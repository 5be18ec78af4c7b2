package pdf

import (
	"fmt"
	"slices"
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
)

// PreviewVars are the variables to preview a matter's templates with form as the application
// (usually the matter's sample.json, decoded): a sample applicant, a concluded case, every
// material provided, the fees the matter's rules give for form, and a sample license (number
// 示例-0001, issued on now's day, valid five years, issued by the matter's org). now is the
// preview's time; pass one fixed time to get the same PDF each run.
func PreviewVars(mp *definitions.MatterPlan, form any, now time.Time) (rules.Vars, error) {
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
	return vars, nil
}

// Fees is the `fees` variable of print templates: the matter's fee items that apply to vars,
// with their amounts and total.
func Fees(mp *definitions.MatterPlan, vars rules.Vars) (map[string]any, error) {
	items := []any{}
	total := 0.0
	for _, f := range mp.Fees {
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
		items = append(items, map[string]any{"name": f.Name, "amount": amount})
		total += amount
	}
	return map[string]any{"total": total, "items": items}, nil
}
