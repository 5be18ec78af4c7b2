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
// the one chosen is the county part of the field's value, which may be a township or village.
func divisionOptions(value string) []Option {
	county := value
	if len(value) > 6 {
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

// divisionLevel is one select of the division widget below the county: the townships of the
// county chosen, or the villages of the township chosen.
type divisionLevel struct {
	ID, Label, Noun string
	Options         []Option
}

// divisionLevels are the selects the division widget shows below the county for the field's
// value: the chosen county's townships, then the chosen township's villages, and only those,
// so that a page carries one township's few dozen villages rather than all of 许昌's.
func divisionLevels(f *Field) []divisionLevel {
	levels := []struct {
		parent   int
		suffix   string
		noun     string
		children func(string) []cn.Division
	}{
		{6, "-town", "乡镇（街道）", cn.Towns},
		{9, "-village", "村（社区）", cn.Villages},
	}
	var out []divisionLevel
	for _, l := range levels {
		if len(f.Value) < l.parent {
			break
		}
		var options []Option
		for _, d := range l.children(f.Value[:l.parent]) {
			options = append(options, Option{Value: d.Code, Label: d.Name, Selected: strings.HasPrefix(f.Value, d.Code)})
		}
		if len(options) == 0 {
			break
		}
		out = append(out, divisionLevel{ID: f.ID + l.suffix, Label: f.Label + "：" + l.noun, Noun: l.noun, Options: options})
	}
	return out
}

// divisionValue is what the division widget's selects posted, county first: each level counts
// when it lies within the one above, and the deepest that does is the value. A township or
// village left over from another county or township — changed without JavaScript — is
// dropped with everything below it, and the page offers the new choice's list.
func divisionValue(posted []string) string {
	if len(posted) == 0 {
		return ""
	}
	value := strings.TrimSpace(posted[0])
	for _, v := range posted[1:] {
		if v = strings.TrimSpace(v); len(v) == len(value)+3 && strings.HasPrefix(v, value) {
			value = v
		}
	}
	return value
}
