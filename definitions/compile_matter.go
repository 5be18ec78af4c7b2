package definitions

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/expr-lang/expr/types"

	"github.com/xuchang-gov/tongban/definitions/calendar"
	"github.com/xuchang-gov/tongban/definitions/cn"
	"github.com/xuchang-gov/tongban/definitions/formschema"
	"github.com/xuchang-gov/tongban/definitions/rules"
)

var timeZero time.Time

// compiler compiles the expressions of one file, reporting each failure at its pointer. When
// sites is set it also notes where each expression stands, for ExpressionAt.
type compiler struct {
	env   *rules.Env
	r     reporter
	sites map[string]ExpressionSite
}

func (c compiler) compile(pointer, source string, want rules.Want) *rules.Program {
	if c.sites != nil {
		c.sites[c.r.file+"#"+pointer] = ExpressionSite{Env: c.env, Want: want}
	}
	p, err := c.env.Compile(source, want)
	if err != nil {
		c.report(pointer, err.(*rules.Error))
		return nil
	}
	return p
}

// template compiles a message template, reporting a failure at its pointer as compile does.
func (c compiler) template(pointer, source string) *rules.Template {
	t, err := c.env.CompileTemplate(source)
	if err != nil {
		c.report(pointer, err.(*rules.Error))
		return nil
	}
	return t
}

func (c compiler) report(pointer string, e *rules.Error) {
	*c.r.problems = append(*c.r.problems, Problem{
		File: c.r.file, Pointer: pointer, Message: "表达式错误：" + e.Message,
		Line: e.Line, Column: e.Column, Snippet: e.Snippet,
	})
}

func (c compiler) in(file string) compiler {
	return compiler{env: c.env, r: c.r.in(file), sites: c.sites}
}

func (c compiler) with(extra map[string]types.Type) compiler {
	return compiler{env: c.env.With(extra), r: c.r, sites: c.sites}
}

func compileMatter(b *Bundle, m *MatterDef, cal *calendar.Calendar, r reporter) *MatterPlan {
	before := len(*r.problems)
	mp := compileMatterNoting(b, m, cal, r, nil)
	if len(*r.problems) > before {
		return nil
	}
	return mp
}

// compileMatterNoting compiles a matter, noting in sites (when not nil) where each of its
// expressions stands. The plan it returns is complete only when it reported no problem; with
// problems it holds what did compile (nil when the form schema does not).
func compileMatterNoting(b *Bundle, m *MatterDef, cal *calendar.Calendar, r reporter, sites map[string]ExpressionSite) *MatterPlan {
	form, err := formschema.Compile(m.Slug+"/"+FormSchemaFile, m.FormSchema)
	if err != nil {
		var se *formschema.SchemaError
		if errors.As(err, &se) && len(se.Errors) > 0 {
			for _, e := range se.Errors {
				r.in(m.file(FormSchemaFile)).add(e.Pointer, "不是有效的 JSON Schema：%s", e.Message)
			}
		} else {
			r.in(m.file(FormSchemaFile)).add("", "表单 JSON Schema 无效：%v", err)
		}
		return nil
	}
	if form.Root().Type != "object" {
		r.in(m.file(FormSchemaFile)).add("/type", "表单的根必须是 object")
		return nil
	}
	ids := make([]string, len(m.Materials.Materials))
	for i, mat := range m.Materials.Materials {
		ids[i] = mat.ID
	}
	env := rules.NewEnv(form.Root(), ids, cal, nil)
	hash, err := m.Hash()
	if err != nil {
		r.in(m.Dir).add("", "无法规范化：%v", err)
		return nil
	}
	mp := &MatterPlan{
		Def: m, Hash: hash, Form: form, Env: env,
		FieldVisible: map[string]*rules.Program{}, SectionVisible: map[string]*rules.Program{},
		MaterialCondition: map[string]*rules.Program{}, LicenseHolder: map[string]*rules.Program{},
		Prints: map[string]*CompiledPrint{},
	}
	env = env.With(map[string]types.Type{"tasks": compileTaskForms(m, mp, r.in(m.file(WorkflowFile)))})
	env = compileValues(m, mp, env, compiler{env: env, r: r.in(m.file(MatterFile)), sites: sites})
	mp.Env = env
	c := compiler{env: env, r: r, sites: sites}
	checkMatterCatalog(b, m, r.in(m.file(MatterFile)))
	compileFormUI(b, m, mp, c.in(m.file(FormUIFile)))
	compileMaterials(b, m, mp, c.in(m.file(MaterialsFile)))
	compileFees(m, mp, c.in(m.file(FeesFile)))
	mp.Workflow = compileWorkflow(b, m, c.in(m.file(WorkflowFile)))
	printEnv := PrintVariables
	for name, t := range b.Prints {
		if _, own := m.Prints[name]; !own {
			// A shared template must compile for every matter; say for which one it does not.
			shared := c.in(PrintDir + "/" + name + ".json").with(printEnv)
			before := len(*r.problems)
			mp.Prints[name] = compilePrint(t, shared)
			for i := before; i < len(*r.problems); i++ {
				(*r.problems)[i].Message = "（用于事项 " + m.Slug + " 时）" + (*r.problems)[i].Message
			}
		}
	}
	for name, t := range m.Prints {
		mp.Prints[name] = compilePrint(t, c.in(m.file(PrintDir+"/"+name+".json")).with(printEnv))
	}
	compileDocuments(b, m, mp, c.in(m.file(MatterFile)))
	if m.Sample != nil {
		for _, e := range form.ValidateJSON(m.Sample) {
			r.in(m.file(SampleFile)).add(e.Pointer, "%s", e.Message)
		}
	}
	return mp
}

