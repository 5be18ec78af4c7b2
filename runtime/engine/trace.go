package engine

import (
	"fmt"
	"strings"
)

// The lines of a trace, as the golden traces and the designer's step-through write them: what
// the outside world reported (these lines), then each effect's String, and how the case stands.

// StartLine heads the effects of Start.
func StartLine() string { return "> start" }

// CompleteLine heads the effects of Complete.
func CompleteLine(token int, node, outcome string) string {
	return fmt.Sprintf("> complete #%d %s %q", token, node, outcome)
}

// ReturnLine heads the effects of Return.
func ReturnLine(token int, node, to string) string {
	return fmt.Sprintf("> return #%d %s to %s", token, node, to)
}

// EndLine says how the case stands: concluded with its result, or what it waits for.
func EndLine(s State) string {
	if s.Concluded {
		return "= concluded " + s.Result
	}
	var b strings.Builder
	b.WriteString("= waiting")
	for _, w := range Waiting(s) {
		fmt.Fprintf(&b, " #%d %s", w.Token, w.Node)
	}
	return b.String()
}
