package excel

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/xuchang-gov/tongban/definitions"
)

// cellKind is how a field is written to, and read back from, one cell.
type cellKind int

const (
	textCell    cellKind = iota // a string, as it is
	intCell                     // an integer, stored as a number
	boolCell                    // 是 or 否
	listCell                    // []string, one item a line
	recordsCell                 // a list of small records: "title：value" lines, records separated by a blank line
)

// column is one column of the catalog sheet, that is one field of definitions.Matter. The
// columns are derived from the Go type and its struct tags, so that a field added to Matter
// gets a column, and a title changed there changes the header, with no list to keep in step.
type column struct {
	header   string // the title of the jsonschema tag; nested fields are "实施机构-机构编码"
	pointer  string // JSON pointer of the field in matter.json
	index    []int  // reflect field index from Matter
	kind     cellKind
	required bool          // no omitempty: the cell may not be left empty
	enum     []string      // allowed values, of the value or of each list item
	date     bool          // format=date: YYYY-MM-DD; Excel date cells are accepted too
	hint     string        // the header's comment, telling a clerk how to fill the column
	fields   []recordField // the parts of each record of a recordsCell
}

// recordField is one string field of the records of a recordsCell, e.g. 问题 of an FAQ.
type recordField struct {
	title    string
	index    int
	required bool
}

// catalogColumns are the columns after the slug column, in the order of the Matter fields.
var catalogColumns = sync.OnceValue(func() []*column {
	return columnsOf(reflect.TypeFor[definitions.Matter](), nil, "", "")
})

// columnsOf flattens the fields of struct type t. It panics on a field type it cannot put in a
// cell, so that such a field added to Matter fails every test instead of being left out.
func columnsOf(t reflect.Type, index []int, headerPrefix, pointerPrefix string) []*column {
	var cols []*column
	for i := range t.NumField() {
		f := t.Field(i)
		name, omitempty := jsonName(f)
		if name == "" || name == "$schema" || f.Tag.Get("catalog") == "-" {
			continue
		}
		tag := tagOptions(f.Tag.Get("jsonschema"))
		title := name
		if ts := tag["title"]; len(ts) > 0 {
			title = ts[0]
		}
		c := &column{
			header:   headerPrefix + title,
			pointer:  pointerPrefix + "/" + name,
			index:    append(append([]int(nil), index...), i),
			required: !omitempty,
			enum:     tag["enum"],
			date:     len(tag["format"]) > 0 && tag["format"][0] == "date",
		}
		switch ft := f.Type; {
		case ft.Kind() == reflect.Struct:
			cols = append(cols, columnsOf(ft, c.index, c.header+"-", c.pointer)...)
			continue
		case ft.Kind() == reflect.String:
			c.kind = textCell
		case ft.Kind() == reflect.Bool:
			c.kind = boolCell
		case isInt(ft), ft.Kind() == reflect.Pointer && isInt(ft.Elem()):
			c.kind = intCell
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.String:
			c.kind = listCell
			if pointerPrefix == "" {
				c.enum = definitions.ListEnums[name]
			}
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			c.kind = recordsCell
			c.fields = recordFields(ft.Elem())
		default:
			panic(fmt.Sprintf("excel: the catalog cannot hold field %s of type %s", f.Name, ft))
		}
		c.hint = hintOf(c, tag["description"])
		cols = append(cols, c)
	}
	return cols
}

func recordFields(t reflect.Type) []recordField {
	var fields []recordField
	for i := range t.NumField() {
		f := t.Field(i)
		name, omitempty := jsonName(f)
		if name == "" {
			continue
		}
		if f.Type.Kind() != reflect.String {
			panic(fmt.Sprintf("excel: the catalog cannot hold field %s.%s of type %s", t.Name(), f.Name, f.Type))
		}
		title := name
		if ts := tagOptions(f.Tag.Get("jsonschema"))["title"]; len(ts) > 0 {
			title = ts[0]
		}
		fields = append(fields, recordField{title: title, index: i, required: !omitempty})
	}
	return fields
}

// jsonName returns the JSON key of an exported field ("" for none) and whether it is omitempty.
func jsonName(f reflect.StructField) (string, bool) {
	if !f.IsExported() {
		return "", false
	}
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", false
	}
	name, opts, _ := strings.Cut(tag, ",")
	if name == "" {
		name = f.Name
	}
	return name, strings.Contains(","+opts+",", ",omitempty,")
}

// tagOptions splits a jsonschema struct tag ("title=…,enum=a,enum=b") into its values by key.
func tagOptions(tag string) map[string][]string {
	opts := map[string][]string{}
	for part := range strings.SplitSeq(tag, ",") {
		if k, v, ok := strings.Cut(part, "="); ok {
			opts[k] = append(opts[k], v)
		}
	}
	return opts
}

func hintOf(c *column, description []string) string {
	var lines []string
	if c.required {
		lines = append(lines, "必填。")
	}
	switch c.kind {
	case intCell:
		lines = append(lines, "填写整数。")
	case boolCell:
		lines = append(lines, "填写“是”或“否”。")
	case listCell:
		lines = append(lines, "每行填写一项（单元格内换行：Alt+Enter）。")
	case recordsCell:
		var parts []string
		for _, f := range c.fields {
			parts = append(parts, "“"+f.title+"：…”")
		}
		lines = append(lines, "每条写作 "+strings.Join(parts, "、")+" 几行，条与条之间空一行。")
	}
	if len(c.enum) > 0 {
		lines = append(lines, "可选："+strings.Join(c.enum, "、")+"。")
	}
	if c.date {
		lines = append(lines, "日期格式：2026-01-31。")
	}
	if len(description) > 0 {
		lines = append(lines, strings.Join(description, "，"))
	}
	return strings.Join(lines, "\n")
}

