// Package form turns a matter's form schema and UI definition into an accessible HTML form, and
// the posted form back into the application's JSON. It is the one form renderer: the portal,
// the window workbench and the designer's preview all use it.
package form

import (
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/formschema"
	"github.com/xuchang-gov/tongban/definitions/rules"
)

// Form is a form ready to render: its sections of fields, with values and messages.
type Form struct {
	Sections []*Section
	// Problems are messages that belong to no visible field.
	Problems []string
	// Refused marks the answer to a refused submission: the form opens with a summary of every
	// problem, each linked to its control, that the page's script moves the focus to.
	Refused bool
	// Extra are problems of the page around the form (its materials) that the summary lists too.
	Extra []Issue
}

// Issue is one entry of the error summary: a message and the id of the control it is about
// ("" when it is about no control).
type Issue struct {
	Target, Label, Message string
}

// Issues are the problems of a refused submission in the order of the page: the visible
// fields' messages, those that belong to no field, then the caller's.
func (f *Form) Issues() []Issue {
	var out []Issue
	var visit func(fields []*Field)
	visit = func(fields []*Field) {
		for _, fl := range fields {
			if fl.Hidden {
				continue
			}
			if fl.Error != "" {
				out = append(out, Issue{Target: fl.FocusID(), Label: fl.Label, Message: fl.Error})
			}
			visit(fl.Children)
			for _, row := range fl.Rows {
				visit(row)
			}
		}
	}
	for _, s := range f.Sections {
		if !s.Hidden {
			visit(s.Fields)
		}
	}
	for _, p := range f.Problems {
		out = append(out, Issue{Message: p})
	}
	return append(out, f.Extra...)
}

// Section is a titled group of fields.
type Section struct {
	ID, Title, Help string
	Hidden          bool
	Fields          []*Field
}

// Field is one control, or a group of them for objects and repeated rows.
type Field struct {
	// Name is the control's name in the posted form: the data path with dots, list items by
	// index ("safetyManagers.0.name").
	Name, ID    string
	Label       string
	Help        string
	Placeholder string
	Widget      string
	Required    bool
	Hidden      bool
	ReadOnly    bool
	Columns     int
	Error       string
	Value       string
	// Values are the chosen values of a multiple choice.
	Values  []string
	Options []Option
	Input   inputKind
	// Children are the fields of an object; Rows the items of a list of objects.
	Children []*Field
	Rows     [][]*Field
	MinRows  int
}

// FocusID is the id of the control that takes the focus for the field: the first choice of a
// group of radio buttons or checkboxes, the first control inside an object or a list.
func (f *Field) FocusID() string {
	switch f.Input.Template {
	case "radio", "checkbox":
		return f.ID + "-0"
	case "section":
		if len(f.Children) > 0 {
			return f.Children[0].FocusID()
		}
	case "rows":
		if len(f.Rows) > 0 && len(f.Rows[0]) > 0 {
			return f.Rows[0][0].FocusID()
		}
	}
	return f.ID
}

// Option is one choice of a select, radio or checkbox group.
type Option struct {
	Value, Label string
	Selected     bool
}

// Build lays out the form of a matter over the data given (nil for an empty form), with the
// validation problems (JSON pointers into the data) beside their fields. Visibility rules run
// over vars, which should hold the same data as `form`.
func Build(mp *definitions.MatterPlan, data map[string]any, problems []formschema.FieldError, vars rules.Vars) *Form {
	b := &builder{mp: mp, vars: vars, errors: map[string]string{}}
	for _, p := range problems {
		if _, dup := b.errors[p.Pointer]; !dup {
			b.errors[p.Pointer] = p.Message
		}
	}
	root := mp.Form.Root()
	f := &Form{}
	for _, s := range mp.Def.FormUI.Sections {
		sec := &Section{ID: s.ID, Title: s.Title, Help: s.Help, Hidden: !b.visible(mp.SectionVisible[s.ID])}
		for _, path := range s.Fields {
			field := lookupPath(root, path)
			if field == nil {
				continue
			}
			sec.Fields = append(sec.Fields, b.field(path, strings.Split(path, "."), field, valueAt(data, path), sec.Hidden))
		}
		f.Sections = append(f.Sections, sec)
	}
	for ptr, msg := range b.errors {
		if !b.used[ptr] && !attachBelow(f, ptr, msg) {
			f.Problems = append(f.Problems, msg)
		}
	}
	slices.Sort(f.Problems)
	return f
}

type builder struct {
	mp     *definitions.MatterPlan
	vars   rules.Vars
	errors map[string]string
	used   map[string]bool
}

func (b *builder) visible(p *rules.Program) bool {
	if p == nil {
		return true
	}
	ok, err := p.Bool(b.vars)
	// A rule that cannot run on a half-filled form shows the field: hiding a field the applicant
	// may need is worse than showing one they may not.
	return ok || err != nil
}

func (b *builder) takeError(pointer string) string {
	if b.used == nil {
		b.used = map[string]bool{}
	}
	msg, ok := b.errors[pointer]
	if ok {
		b.used[pointer] = true
	}
	return msg
}

