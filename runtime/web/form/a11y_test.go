package form_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/xuchang-gov/tongban/definitions/formschema"
	"github.com/xuchang-gov/tongban/runtime/web/form"
)

// node is a parsed element with what the accessibility checks ask of it.
type node struct{ *html.Node }

func (n node) attr(key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func (n node) has(key string) bool {
	return slices.ContainsFunc(n.Attr, func(a html.Attribute) bool { return a.Key == key })
}

// within is the nearest ancestor (or n itself) that match accepts.
func (n node) within(match func(node) bool) (node, bool) {
	for p := n.Node; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && match(node{p}) {
			return node{p}, true
		}
	}
	return node{}, false
}

// parsed is a rendered form as a tree, with its elements by id.
type parsed struct {
	all  []node
	byID map[string][]node
}

func parse(t *testing.T, page string) parsed {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	p := parsed{byID: map[string][]node{}}
	var walk func(*html.Node)
	walk = func(h *html.Node) {
		if h.Type == html.ElementNode {
			n := node{h}
			p.all = append(p.all, n)
			if id := n.attr("id"); id != "" {
				p.byID[id] = append(p.byID[id], n)
			}
		}
		for c := h.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return p
}

func (p parsed) controls() []node {
	var out []node
	for _, n := range p.all {
		if (n.Data == "input" && n.attr("type") != "hidden") || n.Data == "select" || n.Data == "textarea" {
			out = append(out, n)
		}
	}
	return out
}

func (p parsed) labelled(n node) bool {
	if _, ok := n.within(func(a node) bool { return a.Data == "label" }); ok {
		return true
	}
	return slices.ContainsFunc(p.all, func(l node) bool { return l.Data == "label" && l.attr("for") == n.attr("id") })
}

func render(t *testing.T, f *form.Form) string {
	t.Helper()
	var b bytes.Buffer
	if err := form.Render(&b, f); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestEveryControlHasAStableIDAndALabel renders every example matter, empty and filled with its
// sample: each control has an id of its own, the same on every rendering (the live refresh keeps
// the focus by it), and a label; each choice sits in a group named by its visible label.
func TestEveryControlHasAStableIDAndALabel(t *testing.T) {
	for _, mp := range examplePlan(t).Matters() {
		var sample map[string]any
		json.Unmarshal(mp.Def.Sample, &sample)
		for name, data := range map[string]map[string]any{"empty": {}, "sample": sample} {
			t.Run(mp.Def.Slug+"/"+name, func(t *testing.T) {
				p := parse(t, render(t, form.Build(mp, data, nil, varsOf(data))))
				again := parse(t, render(t, form.Build(mp, data, nil, varsOf(data))))
				for i, c := range p.controls() {
					id := c.attr("id")
					switch {
					case id == "":
						t.Errorf("%s %q has no id", c.Data, c.attr("name"))
					case len(p.byID[id]) > 1:
						t.Errorf("id %s is used %d times", id, len(p.byID[id]))
					case again.controls()[i].attr("id") != id:
						t.Errorf("%s is %s on one rendering and %s on the next", c.attr("name"), id, again.controls()[i].attr("id"))
					case !p.labelled(c):
						t.Errorf("%s has no label", id)
					}
					if typ := c.attr("type"); typ == "radio" || typ == "checkbox" {
						g, ok := c.within(func(a node) bool { return a.attr("role") == "radiogroup" || a.attr("role") == "group" })
						if !ok || len(p.byID[g.attr("aria-labelledby")]) != 1 {
							t.Errorf("%s is in no group named by a label", id)
						}
					}
				}
			})
		}
	}
}

// TestProblemsAreTiedToTheirControls: a control with a problem, a text box or a group of
// choices alike, is marked invalid and described by its message.
func TestProblemsAreTiedToTheirControls(t *testing.T) {
	mp := examplePlan(t).Matter("food-business-license")
	data := map[string]any{"networkOperation": true}
	problems := []formschema.FieldError{
		{Pointer: "/premisesArea", Message: "请输入数字"},
		{Pointer: "/mainType", Message: "「主体业态」为必填项"},
		{Pointer: "/businessItems", Message: "至少选择一项"},
		{Pointer: "/networkOperation", Message: "请选择"},
	}
	p := parse(t, render(t, form.Build(mp, data, problems, varsOf(data))))
	for _, c := range []struct{ id, role string }{
		{"f-premisesArea", ""},
		{"f-mainType", "radiogroup"},
		{"f-businessItems", "group"},
		{"f-networkOperation", "radiogroup"},
	} {
		t.Run(c.id, func(t *testing.T) {
			if len(p.byID[c.id]) != 1 {
				t.Fatalf("no element %s", c.id)
			}
			n := p.byID[c.id][0]
			if n.attr("role") != c.role {
				t.Errorf("role %q, want %q", n.attr("role"), c.role)
			}
			if n.attr("aria-invalid") != "true" {
				t.Errorf("not marked aria-invalid")
			}
			if !slices.Contains(strings.Fields(n.attr("aria-describedby")), c.id+"-error") || len(p.byID[c.id+"-error"]) != 1 {
				t.Errorf("aria-describedby %q does not name its message %s-error", n.attr("aria-describedby"), c.id)
			}
		})
	}
	if n := p.byID["f-mainType"][0]; n.attr("aria-required") != "true" {
		t.Errorf("the required radio group is not aria-required")
	}
}

// TestErrorSummary: a refused submission opens with a summary that can take the focus, whose
// entries link to the controls of their fields, in the order of the form, and lists the
// caller's problems too; a form being edited has none.
func TestErrorSummary(t *testing.T) {
	mp := examplePlan(t).Matter("food-business-license")
	data := map[string]any{"byAgent": false}
	problems := []formschema.FieldError{
		{Pointer: "/mainType", Message: "「主体业态」为必填项"},
		{Pointer: "/uscc", Message: "「统一社会信用代码」为必填项"},
		{Pointer: "/agent/name", Message: "hidden, so not listed"},
	}
	for _, c := range []struct {
		name    string
		refused bool
		want    []string // the summary's links, "" for an entry without one
	}{
		{"refused", true, []string{"#f-uscc", "#f-mainType-0", ""}},
		{"editing", false, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := form.Build(mp, data, problems, varsOf(data))
			f.Refused = c.refused
			f.Extra = []form.Issue{{Label: "营业执照", Message: "请上传"}}
			p := parse(t, render(t, f))
			summary, ok := p.byID["error-summary"]
			if !ok {
				if c.want != nil {
					t.Fatal("no error summary")
				}
				return
			}
			if c.want == nil {
				t.Fatal("an error summary while editing")
			}
			if summary[0].attr("tabindex") != "-1" || len(p.byID[summary[0].attr("aria-labelledby")]) != 1 {
				t.Errorf("the summary cannot take the focus or has no heading")
			}
			var got []string
			for _, n := range p.all {
				if n.Data != "li" {
					continue
				}
				if _, in := n.within(func(a node) bool { return a.attr("id") == "error-summary" }); !in {
					continue
				}
				href := ""
				if a := n.FirstChild; a != nil && a.Data == "a" {
					href = node{a}.attr("href")
					if len(p.byID[strings.TrimPrefix(href, "#")]) != 1 {
						t.Errorf("%s links to nothing", href)
					}
				}
				got = append(got, href)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("summary links %q, want %q", got, c.want)
			}
		})
	}
}
