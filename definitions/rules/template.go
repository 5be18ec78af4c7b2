package rules

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Template is a message with expressions in braces, such as
// 人均月收入 {perCapita} 元，低于标准 {standard} 元. Each expression is compiled and type-checked
// like any other; {{ and }} stand for literal braces. It is immutable once compiled.
type Template struct {
	source string
	// parts alternate literal text and expressions: parts[i] is literal, programs[i] follows it.
	parts    []string
	programs []*Program
}

// Source is the template as the analyst wrote it.
func (t *Template) Source() string { return t.source }

// CompileTemplate compiles the expressions of a message template in env. The error's column
// counts within the whole template.
func (env *Env) CompileTemplate(source string) (*Template, error) {
	t := &Template{source: source}
	var lit strings.Builder
	for i := 0; i < len(source); i++ {
		switch {
		case strings.HasPrefix(source[i:], "{{"), strings.HasPrefix(source[i:], "}}"):
			lit.WriteByte(source[i])
			i++
		case source[i] == '{':
			end := strings.IndexByte(source[i:], '}')
			if end < 0 {
				return nil, &Error{Message: "说明中的 { 没有配对的 }（要写字面的大括号请用 {{ 和 }}）", Line: 1, Column: column(source, i)}
			}
			p, err := env.Compile(source[i+1:i+end], Any)
			if err != nil {
				e := err.(*Error)
				return nil, &Error{Message: e.Message, Line: 1, Column: column(source, i) + e.Column, Snippet: e.Snippet}
			}
			t.parts, t.programs = append(t.parts, lit.String()), append(t.programs, p)
			lit.Reset()
			i += end
		case source[i] == '}':
			return nil, &Error{Message: "说明中的 } 没有配对的 {（要写字面的大括号请用 {{ 和 }}）", Line: 1, Column: column(source, i)}
		default:
			lit.WriteByte(source[i])
		}
	}
	t.parts = append(t.parts, lit.String())
	return t, nil
}

// column is the 1-based column, in characters, of byte offset i of source.
func column(source string, i int) int { return utf8.RuneCountInString(source[:i]) + 1 }

// Render fills the template over vars, writing each value as Display does.
func (t *Template) Render(vars Vars) (string, error) {
	if len(t.programs) == 0 {
		return t.parts[0], nil
	}
	var b strings.Builder
	for i, p := range t.programs {
		b.WriteString(t.parts[i])
		v, err := p.Run(vars)
		if err != nil {
			return "", fmt.Errorf("说明 %q：%w", t.source, err)
		}
		b.WriteString(Display(v))
	}
	b.WriteString(t.parts[len(t.parts)-1])
	return b.String(), nil
}
