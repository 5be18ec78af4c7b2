package definitions

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/expr-lang/expr/types"

	"github.com/xuchang-gov/tongban/definitions/calendar"
	"github.com/xuchang-gov/tongban/definitions/formschema"
	"github.com/xuchang-gov/tongban/definitions/rules"
)

// ThemePlan is one theme compiled against the matters of its bundle.
type ThemePlan struct {
	Def  *ThemeDef
	Hash string
	// Form is the combined form compiled as a matter of its own, so that it is rendered,
	// validated and its materials checked as any matter's are: its catalog comes from
	// theme.json and its materials are the shared ones and each member's own uploads, with
	// the own ones named <member>.<material>.
	Form    *MatterPlan
	Members []*ThemeMemberPlan
	// Materials is every material of the theme once: what the guide lists.
	Materials []ThemeMaterial
}

// ThemeMaterial is one material of a theme's guide: a shared one or a member's own, and the
// members it serves.
type ThemeMaterial struct {
	Material
	Members []string
	Shared  bool
}

// ThemeMemberPlan is one member of a compiled theme.
type ThemeMemberPlan struct {
	ThemeMember
	Plan *MatterPlan
	// Fields fill the member's form from the combined form, parents before children.
	Fields []CompiledMapping
	// SelfAsked are pointers of required fields the member's staff ask for themselves.
	SelfAsked []string
	// Before are the members that must conclude approved before this one starts: its
	// dependencies and the members of the stage before its own.
	Before []string
	// Fills are what predecessors' certificates fill, by predecessor.
	Fills map[string]*CompiledFill
	// Shared maps a material of the member to the theme material that provides it; Own maps a
	// theme material named <member>.<material> back to the member's material.
	Shared map[string]string
	Own    map[string]string
}

// CompiledMapping fills one member field: a pointer copied from the combined form, or an
// expression over it.
type CompiledMapping struct {
	Pointer string
	From    string
	Expr    *rules.Program
}

// CompiledFill is what one predecessor's certificate provides: a material and fields.
type CompiledFill struct {
	Material string
	Fields   []CompiledMapping
}

// FieldSource is where a member case's field came from (provenance, 字段来源): a combined-form
// field, an expression, or a predecessor's certificate.
type FieldSource struct {
	From        string `json:"from,omitempty"`
	Label       string `json:"label,omitempty"`
	Expr        string `json:"expr,omitempty"`
	Certificate string `json:"certificate,omitempty"`
}

// Theme returns the plan of the theme with that slug, or nil.
func (p *Plan) Theme(slug string) *ThemePlan { return p.themes[slug] }

// Themes returns the theme plans in slug order.
func (p *Plan) Themes() []*ThemePlan { return inKeyOrder(p.themes) }

// Member returns the member with that id, or nil.
func (tp *ThemePlan) Member(id string) *ThemeMemberPlan {
	for _, m := range tp.Members {
		if m.ID == id {
			return m
		}
	}
	return nil
}

// Dependants are the members that wait for id.
func (tp *ThemePlan) Dependants(id string) []*ThemeMemberPlan {
	var out []*ThemeMemberPlan
	for _, m := range tp.Members {
		if slices.Contains(m.Before, id) {
			out = append(out, m)
		}
	}
	return out
}

// TotalDays is the theme's time limit: its promised limit, or, when it names none, the longest
// chain of members' promised limits through the dependencies.
func (tp *ThemePlan) TotalDays() int {
	if d := tp.Def.Theme.PromisedLimitDays; d > 0 {
		return d
	}
	memo := map[string]int{}
	var longest func(m *ThemeMemberPlan) int
	longest = func(m *ThemeMemberPlan) int {
		if d, ok := memo[m.ID]; ok {
			return d
		}
		memo[m.ID] = 0 // a cycle is reported at compile time; count it once here
		before := 0
		for _, id := range m.Before {
			if p := tp.Member(id); p != nil {
				before = max(before, longest(p))
			}
		}
		memo[m.ID] = before + m.Plan.Def.Matter.PromisedLimitDays
		return memo[m.ID]
	}
	total := 0
	for _, m := range tp.Members {
		total = max(total, longest(m))
	}
	return total
}

