package definitions

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"path"
	"slices"

	"github.com/expr-lang/expr/types"

	"github.com/xuchang-gov/tongban/definitions/calendar"
	"github.com/xuchang-gov/tongban/definitions/formschema"
	"github.com/xuchang-gov/tongban/definitions/rules"
)

// Plan is a checked bundle compiled once: every schema and expression ready to run. It is
// immutable and shared by every request that uses it.
type Plan struct {
	Bundle   *Bundle
	Calendar *calendar.Calendar
	matters  map[string]*MatterPlan
	themes   map[string]*ThemePlan
}

// Matter returns the plan of the matter with that slug, or nil.
func (p *Plan) Matter(slug string) *MatterPlan { return p.matters[slug] }

// Matters returns the matter plans in slug order.
func (p *Plan) Matters() []*MatterPlan { return inKeyOrder(p.matters) }

// inKeyOrder lists a map's values in the order of their keys.
func inKeyOrder[V any](m map[string]V) []V {
	out := make([]V, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, m[k])
	}
	return out
}

// MatterPlan is one matter compiled.
type MatterPlan struct {
	Def  *MatterDef
	Hash string
	Form *formschema.Schema
	Env  *rules.Env
	// FieldVisible and SectionVisible hold the visibility rules by field path and section id.
	FieldVisible   map[string]*rules.Program
	SectionVisible map[string]*rules.Program
	Prefill        []CompiledPrefill
	// MaterialCondition holds the condition of each conditional material by id.
	MaterialCondition map[string]*rules.Program
	LicenseHolder     map[string]*rules.Program
	Fees              []CompiledFee
	Workflow          *Graph
	Prints            map[string]*CompiledPrint
	// Parameters holds each parameter's value by id; Values the computed values in the order
	// they are computed (dependencies first).
	Parameters map[string]any
	Values     []CompiledValue
	// TaskForms holds the form of each workflow node that has one, by node id.
	TaskForms map[string]*formschema.Schema
	// Documents are the matter's own documents, in matter.json's order.
	Documents []CompiledDocument
}

// CompiledPrefill is a prefill rule ready to run.
type CompiledPrefill struct {
	Prefill
	Key   *rules.Program
	Value *rules.Program
}

// CompiledFee is a fee item ready to run; Condition is nil when the item always applies.
type CompiledFee struct {
	FeeItem
	Amount    *rules.Program
	Condition *rules.Program
}

// AppliedFee is a fee item that applies to a case, with its amount in yuan.
type AppliedFee struct {
	*CompiledFee
	Amount float64
}

// ApplyFees runs the matter's fee rules over vars: the items whose condition holds, each with its
// amount, and their total, rounded to the cent as they are charged. The error names the item
// whose rule could not run.
func (mp *MatterPlan) ApplyFees(vars rules.Vars) ([]AppliedFee, float64, error) {
	var out []AppliedFee
	total := 0.0
	for i := range mp.Fees {
		f := &mp.Fees[i]
		if f.Condition != nil {
			ok, err := f.Condition.Bool(vars)
			if err != nil {
				return nil, 0, fmt.Errorf("收费项目 %s 的条件：%w", f.ID, err)
			}
			if !ok {
				continue
			}
		}
		amount, err := f.Amount.Number(vars)
		if err != nil {
			return nil, 0, fmt.Errorf("收费项目 %s 的金额：%w", f.ID, err)
		}
		amount = math.Round(amount*100) / 100
		out = append(out, AppliedFee{f, amount})
		total += amount
	}
	return out, math.Round(total*100) / 100, nil
}

// MaterialApplies tells whether a material applies to an application with vars and whether it
// is required. A condition that cannot be evaluated counts as applying: better to ask for a
// document than to skip one the law requires.
func (mp *MatterPlan) MaterialApplies(m Material, vars rules.Vars) (apply, required bool) {
	switch m.Requirement {
	case "required":
		return true, true
	case "optional":
		return true, false
	}
	ok, err := mp.MaterialCondition[m.ID].Bool(vars)
	if err != nil {
		return true, true
	}
	return ok, ok
}

