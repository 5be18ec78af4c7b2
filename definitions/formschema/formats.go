package formschema

import (
	"errors"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/xuchang-gov/tongban/definitions/cn"
)

// The domain formats every form may use. Non-string values pass: the type keyword judges them.
var formats = []*jsonschema.Format{
	stringFormat("cn-id-card", cn.ValidIDNumber),
	stringFormat("cn-uscc", cn.ValidUSCC),
	stringFormat("cn-mobile", cn.ValidMobile),
	stringFormat("cn-division", cn.ValidDivisionCode),
}

var formatMessages = map[string]string{
	"cn-id-card":  "不是有效的身份证号（应为18位，出生日期和校验位正确）",
	"cn-uscc":     "不是有效的统一社会信用代码（应为18位，校验位正确）",
	"cn-mobile":   "不是有效的手机号码（应为11位，以1开头）",
	"cn-division": "不是有效的行政区划代码（应为6位县级代码，或许昌的9位乡镇、12位村（社区）代码）",
	"date":        "不是有效的日期（格式为 2026-01-31）",
	"date-time":   "不是有效的日期时间",
	"email":       "不是有效的电子邮箱",
	"uri":         "不是有效的网址",
}

func formatMessage(name string) string {
	if m, ok := formatMessages[name]; ok {
		return m
	}
	return "格式不正确（" + name + "）"
}

var errFormat = errors.New("format mismatch")

func stringFormat(name string, valid func(string) bool) *jsonschema.Format {
	return &jsonschema.Format{Name: name, Validate: func(v any) error {
		s, ok := v.(string)
		if !ok || valid(s) {
			return nil
		}
		return errFormat
	}}
}
