package definitions_test

import (
	"encoding/json"
	"slices"
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

// TestThemeStagesOpenInOrder: a member of a stage waits for every member of the stage before
// it, besides its own dependencies, and a theme without a promised limit counts the longest
// chain of members' limits.
func TestThemeStagesOpenInOrder(t *testing.T) {
	fsys := bundleFS(t, examplesDir)
	var theme map[string]any
	json.Unmarshal(fsys["themes/newborn/theme.json"].Data, &theme)
	delete(theme, "dependencies")
	theme["stages"] = []any{
		map[string]any{"id": "birth", "name": "出生", "members": []any{"birthCert"}},
		map[string]any{"id": "register", "name": "登记", "members": []any{"household", "insurance"}},
		map[string]any{"id": "card", "name": "制卡", "members": []any{"card"}},
	}
	fsys["themes/newborn/theme.json"].Data, _ = json.Marshal(theme)
	var mappings struct {
		Members map[string]map[string]any `json:"members"`
	}
	json.Unmarshal(fsys["themes/newborn/mappings.json"].Data, &mappings)
	// Without the dependencies, the fields the certificates filled are the members' own to ask.
	mappings.Members["household"]["selfAsked"] = []any{"/baby/birthCertificateNumber"}
	mappings.Members["insurance"]["selfAsked"] = []any{"/insured/householdRecordNumber"}
	mappings.Members["card"]["selfAsked"] = []any{"/holder/insuranceNumber"}
	fsys["themes/newborn/mappings.json"].Data, _ = json.Marshal(mappings)
	plan, problems := loadAndCompile(fsys)
	if len(problems) > 0 {
		t.Fatal(problems.Error())
	}
	tp := plan.Theme("newborn")
	for id, want := range map[string][]string{"birthCert": nil, "household": {"birthCert"}, "insurance": {"birthCert"}, "card": {"household", "insurance"}} {
		if got := tp.Member(id).Before; !slices.Equal(got, want) {
			t.Errorf("%s waits for %v, want %v", id, got, want)
		}
	}
	// 1 (出生医学证明) + max(3 出生登记, 1 医保参保) + 5 (社保卡)
	if got := tp.TotalDays(); got != 9 {
		t.Errorf("total days %d, want 9", got)
	}
}