// CompiledPrint is a print template with each element's expressions compiled, by element index.
// Public lists, in order, the indexes of the elements marked public: what the verification page
// may show.
type CompiledPrint struct {
	Template *PrintTemplate
	Values   map[int]*rules.Program
	Rows     map[int]*rules.Program
	Columns  map[int][]*rules.Program
	Public   []int
}

// LicenseType is the shape of `license` in print templates: the certificate being issued.
var LicenseType = types.Map{
	"number":     types.String,
	"holder":     types.String,
	"issuedAt":   types.TypeOf(timeZero),
	"validUntil": types.TypeOf(timeZero),
	"verifyUrl":  types.String,
	"issuer":     types.String,
}

// MatterInfoType is the shape of `matter` in print templates: the catalog facts notices print.
var MatterInfoType = types.Map{
	"name":              types.String,
	"orgName":           types.String,
	"orgCode":           types.String,
	"promisedLimitDays": types.Int,
	"legalLimitDays":    types.Int,
	"consultationPhone": types.String,
	"supervisionPhone":  types.String,
	"place":             types.String,
	"hours":             types.String,
	"resultName":        types.String,
}

// NoticeType is the shape of `notice` in print templates: what a notice is about — the
// opinion written, the listed items (materials, fees), a deadline and the document's number;
// since is when the case was submitted and, for a matter document declared at nodes, since and
// dueAt are when the case's wait there began and ends (a 公示's period).
var NoticeType = types.Map{
	"number":  types.String,
	"opinion": types.String,
	"since":   types.TypeOf(timeZero),
	"dueAt":   types.TypeOf(timeZero),
	"items":   types.Array(NoticeItemType),
	// paymentStatus is the fee notice's 已缴纳 or 未缴纳.
	"paymentStatus": types.String,
	// queryCode is what the applicant checks the progress with, beside the case number.
	"queryCode": types.String,
}

// NoticeItemType is each of notice.items: a material or a fee, what the window notes of it,
// and its amount (0 for materials).
var NoticeItemType = types.Map{"name": types.String, "note": types.String, "amount": types.Float64}

// FeesType is the shape of `fees` in print templates.
var FeesType = types.Map{
	"total": types.Float64,
	"items": types.Array(FeeItemType),
}

// FeeItemType is each of fees.items.
var FeeItemType = types.Map{"name": types.String, "amount": types.Float64}

// MatterInfo is the `matter` of print templates (MatterInfoType): the matter's catalog facts.
func (mp *MatterPlan) MatterInfo() map[string]any {
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

// Compile checks a loaded bundle and compiles it into a plan. It returns every problem at
// once; the plan is nil when there is any.
func Compile(b *Bundle) (*Plan, Problems) {
	var problems Problems
	r := reporter{problems: &problems}
	cal, err := calendar.New(b.Calendar...)
	if err != nil {
		r.in(CalendarDir).add("", "工作日历有误：%v", err)
	}
	checkOrgs(b, r.in(OrgsFile))
	checkConnectors(b, cal, r)
	plan := &Plan{Bundle: b, Calendar: cal, matters: map[string]*MatterPlan{}, themes: map[string]*ThemePlan{}}
	for _, m := range b.Matters {
		if mp := compileMatter(b, m, cal, r); mp != nil {
			plan.matters[m.Slug] = mp
		}
	}
	for _, t := range b.Themes {
		if tp := compileTheme(b, t, plan, cal, r); tp != nil {
			plan.themes[t.Slug] = tp
		}
	}
	if len(problems) > 0 {
		return nil, problems.sorted()
	}
	return plan, nil
}

// Hash is the content hash of a matter: SHA-256 over its files in canonical form, so that the
// same definition always has the same hash wherever it is loaded.
func (m *MatterDef) Hash() (string, error) {
	files, err := m.CanonicalFiles()
	if err != nil {
		return "", err
	}
	return FilesHash(files), nil
}

// FilesHash is SHA-256 over files by path, in path order: path, NUL, content, NUL for each.
// A matter's hash and a stored version's content hash are both this.
func FilesHash(files map[string][]byte) string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	h := sha256.New()
	for _, n := range names {
		h.Write([]byte(n))
		h.Write([]byte{0})
		h.Write(files[n])
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (m *MatterDef) file(name string) string { return path.Join(m.Dir, name) }
