package definitions

import "github.com/expr-lang/expr/types"

// PrintVariables are what print templates may name beyond a matter's environment: the
// certificate being issued, the fees, the matter's catalog facts and what a notice is about.
var PrintVariables = map[string]types.Type{"license": LicenseType, "fees": FeesType, "matter": MatterInfoType, "notice": NoticeType}

// PrintRows are the list variables of print templates with the fields a table column sees of
// each item as `row`.
var PrintRows = map[string]types.Map{"notice.items": NoticeItemType, "fees.items": FeeItemType}

// PrintVariableDocs say, in Chinese, what each print variable is: the one place they are
// documented, served to the designer's completion.
var PrintVariableDocs = map[string]string{
	"form":                     "申请表数据",
	"applicant":                "申请人（自然人或法人）",
	"applicant.name":           "申请人姓名或名称",
	"applicant.idNumber":       "申请人身份证号",
	"applicant.uscc":           "统一社会信用代码",
	"case":                     "办件",
	"case.number":              "办件编号",
	"case.concludedAt":         "办结时间",
	"materials":                "申请材料，按材料标识",
	"now":                      "打印时间（北京时间）",
	"license":                  "本次核发的证照（仅证照模板）",
	"license.number":           "证照编号（按编号规则生成）",
	"license.holder":           "持证人",
	"license.issuedAt":         "发证日期",
	"license.validUntil":       "有效期至",
	"license.verifyUrl":        "核验地址（二维码内容）",
	"license.issuer":           "发证机关",
	"fees":                     "收费",
	"fees.total":               "应收合计（元）",
	"fees.items":               "收费项目列表（表格行）",
	"matter":                   "事项目录信息",
	"matter.name":              "事项名称",
	"matter.orgName":           "实施机构名称",
	"matter.orgCode":           "实施机构编码",
	"matter.promisedLimitDays": "承诺时限（工作日）",
	"matter.legalLimitDays":    "法定时限（工作日）",
	"matter.consultationPhone": "咨询电话",
	"matter.supervisionPhone":  "监督投诉电话",
	"matter.place":             "办理地点",
	"matter.hours":             "办理时间",
	"matter.resultName":        "办理结果名称",
	"notice":                   "通知书（受理、补正、不予受理、缴费通知等）",
	"notice.number":            "文书编号",
	"notice.opinion":           "窗口或审批人员填写的意见",
	"notice.dueAt":             "期限（补正、缴费截止时间）",
	"notice.items":             "所列事项：材料或收费（表格行）",
	"row":                      "表格的当前行（仅表格列）",
	"row.name":                 "名称",
	"row.note":                 "说明",
	"row.amount":               "金额（元）",
}
