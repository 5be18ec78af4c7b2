package rules

import (
	"slices"
	"strings"

	"github.com/expr-lang/expr/types"
)

// Variable is one name an expression may use: a variable or a field of one, as a dotted path.
type Variable struct {
	Name string
	// Type is the short name an editor shows: string, float, int, bool, time, list, map or any.
	Type string
}

// Variables lists every variable of the environment and every field of those that are maps,
// sorted by name: what an editor offers for completion.
func (env *Env) Variables() []Variable {
	var out []Variable
	walkVars(env.vars, "", &out)
	slices.SortFunc(out, func(a, b Variable) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// FieldsOf lists the fields of a map type, as Variables does under prefix.
func FieldsOf(m types.Map, prefix string) []Variable {
	var out []Variable
	walkVars(m, prefix, &out)
	slices.SortFunc(out, func(a, b Variable) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func walkVars(m types.Map, prefix string, out *[]Variable) {
	for name, t := range m {
		if name == types.Extra {
			continue
		}
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		*out = append(*out, Variable{Name: path, Type: shortType(t)})
		if sub, ok := t.(types.Map); ok {
			walkVars(sub, path, out)
		}
	}
}

func shortType(t types.Type) string {
	switch {
	case t == nil || t == types.Any:
		return "any"
	case t.Equal(types.String):
		return "string"
	case t.Equal(types.Float64):
		return "float"
	case t.Equal(types.Int):
		return "int"
	case t.Equal(types.Bool):
		return "bool"
	case t.Equal(timeType):
		return "time"
	}
	if _, ok := t.(types.Map); ok {
		return "map"
	}
	if strings.HasPrefix(t.String(), "Array") {
		return "list"
	}
	return "any"
}
