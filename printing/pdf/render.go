// Package pdf renders print templates (certificates, notices, receipts) to PDF with gopdf and
// the Chinese faces of printing/fonts. Layout turns a compiled template and its data into
// positioned items; Render draws them as a one-page PDF. Both are safe for concurrent use: the
// fonts are parsed once per process and each document embeds a subset of the glyphs it uses.
//
// How elements come out (each type is a kind_<type>.go file):
//   - text and multiline: the label, then the value; wrapped by character width (Chinese has no
//     spaces), shrunk when allowed, never outside the box — what cannot fit is an *Error.
//   - table: caption, header and one row per item of the rows expression; all on one page.
//   - image: a picture from Options.Images; qr: vector modules; seal: a picture from
//     Options.Seals or a drawn red seal; line and box: the form's rules and frames.
//
// Overprint (套打) prints only what varies: no background, lines, boxes, labels, table rules
// or fixed wording (text whose expression names no variable), shifted by the printer's
// calibration offsets.
package pdf

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"
	"time"
	"unicode"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
)

// Modes of printing.
const (
	// Electronic prints the whole document: background, frames, labels and data.
	Electronic = "electronic"
	// Overprint (套打) prints only the data, onto paper where everything else is pre-printed.
	Overprint = "overprint"
)

// Background says whether the template's background image is drawn.
type Background int

const (
	// BackgroundAuto draws it in electronic mode and leaves it out when overprinting.
	BackgroundAuto Background = iota
	// BackgroundOn always draws it, e.g. to preview an overprint on the paper's picture.
	BackgroundOn
	// BackgroundOff never draws it.
	BackgroundOff
)

// Options are what a rendering may change beyond the template and its data.
type Options struct {
	// Mode overrides the template's mode when not empty: Electronic or Overprint.
	Mode string
	// OffsetXMM and OffsetYMM shift everything printed in overprint mode, to calibrate one
	// printer against the pre-printed paper (positive: right and down). Electronic documents
	// are never shifted.
	OffsetXMM, OffsetYMM float64
	// Background says whether the template's background image is drawn.
	Background Background
	// Images holds pictures by name (PNG or JPEG): the template's background file and whatever
	// names the values of image elements evaluate to.
	Images map[string][]byte
	// Seals holds seal pictures by the text of the seal element's value (the issuer's name).
	// A seal without a picture is drawn as a red circle with the name around a star.
	Seals map[string][]byte
	// CreatedAt is recorded as the PDF's creation date when not zero; left zero, the same
	// template and data give the same bytes.
	CreatedAt time.Time
}

// Error is a template that cannot be rendered with the data given. Pointer is the JSON pointer
// of the element in the template file; Message says what is wrong, in Chinese.
type Error struct {
	Pointer string
	Message string
}

func (e *Error) Error() string { return e.Pointer + ": " + e.Message }

// Errors are every element of a template that cannot be rendered, in the order of the
// elements, so that the designer marks them all at once. errors.As finds the first *Error.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for k, e := range es {
		msgs[k] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// Unwrap gives the errors to errors.Is and errors.As.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for k, e := range es {
		out[k] = e
	}
	return out
}

func errorAt(i int, format string, args ...any) *Error {
	return &Error{Pointer: fmt.Sprintf("/elements/%d", i), Message: fmt.Sprintf(format, args...)}
}

// Render lays out t with vars and writes the PDF to w. vars are what the template's
// expressions run over: form, applicant, case, materials, now, and for certificates license
// and fees. A required element without content, text that cannot fit its box even at the
// smallest size allowed, or a table whose rows overflow its box is an *Error naming the element.
func Render(w io.Writer, t *definitions.CompiledPrint, vars rules.Vars, opts Options) error {
	page, err := Layout(t, vars, opts)
	if err != nil {
		return err
	}
	return page.WritePDF(w, t.Template.Title, opts.CreatedAt)
}

// Layout places every element of t evaluated over vars, without drawing. Render uses it; tests
// and previews use it to see where each element's content landed. When elements fail (an
// *Error or Errors) the page still holds the others, for a preview to show beside the errors.
func Layout(t *definitions.CompiledPrint, vars rules.Vars, opts Options) (*Page, error) {
	if err := loadFaces(); err != nil {
		return nil, err
	}
	mode := t.Template.Mode
	if opts.Mode != "" {
		mode = opts.Mode
	}
	if mode != Electronic && mode != Overprint {
		return nil, &Error{Pointer: "/mode", Message: fmt.Sprintf("打印方式 %q 无效，应为 electronic 或 overprint", mode)}
	}
	w, h := PageSize(t.Template.Page)
	l := &layouter{t: t, vars: vars, opts: opts, overprint: mode == Overprint, page: &Page{WidthMM: w, HeightMM: h}}
	if l.overprint {
		l.dx, l.dy = opts.OffsetXMM, opts.OffsetYMM
	}
	if err := l.background(); err != nil {
		return nil, err
	}
	var failed Errors
	for i := range t.Template.Elements {
		if err := l.element(i); err != nil {
			var e *Error
			if !errors.As(err, &e) {
				return nil, err
			}
			failed = append(failed, e)
		}
	}
	switch len(failed) {
	case 0:
		return l.page, nil
	case 1:
		return l.page, failed[0]
	}
	return l.page, failed
}

