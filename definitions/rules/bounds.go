package rules

import (
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/conf"
)

// The bounds of an expression, checked before the expression language parses it: its parser
// and checker recurse once per level, so a very long or deeply bracketed expression would
// exhaust the stack. The examples' longest expression has about 520 characters and nests 4
// brackets deep.
const (
	// MaxLength is the longest expression, in characters.
	MaxLength = 10_000
	// MaxNesting is how deeply brackets ((), [], {}) may nest in an expression.
	MaxNesting = 64
)

// checkBounds refuses an expression longer than MaxLength or nesting brackets deeper than
// MaxNesting, pointing at where the bound is passed.
func checkBounds(source string) error {
	if n := utf8.RuneCountInString(source); n > MaxLength {
		return &Error{Message: fmt.Sprintf("表达式过长：%d 个字符，最多 %d 个", n, MaxLength), Line: 1, Column: 1}
	}
	depth, line, col := 0, 1, 0
	var quote rune
	escaped := false
	for _, c := range source {
		col++
		switch {
		case c == '\n':
			line, col = line+1, 0
		case quote != 0:
			switch {
			case escaped:
				escaped = false
			case c == '\\' && quote != '`':
				escaped = true
			case c == quote:
				quote = 0
			}
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == '(' || c == '[' || c == '{':
			if depth++; depth > MaxNesting {
				return &Error{Message: fmt.Sprintf("表达式嵌套过深：括号最多嵌套 %d 层", MaxNesting), Line: line, Column: col}
			}
		case c == ')' || c == ']' || c == '}':
			depth--
		}
	}
	return nil
}

// checkMemory refuses a program that would use up the expression language's memory budget
// whatever its input: a range, list or repeated text whose size is written in the expression
// (1..2000000, map(1..500000, [#, #]), repeat('x', 2000000)). Left alone it would fail every
// time it ran, for every applicant.
func checkMemory(node ast.Node) error {
	if m := memoryOf(node); m >= uint64(conf.DefaultMemoryBudget) {
		return &Error{Message: fmt.Sprintf("表达式运行时要建立约 %d 个元素的范围或列表，超出上限 %d：请缩小范围", m, conf.DefaultMemoryBudget), Line: 1, Column: 1}
	}
	return nil
}

// memoryOf estimates, as the expression language's machine counts it, the memory of the parts
// of node whose size is known before it runs: ranges between integers, list literals, repeat
// of a given text, and a closure's share times the range it runs over.
func memoryOf(node ast.Node) uint64 {
	v := &memoryVisitor{}
	ast.Walk(&node, v)
	return v.total
}

type memoryVisitor struct{ total uint64 }

func (v *memoryVisitor) add(n uint64) {
	v.total = min(v.total+min(n, math.MaxUint32), math.MaxUint64/2)
}

func (v *memoryVisitor) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.BinaryNode:
		if size, ok := rangeSize(n); ok {
			v.add(size)
		}
	case *ast.ArrayNode:
		v.add(uint64(len(n.Nodes)))
	case *ast.BuiltinNode:
		if len(n.Arguments) != 2 {
			return
		}
		if s, ok := n.Arguments[0].(*ast.StringNode); ok && n.Name == "repeat" {
			if times, ok := integer(n.Arguments[1]); ok && times > 0 {
				v.add(uint64(len(s.Value)) * uint64(min(times, math.MaxUint32)))
			}
		}
		if closure, ok := n.Arguments[1].(*ast.PredicateNode); ok {
			if r, ok := n.Arguments[0].(*ast.BinaryNode); ok {
				if size, ok := rangeSize(r); ok {
					v.add(size * min(memoryOf(closure.Node), math.MaxUint32))
				}
			}
		}
	}
}

// rangeSize is the length of a range between two integers written in the expression.
func rangeSize(n *ast.BinaryNode) (uint64, bool) {
	if n.Operator != ".." {
		return 0, false
	}
	from, ok1 := integer(n.Left)
	to, ok2 := integer(n.Right)
	if !ok1 || !ok2 || to < from {
		return 0, ok1 && ok2
	}
	return min(uint64(to-from)+1, math.MaxUint32), true
}

func integer(n ast.Node) (int, bool) {
	switch n := n.(type) {
	case *ast.IntegerNode:
		return n.Value, true
	case *ast.UnaryNode:
		if i, ok := integer(n.Node); ok && n.Operator == "-" {
			return -i, true
		}
	}
	return 0, false
}
