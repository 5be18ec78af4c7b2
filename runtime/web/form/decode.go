package form

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/xuchang-gov/tongban/definitions/formschema"
)

// Decode turns a posted form into the application's data, typed by the schema: numbers as
// numbers, yes/no as booleans, empty controls left out. A number that does not parse is a
// problem at its field, in the same shape as schema validation reports.
func Decode(schema *formschema.Schema, values url.Values) (map[string]any, []formschema.FieldError) {
	return decode(schema, values, false)
}

// DecodeForEditing is Decode for a form that goes back to the applicant rather than to be saved
// — a row added or removed, a live refresh: rows and list items left blank are kept, so that a
// row just added is still there when the page comes back.
func DecodeForEditing(schema *formschema.Schema, values url.Values) (map[string]any, []formschema.FieldError) {
	return decode(schema, values, true)
}

func decode(schema *formschema.Schema, values url.Values, keepBlank bool) (map[string]any, []formschema.FieldError) {
	d := &decoder{values: values, keepBlank: keepBlank}
	data, _ := d.value(nil, schema.Root()).(map[string]any)
	if data == nil {
		data = map[string]any{}
	}
	return data, d.problems
}

type decoder struct {
	values    url.Values
	keepBlank bool
	problems  []formschema.FieldError
}

func (d *decoder) value(path []string, s *formschema.Field) any {
	name := strings.Join(path, ".")
	switch {
	case s.Type == "object" || (len(path) == 0 && len(s.Properties) > 0):
		obj := map[string]any{}
		for _, p := range s.Properties {
			if v := d.value(append(slices.Clone(path), p.Name), p); v != nil {
				obj[p.Name] = v
			}
		}
		if len(obj) == 0 && len(path) > 0 {
			return nil
		}
		return obj
	case s.Type == "array" && s.Items != nil && s.Items.Type == "object":
		var rows []any
		for _, i := range d.indices(name) {
			row := d.value(append(slices.Clone(path), strconv.Itoa(i)), s.Items)
			if row == nil && d.keepBlank {
				row = map[string]any{}
			}
			if row != nil {
				rows = append(rows, row)
			}
		}
		if rows == nil {
			return nil
		}
		return rows
	case s.Type == "array":
		// Choices post the list under its own name; free-text lists post one control per item.
		var list []any
		for _, raw := range d.values[name] {
			if v := d.scalar(path, s.Items, raw); v != nil {
				list = append(list, v)
			}
		}
		for _, i := range d.indices(name) {
			raw := d.values.Get(name + "." + strconv.Itoa(i))
			if v := d.scalar(path, s.Items, raw); v != nil {
				list = append(list, v)
			} else if d.keepBlank {
				list = append(list, "")
			}
		}
		if list == nil {
			return nil
		}
		return list
	}
	if s.Format == "cn-division" {
		return d.scalar(path, s, divisionValue(d.values[name]))
	}
	return d.scalar(path, s, d.values.Get(name))
}

// indices lists the row numbers posted under a list's name, in order.
func (d *decoder) indices(name string) []int {
	seen := map[int]bool{}
	for key := range d.values {
		rest, ok := strings.CutPrefix(key, name+".")
		if !ok {
			continue
		}
		head, _, _ := strings.Cut(rest, ".")
		if i, err := strconv.Atoi(head); err == nil && i >= 0 && i < 1000 {
			seen[i] = true
		}
	}
	out := make([]int, 0, len(seen))
	for i := range seen {
		out = append(out, i)
	}
	slices.Sort(out)
	return out
}

func (d *decoder) scalar(path []string, s *formschema.Field, raw string) any {
	raw = strings.TrimSpace(raw)
	if raw == "" || s == nil {
		return nil
	}
	switch s.Type {
	case "number", "integer":
		n, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			d.problems = append(d.problems, formschema.FieldError{Pointer: "/" + strings.Join(path, "/"), Message: "「" + s.Label() + "」应填写数字"})
			return nil
		}
		return n
	case "boolean":
		return raw == "true" || raw == "on"
	}
	return raw
}

// ApplyRowAction carries out an "add:list" or "remove:list.N" button of a repeated section on
// the data, so that rows are added and removed without JavaScript. It reports whether the
// action was one.
func ApplyRowAction(data map[string]any, action string) bool {
	verb, target, ok := strings.Cut(action, ":")
	if !ok || (verb != "add" && verb != "remove") {
		return false
	}
	parts := strings.Split(target, ".")
	index := -1
	if verb == "remove" {
		i, err := strconv.Atoi(parts[len(parts)-1])
		if err != nil {
			return false
		}
		index, parts = i, parts[:len(parts)-1]
	}
	parent := data
	for _, p := range parts[:len(parts)-1] {
		next, ok := parent[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			parent[p] = next
		}
		parent = next
	}
	key := parts[len(parts)-1]
	list, _ := parent[key].([]any)
	switch {
	case verb == "add":
		if len(list) == 0 {
			list = append(list, map[string]any{})
		}
		parent[key] = append(list, map[string]any{})
	case index >= 0 && index < len(list):
		parent[key] = slices.Delete(list, index, index+1)
	}
	return true
}