func checkMatterCatalog(b *Bundle, m *MatterDef, r reporter) {
	mt := &m.Matter
	if org := b.Org(mt.Org.Code); org == nil {
		r.add("/org/code", "机构 %s 不在 %s 中", mt.Org.Code, OrgsFile)
	} else if org.DivisionCode != mt.Org.DivisionCode {
		r.add("/org/divisionCode", "与 %s 中该机构的行政区划 %s 不一致", OrgsFile, org.DivisionCode)
	}
	if !cn.ValidDivisionCode(mt.Org.DivisionCode) {
		r.add("/org/divisionCode", "不是有效的行政区划代码")
	}
	for i, code := range mt.CrossRegion {
		switch org := b.Org(code); {
		case org == nil:
			r.add(fmt.Sprintf("/crossRegion/%d", i), "机构 %s 不在 %s 中", code, OrgsFile)
		case code == mt.Org.Code:
			r.add(fmt.Sprintf("/crossRegion/%d", i), "实施机构本身不必列为跨域受理窗口")
		case !slices.Contains(org.Roles, "clerk"):
			r.add(fmt.Sprintf("/crossRegion/%d", i), "机构 %s 没有窗口受理岗（clerk）", code)
		}
	}
	if mt.LegalLimitDays > 0 && mt.PromisedLimitDays > mt.LegalLimitDays {
		r.add("/promisedLimitDays", "承诺时限（%d 个工作日）不能超过法定时限（%d 个工作日）", mt.PromisedLimitDays, mt.LegalLimitDays)
	}
	if _, err := ParseLicenseNumberPattern(mt.LicenseNumberPattern); err != nil {
		r.add("/licenseNumberPattern", "证照编号规则有误：%v", err)
	}
	if _, err := time.Parse(time.DateOnly, mt.EffectiveFrom); err != nil {
		r.add("/effectiveFrom", "不是有效的日期（格式为 2026-01-31）")
	}
	for i, f := range m.Fees.Items {
		if !mt.Fee.Charged && f.Kind == "administrative" {
			r.in(m.file(FeesFile)).add(fmt.Sprintf("/items/%d/kind", i), "matter.json 标明不收费，但这是行政事业性收费项目")
		}
	}
	// An assisted matter without an assisted node is not refused: first-edition versions,
	// published when assisted was only a label, must keep compiling.
	if mt.ApprovalMode == "auto" && !hasRuleNode(m.Workflow, "auto") {
		r.add("/approvalMode", "智能秒批（auto）的事项，流程中必须有 auto 节点")
	}
}

