package rules_test

import (
	"slices"
	"testing"

	"github.com/expr-lang/expr/types"

	"github.com/xuchang-gov/tongban/definitions/rules"
)

func TestTemplate(t *testing.T) {
	env := newEnv(t).With(map[string]types.Type{"perCapita": types.Float64, "standard": types.Float64})
	vars := rules.Vars{"perCapita": 433.5, "standard": 620.0, "form": map[string]any{"area": 12.0}}
	tests := []struct{ source, want, err string }{
		{"人均月收入 {perCapita} 元，低于标准 {standard} 元", "人均月收入 433.5 元，低于标准 620 元", ""},
		{"面积 {form.area * 2} 平方米", "面积 24 平方米", ""},
		{"没有表达式", "没有表达式", ""},
		{"字面的 {{大括号}}", "字面的 {大括号}", ""},
		{"标准 {formatAmount(standard)} 元", "标准 620.00 元", ""},
		{"缺 {perCapita", "", "说明中的 { 没有配对的 }（要写字面的大括号请用 {{ 和 }}） (1:3)"},
		{"多 } 了", "", "说明中的 } 没有配对的 {（要写字面的大括号请用 {{ 和 }}） (1:3)"},
		{"收入 {perCapta} 元", "", "未知的名称 perCapta (1:5)\n | perCapta\n | ^"},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			tmpl, err := env.CompileTemplate(tt.source)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := tmpl.Render(vars)
			if err != nil || got != tt.want {
				t.Errorf("Render = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestNames(t *testing.T) {
	tests := []struct {
		source string
		want   []string
	}{
		{"perCapita < standard && form.area > 0", []string{"perCapita", "standard", "form"}},
		{"sum(form.items, .count) * rate", []string{"form", "rate"}},
		{"applicant.name", []string{"applicant"}},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			got, err := rules.Names(tt.source)
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("Names = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
