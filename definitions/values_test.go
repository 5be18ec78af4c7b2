package definitions_test

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
)

// withMatterKeys adds keys to the fixture's matter.json, as an analyst would.
func withMatterKeys(t testing.TB, fsys fstest.MapFS, extra string) {
	t.Helper()
	name := "matters/demo/matter.json"
	raw := strings.TrimSpace(string(fsys[name].Data))
	fsys[name] = &fstest.MapFile{Data: []byte(strings.TrimSuffix(raw, "}") + "," + extra + "}")}
}

const demoValues = `
  "parameters": [
    {"id": "rate", "title": "每平方米费率", "type": "number", "value": 2.5, "unit": "元/平方米", "effectiveFrom": "2026-01-01"},
    {"id": "freeItems", "title": "免费项目数", "type": "integer", "value": 1, "effectiveFrom": "2026-01-01"}
  ],
  "values": [
    {"id": "areaFee", "title": "面积费", "expression": "area * rate", "unit": "元"},
    {"id": "charged", "title": "计费项目数", "expression": "max(len(form.items) - freeItems, 0)"},
    {"id": "area", "title": "面积", "expression": "form.area"},
    {"id": "big", "title": "大面积", "expression": "areaFee > 100"}
  ]`

// TestValues compiles a matter with parameters and values declared out of dependency order and
// runs them over a case.
func TestValues(t *testing.T) {
	fsys := bundleFS(t, "testdata/bundle")
	withMatterKeys(t, fsys, demoValues)
	fsys["matters/demo/fees.json"] = &fstest.MapFile{Data: []byte(`{"items": [
	  {"id": "base", "name": "面积费", "kind": "administrative", "amount": "areaFee + charged * 1.0", "condition": "!big"}]}`)}
	plan, problems := loadAndCompile(fsys)
	if len(problems) > 0 {
		t.Fatal(problems.Error())
	}
	mp := plan.Matter("demo")
	var order []string
	for _, v := range mp.Values {
		order = append(order, v.ID)
	}
	if got := strings.Join(order, ","); got != "area,areaFee,charged,big" {
		t.Errorf("values computed in order %s, want dependencies first", got)
	}
	tests := []struct {
		name  string
		form  string
		total float64
		big   bool
	}{
		{"small area, two items", `{"area": 10, "items": [{"kind": "甲"}, {"kind": "乙"}]}`, 26, false},
		{"one item is free", `{"area": 4, "items": [{"kind": "甲"}]}`, 10, false},
		{"a big area is not charged here", `{"area": 100, "items": [{"kind": "甲"}]}`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var form any
			json.Unmarshal([]byte(tt.form), &form)
			vars, results := mp.Evaluate(rules.Vars{"form": form})
			_, total, err := mp.ApplyFees(vars)
			if err != nil {
				t.Fatal(err)
			}
			if total != tt.total || vars["big"] != tt.big {
				t.Errorf("total %v big %v, want %v %v (values %+v)", total, vars["big"], tt.total, tt.big, results)
			}
			if len(results) != 6 || results[0].ID != "rate" || results[0].Value != 2.5 || results[1].Value != 1 {
				t.Errorf("results %+v, want the parameters first, then the values", results)
			}
		})
	}
}

// TestValueThatCannotRun leaves the value out and says why, so that a rule using it hands over.
func TestValueThatCannotRun(t *testing.T) {
	fsys := bundleFS(t, "testdata/bundle")
	withMatterKeys(t, fsys, `"values": [{"id": "firstCount", "title": "首项数量", "expression": "int(form.items[0].count)"}]`)
	plan, problems := loadAndCompile(fsys)
	if len(problems) > 0 {
		t.Fatal(problems.Error())
	}
	vars, results := plan.Matter("demo").Evaluate(rules.Vars{"form": map[string]any{"items": []any{}}})
	if _, ok := vars["firstCount"]; ok || results[0].Error == "" {
		t.Errorf("vars %v results %+v: want the value left out with its error", vars, results)
	}
}

func BenchmarkCompileMatterWithValues(b *testing.B) {
	fsys := bundleFS(b, "testdata/bundle")
	withMatterKeys(b, fsys, demoValues)
	bundle, problems := definitions.Load(fsys)
	if len(problems) > 0 {
		b.Fatal(problems)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, problems := definitions.Compile(bundle); len(problems) > 0 {
			b.Fatal(problems)
		}
	}
}

// BenchmarkRuleOverValues is one rule that uses computed values, with the values computed for
// the case first, as every step of a case does.
func BenchmarkRuleOverValues(b *testing.B) {
	fsys := bundleFS(b, "testdata/bundle")
	withMatterKeys(b, fsys, demoValues)
	plan, problems := loadAndCompile(fsys)
	if len(problems) > 0 {
		b.Fatal(problems)
	}
	mp := plan.Matter("demo")
	rule, err := mp.Env.Compile("areaFee <= 100 && charged < 3", rules.Bool)
	if err != nil {
		b.Fatal(err)
	}
	form := map[string]any{"area": 10.0, "items": []any{map[string]any{"kind": "甲"}, map[string]any{"kind": "乙"}}}
	b.Run("rule", func(b *testing.B) {
		vars, _ := mp.Evaluate(rules.Vars{"form": form})
		b.ReportAllocs()
		for b.Loop() {
			if ok, err := rule.Bool(vars); err != nil || !ok {
				b.Fatal(ok, err)
			}
		}
	})
	b.Run("values+rule", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			vars, _ := mp.Evaluate(rules.Vars{"form": form})
			if ok, err := rule.Bool(vars); err != nil || !ok {
				b.Fatal(ok, err)
			}
		}
	})
}
