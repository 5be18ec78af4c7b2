package definitions

// The allowed values of the catalog's list fields. The format schema lists them as the enum of
// each list's items (struct tags cannot say that).
var (
	Levels          = []string{"国家级", "省级", "市级", "县级", "乡级", "村级"}
	ServiceObjects  = []string{"自然人", "法人"}
	HandlingForms   = []string{"窗口办理", "网上办理", "快递申请"}
	DeliveryMethods = []string{"窗口领取", "邮政快递", "电子送达"}
)

// ListEnums maps each catalog list field (by JSON name) to its allowed values.
var ListEnums = map[string][]string{
	"level": Levels, "serviceObjects": ServiceObjects, "handlingForms": HandlingForms, "delivery": DeliveryMethods,
}

// Matter is matter.json: the catalog data of requirement 4.3.1 plus how the matter is
// approved. Keys appear in the file in this order. Fields tagged catalog:"-" are rules rather
// than catalog data: the Excel catalog leaves them out and its import keeps them as they are.
type Matter struct {
	Schema             string   `json:"$schema,omitempty"`
	Name               string   `json:"name" jsonschema:"title=事项名称,minLength=2"`
	ShortName          string   `json:"shortName,omitempty" jsonschema:"title=简称"`
	Description        string   `json:"description,omitempty" jsonschema:"title=说明（给事项梳理人员看的备注）"`
	Keywords           []string `json:"keywords,omitempty" jsonschema:"title=搜索关键词"`
	BasicCode          string   `json:"basicCode" jsonschema:"title=基本编码,pattern=^[0-9A-Z]{6}[0-9A-Z]*$"`
	ImplementationCode string   `json:"implementationCode" jsonschema:"title=实施编码,pattern=^[0-9A-Z]{12}[0-9A-Z]*$"`
	Type               string   `json:"type" jsonschema:"title=事项类型,enum=行政许可,enum=行政给付,enum=行政确认,enum=行政征收,enum=行政奖励,enum=行政裁决,enum=其他行政权力,enum=公共服务"`
	Basis              []string `json:"basis" jsonschema:"title=设定依据,minItems=1"`
	Level              []string `json:"level" jsonschema:"title=行使层级,minItems=1,uniqueItems=true"`
	Content            string   `json:"content,omitempty" jsonschema:"title=行使内容"`
	Org                Org      `json:"org" jsonschema:"title=实施机构"`
	SubjectNature      string   `json:"subjectNature" jsonschema:"title=实施主体性质,enum=法定机关,enum=授权组织,enum=受委托组织"`
	LegalLimitDays     int      `json:"legalLimitDays" jsonschema:"title=法定办结时限（工作日）,minimum=0"`
	PromisedLimitDays  int      `json:"promisedLimitDays" jsonschema:"title=承诺办结时限（工作日）,minimum=0"`
	// LimitNote explains what the limits leave out, e.g. that on-site inspection is not counted.
	LimitNote            string   `json:"limitNote,omitempty" jsonschema:"title=时限说明"`
	AcceptanceConditions []string `json:"acceptanceConditions" jsonschema:"title=受理条件,minItems=1"`
	JointOrgs            []string `json:"jointOrgs,omitempty" jsonschema:"title=联办机构"`
	IntermediaryServices []string `json:"intermediaryServices,omitempty" jsonschema:"title=中介服务"`
	QuantityLimit        string   `json:"quantityLimit,omitempty" jsonschema:"title=数量限制"`
	Result               Result   `json:"result" jsonschema:"title=审批结果"`
	Fee                  FeeInfo  `json:"fee" jsonschema:"title=收费"`
	ServiceObjects       []string `json:"serviceObjects" jsonschema:"title=服务对象,minItems=1,uniqueItems=true"`
	CaseType             string   `json:"caseType" jsonschema:"title=办件类型,enum=即办件,enum=承诺件"`
	HandlingForms        []string `json:"handlingForms" jsonschema:"title=办理形式,minItems=1,uniqueItems=true"`
	// CrossRegion lists the other orgs whose windows may accept this matter for the implementing
	// org (跨域通办): the case is routed to the implementing org with the accepting window kept.
	CrossRegion []string `json:"crossRegion,omitempty" jsonschema:"title=跨域通办受理窗口,uniqueItems=true,description=可代为受理本事项的其他机构（其窗口受理后办件流转到实施机构办理）"`
	// Visits is how many times at most the applicant must come in person (到办事现场次数); 0 is
	// 零跑动, which with 网上办理 makes the matter fully online (一网通办). nil is undeclared.
	Visits                *int     `json:"visits,omitempty" jsonschema:"title=到办事现场次数,minimum=0,description=申请人最多到现场几次；0 为零跑动（可网办时即全程网办）"`
	Supports              Supports `json:"supports" jsonschema:"title=支持的服务"`
	RunningSystem         string   `json:"runningSystem,omitempty" jsonschema:"title=运行系统"`
	Place                 string   `json:"place" jsonschema:"title=办理地点"`
	Hours                 string   `json:"hours" jsonschema:"title=办理时间"`
	ConsultationPhone     string   `json:"consultationPhone" jsonschema:"title=咨询电话"`
	SupervisionPhone      string   `json:"supervisionPhone" jsonschema:"title=监督投诉电话"`
	ProcessDescription    string   `json:"processDescription,omitempty" jsonschema:"title=内部流程描述"`
	FAQs                  []FAQ    `json:"faqs,omitempty" jsonschema:"title=常见问题"`
	UpdateType            string   `json:"updateType,omitempty" jsonschema:"title=权力更新类型,enum=新增,enum=变更,enum=取消"`
	Version               string   `json:"version" jsonschema:"title=版本号"`
	EffectiveFrom         string   `json:"effectiveFrom" jsonschema:"title=版本生效时间,format=date"`
	Status                string   `json:"status" jsonschema:"title=权力状态,enum=在用,enum=暂停,enum=取消"`
	ApprovalMode          string   `json:"approvalMode" jsonschema:"title=审批方式,enum=auto,enum=assisted,enum=manual,description=auto 智能秒批；assisted 系统辅助人工审批；manual 人工审批"`
	ApplicantRequirements []string `json:"applicantRequirements,omitempty" jsonschema:"title=申请人条件"`
	LifeEvents            []string `json:"lifeEvents,omitempty" jsonschema:"title=主题分类（人生事件/法人事件）"`
	Delivery              []string `json:"delivery,omitempty" jsonschema:"title=送达方式,uniqueItems=true"`
	LicenseNumberPattern  string   `json:"licenseNumberPattern,omitempty" jsonschema:"title=证照编号规则,description=如 JY{division}{seq:8}"`
	// Parameters are the matter's named constants (an allowance standard, a fee rate), so that a
	// new version changes a standard without touching any expression.
	Parameters []Parameter `json:"parameters,omitempty" catalog:"-" jsonschema:"title=事项参数,description=有类型、有名称、有生效日期的常量（如保障标准、收费费率），在表达式中按标识直接使用"`
	// Values are named expressions over the case, usable by name in every expression of the
	// matter (conditions, fees, rules, messages, print templates).
	Values []NamedValue `json:"values,omitempty" catalog:"-" jsonschema:"title=计算值,description=按办件数据计算的命名表达式（如人均月收入），在本事项的任何表达式中按标识直接使用；可引用参数和其他计算值，不能循环引用"`
	// Documents are the matter's own documents beyond the five shared notices (a 公示表, a
	// 不予确认通知书), each shown and printable where its statuses, nodes and condition allow.
	Documents []MatterDocument `json:"documents,omitempty" catalog:"-" jsonschema:"title=本事项的文书,description=共用的五种通知书之外本事项自己的文书（如公示表、不予确认通知书）：模板放在本事项 print/ 下，在声明的办件状态（和环节、条件）下可在工作台和申请人的办件页打印"`
}

