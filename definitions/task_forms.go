package definitions

import (
	"errors"
	"fmt"

	"github.com/expr-lang/expr/types"

	"github.com/xuchang-gov/tongban/definitions/formschema"
	"github.com/xuchang-gov/tongban/definitions/rules"
)

// compileTaskForms compiles the form of each workflow node that has one and returns the type of
// `tasks` that expressions see: each such node's form data by node id, typed as form fields
// are. It runs before anything else of the matter compiles, so that computed values, rules,
// conditions and print templates may all use what a person recorded.
func compileTaskForms(m *MatterDef, mp *MatterPlan, r reporter) types.Type {
	shape := types.Map{}
	mp.TaskForms = map[string]*formschema.Schema{}
	for i, n := range m.Workflow.Nodes {
		if n.Form == nil {
			continue
		}
		at := fmt.Sprintf("/nodes/%d/form", i)
		if n.Type != "task" && !(n.Type == "auto" && n.Mode == "assisted") {
			r.add(at, "只有审批环节（task）和辅助审批节点可以有办理表单 form")
			continue
		}
		s, err := formschema.Compile(m.Slug+"/workflow/"+n.ID+".form.json", n.Form)
		if err != nil {
			var se *formschema.SchemaError
			if errors.As(err, &se) && len(se.Errors) > 0 {
				for _, e := range se.Errors {
					r.add(at+e.Pointer, "不是有效的 JSON Schema：%s", e.Message)
				}
			} else {
				r.add(at, "办理表单 JSON Schema 无效：%v", err)
			}
			continue
		}
		if s.Root().Type != "object" {
			r.add(at+"/type", "办理表单的根必须是 object")
			continue
		}
		mp.TaskForms[n.ID] = s
		shape[n.ID] = rules.TypeOfField(s.Root())
	}
	return shape
}
