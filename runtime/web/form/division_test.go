package form_test

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/runtime/web/form"
)

// TestDivisionCascade renders the 许昌 division widget at each depth of choice: the county
// select always, the township select only for the county chosen, the village select only for
// the township chosen, and without JavaScript a 选择 button that brings the next level.
func TestDivisionCascade(t *testing.T) {
	mp := examplePlan(t).Matter("food-business-license")
	tests := []struct {
		name, value string
		county      string // the county option selected, "" for none
		towns       int    // township options beside the placeholder, 0 for no township select
		town        string // the township option selected
		villages    int    // village options beside the placeholder, 0 for no village select
		village     string // the village option selected
	}{
		{"nothing chosen", "", "", 0, "", 0, ""},
		{"the city", "411000", "411000", 0, "", 0, ""},
		{"a county", "411002", "411002", 15, "", 0, ""},
		{"a township", "411003100", "411003", 18, "411003100", 8, ""},
		{"a village", "411024101051", "411024", 12, "411024101", 50, "411024101051"},
		{"a county outside 许昌", "410102", "", 0, "", 0, ""},
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
			levels := []struct {
				id, noun, chosen string
				options          int
			}{
				{"f-divisionCode-town", "乡镇（街道）", tc.town, tc.towns},
				{"f-divisionCode-village", "村（社区）", tc.village, tc.villages},
			}
			for _, l := range levels {
				shown := strings.Contains(widget, `id="`+l.id+`"`)
				if shown != (l.options > 0) {
					t.Fatalf("%s shown: %v, want %v\n%s", l.id, shown, l.options > 0, widget)
				}
				if !shown {
					continue
				}
				if !strings.Contains(widget, `<label for="`+l.id+`" class="sub-label">经营场所所在区县：`+l.noun+`</label>`) {
					t.Errorf("%s has no label:\n%s", l.id, widget)
				}
				if n := strings.Count(options(widget, l.id), "<option") - 1; n != l.options {
					t.Errorf("%d options in %s, want %d", n, l.id, l.options)
				}
				if got := selected(widget, l.id+`"`); got != l.chosen {
					t.Errorf("%s selected %q, want %q", l.id, got, l.chosen)
				}
			}
			if !strings.Contains(widget, `<noscript><button type="submit" name="_action" value="refresh"`) || !strings.Contains(widget, `>选择</button>`) {
				t.Errorf("no 选择 button for browsers without JavaScript:\n%s", widget)
			}
		})
	}
}

// options is the select whose id attribute starts with id, up to its end.
func options(widget, id string) string {
	i := strings.Index(widget, `id="`+id)
	if i < 0 {
		return ""
	}
	return widget[i : i+strings.Index(widget[i:], "</select>")]
}

// selected is the value of the selected option of the select whose id attribute starts with id.
func selected(widget, id string) string {
	list := options(widget, id)
	j := strings.Index(list, " selected>")
	if j < 0 {
		return ""
	}
	k := strings.LastIndex(list[:j], `value="`)
	return list[k+len(`value="`) : j-1]
}

// TestDivisionDecodes posts the widget's selects as a browser does: a township counts when it
// lies in the county chosen and a village when it lies in the township chosen; one left over
// from another county or township gives way, with everything below it.
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
		{"township and its village", []string{"411003", "411003100", "411003100010"}, "411003100010"},
		{"township and no village", []string{"411003", "411003100", ""}, "411003100"},
		{"village of another township", []string{"411003", "411003101", "411003100010"}, "411003101"},
		{"village of another county", []string{"411002", "411003100", "411003100010"}, "411002"},
		{"village without its township", []string{"411003", "", "411003100010"}, "411003"},
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
	for _, code := range []string{"411000", "411082", "411081103", "411081103202"} {
		t.Run("round trip of "+code, func(t *testing.T) {
			data := map[string]any{"divisionCode": code}
			var page bytes.Buffer
			if err := form.Render(&page, form.Build(mp, data, nil, varsOf(data))); err != nil {
				t.Fatal(err)
			}
			got, _ := form.Decode(mp.Form, submitted(t, page.String()))
			if got["divisionCode"] != code {
				t.Fatalf("divisionCode = %v after the round trip", got["divisionCode"])
			}
		})
	}
}

// TestDivisionChangedWithoutJavaScript: a village is chosen, then the township or the county
// changed and 选择 pressed; the post still carries the old village, which gives way, and the
// page offers the new choice's list with nothing chosen in it.
func TestDivisionChangedWithoutJavaScript(t *testing.T) {
	mp := examplePlan(t).Matter("food-business-license")
	tests := []struct {
		name          string
		level         int    // which of the posted selects is changed: 0 county, 1 township
		to, want      string // the new choice, the value decoded
		lists, absent string // the select the page then offers, and the one it no longer shows
	}{
		{"township", 1, "411003101", "411003101", "f-divisionCode-village", ""},
		{"county", 0, "411024", "411024", "f-divisionCode-town", "f-divisionCode-village"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := map[string]any{"divisionCode": "411003100010"}
			var page bytes.Buffer
			if err := form.Render(&page, form.Build(mp, data, nil, varsOf(data))); err != nil {
				t.Fatal(err)
			}
			posted := submitted(t, page.String())
			if got := posted["divisionCode"]; len(got) != 3 {
				t.Fatalf("posted %v, want county, township and village", got)
			}
			posted["divisionCode"][tc.level] = tc.to
			got, _ := form.Decode(mp.Form, posted)
			if got["divisionCode"] != tc.want {
				t.Fatalf("divisionCode = %v, want %v", got["divisionCode"], tc.want)
			}
			page.Reset()
			if err := form.Render(&page, form.Build(mp, got, nil, varsOf(got))); err != nil {
				t.Fatal(err)
			}
			out := page.String()
			if list := options(out, tc.lists); list == "" || selected(out, tc.lists+`"`) != "" {
				t.Errorf("%s missing or with a choice left over:\n%s", tc.lists, list)
			}
			if tc.absent != "" && strings.Contains(out, `id="`+tc.absent+`"`) {
				t.Errorf("%s still shown", tc.absent)
			}
		})
	}
}

// TestDivisionFormat: a form field of format cn-division takes the townships and villages of
// 许昌 as well as GB/T 2260 codes, and nothing else of nine or twelve digits.
func TestDivisionFormat(t *testing.T) {
	mp := examplePlan(t).Matter("food-business-license")
	for code, valid := range map[string]bool{"411002": true, "411003100": true, "411003999": false, "41100310": false, "411003100010": true, "411003100999": false, "411071001001": false} {
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
