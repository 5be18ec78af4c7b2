package definitions_test

import (
	"testing"
	"testing/fstest"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
)

// TestMatterDocuments compiles a matter's own documents declared in matter.json: the template's
// title becomes the document's, the statuses, nodes and code are kept, and the condition runs
// over the case.
func TestMatterDocuments(t *testing.T) {
	fsys := bundleFS(t, "testdata/bundle")
	withMatterKeys(t, fsys, `"documents": [
	  {"template": "inspection-notice", "statuses": ["in-approval"], "atNodes": ["inspect"], "code": "XC"},
	  {"template": "denial", "statuses": ["denied"], "condition": "form.area > 100"}]`)
	notice := func(title, value string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte(`{"title": "` + title + `", "kind": "notice", "mode": "electronic",
		  "page": {"size": "A4", "orientation": "portrait", "marginsMm": [10, 10, 10, 10]},
		  "elements": [{"type": "text", "x": 20, "y": 30, "w": 170, "h": 10, "value": "` + value + `"}]}`)}
	}
	fsys["matters/demo/print/inspection-notice.json"] = notice("现场核查通知书", "formatDate(notice.since) + ' 至 ' + formatDate(notice.dueAt)")
	fsys["matters/demo/print/denial.json"] = notice("不予许可决定书", "notice.opinion")
	plan, problems := loadAndCompile(fsys)
	if len(problems) > 0 {
		t.Fatal(problems.Error())
	}
	mp := plan.Matter("demo")
	cases := []struct {
		name, title, code string
		statuses, nodes   []string
		condition         bool
	}{
		{"inspection-notice", "现场核查通知书", "XC", []string{"in-approval"}, []string{"inspect"}, false},
		{"denial", "不予许可决定书", "", []string{"denied"}, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := mp.Document(tc.name)
			if d == nil {
				t.Fatal("not compiled")
			}
			if d.Title != tc.title || d.Code != tc.code || d.Print == nil || d.Print.Template.Title != tc.title {
				t.Errorf("title %q code %q print %v", d.Title, d.Code, d.Print)
			}
			if len(d.Statuses) != len(tc.statuses) || d.Statuses[0] != tc.statuses[0] || len(d.AtNodes) != len(tc.nodes) {
				t.Errorf("statuses %v nodes %v", d.Statuses, d.AtNodes)
			}
			if (d.Condition != nil) != tc.condition {
				t.Fatalf("condition %v", d.Condition)
			}
			if d.Condition != nil {
				vars := rules.CaseVars(map[string]any{"area": 120.0}, &rules.Applicant{}, rules.Case{}, nil, time.Date(2026, 9, 30, 9, 0, 0, 0, time.UTC))
				if ok, err := d.Condition.Bool(vars); err != nil || !ok {
					t.Errorf("condition over area 120: %v %v", ok, err)
				}
			}
		})
	}
	if mp.Document("cert") != nil || mp.Document("acceptance-notice") != nil {
		t.Error("a template not declared as a document is one")
	}
}

// TestMaterialUploadable: files may be uploaded for an upload material and for an e-license
// that declares the upload fallback, not for other e-licenses or generated materials.
func TestMaterialUploadable(t *testing.T) {
	cases := []struct {
		name string
		m    definitions.Material
		want bool
	}{
		{"upload", definitions.Material{Source: "upload"}, true},
		{"e-license", definitions.Material{Source: "e-license"}, false},
		{"e-license with upload fallback", definitions.Material{Source: "e-license", Fallback: "upload"}, true},
		{"generated", definitions.Material{Source: "generated"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.m.Uploadable(); got != tc.want {
				t.Errorf("Uploadable() = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestSharedNotices: every shared notice the runtime prints is a template of the examples'
// print/ folder, and a matter document of the examples is never one of them.
func TestSharedNotices(t *testing.T) {
	plan, problems := loadAndCompile(bundleFS(t, examplesDir))
	if len(problems) > 0 {
		t.Fatal(problems.Error())
	}
	for _, n := range definitions.SharedNotices {
		if plan.Bundle.Prints[n.Name] == nil {
			t.Errorf("shared notice %s has no template in print/", n.Name)
		}
	}
	mp := plan.Matter("minimum-living-allowance")
	for _, name := range []string{"publicity-form", "denial-notice", "decision-notice"} {
		if d := mp.Document(name); d == nil || definitions.SharedNoticeNamed(name) != nil {
			t.Errorf("document %s: %v", name, d)
		}
	}
	if d := mp.Document("publicity-form"); d == nil || d.AtNodes[0] != "publicity" || d.Title != "最低生活保障审核确认公示表" {
		t.Errorf("the 公示表: %+v", d)
	}
}
