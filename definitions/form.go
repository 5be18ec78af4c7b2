package definitions

// FormUI is form.ui.json: how the form schema is laid out and behaves. Fields are named by
// their path in the data, dots between properties and [] for the items of a list:
// "operator.name", "staff[].idNumber".
type FormUI struct {
	Schema      string             `json:"$schema,omitempty"`
	Description string             `json:"description,omitempty" jsonschema:"title=说明"`
	Sections    []Section          `json:"sections" jsonschema:"title=分组,minItems=1"`
	Fields      map[string]FieldUI `json:"fields,omitempty" jsonschema:"title=字段设置（键为字段路径）"`
	Prefill     []Prefill          `json:"prefill,omitempty" jsonschema:"title=预填规则"`
}

// Section is a titled group of fields shown together, in order.
type Section struct {
	ID      string   `json:"id" jsonschema:"title=分组标识,pattern=^[a-z][a-zA-Z0-9]*$"`
	Title   string   `json:"title" jsonschema:"title=分组标题"`
	Help    string   `json:"help,omitempty" jsonschema:"title=分组说明"`
	Fields  []string `json:"fields" jsonschema:"title=字段路径,minItems=1"`
	Visible string   `json:"visible,omitempty" jsonschema:"title=显示条件（表达式）"`
}

// FieldUI is how one field is shown.
type FieldUI struct {
	Widget      string `json:"widget,omitempty" jsonschema:"title=控件,enum=text,enum=textarea,enum=number,enum=amount,enum=date,enum=select,enum=radio,enum=checkbox,enum=id-card,enum=uscc,enum=mobile,enum=division,enum=address,enum=rows,enum=section,enum=hidden"`
	Placeholder string `json:"placeholder,omitempty" jsonschema:"title=占位提示"`
	Help        string `json:"help,omitempty" jsonschema:"title=填写说明"`
	Visible     string `json:"visible,omitempty" jsonschema:"title=显示条件（表达式）"`
	ReadOnly    bool   `json:"readOnly,omitempty" jsonschema:"title=只读"`
	// Columns is how many of the 12 grid columns the field spans on a wide screen.
	Columns int `json:"columns,omitempty" jsonschema:"title=宽度（12栏）,minimum=1,maximum=12"`
}

// Prefill fills fields from the applicant's account or from a lookup connector.
type Prefill struct {
	Field string `json:"field" jsonschema:"title=目标字段路径"`
	// From is "applicant" or the name of a lookup connector.
	From string `json:"from" jsonschema:"title=来源（applicant 或查询类连接器名）"`
	// Key is the expression whose value is sent to the connector (its input).
	Key string `json:"key,omitempty" jsonschema:"title=查询键（表达式）"`
	// Value is the expression over `response` (or `applicant`) giving the field's value.
	Value string `json:"value" jsonschema:"title=取值（表达式）"`
}
