package definitions

import (
	"fmt"
	"slices"
	"strings"
)

// Problem is one thing wrong with a definition: the file (slash-separated, relative to the
// bundle root), the JSON pointer inside it, and a Chinese message. Expression problems also
// carry the 1-based line and column in the expression and a snippet with a caret.
type Problem struct {
	File    string `json:"file"`
	Pointer string `json:"pointer"`
	Message string `json:"message"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Snippet string `json:"snippet,omitempty"`
}

// String is the one-line form `file:pointer: message` (`file: message` for the whole file), followed by `(line:col)` and the
// snippet lines for expression problems.
func (p Problem) String() string {
	s := fmt.Sprintf("%s:%s: %s", p.File, p.Pointer, p.Message)
	if p.Pointer == "" {
		s = fmt.Sprintf("%s: %s", p.File, p.Message)
	}
	if p.Line > 0 {
		s += fmt.Sprintf(" (%d:%d)%s", p.Line, p.Column, p.Snippet)
	}
	return s
}

// Problems is every problem found, in a stable order.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

func (ps Problems) sorted() Problems {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		return strings.Compare(a.Pointer, b.Pointer)
	})
	return slices.Compact(ps)
}

// reporter collects problems for one file.
type reporter struct {
	file     string
	problems *Problems
}

func (r reporter) add(pointer, format string, args ...any) {
	*r.problems = append(*r.problems, Problem{File: r.file, Pointer: pointer, Message: fmt.Sprintf(format, args...)})
}

func (r reporter) in(file string) reporter { return reporter{file: file, problems: r.problems} }