// isInt reports whether t is a signed integer type. A pointer to one is a field where 0 is a
// value and an empty cell is none (visits: 0 is 零跑动).
func isInt(t reflect.Type) bool { return t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64 }

// blank reports whether a cell counts as empty.
func blank(text string) bool { return strings.TrimSpace(text) == "" }

// format returns what the cell holds for field value v: an int64 for an integer cell, the text
// otherwise.
func (c *column) format(v reflect.Value) any {
	switch c.kind {
	case intCell:
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return ""
			}
			v = v.Elem()
		}
		return v.Int()
	case boolCell:
		if v.Bool() {
			return "是"
		}
		return "否"
	case listCell:
		return strings.Join(v.Interface().([]string), "\n")
	case recordsCell:
		records := make([]string, v.Len())
		for i := range v.Len() {
			lines := make([]string, len(c.fields))
			for j, f := range c.fields {
				lines[j] = f.title + "：" + v.Index(i).Field(f.index).String()
			}
			records[i] = strings.Join(lines, "\n")
		}
		return strings.Join(records, "\n\n")
	}
	return v.String()
}

// parse reads a cell's text into the field v. It returns a Chinese message when the text is not
// of the column's type; the allowed values, patterns and ranges are the format schema's to check.
// A blank cell leaves v at its zero value (whether that is allowed is checked by the caller).
func (c *column) parse(text string, v reflect.Value) string {
	if blank(text) && c.kind != textCell {
		return ""
	}
	switch c.kind {
	case textCell:
		if c.date || blank(text) {
			text = strings.TrimSpace(text)
		}
		v.SetString(text)
	case intCell:
		s := strings.TrimSpace(text)
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(s, 64)
			if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
				return fmt.Sprintf("「%s」应为整数，实际为“%s”", c.header, s)
			}
			n = int64(f)
		}
		if v.Kind() == reflect.Pointer {
			v.Set(reflect.New(v.Type().Elem()))
			v = v.Elem()
		}
		if v.OverflowInt(n) {
			return fmt.Sprintf("「%s」的数值过大", c.header)
		}
		v.SetInt(n)
	case boolCell:
		switch strings.TrimSpace(text) {
		case "是":
			v.SetBool(true)
		case "否":
			v.SetBool(false)
		default:
			return fmt.Sprintf("「%s」应填写“是”或“否”，实际为“%s”", c.header, strings.TrimSpace(text))
		}
	case listCell:
		var items []string
		for line := range strings.SplitSeq(text, "\n") {
			line = strings.TrimSuffix(line, "\r")
			if !blank(line) {
				items = append(items, line)
			}
		}
		v.Set(reflect.ValueOf(items))
	case recordsCell:
		return c.parseRecords(text, v)
	}
	return ""
}

// parseRecords reads records written as "title：value" lines. The first field's title starts a
// record; a later field's title starts that field; any other line continues the current value.
// Blank lines at the end of a value are the separator between records and are dropped.
func (c *column) parseRecords(text string, v reflect.Value) string {
	records := reflect.MakeSlice(v.Type(), 0, 1)
	var values []string // of the current record, by field
	var seen []bool
	current := -1
	flush := func() string {
		if values == nil {
			return ""
		}
		r := reflect.New(v.Type().Elem()).Elem()
		for j, f := range c.fields {
			if !seen[j] && f.required {
				return fmt.Sprintf("「%s」第 %d 条缺少“%s：”一行", c.header, records.Len()+1, f.title)
			}
			r.Field(f.index).SetString(strings.TrimRight(values[j], "\r\n"))
		}
		records = reflect.Append(records, r)
		return ""
	}
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if rest, ok := cutTitle(line, c.fields[0].title); ok {
			if msg := flush(); msg != "" {
				return msg
			}
			values, seen, current = make([]string, len(c.fields)), make([]bool, len(c.fields)), 0
			values[0], seen[0] = rest, true
			continue
		}
		if values == nil {
			if blank(line) {
				continue
			}
			return fmt.Sprintf("「%s」第 %d 行应以“%s：”开头", c.header, n+1, c.fields[0].title)
		}
		switched := false
		for j := current + 1; j < len(c.fields); j++ {
			if rest, ok := cutTitle(line, c.fields[j].title); ok {
				values[j], seen[j], current, switched = rest, true, j, true
				break
			}
		}
		if !switched {
			values[current] += "\n" + line
		}
	}
	if msg := flush(); msg != "" {
		return msg
	}
	if records.Len() > 0 {
		v.Set(records)
	}
	return ""
}

// cutTitle returns the rest of line after "title：" (or "title:").
func cutTitle(line, title string) (string, bool) {
	if rest, ok := strings.CutPrefix(line, title+"："); ok {
		return rest, true
	}
	return strings.CutPrefix(line, title+":")
}

// sameValue reports whether a field read back equals the one written; an empty list is the same
// whether nil or not, as in matter.json (omitempty).
func sameValue(a, b reflect.Value) bool {
	if a.Kind() == reflect.Slice && a.Len() == 0 && b.Len() == 0 {
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}
