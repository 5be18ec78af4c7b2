package pdf

import "github.com/xuchang-gov/tongban/definitions"

// Widths of drawn lines, in millimetres.
const (
	lineWidthMM  = 0.3
	frameWidthMM = 0.5
)

// lineKind draws a line from (x, y) to (x+w, y+h); boxKind a frame around its box. Both are
// part of the form itself, so overprinting leaves them to the pre-printed paper.
type (
	lineKind struct{}
	boxKind  struct{}
)

var (
	_ kind = lineKind{}
	_ kind = boxKind{}
)

func init() {
	kinds["line"] = lineKind{}
	kinds["box"] = boxKind{}
}

func (lineKind) layout(l *layouter, i int, e *definitions.PrintElement) error {
	if l.overprint {
		return nil
	}
	b := l.box(e)
	l.add(&Line{Element: i, X1: b.X, Y1: b.Y, X2: b.X + b.W, Y2: b.Y + b.H, WidthMM: lineWidthMM, Color: black})
	return nil
}

func (boxKind) layout(l *layouter, i int, e *definitions.PrintElement) error {
	if l.overprint {
		return nil
	}
	l.add(&Rect{Element: i, Box: l.box(e), WidthMM: frameWidthMM, Color: black})
	return nil
}
