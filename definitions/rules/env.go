package rules

import (
	"reflect"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/types"

	"github.com/xuchang-gov/tongban/definitions/calendar"
	"github.com/xuchang-gov/tongban/definitions/formschema"
)

const stringKind = reflect.String

// Vars are the values an expression runs over: form, applicant, case, materials, now and
// whatever a context adds (a lookup's response, a certificate's license).
type Vars map[string]any

// Env says what expressions may name and with which types. It is built once per definition
// and shared by every expression compiled in it.
type Env struct {
	vars      types.Map
	functions []expr.Option
}

var timeType = types.TypeOf(time.Time{})

// ApplicantType is the shape of `applicant`: the person or enterprise who applies.
var ApplicantType = types.Map{
	"kind":         types.String, // "person" or "enterprise"
	"name":         types.String,
	"idNumber":     types.String,
	"uscc":         types.String,
	"mobile":       types.String,
	"divisionCode": types.String,
	"address":      types.String,
	"legalPerson":  types.String,
}

// CaseType is the shape of `case`.
var CaseType = types.Map{
	"number":       types.String,
	"channel":      types.String, // "online" or "window"
	"status":       types.String,
	"matter":       types.String,
	"orgCode":      types.String,
	"divisionCode": types.String,
	"submittedAt":  timeType,
	"acceptedAt":   timeType,
	"concludedAt":  timeType,
	"decision":     types.String, // "approve" or "deny" once decided
}

// MaterialType is the shape of each `materials.<id>`.
var MaterialType = types.Map{
	"provided": types.Bool,
	"deferred": types.Bool,
	"source":   types.String,
	"files":    types.Int,
	"license": types.Map{
		"number":     types.String,
		"holder":     types.String,
		"validUntil": timeType,
	},
}

// NewEnv describes the standard environment: `form` typed from the form schema, `applicant`,
// `case`, `materials` (one entry per material id), `now`, and the domain helpers; the working
// day helpers count on cal. extra adds context variables such as `response` or `license`.
func NewEnv(form *formschema.Field, materialIDs []string, cal *calendar.Calendar, extra map[string]types.Type) *Env {
	materials := types.Map{}
	for _, id := range materialIDs {
		materials[id] = MaterialType
	}
	env := &Env{functions: helpers(cal), vars: types.Map{
		"form":      TypeOfField(form),
		"applicant": ApplicantType,
		"case":      CaseType,
		"materials": materials,
		"now":       timeType,
	}}
	return env.With(extra)
}

// With returns an environment that also knows the extra variables.
func (env *Env) With(extra map[string]types.Type) *Env {
	vars := make(types.Map, len(env.vars)+len(extra))
	for k, v := range env.vars {
		vars[k] = v
	}
	for k, v := range extra {
		vars[k] = v
	}
	return &Env{vars: vars, functions: env.functions}
}

// TypeOfField maps a form field to an expression type. Every JSON number is a float64 at run
// time, so "integer" fields are typed float64 too; objects are strict, so a misspelt field name
// is a compile error.
func TypeOfField(f *formschema.Field) types.Type {
	if f == nil {
		return types.Any
	}
	switch f.Type {
	case "string":
		return types.String
	case "number", "integer":
		return types.Float64
	case "boolean":
		return types.Bool
	case "array":
		return types.Array(TypeOfField(f.Items))
	case "object":
		m := types.Map{}
		for _, p := range f.Properties {
			m[p.Name] = TypeOfField(p)
		}
		if len(f.Properties) == 0 {
			m[types.Extra] = types.Any
		}
		return m
	}
	return types.Any
}