// hasRuleNode tells whether the workflow has an auto node in that mode.
func hasRuleNode(w Workflow, mode string) bool {
	for _, n := range w.Nodes {
		if n.Type == "auto" && n.RuleMode() == mode {
			return true
		}
	}
	return false
}

// fieldAt resolves a UI field path ("operator.name", "staff[].idNumber") in the form shape.
func fieldAt(root *formschema.Field, fieldPath string) *formschema.Field {
	cur := root
	for _, part := range strings.Split(fieldPath, ".") {
		name, isList := strings.CutSuffix(part, "[]")
		if cur = cur.Property(name); cur == nil {
			return nil
		}
		if isList {
			if cur.Type != "array" || cur.Items == nil {
				return nil
			}
			cur = cur.Items
		}
	}
	return cur
}

func compileFormUI(b *Bundle, m *MatterDef, mp *MatterPlan, c compiler) {
	root := mp.Form.Root()
	placed := map[string]bool{}
	sectionIDs := map[string]bool{}
	for i, s := range m.FormUI.Sections {
		at := fmt.Sprintf("/sections/%d", i)
		if sectionIDs[s.ID] {
			c.r.add(at+"/id", "分组标识 %s 重复", s.ID)
		}
		sectionIDs[s.ID] = true
		for j, f := range s.Fields {
			if fieldAt(root, f) == nil {
				c.r.add(fmt.Sprintf("%s/fields/%d", at, j), "字段 %s 不在表单 form.schema.json 中", f)
			}
			placed[f] = true
		}
		if s.Visible != "" {
			mp.SectionVisible[s.ID] = c.compile(at+"/visible", s.Visible, rules.Bool)
		}
	}
	for f, ui := range m.FormUI.Fields {
		at := "/fields/" + escapePointer(f)
		if fieldAt(root, f) == nil {
			c.r.add(at, "字段 %s 不在表单 form.schema.json 中", f)
			continue
		}
		if ui.Visible != "" {
			extra := c
			if strings.Contains(f, "[]") {
				extra = c.with(map[string]types.Type{"row": types.Any})
			}
			mp.FieldVisible[f] = extra.compile(at+"/visible", ui.Visible, rules.Bool)
		}
	}
	for _, p := range root.Properties {
		if !placed[p.Name] && !placedUnder(placed, p.Name) {
			c.r.add("/sections", "表单字段 %s 没有放进任何分组，申请人将看不到它", p.Name)
		}
	}
	for i, p := range m.FormUI.Prefill {
		at := fmt.Sprintf("/prefill/%d", i)
		if fieldAt(root, p.Field) == nil {
			c.r.add(at+"/field", "字段 %s 不在表单 form.schema.json 中", p.Field)
		}
		cp := CompiledPrefill{Prefill: p}
		if p.From == "applicant" {
			cp.Value = c.compile(at+"/value", p.Value, rules.Any)
		} else {
			conn := b.Connector(p.From)
			switch {
			case conn == nil:
				c.r.add(at+"/from", "连接器 %s 不存在（应为 applicant 或 connectors/ 下的查询类连接器）", p.From)
			case conn.Kind != "lookup":
				c.r.add(at+"/from", "连接器 %s 是 %s 类，预填只能用查询类（lookup）", p.From, conn.Kind)
			}
			if p.Key == "" {
				c.r.add(at+"/key", "用连接器预填时必须给出查询键 key")
			} else {
				cp.Key = c.compile(at+"/key", p.Key, rules.String)
			}
			cp.Value = c.with(map[string]types.Type{"response": types.Any}).compile(at+"/value", p.Value, rules.Any)
		}
		mp.Prefill = append(mp.Prefill, cp)
	}
}

