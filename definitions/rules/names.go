package rules

import (
	"reflect"
	"slices"
	"time"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/types"
)

// Names lists the top-level names source refers to (form, applicant, a parameter, a computed
// value), each once, in the order they first appear. Field names after a dot are not names.
// A syntax error is reported as Compile reports it.
func Names(source string) ([]string, error) {
	if err := checkBounds(source); err != nil {
		return nil, err
	}
	tree, err := parser.Parse(source)
	if err != nil {
		return nil, translate(err)
	}
	v := &nameVisitor{}
	ast.Walk(&tree.Node, v)
	return v.names, nil
}

type nameVisitor struct{ names []string }

func (v *nameVisitor) Visit(node *ast.Node) {
	if id, ok := (*node).(*ast.IdentifierNode); ok && !slices.Contains(v.names, id.Value) {
		v.names = append(v.names, id.Value)
	}
}

// Type is the type the program produces, as other expressions see it when the program's result
// is given a name (a computed value): numbers, text, yes/no and times keep their type; anything
// else is open.
func (p *Program) Type() types.Type {
	switch t := p.program.Node().Type(); t {
	case reflect.TypeOf(0), reflect.TypeOf(0.0), reflect.TypeOf(""), reflect.TypeOf(true), reflect.TypeOf(time.Time{}):
		return types.TypeOf(reflect.Zero(t).Interface())
	}
	return types.Any
}

// Knows reports whether name already means something in env: a variable, a domain helper or a
// built-in function of the expression language. A parameter or computed value may not take it.
func (env *Env) Knows(name string) bool {
	if _, ok := env.vars[name]; ok {
		return true
	}
	if slices.ContainsFunc(Helpers, func(h Helper) bool { return h.Name == name }) {
		return true
	}
	return slices.ContainsFunc(builtin.Builtins, func(f *builtin.Function) bool { return f.Name == name })
}