// The types a parameter may have.
var ParameterTypes = []string{"number", "integer", "string", "boolean"}

// Parameter is a named constant of a matter.
type Parameter struct {
	ID    string `json:"id" jsonschema:"title=参数标识,pattern=^[a-z][a-zA-Z0-9]*$,description=表达式中用此标识引用，如 standard"`
	Title string `json:"title" jsonschema:"title=参数名称,description=如 城市低保标准"`
	Type  string `json:"type" jsonschema:"title=类型,enum=number,enum=integer,enum=string,enum=boolean,description=number 数字；integer 整数；string 文本；boolean 是/否"`
	// Value is the parameter's value, of Type.
	Value         any    `json:"value" jsonschema:"title=取值"`
	Unit          string `json:"unit,omitempty" jsonschema:"title=单位,description=如 元/人·月"`
	EffectiveFrom string `json:"effectiveFrom" jsonschema:"title=生效日期,format=date,description=此取值自哪一天起执行（依据文件的执行日期）"`
	Basis         string `json:"basis,omitempty" jsonschema:"title=依据"`
	Description   string `json:"description,omitempty" jsonschema:"title=说明"`
}

// NamedValue is a computed value: an expression over the case with a name.
type NamedValue struct {
	ID          string `json:"id" jsonschema:"title=计算值标识,pattern=^[a-z][a-zA-Z0-9]*$,description=表达式和说明模板中用此标识引用，如 perCapita"`
	Title       string `json:"title" jsonschema:"title=计算值名称,description=如 家庭人均月收入"`
	Expression  string `json:"expression" jsonschema:"title=表达式"`
	Unit        string `json:"unit,omitempty" jsonschema:"title=单位"`
	Description string `json:"description,omitempty" jsonschema:"title=说明"`
}

// Org names the implementing org, by its code in orgs.json.
type Org struct {
	Code         string `json:"code" jsonschema:"title=机构编码"`
	Name         string `json:"name" jsonschema:"title=机构名称"`
	DivisionCode string `json:"divisionCode" jsonschema:"title=行政区划代码,pattern=^[1-9][0-9]{5}$"`
}

// Result is what the applicant receives.
type Result struct {
	Name   string `json:"name" jsonschema:"title=结果名称"`
	Type   string `json:"type" jsonschema:"title=结果类型,enum=证照,enum=批文,enum=其他"`
	Sample string `json:"sample,omitempty" jsonschema:"title=结果样本（文件名）"`
}

// FeeInfo is the catalog's fee description; fees.json holds the computable rules.
type FeeInfo struct {
	Charged  bool   `json:"charged" jsonschema:"title=是否收费"`
	Standard string `json:"standard,omitempty" jsonschema:"title=收费标准"`
	Basis    string `json:"basis,omitempty" jsonschema:"title=收费依据"`
}

// Supports says which conveniences the matter offers.
type Supports struct {
	Appointment   bool `json:"appointment" jsonschema:"title=支持预约办理"`
	OnlinePayment bool `json:"onlinePayment" jsonschema:"title=支持网上支付"`
	Delivery      bool `json:"delivery" jsonschema:"title=支持物流快递"`
}

// FAQ is one question applicants often ask.
type FAQ struct {
	Question string `json:"question" jsonschema:"title=问题"`
	Answer   string `json:"answer" jsonschema:"title=解答"`
}
