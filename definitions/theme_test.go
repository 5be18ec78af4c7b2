package definitions_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/definitions/rules"
)

// TestExampleThemesMapTheirSamples fills every member form of each example theme from the
// theme's sample and checks that each validates as its member's form, leaving only the fields
// predecessors' certificates fill, and that every filled field says where it came from.
func TestExampleThemesMapTheirSamples(t *testing.T) {
	plan, problems := loadAndCompile(bundleFS(t, examplesDir))
	if len(problems) > 0 {
		t.Fatal(problems.Error())
	}
	if len(plan.Themes()) == 0 {
		t.Fatal("no example theme")
	}
	for _, tp := range plan.Themes() {
		t.Run(tp.Def.Slug, func(t *testing.T) {
			var sample any
			if err := json.Unmarshal(tp.Def.Sample, &sample); err != nil {
				t.Fatal("sample.json:", err)
			}
			vars := rules.Vars{"form": sample}
			for _, m := range tp.Members {
				form, sources, err := m.Map(vars, tp.Form.Form.Root())
				if err != nil {
					t.Fatal(err)
				}
				raw, _ := json.Marshal(form)
				var doc any
				json.Unmarshal(raw, &doc)
				if errs := m.Check(doc, len(m.Before) > 0); len(errs) > 0 {
					t.Errorf("%s: mapped form does not validate: %v", m.ID, errs)
				}
				for key := range form {
					traced := false
					for ptr := range sources {
						traced = traced || ptr == "/"+key || strings.HasPrefix(ptr, "/"+key+"/")
					}
					if !traced {
						t.Errorf("%s: field /%s has no provenance", m.ID, key)
					}
				}
			}
			if tp.TotalDays() <= 0 {
				t.Errorf("total days %d", tp.TotalDays())
			}
		})
	}
}
