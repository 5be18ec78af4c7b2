package form_test

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/runtime/web/form"
)

// TestDivisionCascade renders the 许昌 division widget at each depth of choice: the county
// select always, the township select only for the county chosen, and without JavaScript a
// 选择 button that brings the next level.
func TestDivisionCascade(t *testing.T) {
	mp := examplePlan(t).Matter("food-business-license")
	tests := []struct {
		name, value string
		county      string // the county option selected, "" for none
		towns       int    // township options beside the placeholder, 0 for no township select
		town        string // the township option selected
	}{
		{"nothing chosen", "", "", 0, ""},
		{"the city", "411000", "411000", 0, ""},
		{"a county", "411002", "411002", 15, ""},
		{"a township", "411003100", "411003", 18, "411003100"},
		{"a county outside 许昌", "410102", "", 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := map[string]any{}
			if tc.value != "" {
				data["divisionCode"] = tc.value
			}
			var page bytes.Buffer
			if err := form.Render(&page, form.Build(mp, data, nil, varsOf(data))); err != nil {
				t.Fatal(err)
			}
			out := page.String()
			start := strings.Index(out, `<div class="division">`)
			widget := out[start : start+strings.Index(out[start:], "</noscript></div>")]
			if !strings.Contains(out, `<label for="f-divisionCode">经营场所所在区县`) {
				t.Error("the county select has no label")
			}
			if got := selected(widget, "f-divisionCode\""); got != tc.county {
				t.Errorf("county selected %q, want %q", got, tc.county)
			}
			townSelect := strings.Contains(widget, `id="f-divisionCode-town"`)
			if townSelect != (tc.towns > 0) {
				t.Fatalf("township select shown: %v, want %v\n%s", townSelect, tc.towns > 0, widget)
			}
			if tc.towns > 0 {
				if !strings.Contains(widget, `<label for="f-divisionCode-town" class="sub-label">经营场所所在区县：乡镇（街道）</label>`) {
					t.Errorf("the township select has no label:\n%s", widget)
				}
				list := widget[strings.Index(widget, `id="f-divisionCode-town"`):]
				if n := strings.Count(list, "<option") - 1; n != tc.towns {
					t.Errorf("%d township options, want %d", n, tc.towns)
				}
				if got := selected(widget, "f-divisionCode-town\""); got != tc.town {
					t.Errorf("township selected %q, want %q", got, tc.town)
				}
			}
			if !strings.Contains(widget, `<noscript><button type="submit" name="_action" value="refresh"`) || !strings.Contains(widget, `>选择</button>`) {
				t.Errorf("no 选择 button for browsers without JavaScript:\n%s", widget)
			}
		})
	}
}

// selected is the value of the selected option of the select whose id attribute starts with id.
func selected(widget, id string) string {
	i := strings.Index(widget, `id="`+id)
	if i < 0 {
		return ""
	}
	list := widget[i : i+strings.Index(widget[i:], "</select>")]
	j := strings.Index(list, " selected>")
	if j < 0 {
		return ""
	}
	k := strings.LastIndex(list[:j], `value="`)
	return list[k+len(`value="`) : j-1]
}

// TestDivisionDecodes posts the widget's two selects as a browser does: the township counts
// when it lies in the county chosen; one left over from another county gives way to the county.
func TestDivisionDecodes(t *testing.T) {
	mp := examplePlan(t).Matter("food-business-license")
	tests := []struct {
		name   string
		posted []string
		want   any
	}{
		{"county only", []string{"411002"}, "411002"},
		{"county and no township", []string{"411003", ""}, "411003"},
		{"county and its township", []string{"411003", "411003100"}, "411003100"},
		{"township of another county", []string{"411002", "411003100"}, "411002"},
		{"nothing", []string{""}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, problems := form.Decode(mp.Form, url.Values{"divisionCode": tc.posted})
			if len(problems) > 0 || got["divisionCode"] != tc.want {
				t.Fatalf("divisionCode = %v (%v), want %v", got["divisionCode"], problems, tc.want)
			}
		})
	}
	t.Run("round trip of a township", func(t *testing.T) {
		data := map[string]any{"divisionCode": "411081103"}
		var page bytes.Buffer
		if err := form.Render(&page, form.Build(mp, data, nil, varsOf(data))); err != nil {
			t.Fatal(err)
		}
		got, _ := form.Decode(mp.Form, submitted(t, page.String()))
		if got["divisionCode"] != "411081103" {
			t.Fatalf("divisionCode = %v after the round trip", got["divisionCode"])
		}
	})
}

// TestDivisionFormat: a form field of format cn-division takes the townships of 许昌 as well as
// GB/T 2260 codes, and nothing else of nine digits.
func TestDivisionFormat(t *testing.T) {
	mp := examplePlan(t).Matter("food-business-license")
	for code, valid := range map[string]bool{"411002": true, "411003100": true, "411003999": false, "41100310": false} {
		t.Run(code, func(t *testing.T) {
			bad := false
			for _, e := range mp.Form.Validate(map[string]any{"divisionCode": code}) {
				bad = bad || e.Pointer == "/divisionCode"
			}
			if bad == valid {
				t.Fatalf("valid: %v, want %v", !bad, valid)
			}
		})
	}
}
