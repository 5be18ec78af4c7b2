package form

import (
	"strings"

	"github.com/xuchang-gov/tongban/definitions/cn"
	"github.com/xuchang-gov/tongban/definitions/formschema"
)

// inputKind is how a widget renders: which template, and the attributes that make it easy to
// fill on a phone or a kiosk (input type, keyboard, pattern checked before submission).
type inputKind struct {
	Template     string
	Type         string
	InputMode    string
	Pattern      string
	MaxLength    int
	Step         string
	Autocomplete string
}

// inputs is the widget registry: every widget form.ui.json may name.
var inputs = map[string]inputKind{
	"text":     {Template: "input", Type: "text"},
	"textarea": {Template: "textarea"},
	"number":   {Template: "input", Type: "number", InputMode: "decimal", Step: "any"},
	"amount":   {Template: "input", Type: "number", InputMode: "decimal", Step: "0.01"},
	"date":     {Template: "input", Type: "date"},
	"select":   {Template: "select"},
	"radio":    {Template: "radio"},
	"checkbox": {Template: "checkbox"},
	"id-card":  {Template: "input", Type: "text", Pattern: `\d{17}[\dX]`, MaxLength: 18, Autocomplete: "off"},
	"uscc":     {Template: "input", Type: "text", Pattern: `[0-9A-HJ-NPQRTUWXY]{18}`, MaxLength: 18, Autocomplete: "off"},
	"mobile":   {Template: "input", Type: "tel", InputMode: "numeric", Pattern: `1[3-9]\d{9}`, MaxLength: 11, Autocomplete: "tel"},
	"division": {Template: "division"},
	"address":  {Template: "input", Type: "text", Autocomplete: "street-address"},
	"rows":     {Template: "rows"},
	"section":  {Template: "section"},
	"hidden":   {Template: "hidden"},
}

// widgetOf is the widget the UI names, or the one that suits the field's type and format.
func widgetOf(named string, s *formschema.Field) string {
	if _, ok := inputs[named]; ok {
		return named
	}
	switch {
	case s.Type == "object":
		return "section"
	case s.Type == "array" && s.Items != nil && s.Items.Type == "object":
		return "rows"
	case s.Type == "array":
		return "checkbox"
	case s.Type == "boolean":
		return "radio"
	case len(s.Enum) > 0 && len(s.Enum) <= 3:
		return "radio"
	case len(s.Enum) > 0:
		return "select"
	}
	switch s.Format {
	case "cn-id-card":
		return "id-card"
	case "cn-uscc":
		return "uscc"
	case "cn-mobile":
		return "mobile"
	case "cn-division":
		return "division"
	case "date":
		return "date"
	}
	if s.Type == "number" || s.Type == "integer" {
		return "number"
	}
	return "text"
}

// divisionOptions are the divisions of 许昌 the division widget offers first, the city first;
// the one chosen is the county part of the field's value, which may be a township.
func divisionOptions(value string) []Option {
	county := value
	if len(value) == 9 {
		county = value[:6]
	}
	var out []Option
	for _, d := range cn.Divisions() {
		if strings.HasPrefix(d.Code, "4110") {
			out = append(out, Option{Value: d.Code, Label: strings.TrimPrefix(d.Name, "河南省"), Selected: d.Code == county})
		}
	}
	return out
}

// townOptions are the townships the division widget offers next: those of the county chosen,
// and only those, so that a page carries one county's list rather than all of 许昌's.
func townOptions(value string) []Option {
	if len(value) != 6 && len(value) != 9 {
		return nil
	}
	var out []Option
	for _, d := range cn.Towns(value[:6]) {
		out = append(out, Option{Value: d.Code, Label: d.Name, Selected: d.Code == value})
	}
	return out
}

// divisionValue is what the division widget's selects posted: the township when one of the
// chosen county's was picked, else the county. A township left over from another county —
// the county changed without JavaScript — is dropped, and the page offers the new county's.
func divisionValue(posted []string) string {
	if len(posted) == 0 {
		return ""
	}
	county := strings.TrimSpace(posted[0])
	for _, v := range posted[1:] {
		if v = strings.TrimSpace(v); len(v) == 9 && len(county) == 6 && strings.HasPrefix(v, county) {
			return v
		}
	}
	return county
}
