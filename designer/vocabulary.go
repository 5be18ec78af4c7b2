package designer

import (
	"context"
	"slices"
	"strings"

	"github.com/expr-lang/expr/types"

	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime"
)

// Vocabulary lists what expressions may name besides the draft's own fields, from the rules'
// own tables: the helpers and built-ins the README's expression table is generated from, and
// the shapes of applicant, case and a material. A helper added to rules appears here, and so in
// the studio's completion, with no studio code.
func (s *Service) Vocabulary(_ context.Context, u *runtime.User) (*runtime.ExpressionVocabulary, error) {
	if err := designer(u); err != nil {
		return nil, err
	}
	v := &runtime.ExpressionVocabulary{Helpers: helpersOf(rules.Helpers), Builtins: helpersOf(rules.Builtins),
		Variables: []runtime.ExpressionName{
			{Name: "form", Type: "map", Description: "申请表数据"},
			{Name: "applicant", Type: "map", Description: "申请人（自然人或法人）"},
			{Name: "case", Type: "map", Description: "办件"},
			{Name: "materials", Type: "map", Description: "申请材料，按材料标识"},
			{Name: "now", Type: "time", Description: "当前时刻（北京时间）"},
		}}
	v.Variables = append(v.Variables, namesOf("applicant.", rules.ApplicantType, "申请人")...)
	v.Variables = append(v.Variables, namesOf("case.", rules.CaseType, "办件")...)
	v.Variables = append(v.Variables, namesOf("materials.*.", rules.MaterialType, "申请材料（* 为材料标识）")...)
	return v, nil
}

func helpersOf(hs []rules.Helper) []runtime.ExpressionHelper {
	out := make([]runtime.ExpressionHelper, len(hs))
	for i, h := range hs {
		out[i] = runtime.ExpressionHelper{Name: h.Name, Signature: h.Signature, Description: h.Description, Example: h.Example, Result: h.Result}
	}
	return out
}

// namesOf lists the fields of a map type under prefix, in name order.
func namesOf(prefix string, m types.Map, about string) []runtime.ExpressionName {
	out := make([]runtime.ExpressionName, 0, len(m))
	for k, t := range m {
		out = append(out, runtime.ExpressionName{Name: prefix + k, Type: typeName(t), Description: about})
	}
	slices.SortFunc(out, func(a, b runtime.ExpressionName) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// typeName is a type as the studio shows it: "time" for time.Time, the kind otherwise.
func typeName(t types.Type) string {
	switch n := t.String(); n {
	case "time.Time":
		return "time"
	default:
		return n
	}
}