// Map fills the member's form from vars (whose form is the combined form) and says where each
// field came from. A pointer to a field the applicant left empty, or an expression giving nil,
// fills nothing.
func (m *ThemeMemberPlan) Map(vars rules.Vars, combined *formschema.Field) (map[string]any, map[string]FieldSource, error) {
	form := map[string]any{}
	sources := map[string]FieldSource{}
	for _, f := range m.Fields {
		src, v, err := f.value(vars, combined)
		if err != nil {
			return nil, nil, fmt.Errorf("成员「%s」字段 %s：%w", m.Plan.Def.Matter.Name, f.Pointer, err)
		}
		if v != nil {
			SetPointer(form, f.Pointer, v)
			sources[f.Pointer] = src
		}
	}
	return form, sources, nil
}

// Check validates a member form the mappings produced. Errors at the fields the member asks
// for itself are left to its staff; before the member starts (waiting is set), so are errors at
// the fields its predecessors' certificates fill.
func (m *ThemeMemberPlan) Check(form any, waiting bool) []formschema.FieldError {
	later := slices.Clone(m.SelfAsked)
	if waiting {
		for _, fill := range m.Fills {
			for _, f := range fill.Fields {
				later = append(later, f.Pointer)
			}
		}
	}
	errs := m.Plan.Form.Validate(form)
	return slices.DeleteFunc(errs, func(e formschema.FieldError) bool {
		return slices.ContainsFunc(later, func(p string) bool { return e.Pointer == p || strings.HasPrefix(e.Pointer, p+"/") })
	})
}

// Fill applies what a predecessor's certificate fills to a member's form; vars hold
// `certificate` and the combined `form`.
func (f *CompiledFill) Fill(form map[string]any, sources map[string]FieldSource, vars rules.Vars, number string) error {
	for _, fm := range f.Fields {
		v, err := fm.Expr.Run(vars)
		if err != nil {
			return err
		}
		if v != nil {
			SetPointer(form, fm.Pointer, v)
			sources[fm.Pointer] = FieldSource{Expr: fm.Expr.Source(), Certificate: number}
		}
	}
	return nil
}

func (f CompiledMapping) value(vars rules.Vars, combined *formschema.Field) (FieldSource, any, error) {
	if f.Expr != nil {
		v, err := f.Expr.Run(vars)
		return FieldSource{Expr: f.Expr.Source()}, v, err
	}
	src := FieldSource{From: f.From}
	if field := combined.Lookup(f.From); field != nil {
		src.Label = field.Label()
	}
	return src, PointerValue(vars["form"], f.From), nil
}

// PointerValue is the value at a JSON pointer in decoded JSON, or nil.
func PointerValue(doc any, pointer string) any {
	cur := doc
	for _, tok := range pointerTokens(pointer) {
		switch v := cur.(type) {
		case map[string]any:
			cur = v[tok]
		case []any:
			var i int
			if _, err := fmt.Sscanf(tok, "%d", &i); err != nil || i < 0 || i >= len(v) {
				return nil
			}
			cur = v[i]
		default:
			return nil
		}
	}
	return cur
}

// SetPointer sets the value at a JSON pointer of object members, making the objects on the way.
func SetPointer(doc map[string]any, pointer string, v any) {
	toks := pointerTokens(pointer)
	cur := doc
	for _, tok := range toks[:len(toks)-1] {
		next, ok := cur[tok].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[tok] = next
		}
		cur = next
	}
	cur[toks[len(toks)-1]] = v
}

