package page

import (
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/formschema"
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
	DeferDays  definitions.Duration
	Deferred   bool
	Files      []runtime.MaterialFile
	Problem    string
	Form       string
	Copies     int
	FileTypes  []string
}

// Vars builds the variables of a matter's expressions for a form being filled in: a case not
// yet submitted, on channel, of the user u (nil before anyone signs in), at now read in the
// platform's zone, with the matter's parameters and computed values.
func Vars(mp *definitions.MatterPlan, data map[string]any, u *runtime.User, channel string, materials map[string]rules.Material, now time.Time) rules.Vars {
	vars, _ := mp.Evaluate(rules.CaseVars(data, u.Applicant(), rules.Case{Channel: channel, Status: string(runtime.StatusDraft)}, materials, now.In(runtime.Zone)))
	return vars
}

// MaterialRow describes a material for the apply page: whether it applies to what was filled in
// so far, and how it is provided.
func MaterialRow(mp *definitions.MatterPlan, m definitions.Material, vars rules.Vars) Material {
	row := Material{ID: m.ID, Name: m.Name, Description: m.Description, Requirement: RequirementText(m),
		Upload: m.Uploadable(), Auto: m.Source == "e-license", Generated: m.Source == "generated" || m.Source == "case",
		MaxMB: m.SizeLimitMB(), Deferrable: m.Deferrable, DeferDays: m.DeferDays, Form: m.Form, Copies: m.Copies, FileTypes: m.FileTypes}
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
	fees, total, err := mp.ApplyFees(vars)
	if err != nil {
		return nil, 0, "填写完整后显示应缴费用"
	}
	return runtime.FeeLines(fees), total, ""
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
		if m.Fallback == "upload" {
			return "电子证照库自动获取（" + m.LicenseType + "）；库中没有的，申请人上传"
		}
		return "电子证照库自动获取（" + m.LicenseType + "），无需提交"
	case "generated":
		return "系统根据申请表生成"
	case "case":
		return "办理过程中产生"
	}
	return "申请人上传"
}

// Refusal is a service's refusal of an application sorted for the page that shows it: the
// form's fields by JSON pointer into the data, the materials' by material id, and the rest for
// the top of the page.
type Refusal struct {
	Form      []formschema.FieldError
	Materials map[string]string
	General   []string
}

// SortRefusal sorts the fields of err (/form/…, /materials/<id>, the rest); deferHint replaces
// the API's advice on deferring a material (容缺) with what the page offers instead.
func SortRefusal(err error, deferHint string) Refusal {
	out := Refusal{Materials: map[string]string{}}
	e, _ := err.(*runtime.Error)
	if e == nil || len(e.Fields) == 0 {
		out.General = []string{runtime.ErrorMessage(err)}
		return out
	}
	for _, f := range e.Fields {
		switch {
		case strings.HasPrefix(f.Pointer, "/form/"):
			out.Form = append(out.Form, formschema.FieldError{Pointer: strings.TrimPrefix(f.Pointer, "/form"), Message: f.Message})
		case strings.HasPrefix(f.Pointer, "/materials/"):
			out.Materials[strings.TrimPrefix(f.Pointer, "/materials/")] = strings.ReplaceAll(f.Message, "（可申请容缺，在 deferred 中列出）", deferHint)
		default:
			out.General = append(out.General, f.Message)
		}
	}
	return out
}
