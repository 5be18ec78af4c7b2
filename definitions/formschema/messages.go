package formschema

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

var typeNames = map[string]string{
	"string":  "文本",
	"number":  "数字",
	"integer": "整数",
	"boolean": "是/否",
	"object":  "对象",
	"array":   "列表",
	"null":    "空值",
}

func chineseTypes(ts []string) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = typeNames[t]
		if names[i] == "" {
			names[i] = t
		}
	}
	return strings.Join(names, "或")
}

func joinValues(values []any) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, "、")
}

func ratText(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	return r.FloatString(2)
}

// explain turns one leaf validation error into Chinese messages, each at the pointer of the
// field concerned: a missing property is reported at the property, not at its parent.
func (s *Schema) explain(location []string, k jsonschema.ErrorKind) []FieldError {
	at := Pointer(location...)
	label := func(ptr string) string {
		if f := s.root.Lookup(ptr); f != nil && f.Title != "" {
			return "「" + f.Title + "」"
		}
		return "此项"
	}
	one := func(format string, args ...any) []FieldError {
		return []FieldError{{Pointer: at, Message: label(at) + fmt.Sprintf(format, args...)}}
	}
	perProperty := func(props []string, message string) []FieldError {
		out := make([]FieldError, len(props))
		for i, p := range props {
			ptr := at + Pointer(p)
			out[i] = FieldError{Pointer: ptr, Message: label(ptr) + message}
		}
		return out
	}
	switch k := k.(type) {
	case *kind.Required:
		return perProperty(k.Missing, "为必填项")
	case *kind.DependentRequired:
		return perProperty(k.Missing, "为必填项（已填写 "+k.Prop+"）")
	case *kind.Dependency:
		return perProperty(k.Missing, "为必填项（已填写 "+k.Prop+"）")
	case *kind.AdditionalProperties:
		return perProperty(k.Properties, "不是可以填写的字段")
	case *kind.Type:
		return one("应为%s，实际为%s", chineseTypes(k.Want), chineseTypes([]string{k.Got}))
	case *kind.MinLength:
		return one("不能少于 %d 个字", k.Want)
	case *kind.MaxLength:
		return one("不能超过 %d 个字", k.Want)
	case *kind.Pattern:
		return one("格式不正确")
	case *kind.Format:
		return one("%s", formatMessage(k.Want))
	case *kind.Enum:
		return one("的取值不在可选范围内（可选：%s）", joinValues(k.Want))
	case *kind.Const:
		if b, ok := k.Want.(bool); ok {
			return one("必须选择「%s」", map[bool]string{true: "是", false: "否"}[b])
		}
		return one("的取值必须为 %v", k.Want)
	case *kind.Contains, *kind.MinContains:
		return one("中至少要有一项符合要求")
	case *kind.Minimum:
		return one("不能小于 %s", ratText(k.Want))
	case *kind.Maximum:
		return one("不能大于 %s", ratText(k.Want))
	case *kind.ExclusiveMinimum:
		return one("必须大于 %s", ratText(k.Want))
	case *kind.ExclusiveMaximum:
		return one("必须小于 %s", ratText(k.Want))
	case *kind.MultipleOf:
		return one("必须是 %s 的整数倍", ratText(k.Want))
	case *kind.MinItems:
		return one("至少填写 %d 项", k.Want)
	case *kind.MaxItems:
		return one("最多填写 %d 项", k.Want)
	case *kind.UniqueItems:
		return one("第 %d 项与第 %d 项重复", k.Duplicates[0]+1, k.Duplicates[1]+1)
	case *kind.MinProperties:
		return one("至少填写 %d 个字段", k.Want)
	case *kind.MaxProperties:
		return one("最多填写 %d 个字段", k.Want)
	case *kind.FalseSchema:
		return one("不允许填写")
	case *kind.PropertyNames:
		return []FieldError{{Pointer: at + Pointer(k.Property), Message: "字段名「" + k.Property + "」不允许"}}
	case *kind.InvalidJsonValue:
		return one("不是有效的 JSON 值")
	default:
		return one("不符合要求")
	}
}
