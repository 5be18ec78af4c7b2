package pdf

import (
	"fmt"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/printing/fonts"
)

// textKind lays out text (one line, wrapping only when it must) and multiline (wrapped, with
// newlines kept) elements.
//
// A label is printed before the value, followed by a full-width colon. Left-aligned text hangs
// under the label: continuation lines start where the value started. Centred and right-aligned
// text carries the label at the start of its first line. When overprinting, the label is on the
// paper already: it is not printed, but left-aligned values still start after its width at the
// template's size, where the pre-printed label ends.
//
// Fitting: the template's size first; with shrink, smaller sizes in 0.5 pt steps down to
// MinSizePt. A text element tries one line at every size before it wraps; a multiline element
// wraps from the start. Text that fits no size is an error: it never runs out of its box.
//
// Bold: the shipped faces have no heavier weight, so bold is simulated by painting the text a
// second time 0.035 em to the right. Text extractors (pdftotext, search) drop the duplicate.
type textKind struct{ multiline bool }

var _ kind = textKind{}

func init() {
	kinds["text"] = textKind{}
	kinds["multiline"] = textKind{multiline: true}
}

func (k textKind) layout(l *layouter, i int, e *definitions.PrintElement) error {
	value, err := l.text(i, e)
	if err != nil {
		return err
	}
	if l.overprint && isConstant(e.Value) {
		return nil // pre-printed wording
	}
	f, err := l.face(i, e)
	if err != nil {
		return err
	}
	if !k.multiline {
		value = oneLine.Replace(value)
	}
	label := ""
	if e.Label != "" {
		label = e.Label
		if !strings.HasSuffix(label, "：") && !strings.HasSuffix(label, ":") {
			label += "："
		}
	}
	start := e.SizePt
	if start == 0 {
		start = defaultSizePt
	}
	align := e.Align
	hanging := align == "" || align == "left"
	content := value
	if label != "" && !hanging && !l.overprint {
		content = label + value
	}
	if m := f.missing(label + value); len(m) > 0 {
		return errorAt(i, "「%s」中的字 %s 不在字库中，无法打印", elementName(e), quoteRunes(m))
	}
	box := l.box(e)
	// without a width the text may run to the right margin; without a height, a text element
	// has one line and a multiline element the page down to the bottom margin
	m := l.t.Template.Page.MarginsMM
	if e.W == 0 {
		box.W = max(l.page.WidthMM-m[1]-box.X, 0)
	}
	if e.H == 0 {
		box.H = f.blockHeight(1, start)
		if k.multiline {
			box.H = max(l.page.HeightMM-m[2]-box.Y, 0)
		}
	}
	bold := 0
	if e.Bold {
		bold = boldOffset
	}
	indent := func(size float64) float64 {
		switch {
		case label == "" || !hanging:
			return 0
		case l.overprint:
			return toMM(f.measure(label), start)
		}
		return toMM(f.measure(label), size)
	}
	passes := []bool{false, true}
	if k.multiline {
		passes = []bool{true}
	}
	for _, wrap := range passes {
		for _, size := range sizes(start, e.Shrink) {
			in := indent(size)
			lines, ok := f.wrap(content, toEm(box.W-in, size)-bold, wrap)
			if !ok || f.blockHeight(len(lines), size) > box.H+0.01 {
				continue
			}
			k.place(l, i, e, f, box, lines, size, label, in)
			return nil
		}
	}
	how := "，且未允许缩小字号（shrink）"
	if e.Shrink {
		how = fmt.Sprintf("（已缩到 %.0f 磅）", MinSizePt)
	}
	return errorAt(i, "「%s」内容太长，%.0f×%.0f 毫米的框内放不下%s", elementName(e), box.W, box.H, how)
}

// place adds the fitted lines: vertically centred for text, from the top for multiline.
func (k textKind) place(l *layouter, i int, e *definitions.PrintElement, f *face, box Box, lines []line, size float64, label string, indent float64) {
	y := box.Y
	if !k.multiline {
		y += (box.H - f.blockHeight(len(lines), size)) / 2
	}
	h := f.lineHeight(size)
	extra := 0
	if e.Bold {
		extra = boldOffset
	}
	for n, ln := range lines {
		w := toMM(ln.w+extra, size)
		x := box.X + indent
		if n == 0 && label != "" && indent > 0 && !l.overprint {
			// the label and the first line are one piece of text, so that extractors read them
			// as one and a simulated bold repaints them together
			ln.text = label + ln.text
			x, w = box.X, indent+w
		}
		switch e.Align {
		case "center":
			x = box.X + (box.W-w)/2
		case "right":
			x = box.X + box.W - w
		}
		if ln.text != "" {
			l.add(&Text{Element: i, Box: Box{x, y + float64(n)*lineSpacing*size*ptMM, w, h}, Text: ln.text, Font: f.name, SizePt: size, Bold: e.Bold, Color: black})
		}
	}
}

// face is the element's font.
func (l *layouter) face(i int, e *definitions.PrintElement) (*face, error) {
	name := e.Font
	if name == "" {
		name = fonts.Default
	}
	f, ok := faceByKey[name]
	if !ok {
		return nil, errorAt(i, "没有字体 %q（可用：%s）", name, strings.Join(fonts.Names(), "、"))
	}
	return f, nil
}

// isConstant reports whether an expression names no variable: fixed wording such as a title,
// which overprinting leaves to the pre-printed paper. Function names do not count.
func isConstant(source string) bool {
	tree, err := parser.Parse(source)
	if err != nil {
		return false
	}
	callees := visitor(func(n ast.Node, v *visitorState) {
		if c, ok := n.(*ast.CallNode); ok {
			v.callees[c.Callee] = true
		}
	})
	ast.Walk(&tree.Node, callees)
	vars := visitor(func(n ast.Node, v *visitorState) {
		switch n.(type) {
		case *ast.IdentifierNode:
			if !callees.callees[n] {
				v.variable = true
			}
		case *ast.PointerNode:
			v.variable = true
		}
	})
	ast.Walk(&tree.Node, vars)
	return !vars.variable
}

type visitorState struct {
	fn       func(ast.Node, *visitorState)
	callees  map[ast.Node]bool
	variable bool
}

func visitor(fn func(ast.Node, *visitorState)) *visitorState {
	return &visitorState{fn: fn, callees: map[ast.Node]bool{}}
}

func (v *visitorState) Visit(node *ast.Node) { v.fn(*node, v) }

func quoteRunes(rs []rune) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("“%c”", r)
	}
	return strings.Join(parts, "")
}
