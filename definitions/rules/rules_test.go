package rules_test

import (
	"strings"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/definitions/calendar"
	"github.com/xuchang-gov/tongban/definitions/formschema"
	"github.com/xuchang-gov/tongban/definitions/rules"
)

const elderSchema = `{
  "type": "object",
  "properties": {
    "elder": {"type": "object", "properties": {
      "name": {"type": "string"},
      "idNumber": {"type": "string"},
      "householdDivision": {"type": "string"}
    }},
    "area": {"type": "number"},
    "items": {"type": "array", "items": {"type": "object", "properties": {"count": {"type": "integer"}}}}
  }
}`

func newEnv(t testing.TB) *rules.Env {
	t.Helper()
	s, err := formschema.Compile("elder.json", []byte(elderSchema))
	if err != nil {
		t.Fatal(err)
	}
	cal, err := calendar.New(calendar.Year{Year: 2026,
		Holidays: []calendar.Day{{Date: "2026-10-01", Name: "国庆节"}, {Date: "2026-10-02", Name: "国庆节"}},
		Workdays: []calendar.Day{{Date: "2026-10-10", Name: "国庆节调休上班"}}})
	if err != nil {
		t.Fatal(err)
	}
	return rules.NewEnv(s.Root(), []string{"idCard"}, cal, nil)
}

// Each case keeps the expression and the exact message side by side.
func TestCompileErrors(t *testing.T) {
	env := newEnv(t)
	cases := []struct {
		source string
		want   rules.Want
		error  string
	}{
		{"form.elder.nmae == \"\"", rules.Bool, "没有字段 nmae (1:12)\n | form.elder.nmae == \"\"\n | ...........^"},
		{"form.area * 2", rules.Bool, "结果应为是/否，实际为数字 (1:1)"},
		{"\"十元\"", rules.Number, "结果应为数字，实际为文本 (1:1)"},
		{"idAge(form.elder.idNumber) >= 80", rules.Bool, "调用 idAge 的参数不够 (1:1)\n | idAge(form.elder.idNumber) >= 80\n | ^"},
		{"form.area >", rules.Bool, "语法错误：意外的 EOF (1:11)\n | form.area >\n | ..........^"},
		{"materials.passport.provided", rules.Bool, "没有字段 passport (1:11)\n | materials.passport.provided\n | ..........^"},
		{"applicant.age > 18", rules.Bool, "没有字段 age (1:11)\n | applicant.age > 18\n | ..........^"},
		{"  ", rules.Bool, "表达式为空 (1:1)"},
		{strings.Repeat("1 + ", 250_000) + "1", rules.Number, "表达式过长：1000001 个字符，最多 10000 个 (1:1)"},
		{strings.Repeat("(", 65) + "1" + strings.Repeat(")", 65), rules.Number, "表达式嵌套过深：括号最多嵌套 64 层 (1:65)"},
		{"'((((' + \"[[[[\" + `{{{{` == ''", rules.Bool, ""},
		{"len(1..2000000) > 0", rules.Bool, "表达式运行时要建立约 2000000 个元素的范围或列表，超出上限 1000000：请缩小范围 (1:1)"},
		{"len(map(1..500000, [#, #])) > 0", rules.Bool, "表达式运行时要建立约 1500002 个元素的范围或列表，超出上限 1000000：请缩小范围 (1:1)"},
		{"len(repeat('许昌', 200000)) > 0", rules.Bool, "表达式运行时要建立约 1200000 个元素的范围或列表，超出上限 1000000：请缩小范围 (1:1)"},
		{"form.area in 1..2000000", rules.Bool, "表达式运行时要建立约 2000000 个元素的范围或列表，超出上限 1000000：请缩小范围 (1:1)"},
		{"len(1..1000) > 0 && count(1..999, # > 1) > 0", rules.Bool, ""},
	}
	for _, c := range cases {
		name := c.source[:min(len(c.source), 60)] // the long ones by their start
		t.Run(name, func(t *testing.T) {
			_, err := env.Compile(c.source, c.want)
			if c.error == "" {
				if err != nil {
					t.Fatalf("within the bounds, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("compiled, want an error")
			}
			if err.Error() != c.error {
				t.Errorf("got\n%s\nwant\n%s", err.Error(), c.error)
			}
		})
	}
}

func TestRun(t *testing.T) {
	env := newEnv(t)
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	vars := rules.Vars{
		"form": map[string]any{
			"elder": map[string]any{"name": "王秀英", "idNumber": "411002194003150126", "householdDivision": "411002"},
			"area":  120.0,
			"items": []any{map[string]any{"count": 2.0}, map[string]any{}},
		},
		"applicant": map[string]any{"kind": "person"},
		"case":      map[string]any{},
		"materials": map[string]any{"idCard": map[string]any{"provided": true}},
		"now":       now,
	}
	cases := []struct {
		source string
		want   any
	}{
		{"idAge(form.elder.idNumber, now)", 86},
		{"idSex(form.elder.idNumber)", "女"},
		{"idDivision(form.elder.idNumber)", "411002"},
		{"inDivision(form.elder.householdDivision, \"411000\")", true},
		{"inDivision(\"410102\", \"411000\")", false},
		{"divisionName(form.elder.householdDivision)", "河南省许昌市魏都区"},
		{"formatDate(addWorkingDays(date(\"2026-09-30\"), 3))", "2026年10月7日"},
		{"workingDaysBetween(date(\"2026-09-30\"), date(\"2026-10-10\"))", 6},
		{"amountInWords(1234.56)", "壹仟贰佰叁拾肆元伍角陆分"},
		{"formatAmount(1234567.5)", "1,234,567.50"},
		{"sum(form.items, .count ?? 1) * 2.5", 7.5},
		{"materials.idCard.provided && form.area > 100", true},
	}
	for _, c := range cases {
		t.Run(c.source, func(t *testing.T) {
			p, err := env.Compile(c.source, rules.Any)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Run(vars)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("got %v (%T), want %v (%T)", got, got, c.want, c.want)
			}
		})
	}
}

func TestRunErrorIsReported(t *testing.T) {
	p, err := newEnv(t).Compile("idAge(form.elder.idNumber, now) >= 80", rules.Bool)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Bool(rules.Vars{"form": map[string]any{"elder": map[string]any{"idNumber": "123"}}, "now": time.Now()})
	if err == nil {
		t.Fatal("want an error for an unreadable ID number")
	}
}

func BenchmarkRunRule(b *testing.B) {
	env := newEnv(b)
	p, err := env.Compile(`idAge(form.elder.idNumber, now) >= 80 && inDivision(form.elder.householdDivision, "411000")`, rules.Bool)
	if err != nil {
		b.Fatal(err)
	}
	vars := rules.Vars{
		"form": map[string]any{"elder": map[string]any{"idNumber": "411002194003150126", "householdDivision": "411002"}},
		"now":  time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC),
	}
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := p.Bool(vars); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		"form.area > 100", "idAge(form.elder.idNumber, now) >= 80", "sum(form.items, .count ?? 1) * 2.5",
		`inDivision(form.elder.householdDivision, "411000")`, "materials.idCard.provided", "len(form.items) > 1",
	} {
		f.Add(s)
	}
	env := newEnv(f)
	f.Fuzz(func(t *testing.T, source string) {
		p, err := env.Compile(source, rules.Any)
		if err != nil {
			if _, ok := err.(*rules.Error); !ok {
				t.Fatalf("compile error of type %T", err)
			}
			return
		}
		_, _ = p.Run(rules.Vars{"form": map[string]any{}, "now": time.Now()})
	})
}
