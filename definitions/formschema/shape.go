package formschema

import (
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Field is the shape of one value in a form: what expressions may name, what the UI lays out
// and what messages call the field. Properties keep a stable order (alphabetical); the UI
// definition decides the order people see.
type Field struct {
	Name        string
	Title       string
	Description string
	// Type is the JSON type ("string", "number", "integer", "boolean", "object", "array"),
	// or "" when the schema allows several.
	Type       string
	Format     string
	Enum       []any
	Required   bool
	Properties []*Field
	Items      *Field
}

// Property returns the named property of an object field.
func (f *Field) Property(name string) *Field {
	for _, p := range f.Properties {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Lookup follows a JSON pointer into the data (array indices step into Items) and returns the
// field found there, or nil.
func (f *Field) Lookup(pointer string) *Field {
	cur := f
	if pointer == "" {
		return cur
	}
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch {
		case cur == nil:
			return nil
		case cur.Type == "array":
			cur = cur.Items
		default:
			cur = cur.Property(tok)
		}
	}
	return cur
}

// Label is how messages name the field: its title, or its name when it has none.
func (f *Field) Label() string {
	if f.Title != "" {
		return f.Title
	}
	return f.Name
}

func shapeOf(s *jsonschema.Schema) *Field {
	return buildField("", s, map[*jsonschema.Schema]bool{})
}

func buildField(name string, s *jsonschema.Schema, visiting map[*jsonschema.Schema]bool) *Field {
	f := &Field{Name: name}
	if s == nil || visiting[s] {
		return f
	}
	visiting[s] = true
	defer delete(visiting, s)
	mergeInto(f, s, visiting, false)
	return f
}

// mergeInto folds a schema and the subschemas that describe the same value ($ref, allOf,
// if/then/else, oneOf, anyOf) into one field, so that conditional properties are known too.
// Properties required only under a condition are not marked required.
func mergeInto(f *Field, s *jsonschema.Schema, visiting map[*jsonschema.Schema]bool, conditional bool) {
	if s == nil {
		return
	}
	if f.Title == "" {
		f.Title = s.Title
	}
	if f.Description == "" {
		f.Description = s.Description
	}
	if s.Types != nil && f.Type == "" {
		if ts := s.Types.ToStrings(); len(ts) == 1 {
			f.Type = ts[0]
		} else if len(ts) == 2 && slices.Contains(ts, "null") {
			f.Type = ts[slices.IndexFunc(ts, func(t string) bool { return t != "null" })]
		}
	}
	if s.Format != nil && f.Format == "" {
		f.Format = s.Format.Name
	}
	if s.Enum != nil && f.Enum == nil {
		f.Enum = s.Enum.Values
	}
	names := make([]string, 0, len(s.Properties))
	for n := range s.Properties {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		child := f.Property(n)
		if child == nil {
			child = buildField(n, s.Properties[n], visiting)
			f.Properties = append(f.Properties, child)
		} else {
			mergeInto(child, s.Properties[n], visiting, conditional)
		}
	}
	for _, r := range s.Required {
		if p := f.Property(r); p != nil && !conditional {
			p.Required = true
		}
	}
	if len(s.Properties) > 0 && f.Type == "" {
		f.Type = "object"
	}
	if s.Items2020 != nil {
		if f.Items == nil {
			f.Items = buildField("", s.Items2020, visiting)
		} else {
			mergeInto(f.Items, s.Items2020, visiting, conditional)
		}
		if f.Type == "" {
			f.Type = "array"
		}
	}
	for _, sub := range slices.Concat([]*jsonschema.Schema{s.Ref}, s.AllOf) {
		mergeSub(f, sub, visiting, conditional)
	}
	for _, sub := range slices.Concat([]*jsonschema.Schema{s.Then, s.Else}, s.OneOf, s.AnyOf) {
		mergeSub(f, sub, visiting, true)
	}
	sortProperties(f)
}

func mergeSub(f *Field, sub *jsonschema.Schema, visiting map[*jsonschema.Schema]bool, conditional bool) {
	if sub == nil || visiting[sub] {
		return
	}
	visiting[sub] = true
	mergeInto(f, sub, visiting, conditional)
	delete(visiting, sub)
}

func sortProperties(f *Field) {
	slices.SortFunc(f.Properties, func(a, b *Field) int { return strings.Compare(a.Name, b.Name) })
}