// element lays out element i; what it added stays only when it succeeded.
func (l *layouter) element(i int) error {
	e := &l.t.Template.Elements[i]
	k, ok := kinds[e.Type]
	if !ok {
		return errorAt(i, "未知的元素类型 %q", e.Type)
	}
	if sized[e.Type] && (e.W <= 0 || e.H <= 0) {
		return errorAt(i, "「%s」需要宽 w 和高 h", elementName(e))
	}
	n := len(l.page.Items)
	if err := k.layout(l, i, e); err != nil {
		l.page.Items = l.page.Items[:n]
		return err
	}
	return nil
}

// PageSize is the paper's width and height in millimetres, turned for landscape.
func PageSize(p definitions.Page) (w, h float64) {
	switch p.Size {
	case "A3":
		w, h = 297, 420
	case "A5":
		w, h = 148, 210
	case "custom":
		w, h = p.WidthMM, p.HeightMM
	default:
		w, h = 210, 297
	}
	if p.Orientation == "landscape" {
		w, h = h, w
	}
	return w, h
}

// kind lays out one element type. Each type is a file kind_<type>.go that registers itself.
type kind interface {
	layout(l *layouter, i int, e *definitions.PrintElement) error
}

var kinds = map[string]kind{}

// sized are the element types that need a box; text may go without one, and a line is drawn
// from its start by w and h.
var sized = map[string]bool{"table": true, "image": true, "qr": true, "seal": true, "box": true}

// layouter carries one layout in progress.
type layouter struct {
	t         *definitions.CompiledPrint
	vars      rules.Vars
	opts      Options
	overprint bool
	dx, dy    float64
	page      *Page
}

func (l *layouter) add(it Item) { l.page.Items = append(l.page.Items, it) }

// box is the element's box on the paper, calibration applied.
func (l *layouter) box(e *definitions.PrintElement) Box {
	return Box{e.X + l.dx, e.Y + l.dy, e.W, e.H}
}

func (l *layouter) background() error {
	name := l.t.Template.Background
	draw := l.opts.Background == BackgroundOn || (l.opts.Background == BackgroundAuto && !l.overprint)
	if name == "" || !draw {
		return nil
	}
	data, ok := l.opts.Images[name]
	if !ok {
		return &Error{Pointer: "/background", Message: fmt.Sprintf("底图 %s 未提供", name)}
	}
	if _, _, err := imageSize(data); err != nil {
		return &Error{Pointer: "/background", Message: fmt.Sprintf("底图 %s %v", name, err)}
	}
	l.add(&Image{Element: -1, Box: Box{0, 0, l.page.WidthMM, l.page.HeightMM}, Data: data})
	return nil
}

// value runs the element's value expression.
func (l *layouter) value(i int) (any, error) {
	p := l.t.Values[i]
	if p == nil {
		return nil, nil
	}
	v, err := p.Run(l.vars)
	if err != nil {
		return nil, &Error{Pointer: fmt.Sprintf("/elements/%d/value", i), Message: err.Error()}
	}
	return v, nil
}

// text runs the element's value expression and formats the result; a required element that
// comes out empty is an error.
func (l *layouter) text(i int, e *definitions.PrintElement) (string, error) {
	v, err := l.value(i)
	if err != nil {
		return "", err
	}
	s := rules.Display(v)
	if strings.TrimSpace(s) == "" {
		if e.Required {
			return "", errorAt(i, "「%s」缺少内容", elementName(e))
		}
		return "", nil
	}
	// leading spaces stay: a paragraph's indent (two full-width spaces) is meant
	return strings.TrimRightFunc(s, unicode.IsSpace), nil
}

// elementName is how errors name an element: its label, else its type and expression.
func elementName(e *definitions.PrintElement) string {
	if e.Label != "" {
		return e.Label
	}
	title := map[string]string{"text": "文字", "multiline": "多行文字", "table": "表格", "image": "图片", "qr": "二维码", "seal": "印章"}[e.Type]
	src := e.Value
	if e.Type == "table" {
		src = e.Rows
	}
	return fmt.Sprintf("%s %s", title, src)
}

// withRow is vars plus the table row a column expression sees.
func withRow(vars rules.Vars, row any) rules.Vars {
	out := make(rules.Vars, len(vars)+1)
	maps.Copy(out, vars)
	out["row"] = row
	return out
}
