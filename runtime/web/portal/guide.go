package portal

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/page"
)

// guidePage is a matter's guide (办事指南) as citizens read it.
type guidePage struct {
	Guide     *runtime.Guide
	Catalog   definitions.Matter
	Sections  []catalogSection
	Materials []guideMaterial
	Fees      []guideFee
	Steps     []runtime.GuideStep
	FAQs      []definitions.FAQ
	Online    bool
	// Bookable is set when the matter takes appointments at the window (预约).
	Bookable bool
}

// catalogSection is a titled group of catalog fields.
type catalogSection struct {
	ID, Title string
	Entries   []entry
}

// entry is one catalog field: a text, a list, or nested fields.
type entry struct {
	Label string
	Text  string
	List  []string
	Sub   []entry
}

type guideMaterial struct {
	definitions.Material
	RequirementText, SourceText string
}

type guideFee struct {
	definitions.FeeItem
	KindText, AmountText string
}

// catalogLayout groups the catalog's fields (by their JSON names) into the guide's sections.
// Fields in no group land in 其他信息, so that a field added to the catalog is never hidden.
var catalogLayout = []struct {
	id, title string
	fields    []string
}{
	{"basic", "基本信息", []string{"name", "shortName", "type", "basicCode", "implementationCode", "org", "subjectNature", "level", "jointOrgs", "content", "basis", "runningSystem", "lifeEvents", "keywords", "status", "version", "effectiveFrom", "updateType"}},
	{"conditions", "申请条件", []string{"serviceObjects", "applicantRequirements", "acceptanceConditions", "quantityLimit", "intermediaryServices"}},
	{"limits", "办理时限与方式", []string{"legalLimitDays", "promisedLimitDays", "limitNote", "caseType", "handlingForms", "visits", "crossRegion", "approvalMode", "supports"}},
	{"fee", "收费标准", []string{"fee"}},
	{"result", "办理结果与送达", []string{"result", "delivery", "licenseNumberPattern"}},
	{"place", "办理地点、时间与咨询", []string{"place", "hours", "consultationPhone", "supervisionPhone"}},
	{"process", "办理流程", []string{"processDescription"}},
}

// catalogOmitted are fields not for citizens: the schema reference, the analysts' own note, the
// FAQs, which have their own section, and the pattern certificate numbers are made by.
var catalogOmitted = []string{"$schema", "description", "faqs", "licenseNumberPattern"}

var approvalModes = map[string]string{"auto": "智能秒批（系统按规则即时审批）", "assisted": "系统辅助人工审批", "manual": "人工审批"}

func (p *portal) guide(w http.ResponseWriter, r *http.Request) {
	g, err := p.Matters.MatterGuide(r.Context(), r.PathValue("slug"))
	if err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	data := guidePage{Guide: g, Steps: g.Steps}
	var mats []definitions.Material
	var fees []definitions.FeeItem
	if err := json.Unmarshal(g.Catalog, &data.Catalog); err != nil {
		p.pages.Fail(w, r, fmt.Errorf("guide %s catalog: %w", g.Slug, err))
		return
	}
	json.Unmarshal(g.Materials, &mats)
	json.Unmarshal(g.Fees, &fees)
	data.Sections = catalogSections(data.Catalog)
	data.FAQs = data.Catalog.FAQs
	data.Online = slices.Contains(data.Catalog.HandlingForms, "网上办理")
	if p.Appointments != nil {
		if c, err := p.Appointments.AppointmentSettings(r.Context(), "matter:"+g.Slug); err == nil {
			data.Bookable = c.Enabled
		}
	}
	for _, m := range mats {
		data.Materials = append(data.Materials, guideMaterial{Material: m, RequirementText: page.RequirementText(m), SourceText: page.SourceText(m)})
	}
	for _, f := range fees {
		gf := guideFee{FeeItem: f, KindText: "行政事业性收费", AmountText: "按申请情况核定"}
		if f.Kind == "service" {
			gf.KindText = "服务性收费"
		}
		if n, err := strconv.ParseFloat(strings.TrimSpace(f.Amount), 64); err == nil {
			gf.AmountText = strconv.FormatFloat(n, 'f', 2, 64) + " 元"
		}
		if f.Condition != "" {
			gf.AmountText += "（符合收费情形时）"
		}
		data.Fees = append(data.Fees, gf)
	}
	p.pages.Render(w, r, "guide", http.StatusOK, p.pages.Frame(r, g.Name+" 办事指南", data))
}

