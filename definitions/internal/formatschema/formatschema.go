// Package formatschema generates the JSON Schemas of the definition format from its Go types.
package formatschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/invopop/jsonschema"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/calendar"
)

// BaseURL is where the schemas are published; each schema's $id is under it.
const BaseURL = definitions.SchemaBaseURL

var kinds = []struct {
	name  string
	title string
	v     any
}{
	{"matter", "事项目录信息 matter.json", &definitions.Matter{}},
	{"form.ui", "表单界面 form.ui.json", &definitions.FormUI{}},
	{"materials", "申请材料 materials.json", &definitions.Materials{}},
	{"workflow", "办理流程 workflow.json", &definitions.Workflow{}},
	{"fees", "收费规则 fees.json", &definitions.Fees{}},
	{"print", "打印模板 print/*.json", &definitions.PrintTemplate{}},
	{"orgs", "机构与岗位 orgs.json", &definitions.Orgs{}},
	{"connector", "连接器 connectors/*.json", &definitions.Connector{}},
	{"calendar", "工作日历 calendar/*.json", &calendar.Year{}},
	{"theme", "一件事主题 themes/*/theme.json", &definitions.Theme{}},
	{"theme.mappings", "一件事字段映射 themes/*/mappings.json", &definitions.Mappings{}},
	{"theme.materials", "一件事共享材料 themes/*/materials.json", &definitions.ThemeMaterials{}},
}

var durationType = reflect.TypeOf(definitions.Duration{})

// mapType gives the types whose file form is not their Go shape their own schema: a Duration is
// a bare number of working days or the {days, count} object.
func mapType(t reflect.Type) *jsonschema.Schema {
	if t != durationType {
		return nil
	}
	object := (&jsonschema.Reflector{ExpandedStruct: true, DoNotReference: true}).Reflect(definitions.Duration{})
	object.Version, object.ID, object.Title = "", "", "天数与计日方式"
	return &jsonschema.Schema{OneOf: []*jsonschema.Schema{
		{Type: "integer", Minimum: "0", Title: "工作日天数"},
		object,
	}}
}

// Generate returns every format schema by file name ("matter.schema.json", ...).
func Generate() (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, k := range kinds {
		r := &jsonschema.Reflector{ExpandedStruct: true, DoNotReference: true, Mapper: mapType}
		s := r.Reflect(k.v)
		s.ID = jsonschema.ID(BaseURL + k.name + ".schema.json")
		s.Title = k.title
		if k.name == "matter" {
			for field, values := range definitions.ListEnums {
				items := s.Properties.Value(field).Items
				for _, v := range values {
					items.Enum = append(items.Enum, v)
				}
			}
			statuses := s.Properties.Value("documents").Items.Properties.Value("statuses").Items
			for _, v := range definitions.CaseStatuses {
				statuses.Enum = append(statuses.Enum, v)
			}
		}
		if k.name == "workflow" {
			// The node-kind registry, so that editors know which outcomes a node's edges may carry.
			t := s.Properties.Value("nodes").Items.Properties.Value("type")
			t.Extras = map[string]any{"x-nodeKinds": definitions.NodeKinds()}
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(s); err != nil {
			return nil, fmt.Errorf("%s: %w", k.name, err)
		}
		out[k.name+".schema.json"] = buf.Bytes()
	}
	return out, nil
}