// field builds the control of one schema field. uiPath is its path in form.ui.json (list items
// as "[]"), dataPath its path in the data (list items by index).
func (b *builder) field(uiPath string, dataPath []string, s *formschema.Field, value any, hidden bool) *Field {
	ui := b.mp.Def.FormUI.Fields[uiPath]
	f := &Field{
		Name: strings.Join(dataPath, "."), ID: "f-" + strings.Join(dataPath, "-"),
		Label: s.Label(), Help: firstOf(ui.Help, s.Description), Placeholder: ui.Placeholder,
		Required: s.Required, ReadOnly: ui.ReadOnly, Columns: ui.Columns,
		Hidden: hidden || !b.visible(b.mp.FieldVisible[uiPath]),
		Error:  b.takeError("/" + strings.Join(dataPath, "/")),
	}
	f.Widget = widgetOf(ui.Widget, s)
	f.Input = inputs[f.Widget]
	switch {
	case s.Type == "object":
		obj, _ := value.(map[string]any)
		for _, c := range s.Properties {
			f.Children = append(f.Children, b.field(uiPath+"."+c.Name, append(slices.Clone(dataPath), c.Name), c, obj[c.Name], f.Hidden))
		}
	case s.Type == "array" && s.Items != nil && s.Items.Type == "object":
		items, _ := value.([]any)
		f.MinRows = 1
		n := max(len(items), f.MinRows)
		for i := range n {
			var item any
			if i < len(items) {
				item = items[i]
			}
			row := b.field(uiPath+"[]", append(slices.Clone(dataPath), strconv.Itoa(i)), s.Items, item, f.Hidden)
			f.Rows = append(f.Rows, row.Children)
		}
	case s.Type == "array" && (s.Items == nil || len(s.Items.Enum) == 0):
		// A list of free text: one control per item, added and removed like rows.
		f.Widget, f.Input = "rows", inputs["rows"]
		items := asList(value)
		f.MinRows = 1
		for i := range max(len(items), f.MinRows) {
			var item any
			if i < len(items) {
				item = items[i]
			}
			one := b.field(uiPath+"[]", append(slices.Clone(dataPath), strconv.Itoa(i)), itemOf(s), item, f.Hidden)
			one.Label = fmt.Sprintf("%s（第 %d 项）", s.Label(), i+1)
			one.Widget, one.Input = "text", inputs["text"]
			f.Rows = append(f.Rows, []*Field{one})
		}
	case s.Type == "array":
		for _, v := range asList(value) {
			f.Values = append(f.Values, text(v))
		}
		f.Options = options(s.Items, f.Values)
	default:
		f.Value = text(value)
		f.Options = options(s, []string{f.Value})
		if s.Type == "boolean" {
			f.Options = []Option{{Value: "true", Label: "是", Selected: value == true}, {Value: "false", Label: "否", Selected: value == false}}
		}
	}
	return f
}

func itemOf(s *formschema.Field) *formschema.Field {
	if s.Items != nil {
		return s.Items
	}
	return &formschema.Field{Type: "string"}
}

// attachBelow puts a problem about a whole object or list (a missing object, too few rows) on
// the first field inside it that has no message yet.
func attachBelow(f *Form, pointer, msg string) bool {
	prefix := strings.ReplaceAll(strings.TrimPrefix(pointer, "/"), "/", ".") + "."
	var visit func(fields []*Field) bool
	visit = func(fields []*Field) bool {
		for _, fl := range fields {
			if strings.HasPrefix(fl.Name+".", prefix) && fl.Error == "" && !fl.Hidden {
				fl.Error = msg
				return true
			}
			if visit(fl.Children) {
				return true
			}
			for _, row := range fl.Rows {
				if visit(row) {
					return true
				}
			}
		}
		return false
	}
	for _, s := range f.Sections {
		if visit(s.Fields) {
			return true
		}
	}
	return false
}

func options(s *formschema.Field, chosen []string) []Option {
	if s == nil {
		return nil
	}
	var out []Option
	for _, v := range s.Enum {
		t := text(v)
		out = append(out, Option{Value: t, Label: t, Selected: slices.Contains(chosen, t)})
	}
	return out
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// text writes a JSON value as a control shows it.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(v)
}

// lookupPath finds a form.ui.json field path in the schema.
func lookupPath(root *formschema.Field, path string) *formschema.Field {
	cur := root
	for _, part := range strings.Split(path, ".") {
		name, isList := strings.CutSuffix(part, "[]")
		if cur = cur.Property(name); cur == nil {
			return nil
		}
		if isList {
			cur = cur.Items
		}
	}
	return cur
}

func valueAt(data map[string]any, path string) any {
	var cur any = data
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

// Render writes the form's fields as HTML (the caller writes the <form> element, its action,
// CSRF token and buttons around it).
func Render(w io.Writer, f *Form) error {
	return page.ExecuteTemplate(w, "form", f)
}

// RenderHTML is Render into a template.HTML, for pages that embed the form.
func RenderHTML(f *Form) (template.HTML, error) {
	var b strings.Builder
	if err := Render(&b, f); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}

// Title is the page title of a form's page: it opens with 有错误 on a refused submission, so
// that a screen reader says so first.
func Title(f *Form, title string) string {
	if f.Refused && len(f.Issues()) > 0 {
		return "有错误：" + title
	}
	return title
}