func pointerTokens(pointer string) []string {
	if pointer == "" {
		return nil
	}
	toks := strings.Split(strings.TrimPrefix(pointer, "/"), "/")
	for i, t := range toks {
		toks[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return toks
}

// OwnMaterialID names a member's own material in the combined form's material list.
func OwnMaterialID(member, material string) string { return member + "." + material }

func compileTheme(b *Bundle, t *ThemeDef, plan *Plan, cal *calendar.Calendar, r reporter) *ThemePlan {
	before := len(*r.problems)
	file := func(name string) string { return path.Join(t.Dir, name) }
	th := &t.Theme
	form, err := formschema.Compile(t.Slug+"/"+FormSchemaFile, t.FormSchema)
	if err != nil {
		var se *formschema.SchemaError
		if errors.As(err, &se) && len(se.Errors) > 0 {
			for _, e := range se.Errors {
				r.in(file(FormSchemaFile)).add(e.Pointer, "不是有效的 JSON Schema：%s", e.Message)
			}
		} else {
			r.in(file(FormSchemaFile)).add("", "表单 JSON Schema 无效：%v", err)
		}
		return nil
	}
	if form.Root().Type != "object" {
		r.in(file(FormSchemaFile)).add("/type", "表单的根必须是 object")
		return nil
	}
	tp := &ThemePlan{Def: t}
	rt := r.in(file(ThemeFile))
	if org := b.Org(th.Org.Code); org == nil {
		rt.add("/org/code", "机构 %s 不在 %s 中", th.Org.Code, OrgsFile)
	}
	if org := b.Org(th.Window.Org); org == nil {
		rt.add("/window/org", "机构 %s 不在 %s 中", th.Window.Org, OrgsFile)
	} else if !slices.Contains(org.Roles, th.windowRole()) {
		rt.add("/window/role", "机构 %s 没有岗位 %s", th.Window.Org, th.windowRole())
	}
	for _, o := range th.ServiceObjects {
		if !slices.Contains(ServiceObjects, o) {
			rt.add("/serviceObjects", "服务对象只能是 %s", strings.Join(ServiceObjects, "、"))
		}
	}
	ids := map[string]bool{}
	for i, m := range th.Members {
		at := fmt.Sprintf("/members/%d", i)
		if ids[m.ID] {
			rt.add(at+"/id", "成员标识 %s 重复", m.ID)
		}
		ids[m.ID] = true
		if m.MaxVersion > 0 && m.MaxVersion < m.MinVersion {
			rt.add(at+"/maxVersion", "最高版本不能小于最低版本 %d", m.MinVersion)
		}
		mp := plan.matters[m.Matter]
		if mp == nil {
			if !slices.ContainsFunc(b.Matters, func(d *MatterDef) bool { return d.Slug == m.Matter }) {
				rt.add(at+"/matter", "事项 %s 不在 %s/ 中", m.Matter, MattersDir)
			}
			continue // a member that does not compile is reported in its own files
		}
		tp.Members = append(tp.Members, &ThemeMemberPlan{ThemeMember: m, Plan: mp,
			Fills: map[string]*CompiledFill{}, Shared: map[string]string{}, Own: map[string]string{}})
	}
	if len(*r.problems) > before {
		return nil
	}
	materials := themeMaterials(tp, r.in(file(ThemeMaterialsFile)))
	synthetic := &MatterDef{Slug: t.Slug, Dir: t.Dir, FormSchema: t.FormSchema, FormUI: t.FormUI,
		Materials: Materials{Materials: materials}, Matter: Matter{
			Name: th.Name, Keywords: th.Keywords, Org: th.Org, ServiceObjects: th.ServiceObjects,
			PromisedLimitDays: th.PromisedLimitDays, AcceptanceConditions: th.Conditions, Content: th.Guide,
		}}
	matIDs := make([]string, len(materials))
	for i, m := range materials {
		matIDs[i] = m.ID
	}
	env := rules.NewEnv(form.Root(), matIDs, cal, nil)
	fp := &MatterPlan{Def: synthetic, Form: form, Env: env,
		FieldVisible: map[string]*rules.Program{}, SectionVisible: map[string]*rules.Program{},
		MaterialCondition: map[string]*rules.Program{}, LicenseHolder: map[string]*rules.Program{},
		Prints: map[string]*CompiledPrint{}}
	tp.Form = fp
	c := compiler{env: env, r: r}
	compileFormUI(b, synthetic, fp, c.in(file(FormUIFile)))
	cm := c.in(file(ThemeMaterialsFile))
	for i, sm := range t.Materials.Materials {
		if sm.LicenseHolder != "" {
			fp.LicenseHolder[sm.ID] = cm.compile(fmt.Sprintf("/materials/%d/licenseHolder", i), sm.LicenseHolder, rules.String)
		}
	}
	compileDependencies(tp, c.in(file(ThemeFile)))
	compileMappings(tp, c.in(file(MappingsFile)))
	if t.Sample != nil {
		for _, e := range form.ValidateJSON(t.Sample) {
			r.in(file(SampleFile)).add(e.Pointer, "%s", e.Message)
		}
	}
	if len(*r.problems) > before {
		return nil
	}
	hash, err := t.Hash()
	if err != nil {
		r.in(t.Dir).add("", "无法规范化：%v", err)
		return nil
	}
	tp.Hash, fp.Hash = hash, hash
	return tp
}

func (th *Theme) windowRole() string {
	if th.Window.Role == "" {
		return "clerk"
	}
	return th.Window.Role
}

// themeMaterials checks the shared materials and derives the combined form's material list:
// each shared material with the strictest rules of the members' it stands for, then each
// member's own uploads. It fills the members' Shared and Own maps and the guide's list.
func themeMaterials(tp *ThemePlan, r reporter) []Material {
	var out []Material
	taken := map[string]string{} // member/material -> shared id
	for i, sm := range tp.Def.Materials.Materials {
		at := fmt.Sprintf("/materials/%d", i)
		var parts []*Material
		var names []string
		for _, memberID := range sortedKeys(sm.Members) {
			matID := sm.Members[memberID]
			mem := tp.Member(memberID)
			if mem == nil {
				r.add(at+"/members/"+escapePointer(memberID), "成员 %s 不在 theme.json 中", memberID)
				continue
			}
			mat := materialOf(mem.Plan, matID)
			if mat == nil {
				r.add(at+"/members/"+escapePointer(memberID), "事项「%s」没有材料 %s", mem.Plan.Def.Matter.Name, matID)
				continue
			}
			if other, ok := taken[memberID+"/"+matID]; ok {
				r.add(at+"/members/"+escapePointer(memberID), "材料 %s 已由共享材料 %s 提供", matID, other)
				continue
			}
			parts = append(parts, mat)
			names = append(names, memberID)
		}
		if len(parts) < len(sm.Members) {
			continue
		}
		shared, problem := strictest(sm, parts)
		if problem != "" {
			r.add(at+"/members", "%s", problem)
			continue
		}
		for _, memberID := range names {
			matID := sm.Members[memberID]
			taken[memberID+"/"+matID] = sm.ID
			tp.Member(memberID).Shared[matID] = sm.ID
		}
		if shared.Source == "e-license" && sm.LicenseHolder == "" {
			r.add(at+"/licenseHolder", "电子证照类共享材料必须写明持证人 licenseHolder")
		}
		out = append(out, shared)
		tp.Materials = append(tp.Materials, ThemeMaterial{Material: shared, Members: names, Shared: true})
	}
	filled := map[string]bool{}
	for _, d := range tp.Def.Theme.Dependencies {
		filled[d.After+"/"+d.Material] = true
	}
	for _, mem := range tp.Members {
		for _, mat := range mem.Plan.Def.Materials.Materials {
			if _, ok := mem.Shared[mat.ID]; ok || filled[mem.ID+"/"+mat.ID] {
				continue
			}
			tp.Materials = append(tp.Materials, ThemeMaterial{Material: mat, Members: []string{mem.ID}})
			if mat.Source != "upload" {
				continue
			}
			own := mat
			own.ID = OwnMaterialID(mem.ID, mat.ID)
			own.Name = mat.Name + "（" + mem.Plan.Def.Matter.Name + "）"
			if own.Requirement == "conditional" {
				// The condition speaks of the member's form; the member checks it when it starts.
				own.Requirement, own.Condition = "optional", ""
			}
			own.Deferrable = false
			mem.Own[own.ID] = mat.ID
			out = append(out, own)
		}
	}
	return out
}

// strictest is the shared material standing for parts: the file types every part accepts, the
// smallest size limit, required when any part is.
func strictest(sm SharedMaterial, parts []*Material) (Material, string) {
	out := Material{ID: sm.ID, Name: sm.Name, Description: sm.Description, Requirement: "optional",
		Source: parts[0].Source, LicenseType: parts[0].LicenseType, Connector: parts[0].Connector, Form: parts[0].Form}
	var situations []string
	for i, p := range parts {
		if p.Source != out.Source || p.LicenseType != out.LicenseType {
			return out, fmt.Sprintf("成员材料的来源或证照类型不一致（%s 与 %s），不能共享", parts[0].ID, p.ID)
		}
		switch p.Requirement {
		case "required":
			out.Requirement = "required"
		case "conditional":
			situations = append(situations, p.Situation)
		}
		if i == 0 {
			out.FileTypes, out.MaxSizeMB = slices.Clone(p.FileTypes), p.SizeLimitMB()
			continue
		}
		out.FileTypes = slices.DeleteFunc(out.FileTypes, func(ft string) bool { return !slices.Contains(p.FileTypes, ft) })
		out.MaxSizeMB = min(out.MaxSizeMB, p.SizeLimitMB())
	}
	if out.Source == "upload" && len(out.FileTypes) == 0 {
		return out, "成员材料没有共同允许的文件类型，不能共享"
	}
	if out.Source != "upload" && out.Source != "e-license" {
		return out, "只有上传类和电子证照类材料可以共享"
	}
	if out.Requirement != "required" && len(situations) > 0 {
		out.Situation = strings.Join(situations, "；")
	}
	return out, ""
}

func materialOf(mp *MatterPlan, id string) *Material {
	for i := range mp.Def.Materials.Materials {
		if mp.Def.Materials.Materials[i].ID == id {
			return &mp.Def.Materials.Materials[i]
		}
	}
	return nil
}

// compileDependencies checks the 前后置 rules and stages, and gives every member the members it
// waits for; a cycle is a problem.
func compileDependencies(tp *ThemePlan, c compiler) {
	th := &tp.Def.Theme
	certEnv := c.with(map[string]types.Type{"certificate": LicenseType})
	for i, d := range th.Dependencies {
		at := fmt.Sprintf("/dependencies/%d", i)
		before, after := tp.Member(d.Before), tp.Member(d.After)
		if before == nil {
			c.r.add(at+"/before", "成员 %s 不在 members 中", d.Before)
		}
		if after == nil {
			c.r.add(at+"/after", "成员 %s 不在 members 中", d.After)
		}
		if before == nil || after == nil {
			continue
		}
		if d.Before == d.After {
			c.r.add(at+"/after", "成员不能以自己为前置")
			continue
		}
		if !hasCertificate(before.Plan) {
			c.r.add(at+"/before", "事项「%s」的流程没有制证环节，不能为后置事项提供证照", before.Plan.Def.Matter.Name)
		}
		fill := &CompiledFill{Material: d.Material}
		if d.Material != "" {
			switch mat := materialOf(after.Plan, d.Material); {
			case mat == nil:
				c.r.add(at+"/material", "事项「%s」没有材料 %s", after.Plan.Def.Matter.Name, d.Material)
			case mat.Source != "e-license" && mat.Source != "case":
				c.r.add(at+"/material", "材料 %s 的来源是 %s；由前置证照提供的材料应为电子证照（e-license）或办件结果（case）", d.Material, mat.Source)
			}
		}
		root := after.Plan.Form.Root()
		for _, ptr := range sortedKeys(d.Fields) {
			fat := at + "/fields/" + escapePointer(ptr)
			target := root.Lookup(ptr)
			if target == nil || ptr == "" {
				c.r.add(fat, "字段 %s 不在事项「%s」的表单中", ptr, after.Plan.Def.Matter.Name)
				continue
			}
			if p := certEnv.compile(fat, d.Fields[ptr], wantFor(target)); p != nil {
				fill.Fields = append(fill.Fields, CompiledMapping{Pointer: ptr, Expr: p})
			}
		}
		after.Fills[d.Before] = fill
		after.Before = append(after.Before, d.Before)
	}
	staged := map[string]string{}
	for i, st := range th.Stages {
		for j, id := range st.Members {
			at := fmt.Sprintf("/stages/%d/members/%d", i, j)
			m := tp.Member(id)
			switch {
			case m == nil:
				c.r.add(at, "成员 %s 不在 members 中", id)
				continue
			case staged[id] != "":
				c.r.add(at, "成员 %s 已在阶段 %s 中", id, staged[id])
				continue
			}
			staged[id] = st.ID
			if i > 0 {
				for _, prev := range th.Stages[i-1].Members {
					if !slices.Contains(m.Before, prev) {
						m.Before = append(m.Before, prev)
					}
				}
			}
		}
	}
	if cycle := dependencyCycle(tp); cycle != "" {
		c.r.add("/dependencies", "前后置关系成环：%s", cycle)
	}
}

func hasCertificate(mp *MatterPlan) bool {
	for _, n := range mp.Def.Workflow.Nodes {
		if n.Type == "certificate" {
			return true
		}
	}
	return false
}

func dependencyCycle(tp *ThemePlan) string {
	state := map[string]int{} // 1 visiting, 2 done
	var path []string
	var visit func(id string) bool
	visit = func(id string) bool {
		switch state[id] {
		case 1:
			path = append(path, id)
			return true
		case 2:
			return false
		}
		state[id] = 1
		path = append(path, id)
		if m := tp.Member(id); m != nil {
			for _, b := range m.Before {
				if visit(b) {
					return true
				}
			}
		}
		path = path[:len(path)-1]
		state[id] = 2
		return false
	}
	for _, m := range tp.Members {
		if visit(m.ID) {
			return strings.Join(path, " → ")
		}
	}
	return ""
}

// wantFor is what an expression filling a field of that shape must produce.
func wantFor(f *formschema.Field) rules.Want {
	switch f.Type {
	case "string":
		return rules.String
	case "number", "integer":
		return rules.Number
	case "boolean":
		return rules.Bool
	}
	return rules.Any
}

// compileMappings compiles every member's field mappings against both forms and reports each
// required member field that nothing fills.
func compileMappings(tp *ThemePlan, c compiler) {
	combined := tp.Form.Form.Root()
	for _, id := range sortedKeys(tp.Def.Mappings.Members) {
		if tp.Member(id) == nil {
			c.r.add("/members/"+escapePointer(id), "成员 %s 不在 theme.json 中", id)
		}
	}
	for _, mem := range tp.Members {
		mm := tp.Def.Mappings.Members[mem.ID]
		at := "/members/" + escapePointer(mem.ID)
		root := mem.Plan.Form.Root()
		for _, ptr := range sortedKeys(mm.Fields) {
			fm := mm.Fields[ptr]
			fat := at + "/fields/" + escapePointer(ptr)
			target := root.Lookup(ptr)
			if target == nil || ptr == "" {
				c.r.add(fat, "字段 %s 不在事项「%s」的表单中", ptr, mem.Plan.Def.Matter.Name)
				continue
			}
			switch {
			case (fm.From == "") == (fm.Expr == ""):
				c.r.add(fat, "请在 from（一表字段的 JSON 指针）和 expr（表达式）中写且只写一个")
			case fm.From != "":
				source := combined.Lookup(fm.From)
				if source == nil {
					c.r.add(fat+"/from", "字段 %s 不在一表 form.schema.json 中", fm.From)
				} else if !compatible(source.Type, target.Type) {
					c.r.add(fat+"/from", "一表字段 %s 的类型为 %s，不能填入类型为 %s 的字段", fm.From, typeName(source.Type), typeName(target.Type))
				} else {
					mem.Fields = append(mem.Fields, CompiledMapping{Pointer: ptr, From: fm.From})
				}
			default:
				if p := c.compile(fat+"/expr", fm.Expr, wantFor(target)); p != nil {
					mem.Fields = append(mem.Fields, CompiledMapping{Pointer: ptr, Expr: p})
				}
			}
		}
		for i, ptr := range mm.SelfAsked {
			if root.Lookup(ptr) == nil || ptr == "" {
				c.r.add(fmt.Sprintf("%s/selfAsked/%d", at, i), "字段 %s 不在事项「%s」的表单中", ptr, mem.Plan.Def.Matter.Name)
			}
		}
		mem.SelfAsked = mm.SelfAsked
		filled := map[string]bool{}
		for ptr := range mm.Fields {
			filled[ptr] = true
		}
		for _, d := range tp.Def.Theme.Dependencies {
			if d.After == mem.ID {
				for ptr := range d.Fields {
					filled[ptr] = true
				}
			}
		}
		for _, ptr := range mm.SelfAsked {
			filled[ptr] = true
		}
		for _, missing := range unfilledRequired(root, "", filled) {
			c.r.add(at+"/fields", "事项「%s」的必填字段 %s（%s）没有映射，也未声明由该事项自行补充（selfAsked）",
				mem.Plan.Def.Matter.Name, missing.pointer, missing.label)
		}
	}
}

type unfilled struct{ pointer, label string }

// unfilledRequired lists the required fields under f that neither a mapping of their own nor
// one of an enclosing object fills.
func unfilledRequired(f *formschema.Field, at string, filled map[string]bool) []unfilled {
	var out []unfilled
	for _, p := range f.Properties {
		ptr := at + "/" + escapePointer(p.Name)
		if filled[ptr] || !p.Required {
			continue
		}
		if p.Type == "object" && hasFilledUnder(filled, ptr) {
			out = append(out, unfilledRequired(p, ptr, filled)...)
			continue
		}
		out = append(out, unfilled{ptr, p.Label()})
	}
	return out
}

func hasFilledUnder(filled map[string]bool, ptr string) bool {
	for f := range filled {
		if strings.HasPrefix(f, ptr+"/") {
			return true
		}
	}
	return false
}

func compatible(from, to string) bool {
	return from == "" || to == "" || from == to || (from == "integer" && to == "number")
}

func typeName(t string) string {
	if name, ok := map[string]string{"string": "文本", "number": "数字", "integer": "整数", "boolean": "是/否", "object": "对象", "array": "列表"}[t]; ok {
		return name
	}
	return "任意"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Hash is the content hash of a theme's files in canonical form.
func (t *ThemeDef) Hash() (string, error) {
	files, err := t.CanonicalFiles()
	if err != nil {
		return "", err
	}
	return FilesHash(files), nil
}

// CanonicalFiles returns every file of the theme in canonical form, by path relative to the
// theme folder.
func (t *ThemeDef) CanonicalFiles() (map[string][]byte, error) {
	return canonicalFiles(
		map[string]any{ThemeFile: t.Theme, FormUIFile: t.FormUI, MappingsFile: t.Mappings, ThemeMaterialsFile: t.Materials},
		map[string][]byte{FormSchemaFile: t.FormSchema, SampleFile: t.Sample})
}
