package service

import (
	"encoding/json"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/engine"
)

// varsFor builds what expressions of the matter run over for a case: the case's variables (its
// decision from the workflow's end), its times in the platform's zone, with the matter's
// parameters and computed values.
func varsFor(mp *definitions.MatterPlan, c *runtime.Case, form any, applicant *runtime.User, materials map[string]rules.Material, now time.Time) rules.Vars {
	facts := c.Facts()
	facts.Decision = engine.Decision(c.Workflow)
	vars := rules.CaseVars(form, applicant.Applicant(), facts, materials, now.In(runtime.Zone))
	vars["tasks"] = engine.TaskData(c.Workflow)
	vars, _ = mp.Evaluate(vars)
	return vars
}

// decodeForm turns stored form JSON into the values expressions see (numbers as float64).
func decodeForm(raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		return map[string]any{}, nil
	}
	var v any
	err := json.Unmarshal(raw, &v)
	return v, err
}
