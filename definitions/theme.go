package definitions

import "encoding/json"

// The files of a theme folder, themes/<slug>/ (一件事): the catalog entry with its members, the
// combined form (一表) as a matter's form is written, how the combined form fills each member's
// form, and the materials asked once for several members.
const (
	ThemesDir          = "themes"
	ThemeFile          = "theme.json"
	MappingsFile       = "mappings.json"
	ThemeMaterialsFile = MaterialsFile
)

// Theme is theme.json: a 一件事 — several matters the applicant handles as one, with one form,
// one acceptance and one set of shared materials.
type Theme struct {
	Schema      string   `json:"$schema,omitempty"`
	Name        string   `json:"name" jsonschema:"title=主题名称,minLength=2"`
	Code        string   `json:"code" jsonschema:"title=主题编码,pattern=^[0-9A-Z]{6}[0-9A-Z]*$"`
	Description string   `json:"description,omitempty" jsonschema:"title=说明（给事项梳理人员看的备注）"`
	Keywords    []string `json:"keywords,omitempty" jsonschema:"title=搜索关键词"`
	// Org is the leading org (牵头部门) that coordinates the theme.
	Org            Org      `json:"org" jsonschema:"title=牵头部门"`
	ServiceObjects []string `json:"serviceObjects" jsonschema:"title=服务对象,minItems=1,uniqueItems=true"`
	// PromisedLimitDays is the theme's promised limit in working days, counted from acceptance.
	PromisedLimitDays int      `json:"promisedLimitDays" jsonschema:"title=承诺办结时限（工作日）,minimum=0"`
	Guide             string   `json:"guide" jsonschema:"title=办事指南（申请人阅读）,minLength=2"`
	Conditions        []string `json:"conditions" jsonschema:"title=办理条件,minItems=1"`
	// Window is where the theme is accepted once for all members (综合受理): its clerks accept
	// the acceptance step of every member case.
	Window       ThemeWindow       `json:"window" jsonschema:"title=综合受理窗口"`
	Members      []ThemeMember     `json:"members" jsonschema:"title=成员事项,minItems=2"`
	Dependencies []ThemeDependency `json:"dependencies,omitempty" jsonschema:"title=前后置关系"`
	Stages       []ThemeStage      `json:"stages,omitempty" jsonschema:"title=阶段（投资项目）"`
	// Delivery is whether the members' certificates reach the applicant together when the
	// theme concludes (统一出件) or each as it is issued.
	Delivery string `json:"delivery" jsonschema:"title=出件方式,enum=together,enum=each,description=together 统一出件；each 逐项出件"`
}

// ThemeWindow names the org and role whose staff accept theme cases.
type ThemeWindow struct {
	Org  string `json:"org" jsonschema:"title=受理机构（orgs.json 中的编码）"`
	Role string `json:"role" jsonschema:"title=受理岗位,default=clerk"`
}

// ThemeMember is one matter of a theme and the published versions of it the theme accepts.
type ThemeMember struct {
	// ID names the member in mappings, materials and dependencies.
	ID     string `json:"id" jsonschema:"title=成员标识,pattern=^[a-z][a-zA-Z0-9]*$"`
	Matter string `json:"matter" jsonschema:"title=事项（matters/ 下的目录名）"`
	// MinVersion and MaxVersion bound the published versions a member case may be pinned to;
	// MaxVersion 0 accepts every later version.
	MinVersion int `json:"minVersion,omitempty" jsonschema:"title=最低版本,minimum=0"`
	MaxVersion int `json:"maxVersion,omitempty" jsonschema:"title=最高版本（0 不限）,minimum=0"`
}

// ThemeDependency is a 前后置 rule: After starts only when Before has concluded approved, and
// Before's certificate fills After's named material and fields.
type ThemeDependency struct {
	Before string `json:"before" jsonschema:"title=前置成员"`
	After  string `json:"after" jsonschema:"title=后置成员"`
	// Material is After's material that Before's certificate provides (an e-license or case
	// material).
	Material string `json:"material,omitempty" jsonschema:"title=由前置证照提供的材料"`
	// Fields fill After's form: by JSON pointer into After's form, an expression over
	// `certificate` (the license issued to Before) and `form` (the combined form).
	Fields map[string]string `json:"fields,omitempty" jsonschema:"title=由前置证照填写的字段（键为后置事项表单的 JSON 指针）"`
}

// ThemeStage is one stage of an investment project: a group of members that run in parallel
// and open when the stage before has concluded.
type ThemeStage struct {
	ID      string   `json:"id" jsonschema:"title=阶段标识,pattern=^[a-z][a-zA-Z0-9]*$"`
	Name    string   `json:"name" jsonschema:"title=阶段名称"`
	Members []string `json:"members" jsonschema:"title=成员,minItems=1"`
}

// Mappings is mappings.json: how the combined form fills each member's form.
type Mappings struct {
	Schema  string                   `json:"$schema,omitempty"`
	Members map[string]MemberMapping `json:"members" jsonschema:"title=各成员事项的字段映射（键为成员标识）"`
}

// MemberMapping fills one member's form. Fields are keyed by JSON pointer into the member's
// form; SelfAsked lists the member's required fields nothing fills because the member's staff
// ask for them themselves.
type MemberMapping struct {
	Fields    map[string]FieldMapping `json:"fields" jsonschema:"title=字段（键为成员表单的 JSON 指针）"`
	SelfAsked []string                `json:"selfAsked,omitempty" jsonschema:"title=由成员事项自行补充的必填字段（JSON 指针）"`
}

// FieldMapping is where one member field's value comes from: a JSON pointer into the combined
// form (copied as it is) or an expression over the combined form.
type FieldMapping struct {
	From string `json:"from,omitempty" jsonschema:"title=一表字段（JSON 指针）"`
	Expr string `json:"expr,omitempty" jsonschema:"title=表达式"`
}

// ThemeMaterials is a theme's materials.json: materials asked once that satisfy named
// materials of several members.
type ThemeMaterials struct {
	Schema      string           `json:"$schema,omitempty"`
	Description string           `json:"description,omitempty" jsonschema:"title=说明"`
	Materials   []SharedMaterial `json:"materials" jsonschema:"title=共享材料"`
}

// SharedMaterial is one material shared by members. Its file rules are the strictest of the
// members' (the file types all accept, the smallest size limit, required if any requires it).
type SharedMaterial struct {
	ID          string `json:"id" jsonschema:"title=材料标识,pattern=^[a-z][a-zA-Z0-9]*$"`
	Name        string `json:"name" jsonschema:"title=材料名称"`
	Description string `json:"description,omitempty" jsonschema:"title=填报说明"`
	// Members maps member id to that member's material id.
	Members map[string]string `json:"members" jsonschema:"title=对应的成员材料（键为成员标识，值为其材料标识）,minProperties=2"`
	// LicenseHolder names whose e-license to fetch, over the combined form, when the members'
	// materials are e-licenses.
	LicenseHolder string `json:"licenseHolder,omitempty" jsonschema:"title=证照持有人（表达式，电子证照材料）"`
}

// ThemeDef is one theme folder as decoded, before it is checked.
type ThemeDef struct {
	Slug       string
	Dir        string
	Theme      Theme
	FormSchema json.RawMessage
	FormUI     FormUI
	Mappings   Mappings
	Materials  ThemeMaterials
	Sample     json.RawMessage
}
