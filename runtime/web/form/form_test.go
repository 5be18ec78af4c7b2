package form_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime/web/form"
)

func examplePlan(t testing.TB) *definitions.Plan {
	b, problems := definitions.Load(os.DirFS("../../../examples"))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	plan, problems := definitions.Compile(b)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	return plan
}

func varsOf(data map[string]any) rules.Vars {
	return rules.Vars{"form": data, "applicant": map[string]any{}, "case": map[string]any{}, "materials": map[string]any{}, "now": time.Now()}
}

// submitted reads rendered HTML the way a browser builds the posted form: enabled controls
// with their values, checked choices, selected options.
func submitted(t *testing.T, page string) url.Values {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	values := url.Values{}
	var walk func(n *html.Node, disabled bool)
	attr := func(n *html.Node, key string) (string, bool) {
		for _, a := range n.Attr {
			if a.Key == key {
				return a.Val, true
			}
		}
		return "", false
	}
	walk = func(n *html.Node, disabled bool) {
		if _, off := attr(n, "disabled"); off && n.Type == html.ElementNode {
			disabled = true
		}
		if n.Type == html.ElementNode && !disabled {
			name, _ := attr(n, "name")
			switch n.Data {
			case "input":
				typ, _ := attr(n, "type")
				v, _ := attr(n, "value")
				_, checked := attr(n, "checked")
				if (typ != "radio" && typ != "checkbox") || checked {
					values.Add(name, v)
				}
			case "textarea":
				if n.FirstChild != nil {
					values.Add(name, n.FirstChild.Data)
				} else {
					values.Add(name, "")
				}
			case "select":
				for o := n.FirstChild; o != nil; o = o.NextSibling {
					if _, sel := attr(o, "selected"); sel {
						v, _ := attr(o, "value")
						values.Add(name, v)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, disabled)
		}
	}
	walk(doc, false)
	return values
}

// TestEveryExampleRoundTrips renders each example's sample application and posts it back as a
// browser would: the decoded data must equal the sample, so no field is lost or mistyped.
func TestEveryExampleRoundTrips(t *testing.T) {
	plan := examplePlan(t)
	for _, mp := range plan.Matters() {
		t.Run(mp.Def.Slug, func(t *testing.T) {
			var sample map[string]any
			json.Unmarshal(mp.Def.Sample, &sample)
			var page bytes.Buffer
			if err := form.Render(&page, form.Build(mp, sample, nil, varsOf(sample))); err != nil {
				t.Fatal(err)
			}
			got, problems := form.Decode(mp.Form, submitted(t, page.String()))
			if len(problems) > 0 {
				t.Fatal(problems)
			}
			if !reflect.DeepEqual(got, sample) {
				gotJSON, _ := json.Marshal(got)
				t.Fatalf("round trip differs:\n got %s\nwant %s", gotJSON, mp.Def.Sample)
			}
			if errs := mp.Form.Validate(got); len(errs) > 0 {
				t.Fatalf("decoded data does not validate: %v", errs)
			}
		})
	}
}

func TestErrorsStandBesideTheirFields(t *testing.T) {
	mp := examplePlan(t).Matter("food-business-license")
	data := map[string]any{"enterpriseName": "许昌市魏都区好味道餐饮店", "premisesArea": 12.5}
	problems := mp.Form.Validate(data)
	var page bytes.Buffer
	if err := form.Render(&page, form.Build(mp, data, problems, varsOf(data))); err != nil {
		t.Fatal(err)
	}
	out := page.String()
	for _, want := range []string{
		`<label for="f-uscc">统一社会信用代码<abbr class="required" title="必填">*</abbr></label>`,
		`aria-invalid="true"`,
		`<p class="error" id="f-uscc-error">「统一社会信用代码」为必填项</p>`,
		`value="许昌市魏都区好味道餐饮店"`,
		`pattern="[0-9A-HJ-NPQRTUWXY]{18}"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(out, "form-problems") {
		t.Errorf("every problem should stand beside a field:\n%s", out[:strings.Index(out, "</div>")])
	}
}

func TestVisibilityHidesAndDisables(t *testing.T) {
	mp := examplePlan(t).Matter("food-business-license")
	data := map[string]any{"byAgent": false, "deliveryMethod": "窗口领取"}
	var page bytes.Buffer
	form.Render(&page, form.Build(mp, data, nil, varsOf(data)))
	if !strings.Contains(page.String(), `<fieldset class="form-section" id="s-agent" data-announce="委托代理人" hidden disabled>`) {
		t.Fatal("the agent section should be hidden when no agent applies")
	}
	values := submitted(t, page.String())
	if values.Has("agent.name") || values.Has("postal.address") {
		t.Fatalf("hidden fields were posted: %v", values)
	}
}

func TestRowActions(t *testing.T) {
	data := map[string]any{"safetyManagers": []any{map[string]any{"name": "张三"}}}
	form.ApplyRowAction(data, "add:safetyManagers")
	if n := len(data["safetyManagers"].([]any)); n != 2 {
		t.Fatalf("after add: %d rows", n)
	}
	form.ApplyRowAction(data, "remove:safetyManagers.0")
	rows := data["safetyManagers"].([]any)
	if len(rows) != 1 || len(rows[0].(map[string]any)) != 0 {
		t.Fatalf("after remove: %v", rows)
	}
	if form.ApplyRowAction(data, "drop:everything") {
		t.Fatal("an unknown action was applied")
	}
}

func TestNumbersThatDoNotParse(t *testing.T) {
	mp := examplePlan(t).Matter("food-business-license")
	_, problems := form.Decode(mp.Form, url.Values{"premisesArea": {"一百二十"}})
	if len(problems) != 1 || problems[0].Pointer != "/premisesArea" {
		t.Fatalf("problems %v", problems)
	}
}

// TestBlankRowsSurviveEditing adds a row and posts the form back without filling it, as a live
// refresh does: editing keeps the blank row; the final decoding leaves it out.
func TestBlankRowsSurviveEditing(t *testing.T) {
	mp := examplePlan(t).Matter("sole-proprietor-registration")
	values := url.Values{"familyMembers.0.name": {"张国强"}, "familyMembers.1.name": {""}, "businessScope.0": {"餐饮服务"}, "businessScope.1": {""}}
	editing, _ := form.DecodeForEditing(mp.Form, values)
	if len(editing["familyMembers"].([]any)) != 2 || len(editing["businessScope"].([]any)) != 2 {
		t.Fatalf("editing lost blank rows: %v", editing)
	}
	final, _ := form.Decode(mp.Form, values)
	if len(final["familyMembers"].([]any)) != 1 || len(final["businessScope"].([]any)) != 1 {
		t.Fatalf("final decoding kept blank rows: %v", final)
	}
}