func placedUnder(placed map[string]bool, name string) bool {
	for f := range placed {
		if strings.HasPrefix(f, name+".") || strings.HasPrefix(f, name+"[]") {
			return true
		}
	}
	return false
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func compileMaterials(b *Bundle, m *MatterDef, mp *MatterPlan, c compiler) {
	seen := map[string]bool{}
	for i, mat := range m.Materials.Materials {
		at := fmt.Sprintf("/materials/%d", i)
		if seen[mat.ID] {
			c.r.add(at+"/id", "材料标识 %s 重复", mat.ID)
		}
		seen[mat.ID] = true
		switch {
		case mat.Requirement == "conditional" && mat.Condition == "":
			c.r.add(at+"/condition", "有条件的材料必须写明适用条件 condition")
		case mat.Requirement != "conditional" && mat.Condition != "":
			c.r.add(at+"/condition", "只有 requirement 为 conditional 的材料才有适用条件")
		case mat.Condition != "":
			mp.MaterialCondition[mat.ID] = c.compile(at+"/condition", mat.Condition, rules.Bool)
		}
		if mat.Source == "e-license" {
			if mat.LicenseType == "" {
				c.r.add(at+"/licenseType", "来源为电子证照的材料必须写明证照类型 licenseType")
			}
			switch conn := b.Connector(mat.Connector); {
			case mat.Connector == "":
				c.r.add(at+"/connector", "来源为电子证照的材料必须写明从哪个电子证照库连接器获取 connector")
			case conn == nil:
				c.r.add(at+"/connector", "连接器 %s 不在 %s/ 中", mat.Connector, ConnectorsDir)
			case conn.Kind != "lookup":
				c.r.add(at+"/connector", "连接器 %s 是 %s 类，获取电子证照需要查询类（lookup）", mat.Connector, conn.Kind)
			}
			if mat.LicenseHolder == "" {
				c.r.add(at+"/licenseHolder", "来源为电子证照的材料必须写明持证人 licenseHolder")
			} else {
				mp.LicenseHolder[mat.ID] = c.compile(at+"/licenseHolder", mat.LicenseHolder, rules.String)
			}
		}
		if mat.Deferrable && mat.DeferDays.IsZero() {
			c.r.add(at+"/deferDays", "允许容缺的材料必须写明补交时限 deferDays")
		}
		checkFollowUp(b, m, c, at, &mat)
		switch {
		case mat.Fallback != "" && mat.Source != "e-license":
			c.r.add(at+"/fallback", "只有来源为电子证照（e-license）的材料才有未能获取时的替代方式 fallback")
		case mat.Fallback == "upload" && len(mat.FileTypes) == 0:
			c.r.add(at+"/fileTypes", "电子证照库未能获取时接受上传（fallback: upload），必须写明允许的文件类型")
		case mat.Source == "upload" && len(mat.FileTypes) == 0:
			c.r.add(at+"/fileTypes", "需要上传的材料必须写明允许的文件类型")
		}
	}
}

func compileFees(m *MatterDef, mp *MatterPlan, c compiler) {
	seen := map[string]bool{}
	for i, f := range m.Fees.Items {
		at := fmt.Sprintf("/items/%d", i)
		if seen[f.ID] {
			c.r.add(at+"/id", "收费项目标识 %s 重复", f.ID)
		}
		seen[f.ID] = true
		cf := CompiledFee{FeeItem: f, Amount: c.compile(at+"/amount", f.Amount, rules.Number)}
		if f.Condition != "" {
			cf.Condition = c.compile(at+"/condition", f.Condition, rules.Bool)
		}
		mp.Fees = append(mp.Fees, cf)
	}
}

var pageSizesMM = map[string][2]float64{"A3": {297, 420}, "A4": {210, 297}, "A5": {148, 210}}

func pageSize(p Page) (w, h float64) {
	if p.Size == "custom" {
		w, h = p.WidthMM, p.HeightMM
	} else {
		s := pageSizesMM[p.Size]
		w, h = s[0], s[1]
	}
	if p.Orientation == "landscape" {
		w, h = h, w
	}
	return w, h
}

func compilePrint(t *PrintTemplate, c compiler) *CompiledPrint {
	cp := &CompiledPrint{Template: t, Values: map[int]*rules.Program{}, Rows: map[int]*rules.Program{}, Columns: map[int][]*rules.Program{}}
	if t.Page.Size == "custom" && (t.Page.WidthMM == 0 || t.Page.HeightMM == 0) {
		c.r.add("/page", "自定义纸张必须给出宽 widthMm 和高 heightMm")
	}
	pw, ph := pageSize(t.Page)
	for i, e := range t.Elements {
		at := fmt.Sprintf("/elements/%d", i)
		if e.Public {
			cp.Public = append(cp.Public, i)
			if e.Type == "image" || e.Type == "seal" || e.Type == "line" || e.Type == "box" || e.Type == "table" {
				c.r.add(at+"/public", "只有文字和二维码元素可以标为公开显示 public")
			}
		}
		if e.X < 0 || e.Y < 0 || e.X+e.W > pw+0.01 || e.Y+e.H > ph+0.01 {
			c.r.add(at, "元素超出纸张范围（纸张 %.0f×%.0f 毫米）", pw, ph)
		}
		switch e.Type {
		case "text", "multiline", "qr", "image", "seal":
			if e.Value == "" {
				c.r.add(at+"/value", "%s 元素必须有内容 value", e.Type)
			} else {
				cp.Values[i] = c.compile(at+"/value", e.Value, rules.Any)
			}
		case "table":
			if e.Rows == "" || len(e.Columns) == 0 {
				c.r.add(at, "表格必须有行 rows 和列 columns")
				continue
			}
			cp.Rows[i] = c.compile(at+"/rows", e.Rows, rules.Any)
			rowc := c.with(map[string]types.Type{"row": types.Any})
			for j, col := range e.Columns {
				cp.Columns[i] = append(cp.Columns[i], rowc.compile(fmt.Sprintf("%s/columns/%d/value", at, j), col.Value, rules.Any))
			}
		}
	}
	return cp
}

func checkOrgs(b *Bundle, r reporter) {
	codes := map[string]bool{}
	for i, o := range b.Orgs.Orgs {
		if codes[o.Code] {
			r.add(fmt.Sprintf("/orgs/%d/code", i), "机构编码 %s 重复", o.Code)
		}
		codes[o.Code] = true
		if !cn.ValidDivisionCode(o.DivisionCode) {
			r.add(fmt.Sprintf("/orgs/%d/divisionCode", i), "不是有效的行政区划代码")
		}
	}
	for i, o := range b.Orgs.Orgs {
		if o.Parent != "" && !codes[o.Parent] {
			r.add(fmt.Sprintf("/orgs/%d/parent", i), "上级机构 %s 不存在", o.Parent)
		}
		if o.Supervises != "" && !codes[o.Supervises] {
			r.add(fmt.Sprintf("/orgs/%d/supervises", i), "督办范围机构 %s 不存在", o.Supervises)
		}
	}
}

func checkConnectors(b *Bundle, cal *calendar.Calendar, r reporter) {
	env := rules.NewEnv(&formschema.Field{Type: "object"}, nil, cal, map[string]types.Type{"response": types.Any, "input": types.Any})
	for _, conn := range b.Connectors {
		cr := r.in(ConnectorsDir + "/" + conn.Name + ".json")
		c := compiler{env: env, r: cr}
		if conn.Kind != "callback" && (conn.URL == "" || conn.Method == "") {
			cr.add("/url", "%s 类连接器必须有地址 url 和方法 method", conn.Kind)
		}
		if conn.Request != "" {
			c.compile("/request", conn.Request, rules.Any)
		}
		if conn.Response != "" {
			c.compile("/response", conn.Response, rules.Any)
		}
		for _, p := range conn.Problems() {
			cr.add(p.Pointer, "%s", p.Message)
		}
	}
}

// canonicalJSON lays out JSON without reordering keys, for files whose shape is open (the form
// schema and samples).
func canonicalJSON(raw []byte) ([]byte, error) { return pretty(raw) }
