// Package rules compiles and runs the expressions of a definition (visibility, conditions, fees,
// auto-approval rules, mappings, print fields) against a typed environment, so that a wrong name
// or type is found when the definition is checked, not when a citizen applies.
package rules

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
)

// Want is the type an expression must produce where it is used.
type Want int

const (
	// Any accepts whatever the expression produces (mappings, print fields).
	Any Want = iota
	// Bool is for conditions, visibility and auto-approval rules.
	Bool
	// Number is for fees and amounts.
	Number
	// String is for text.
	String
)

// Program is a compiled, type-checked expression. It is immutable and safe for concurrent use.
type Program struct {
	source  string
	program *vm.Program
}

// Source is the expression as the analyst wrote it.
func (p *Program) Source() string { return p.source }

// Error is an expression that does not compile: the message is Chinese, Line and Column are
// 1-based, and Snippet shows the source line with a caret under the fault.
type Error struct {
	Message string
	Line    int
	Column  int
	Snippet string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s (%d:%d)%s", e.Message, e.Line, e.Column, e.Snippet)
}

// Compile compiles source in env and checks that it produces want.
func (env *Env) Compile(source string, want Want) (*Program, error) {
	if strings.TrimSpace(source) == "" {
		return nil, &Error{Message: "表达式为空", Line: 1, Column: 1}
	}
	if err := checkBounds(source); err != nil {
		return nil, err
	}
	opts := append([]expr.Option{expr.Env(env.vars)}, env.functions...)
	switch want {
	case Bool:
		opts = append(opts, expr.AsBool())
	case Number:
		opts = append(opts, expr.AsFloat64())
	case String:
		opts = append(opts, expr.AsKind(stringKind))
	}
	program, err := expr.Compile(source, opts...)
	if err != nil {
		return nil, translate(err)
	}
	if err := checkMemory(program.Node()); err != nil {
		return nil, err
	}
	return &Program{source: source, program: program}, nil
}

// TypeName names what the program produces as the checker inferred it ("bool", "float64",
// "string", "interface {}" when it cannot tell): what the studio shows an analyst.
func (p *Program) TypeName() string {
	if t := p.program.Node().Type(); t != nil {
		return t.String()
	}
	return "interface {}"
}

// ErrMemoryBudget is wrapped by the error of a program that would take more memory than the
// expression language allows (conf.DefaultMemoryBudget) with the values it ran over: a range
// or list as long as a number in the form. Validation refuses those whose size is written in
// the expression (checkMemory); this is the rest, which the input decides.
var ErrMemoryBudget = errors.New("表达式按所给的数据需要的内存超出上限")

// Run evaluates the program over the given variables.
func (p *Program) Run(vars Vars) (any, error) {
	out, err := expr.Run(p.program, map[string]any(vars))
	if err != nil {
		if strings.Contains(err.Error(), "memory budget exceeded") {
			return nil, fmt.Errorf("表达式 %q：%w", p.source, ErrMemoryBudget)
		}
		return nil, fmt.Errorf("表达式 %q 运行出错：%w", p.source, translate(err))
	}
	return out, nil
}

// Bool runs a condition.
func (p *Program) Bool(vars Vars) (bool, error) {
	out, err := p.Run(vars)
	if err != nil {
		return false, err
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("表达式 %q 的结果应为是/否，实际为 %T", p.source, out)
	}
	return b, nil
}

// Number runs an amount.
func (p *Program) Number(vars Vars) (float64, error) {
	out, err := p.Run(vars)
	if err != nil {
		return 0, err
	}
	switch n := out.(type) {
	case float64:
		return n, nil
	case int:
		return float64(n), nil
	}
	return 0, fmt.Errorf("表达式 %q 的结果应为数字，实际为 %T", p.source, out)
}

var messageTranslations = []struct {
	pattern *regexp.Regexp
	chinese string
}{
	{regexp.MustCompile(`^unknown name (.+)$`), "未知的名称 $1"},
	{regexp.MustCompile(`^unknown field (.+)$`), "没有字段 $1"},
	{regexp.MustCompile(`^type (.+) has no field (.+)$`), "$1 没有字段 $2"},
	{regexp.MustCompile(`^expected (\w+), but got (.+)$`), "结果应为$1，实际为$2"},
	{regexp.MustCompile(`^invalid operation: (.+) \(mismatched types (.+) and (.+)\)$`), "无效的运算 $1（类型不匹配：$2 与 $3）"},
	{regexp.MustCompile(`^unexpected token (.+)$`), "语法错误：意外的 $1"},
	{regexp.MustCompile(`^cannot use (.+) as argument \(type (.+)\) to call (.+)$`), "调用 $3 时参数类型不对：不能把 $1 当作 $2"},
	{regexp.MustCompile(`^not enough arguments to call (.+)$`), "调用 $1 的参数不够"},
	{regexp.MustCompile(`^too many arguments to call (.+)$`), "调用 $1 的参数太多"},
	{regexp.MustCompile(`^unknown func (.+)$`), "未知的函数 $1"},
}

var typeWords = strings.NewReplacer(
	"float64", "数字", "int", "整数", "bool", "是/否", "string", "文本",
	"time.Time", "时间", "[]interface {}", "列表", "map[string]interface {}", "对象",
)

func chinese(message string) string {
	for _, t := range messageTranslations {
		if t.pattern.MatchString(message) {
			return typeWords.Replace(t.pattern.ReplaceAllString(message, t.chinese))
		}
	}
	return message
}

func translate(err error) error {
	var ferr *file.Error
	if !errors.As(err, &ferr) {
		return &Error{Message: chinese(err.Error()), Line: 1, Column: 1}
	}
	return &Error{
		Message: chinese(ferr.Message),
		Line:    ferr.Line,
		Column:  ferr.Column + 1,
		Snippet: ferr.Snippet,
	}
}
