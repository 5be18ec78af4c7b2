package pdf

import "math"

// Page is a template laid out with its data: everything Render draws, in the order it is
// drawn, in millimetres from the top-left corner of the paper (calibration offsets already
// applied). Tests and the designer's preview read it to see where each element landed.
type Page struct {
	WidthMM, HeightMM float64
	Items             []Item
}

// Item is one thing drawn on the page.
type Item interface {
	// ElementIndex is the index of the template element the item comes from, or -1 for the
	// page background.
	ElementIndex() int
	// Bounds is the area the item covers.
	Bounds() Box
}

// Box is a rectangle in millimetres: X, Y its top-left corner.
type Box struct{ X, Y, W, H float64 }

// Contains reports whether o lies inside b, allowing for rounding (0.01 mm).
func (b Box) Contains(o Box) bool {
	const eps = 0.01
	return o.X >= b.X-eps && o.Y >= b.Y-eps && o.X+o.W <= b.X+b.W+eps && o.Y+o.H <= b.Y+b.H+eps
}

// Color is an RGB colour.
type Color struct{ R, G, B uint8 }

var (
	black   = Color{}
	sealRed = Color{R: 230, G: 0, B: 18}
)

// Text is one line of text. Its box is the line's advance width by the face's ascent to
// descent.
type Text struct {
	Element int
	Box
	Text   string
	Font   string
	SizePt float64
	Bold   bool
	Color  Color
}

// Line is a straight line.
type Line struct {
	Element        int
	X1, Y1, X2, Y2 float64
	WidthMM        float64
	Color          Color
}

// Rect is a rectangle, stroked or filled.
type Rect struct {
	Element int
	Box
	WidthMM float64
	Color   Color
	Fill    bool
}

// Circle is a stroked circle (or ellipse) inscribed in its box. Ink multiplies it with what
// lies beneath instead of covering it, as a stamp's ink does; so for Polygon.
type Circle struct {
	Element int
	Box
	WidthMM float64
	Color   Color
	Ink     bool
}

// Point is a position in millimetres.
type Point struct{ X, Y float64 }

// Polygon is a filled polygon (nonzero winding rule).
type Polygon struct {
	Element int
	Points  []Point
	Color   Color
	Ink     bool
}

// Image is a PNG or JPEG picture scaled into its box.
type Image struct {
	Element int
	Box
	Data []byte
}

// QR is a QR code drawn as vector modules; Content is what it encodes.
type QR struct {
	Element int
	Box
	Content string
	modules [][]bool
}

func (t *Text) ElementIndex() int    { return t.Element }
func (l *Line) ElementIndex() int    { return l.Element }
func (r *Rect) ElementIndex() int    { return r.Element }
func (c *Circle) ElementIndex() int  { return c.Element }
func (p *Polygon) ElementIndex() int { return p.Element }
func (i *Image) ElementIndex() int   { return i.Element }
func (q *QR) ElementIndex() int      { return q.Element }

func (t *Text) Bounds() Box { return t.Box }
func (l *Line) Bounds() Box {
	return Box{math.Min(l.X1, l.X2), math.Min(l.Y1, l.Y2), math.Abs(l.X2 - l.X1), math.Abs(l.Y2 - l.Y1)}
}
func (r *Rect) Bounds() Box   { return r.Box }
func (c *Circle) Bounds() Box { return c.Box }
func (p *Polygon) Bounds() Box {
	if len(p.Points) == 0 {
		return Box{}
	}
	x0, y0, x1, y1 := p.Points[0].X, p.Points[0].Y, p.Points[0].X, p.Points[0].Y
	for _, q := range p.Points[1:] {
		x0, y0, x1, y1 = math.Min(x0, q.X), math.Min(y0, q.Y), math.Max(x1, q.X), math.Max(y1, q.Y)
	}
	return Box{x0, y0, x1 - x0, y1 - y0}
}
func (i *Image) Bounds() Box { return i.Box }
func (q *QR) Bounds() Box    { return q.Box }

var (
	_ Item = (*Text)(nil)
	_ Item = (*Line)(nil)
	_ Item = (*Rect)(nil)
	_ Item = (*Circle)(nil)
	_ Item = (*Polygon)(nil)
	_ Item = (*Image)(nil)
	_ Item = (*QR)(nil)
)
