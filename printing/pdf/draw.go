package pdf

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/signintech/gopdf"
)

// drawer draws one page with gopdf.
type drawer struct {
	gp    *gopdf.GoPdf
	added map[string]bool
}

// WritePDF draws the page as a one-page PDF titled title; created, when not zero, is its
// creation date.
func (p *Page) WritePDF(w io.Writer, title string, created time.Time) error {
	gp := &gopdf.GoPdf{}
	gp.Start(gopdf.Config{Unit: gopdf.UnitMM, PageSize: gopdf.Rect{W: p.WidthMM, H: p.HeightMM}})
	gp.SetInfo(gopdf.PdfInfo{Title: title, Creator: "tongban", Producer: "tongban printing/pdf (gopdf)", CreationDate: created})
	// content streams are written a number at a time: the fastest level compresses them
	// almost as well as the default, in a third of the time
	gp.SetCompressLevel(zlib.BestSpeed)
	gp.AddPage()
	d := &drawer{gp: gp, added: map[string]bool{}}
	for _, it := range p.Items {
		if err := d.draw(it); err != nil {
			return fmt.Errorf("绘制第 %d 个元素：%w", it.ElementIndex(), err)
		}
	}
	_, err := gp.WriteTo(w)
	return err
}

// ink is how seals are painted: multiplied with what lies beneath, slightly translucent.
var ink = gopdf.Transparency{Alpha: 0.92, BlendModeType: gopdf.Multiply}

func (d *drawer) draw(it Item) error {
	gp := d.gp
	if isInk(it) {
		// gopdf leaves an ExtGState in force after the item that set it; a save/restore
		// around the item (an identity rotation is gopdf's way to emit q … Q) contains it
		gp.Rotate(0, 0, 0)
		defer gp.RotateReset()
		if err := gp.SetTransparency(ink); err != nil {
			return err
		}
		defer gp.ClearTransparency()
	}
	switch it := it.(type) {
	case *Text:
		return d.text(it)
	case *Line:
		gp.SetStrokeColor(it.Color.R, it.Color.G, it.Color.B)
		gp.SetLineWidth(it.WidthMM)
		gp.Line(it.X1, it.Y1, it.X2, it.Y2)
	case *Rect:
		if it.Fill {
			gp.SetFillColor(it.Color.R, it.Color.G, it.Color.B)
			gp.RectFromUpperLeftWithStyle(it.X, it.Y, it.W, it.H, "F")
			return nil
		}
		gp.SetStrokeColor(it.Color.R, it.Color.G, it.Color.B)
		gp.SetLineWidth(it.WidthMM)
		gp.RectFromUpperLeftWithStyle(it.X, it.Y, it.W, it.H, "D")
	case *Circle:
		// a many-sided polygon rather than gopdf's Oval, which ignores transparency
		const sides = 120
		pts := make([]gopdf.Point, sides)
		for k := range pts {
			a := 2 * math.Pi * float64(k) / sides
			pts[k] = gopdf.Point{X: it.X + it.W/2 + it.W/2*math.Cos(a), Y: it.Y + it.H/2 + it.H/2*math.Sin(a)}
		}
		gp.SetStrokeColor(it.Color.R, it.Color.G, it.Color.B)
		gp.SetLineWidth(it.WidthMM)
		gp.Polygon(pts, "D")
	case *Polygon:
		pts := make([]gopdf.Point, len(it.Points))
		for k, p := range it.Points {
			pts[k] = gopdf.Point{X: p.X, Y: p.Y}
		}
		gp.SetFillColor(it.Color.R, it.Color.G, it.Color.B)
		gp.SetStrokeColor(it.Color.R, it.Color.G, it.Color.B)
		gp.SetLineWidth(0)
		gp.Polygon(pts, "F")
	case *Image:
		h, err := gopdf.ImageHolderByBytes(it.Data)
		if err != nil {
			return err
		}
		return gp.ImageByHolder(h, it.X, it.Y, &gopdf.Rect{W: it.W, H: it.H})
	case *QR:
		d.qr(it)
	default:
		return fmt.Errorf("unknown item %T", it)
	}
	return nil
}

// text draws a line of text, each character in the face that has it (fallback), bold by a
// second painting slightly to the right.
func (d *drawer) text(t *Text) error {
	gp := d.gp
	f := faceByKey[t.Font]
	gp.SetTextColor(t.Color.R, t.Color.G, t.Color.B)
	passes := []float64{0}
	if t.Bold {
		passes = append(passes, toMM(boldOffset, t.SizePt))
	}
	for _, dx := range passes {
		x := t.X + dx
		for _, run := range runs(f, t.Text) {
			if err := d.setFont(run.face, t.SizePt); err != nil {
				return err
			}
			gp.SetXY(x, t.Y)
			if err := gp.Cell(nil, run.text); err != nil {
				return err
			}
			x += toMM(run.face.measure(run.text), t.SizePt)
		}
	}
	return nil
}

func (d *drawer) setFont(f *face, size float64) error {
	if !d.added[f.family] {
		if err := d.gp.AddTTFFontFromFontContainer(f.family, container); err != nil {
			return err
		}
		d.added[f.family] = true
	}
	return d.gp.SetFont(f.family, "", size)
}

func isInk(it Item) bool {
	switch it := it.(type) {
	case *Circle:
		return it.Ink
	case *Polygon:
		return it.Ink
	}
	return false
}

type run struct {
	face *face
	text string
}

// runs splits s into stretches drawn by one face each.
func runs(f *face, s string) []run {
	var out []run
	var cur bytes.Buffer
	var curFace *face
	for _, r := range s {
		g := f.fallbackFor(r)
		if g == nil {
			continue
		}
		if g != curFace && cur.Len() > 0 {
			out = append(out, run{curFace, cur.String()})
			cur.Reset()
		}
		curFace = g
		cur.WriteRune(r)
	}
	if cur.Len() > 0 {
		out = append(out, run{curFace, cur.String()})
	}
	return out
}

// qr fills the dark modules, one rectangle per horizontal run.
func (d *drawer) qr(q *QR) {
	n := len(q.modules)
	if n == 0 {
		return
	}
	m := q.W / float64(n)
	d.gp.SetFillColor(0, 0, 0)
	for y, row := range q.modules {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			end := x
			for end < len(row) && row[end] {
				end++
			}
			// a hair wider and taller, so that neighbouring modules leave no seam when rasterised
			d.gp.RectFromUpperLeftWithStyle(q.X+float64(x)*m, q.Y+float64(y)*m, float64(end-x)*m+0.01, m+0.01, "F")
			x = end
		}
	}
}