// catalogSections lays out every field of the catalog, labelled with the titles the catalog's
// JSON Schema gives them.
func catalogSections(m definitions.Matter) []catalogSection {
	entries := map[string]entry{}
	var order []string
	v := reflect.ValueOf(m)
	for i := range v.NumField() {
		f := v.Type().Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || slices.Contains(catalogOmitted, name) {
			continue
		}
		e, ok := entryOf(name, titleOf(f), v.Field(i))
		if !ok {
			continue
		}
		entries[name] = e
		order = append(order, name)
	}
	var out []catalogSection
	placed := map[string]bool{}
	for _, s := range catalogLayout {
		sec := catalogSection{ID: s.id, Title: s.title}
		for _, name := range s.fields {
			placed[name] = true
			if e, ok := entries[name]; ok {
				sec.Entries = append(sec.Entries, e)
			}
		}
		if len(sec.Entries) > 0 {
			out = append(out, sec)
		}
	}
	other := catalogSection{ID: "other", Title: "其他信息"}
	for _, name := range order {
		if !placed[name] {
			other.Entries = append(other.Entries, entries[name])
		}
	}
	if len(other.Entries) > 0 {
		out = append(out, other)
	}
	return out
}

// titleOf reads the title from a field's jsonschema tag.
func titleOf(f reflect.StructField) string {
	for _, part := range strings.Split(f.Tag.Get("jsonschema"), ",") {
		if t, ok := strings.CutPrefix(part, "title="); ok {
			return t
		}
	}
	return f.Name
}

// entryOf turns one catalog value into an entry; empty values are left out, yes/no always shown.
func entryOf(name, label string, v reflect.Value) (entry, bool) {
	e := entry{Label: label}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return e, false
		}
		v = v.Elem()
	}
	if name == "visits" && v.Int() == 0 {
		e.Text = "0 次（零跑动）"
		return e, true
	}
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		if s == "" {
			return e, false
		}
		if name == "approvalMode" {
			s = approvalModes[s]
		}
		e.Text = s
	case reflect.Int, reflect.Int64:
		n := v.Int()
		switch {
		case strings.HasSuffix(name, "LimitDays") && n == 0:
			e.Text = "即办"
		case strings.HasSuffix(name, "LimitDays"):
			e.Text = fmt.Sprintf("%d 个工作日", n)
		default:
			e.Text = strconv.FormatInt(n, 10)
		}
	case reflect.Bool:
		e.Text = map[bool]string{true: "是", false: "否"}[v.Bool()]
	case reflect.Slice:
		if v.Len() == 0 {
			return e, false
		}
		for i := range v.Len() {
			item := v.Index(i)
			if item.Kind() == reflect.String {
				e.List = append(e.List, item.String())
				continue
			}
			sub, ok := entryOf(name, fmt.Sprintf("第 %d 项", i+1), item)
			if ok {
				e.Sub = append(e.Sub, sub)
			}
		}
	case reflect.Struct:
		// An org is named; its codes are the platform's own.
		if org, ok := v.Interface().(definitions.Org); ok {
			e.Text = org.Name
			return e, org.Name != ""
		}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			sub, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if s, ok := entryOf(sub, titleOf(f), v.Field(i)); ok {
				e.Sub = append(e.Sub, s)
			}
		}
		if len(e.Sub) == 0 {
			return e, false
		}
	default:
		return e, false
	}
	return e, true
}
