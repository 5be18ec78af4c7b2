package definitions

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
)

// Change is one difference between two versions of a matter folder: what kind of thing (field,
// material, fee, node, parameter, catalog entry, or a whole file), its id (a field's path, an
// item's id, a catalog key, a file name), the file, and its value before and after (nil when
// added or removed).
type Change struct {
	Kind   string
	ID     string
	Change string // "added", "removed" or "changed"
	File   string
	Before json.RawMessage
	After  json.RawMessage
}

// itemsOf says, per file, which top-level lists hold items by id and what kind they are.
var itemsOf = map[string]map[string]string{
	MaterialsFile: {"materials": "material"},
	FeesFile:      {"items": "fee"},
	WorkflowFile:  {"nodes": "node"},
	MatterFile:    {"parameters": "parameter", "values": "parameter"},
}

// Diff compares two versions of a matter folder, files by name within the folder: the fields
// of the form, the materials, fees, workflow nodes and parameters by id, the catalog by key,
// and any other file as a whole. Formatting and key order make no difference; the changes
// come sorted by file, kind and id.
func Diff(before, after map[string][]byte) []Change {
	var out []Change
	names := map[string]bool{}
	for n := range before {
		names[n] = true
	}
	for n := range after {
		names[n] = true
	}
	for name := range names {
		a, inA := before[name]
		b, inB := after[name]
		var va, vb any
		okA := inA && json.Unmarshal(a, &va) == nil
		okB := inB && json.Unmarshal(b, &vb) == nil
		switch {
		case !inA:
			out = append(out, Change{Kind: "file", ID: name, Change: "added", File: name, After: compact(b)})
		case !inB:
			out = append(out, Change{Kind: "file", ID: name, Change: "removed", File: name, Before: compact(a)})
		case !okA || !okB:
			if !bytes.Equal(a, b) {
				out = append(out, Change{Kind: "file", ID: name, Change: "changed", File: name})
			}
		case name == FormSchemaFile:
			out = append(out, diffMaps(name, "field", fieldsOf(va, ""), fieldsOf(vb, ""))...)
		default:
			out = append(out, diffDocument(name, va, vb)...)
		}
	}
	slices.SortFunc(out, func(x, y Change) int {
		return strings.Compare(x.File+"\x00"+x.Kind+"\x00"+x.ID, y.File+"\x00"+y.Kind+"\x00"+y.ID)
	})
	return out
}

// diffDocument compares a file's lists of items by id and, for matter.json, its other keys as
// catalog entries; other files count as one thing.
func diffDocument(name string, a, b any) []Change {
	lists, catalog := itemsOf[name], name == MatterFile
	if lists == nil && !catalog {
		if reflect.DeepEqual(a, b) {
			return nil
		}
		return []Change{{Kind: "file", ID: name, Change: "changed", File: name, Before: encode(a), After: encode(b)}}
	}
	ma, _ := a.(map[string]any)
	mb, _ := b.(map[string]any)
	var out []Change
	rest := func(m map[string]any) map[string]any {
		r := map[string]any{}
		for k, v := range m {
			if _, listed := lists[k]; !listed {
				r[k] = v
			}
		}
		return r
	}
	for key, kind := range lists {
		out = append(out, diffMaps(name, kind, byID(ma[key]), byID(mb[key]))...)
	}
	kind := "catalog"
	if !catalog {
		kind = "file"
	}
	if catalog {
		return append(out, diffMaps(name, kind, rest(ma), rest(mb))...)
	}
	if !reflect.DeepEqual(rest(ma), rest(mb)) {
		out = append(out, Change{Kind: kind, ID: name, Change: "changed", File: name, Before: encode(rest(ma)), After: encode(rest(mb))})
	}
	return out
}

// byID indexes a list of objects by their "id"; an object keyed by id is taken as it is.
func byID(v any) map[string]any {
	out := map[string]any{}
	switch l := v.(type) {
	case []any:
		for _, item := range l {
			if m, ok := item.(map[string]any); ok {
				id, _ := m["id"].(string)
				out[id] = m
			}
		}
	case map[string]any:
		return l
	}
	return out
}

// fieldsOf flattens a JSON Schema into its fields by path (list items as "[]"), each without
// the fields below it, so that a change is reported at the field it concerns.
func fieldsOf(schema any, prefix string) map[string]any {
	out := map[string]any{}
	m, ok := schema.(map[string]any)
	if !ok {
		return out
	}
	if props, ok := m["properties"].(map[string]any); ok {
		for name, sub := range props {
			p := name
			if prefix != "" {
				p = prefix + "." + name
			}
			out[p] = shallow(sub)
			for k, v := range fieldsOf(sub, p) {
				out[k] = v
			}
		}
	}
	if items, ok := m["items"].(map[string]any); ok {
		for k, v := range fieldsOf(items, prefix+"[]") {
			out[k] = v
		}
	}
	if prefix == "" {
		out[""] = shallow(m)
		if len(out[""].(map[string]any)) == 0 {
			delete(out, "")
		}
	}
	return out
}

func shallow(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for k, val := range m {
		if k == "properties" {
			continue
		}
		if k == "items" {
			if im, ok := val.(map[string]any); ok {
				val = shallow(im)
			}
		}
		out[k] = val
	}
	return out
}

func diffMaps(file, kind string, a, b map[string]any) []Change {
	var out []Change
	for id, va := range a {
		vb, ok := b[id]
		switch {
		case !ok:
			out = append(out, Change{Kind: kind, ID: id, Change: "removed", File: file, Before: encode(va)})
		case !reflect.DeepEqual(va, vb):
			out = append(out, Change{Kind: kind, ID: id, Change: "changed", File: file, Before: encode(va), After: encode(vb)})
		}
	}
	for id, vb := range b {
		if _, ok := a[id]; !ok {
			out = append(out, Change{Kind: kind, ID: id, Change: "added", File: file, After: encode(vb)})
		}
	}
	return out
}

func encode(v any) json.RawMessage {
	raw, _ := marshalNoEscape(v)
	return bytes.TrimSpace(raw)
}

func compact(raw []byte) json.RawMessage {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return nil
	}
	return b.Bytes()
}
