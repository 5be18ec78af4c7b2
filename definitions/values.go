package definitions

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/expr-lang/expr/types"

	"github.com/xuchang-gov/tongban/definitions/rules"
)

// CompiledValue is a computed value ready to run.
type CompiledValue struct {
	NamedValue
	Program *rules.Program
}

// ValueResult is one parameter or computed value of a case, as a person reviewing the case sees
// it: Error says why a value could not be computed.
type ValueResult struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Unit  string `json:"unit,omitempty"`
	Value any    `json:"value"`
	Error string `json:"error,omitempty"`
}

// parameterTypes maps each parameter type to what expressions see.
var parameterTypes = map[string]types.Type{
	"number": types.Float64, "integer": types.Int, "string": types.String, "boolean": types.Bool,
}

// compileValues checks the matter's parameters and computed values and returns the environment
// every other expression of the matter compiles in: env plus each parameter and value by name.
// Values are compiled in dependency order, each seeing the parameters and the values before it;
// a cycle is reported at each value on it.
func compileValues(m *MatterDef, mp *MatterPlan, env *rules.Env, c compiler) *rules.Env {
	mt := &m.Matter
	names := map[string]bool{}
	// claim reserves id for one parameter or value; a clash is reported and the name keeps
	// its first meaning, so that the clash does not also break every expression using it.
	claim := func(at, id, what string) bool {
		switch {
		case names[id]:
			c.r.add(at, "%s标识 %s 与其他参数或计算值重复", what, id)
		case env.Knows(id):
			c.r.add(at, "%s标识 %s 与表达式的内置名称重复，请换一个", what, id)
		default:
			names[id] = true
			return true
		}
		return false
	}
	extra := map[string]types.Type{}
	mp.Parameters = map[string]any{}
	for i, p := range mt.Parameters {
		at := fmt.Sprintf("/parameters/%d", i)
		own := claim(at+"/id", p.ID, "参数")
		if _, err := time.Parse(time.DateOnly, p.EffectiveFrom); err != nil {
			c.r.add(at+"/effectiveFrom", "不是有效的日期（格式为 2026-01-31）")
		}
		v, ok := parameterValue(p)
		if !ok {
			c.r.add(at+"/value", "参数 %s 的取值应为%s", p.ID, typeWord[p.Type])
		}
		if own {
			extra[p.ID], mp.Parameters[p.ID] = parameterTypes[p.Type], v
		}
	}
	index := map[string]int{}
	for i, v := range mt.Values {
		if claim(fmt.Sprintf("/values/%d/id", i), v.ID, "计算值") {
			index[v.ID] = i
		}
	}
	deps := make([][]int, len(mt.Values))
	for i, v := range mt.Values {
		refs, _ := rules.Names(v.Expression) // a syntax error is reported when the value compiles
		for _, ref := range refs {
			if j, ok := index[ref]; ok {
				deps[i] = append(deps[i], j)
			}
		}
	}
	order, cycles := dependencyOrder(deps)
	for _, cycle := range cycles {
		ids := make([]string, len(cycle))
		for k, i := range cycle {
			ids[k] = mt.Values[i].ID
		}
		path := strings.Join(append(ids, ids[0]), " → ")
		for _, i := range cycle {
			c.r.add(fmt.Sprintf("/values/%d/expression", i), "计算值循环引用：%s", path)
			extra[mt.Values[i].ID] = types.Any
		}
	}
	for _, i := range order {
		v := mt.Values[i]
		if index[v.ID] != i {
			continue // its id clashed, reported above
		}
		p := c.with(extra).compile(fmt.Sprintf("/values/%d/expression", i), v.Expression, rules.Any)
		extra[v.ID] = types.Any
		if p != nil {
			extra[v.ID] = p.Type()
			mp.Values = append(mp.Values, CompiledValue{NamedValue: v, Program: p})
		}
	}
	return env.With(extra)
}

var typeWord = map[string]string{"number": "数字", "integer": "整数", "string": "文本", "boolean": "是/否"}

// parameterValue converts a parameter's decoded value to what expressions see, and reports
// whether it has the parameter's type.
func parameterValue(p Parameter) (any, bool) {
	switch v := p.Value.(type) {
	case float64:
		if p.Type == "integer" && v == float64(int(v)) {
			return int(v), true
		}
		return v, p.Type == "number"
	case int:
		return v, p.Type == "integer" || p.Type == "number"
	case string:
		return v, p.Type == "string"
	case bool:
		return v, p.Type == "boolean"
	}
	return nil, false
}

// dependencyOrder orders nodes so that each comes after those it depends on, keeping the given
// order where dependencies allow. Nodes on a cycle are left out of the order and returned as
// the cycles found, each in the order it runs; a node that only depends on a cycle stays in.
func dependencyOrder(deps [][]int) (order []int, cycles [][]int) {
	const (
		unseen = iota
		visiting
		done
		cyclic
	)
	state := make([]int, len(deps))
	var stack []int
	var visit func(i int)
	visit = func(i int) {
		switch state[i] {
		case done, cyclic:
			return
		case visiting:
			cycle := slices.Clone(stack[slices.Index(stack, i):])
			for _, j := range cycle {
				state[j] = cyclic
			}
			cycles = append(cycles, cycle)
			return
		}
		state[i] = visiting
		stack = append(stack, i)
		for _, j := range deps[i] {
			visit(j)
		}
		stack = stack[:len(stack)-1]
		if state[i] != cyclic {
			state[i] = done
			order = append(order, i)
		}
	}
	for i := range deps {
		visit(i)
	}
	return order, cycles
}

// Evaluate returns vars with the matter's parameters and computed values added by name (vars
// itself is not changed), the values computed in dependency order, and every one of them with
// its result for the record. A value that cannot be computed is left out, so that whatever uses
// it fails to run, as a rule over unreadable data does, and its error is in the results.
func (mp *MatterPlan) Evaluate(vars rules.Vars) (rules.Vars, []ValueResult) {
	if len(mp.Parameters) == 0 && len(mp.Values) == 0 {
		return vars, nil
	}
	out := make(rules.Vars, len(vars)+len(mp.Parameters)+len(mp.Values))
	for k, v := range vars {
		out[k] = v
	}
	results := make([]ValueResult, 0, len(mp.Def.Matter.Parameters)+len(mp.Values))
	for _, p := range mp.Def.Matter.Parameters {
		out[p.ID] = mp.Parameters[p.ID]
		results = append(results, ValueResult{ID: p.ID, Title: p.Title, Unit: p.Unit, Value: mp.Parameters[p.ID]})
	}
	for _, v := range mp.Values {
		r := ValueResult{ID: v.ID, Title: v.Title, Unit: v.Unit}
		if x, err := v.Program.Run(out); err != nil {
			r.Error = err.Error()
		} else {
			out[v.ID], r.Value = x, x
		}
		results = append(results, r)
	}
	return out, results
}
