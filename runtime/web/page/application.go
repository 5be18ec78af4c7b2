package page

import (
	"math"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime"
)

// Material is one material of an application as the apply pages show it, with its upload
// control.
type Material struct {
	ID, Name, Description, Requirement string
	// Applies is "yes", "no" (the situation does not hold for what was filled in), or "" when the
	// form is not yet filled enough to tell.
	Applies    string
	Upload     bool
	Auto       bool
	Generated  bool
	Accept     string
	MaxMB      int
	Deferrable bool
	DeferDays  int
	Deferred   bool
	Files      []runtime.MaterialFile
	Problem    string
	Form       string
	Copies     int
	FileTypes  []string
}

// Vars builds the variables of a matter's expressions for a form being filled in.
func Vars(data map[string]any, u *runtime.User, channel string, materials map[string]any, now time.Time) rules.Vars {
	applicant := map[string]any{}
	if u != nil {
		kind := u.Kind
		if kind == "staff" {
			kind = "person"
		}
		applicant = map[string]any{"kind": kind, "name": u.Name, "idNumber": u.IDNumber, "uscc": u.USCC, "mobile": u.Mobile, "divisionCode": u.DivisionCode}
	}
	if materials == nil {
		materials = map[string]any{}
	}
	return rules.Vars{"form": data, "applicant": applicant, "materials": materials, "now": now,
		"case": map[string]any{"number": "", "channel": channel, "status": string(runtime.StatusDraft)}}
}

// MaterialRow describes a material for the apply page: whether it applies to what was filled in
// so far, and how it is provided.
func MaterialRow(mp *definitions.MatterPlan, m definitions.Material, vars rules.Vars) Material {
	row := Material{ID: m.ID, Name: m.Name, Description: m.Description, Requirement: RequirementText(m),
		Upload: m.Source == "upload", Auto: m.Source == "e-license", Generated: m.Source == "generated" || m.Source == "case",
		MaxMB: m.MaxSizeMB, Deferrable: m.Deferrable, DeferDays: m.DeferDays, Form: m.Form, Copies: m.Copies, FileTypes: m.FileTypes}
	if row.MaxMB == 0 {
		row.MaxMB = 20
	}
	var accept []string
	for _, t := range m.FileTypes {
		accept = append(accept, "."+t)
	}
	row.Accept = strings.Join(accept, ",")
	switch m.Requirement {
	case "required", "optional":
		row.Applies = "yes"
	default:
		if prog := mp.MaterialCondition[m.ID]; prog != nil {
			if ok, err := prog.Bool(vars); err == nil {
				row.Applies = map[bool]string{true: "yes", false: "no"}[ok]
			}
		}
	}
	return row
}

// FeePreview computes the fees of what was filled in so far, as the service will at submission;
// a rule that cannot run yet leaves the preview for later.
func FeePreview(mp *definitions.MatterPlan, vars rules.Vars) ([]runtime.FeeLine, float64, string) {
	var lines []runtime.FeeLine
	total := 0.0
	for _, f := range mp.Fees {
		if f.Condition != nil {
			ok, err := f.Condition.Bool(vars)
			if err != nil {
				return nil, 0, "填写完整后显示应缴费用"
			}
			if !ok {
				continue
			}
		}
		n, err := f.Amount.Number(vars)
		if err != nil {
			return nil, 0, "填写完整后显示应缴费用"
		}
		n = math.Round(n*100) / 100
		lines = append(lines, runtime.FeeLine{ID: f.ID, Name: f.Name, Kind: f.Kind, Amount: n})
		total += n
	}
	return lines, math.Round(total*100) / 100, ""
}

// RequirementText says when a material is needed.
func RequirementText(m definitions.Material) string {
	text := "符合情形时提供"
	switch m.Requirement {
	case "required":
		text = "必须提供"
	case "optional":
		text = "可选"
	}
	if m.Situation != "" {
		text += "：" + m.Situation
	}
	return text
}

// SourceText says how a material is provided.
func SourceText(m definitions.Material) string {
	switch m.Source {
	case "e-license":
		return "电子证照库自动获取（" + m.LicenseType + "），无需提交"
	case "generated":
		return "系统根据申请表生成"
	case "case":
		return "办理过程中产生"
	}
	return "申请人上传"
}
