package pdf

import (
	"bytes"
	"image"
	"image/color"
	_ "image/jpeg" // backgrounds and pictures may be JPEG
	"image/png"
	"io"
	"math"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/vector"
)

// Raster drawing: the same laid-out Page that write turns into PDF, painted into a picture, so
// that the designer's preview shows what the certificate prints without a PDF viewer and
// without a second program (pdftoppm) on the server. Text is painted from the shipped faces'
// glyph outlines (glyphShape) at the positions layout measured, so a PNG and its PDF agree to
// the pixel on where every line stands; only the glyphs' hinting differs.

// WritePNG paints the page at pxPerMM pixels per millimetre (4 is about 100 dpi) on white and
// writes it as a PNG.
func (p *Page) WritePNG(w io.Writer, pxPerMM float64) error {
	img, err := p.Raster(pxPerMM)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	return enc.Encode(w, img)
}

// Raster paints the page at pxPerMM pixels per millimetre on white.
func (p *Page) Raster(pxPerMM float64) (*image.RGBA, error) {
	w, h := int(math.Ceil(p.WidthMM*pxPerMM)), int(math.Ceil(p.HeightMM*pxPerMM))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	xdraw.Draw(img, img.Bounds(), image.White, image.Point{}, xdraw.Src)
	r := &rasterizer{img: img, s: pxPerMM}
	for _, it := range p.Items {
		if err := r.draw(it); err != nil {
			return nil, err
		}
	}
	return img, nil
}

type rasterizer struct {
	img *image.RGBA
	s   float64
}

// fill paints the polygons (nonzero winding, each closed) in c. The rasterizer covers only
// the polygons' bounds: a page is painted item by item, most of them small.
func (r *rasterizer) fill(c Color, alpha uint8, polys ...[]Point) {
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, pts := range polys {
		for _, q := range pts {
			x0, y0, x1, y1 = min(x0, q.X*r.s), min(y0, q.Y*r.s), max(x1, q.X*r.s), max(y1, q.Y*r.s)
		}
	}
	area := image.Rect(int(math.Floor(x0)), int(math.Floor(y0)), int(math.Ceil(x1))+1, int(math.Ceil(y1))+1).Intersect(r.img.Bounds())
	if area.Empty() {
		return
	}
	z := vector.NewRasterizer(area.Dx(), area.Dy())
	ox, oy := float64(area.Min.X), float64(area.Min.Y)
	for _, pts := range polys {
		if len(pts) < 3 {
			continue
		}
		z.MoveTo(float32(pts[0].X*r.s-ox), float32(pts[0].Y*r.s-oy))
		for _, q := range pts[1:] {
			z.LineTo(float32(q.X*r.s-ox), float32(q.Y*r.s-oy))
		}
		z.ClosePath()
	}
	z.Draw(r.img, area, image.NewUniform(color.NRGBA{c.R, c.G, c.B, alpha}), image.Point{})
}

// segment is a line of width wd from a to b as a filled quadrilateral; a hairline is at least
// one pixel wide so that it shows at preview resolution.
func (r *rasterizer) segment(a, b Point, wd float64) []Point {
	wd = max(wd, 1/r.s)
	dx, dy := b.X-a.X, b.Y-a.Y
	n := math.Hypot(dx, dy)
	if n == 0 {
		return nil
	}
	nx, ny := -dy/n*wd/2, dx/n*wd/2
	return []Point{{a.X + nx, a.Y + ny}, {b.X + nx, b.Y + ny}, {b.X - nx, b.Y - ny}, {a.X - nx, a.Y - ny}}
}

func (r *rasterizer) draw(it Item) error {
	alpha := uint8(255)
	if isInk(it) {
		alpha = uint8(ink.Alpha * 255)
	}
	switch it := it.(type) {
	case *Text:
		return r.text(it)
	case *Line:
		r.fill(it.Color, alpha, r.segment(Point{it.X1, it.Y1}, Point{it.X2, it.Y2}, it.WidthMM))
	case *Rect:
		if it.Fill {
			r.fill(it.Color, alpha, []Point{{it.X, it.Y}, {it.X + it.W, it.Y}, {it.X + it.W, it.Y + it.H}, {it.X, it.Y + it.H}})
			return nil
		}
		c := []Point{{it.X, it.Y}, {it.X + it.W, it.Y}, {it.X + it.W, it.Y + it.H}, {it.X, it.Y + it.H}}
		var sides [][]Point
		for k := range c {
			sides = append(sides, r.segment(c[k], c[(k+1)%4], it.WidthMM))
		}
		r.fill(it.Color, alpha, sides...)
	case *Circle:
		// the ring between two ellipses, the inner one walked the other way round
		const sides = 120
		wd := max(it.WidthMM, 1/r.s)
		outer, inner := make([]Point, sides), make([]Point, sides)
		for k := range sides {
			a := 2 * math.Pi * float64(k) / sides
			cx, cy, rx, ry := it.X+it.W/2, it.Y+it.H/2, it.W/2, it.H/2
			outer[k] = Point{cx + (rx+wd/2)*math.Cos(a), cy + (ry+wd/2)*math.Sin(a)}
			inner[sides-1-k] = Point{cx + (rx-wd/2)*math.Cos(a), cy + (ry-wd/2)*math.Sin(a)}
		}
		r.fill(it.Color, alpha, outer, inner)
	case *Polygon:
		r.fill(it.Color, alpha, it.Points)
	case *Image:
		src, _, err := image.Decode(bytes.NewReader(it.Data))
		if err != nil {
			return err
		}
		dst := image.Rect(int(math.Round(it.X*r.s)), int(math.Round(it.Y*r.s)), int(math.Round((it.X+it.W)*r.s)), int(math.Round((it.Y+it.H)*r.s)))
		xdraw.ApproxBiLinear.Scale(r.img, dst, src, src.Bounds(), xdraw.Over, nil)
	case *QR:
		n := len(it.modules)
		if n == 0 {
			return nil
		}
		m := it.W / float64(n)
		var cells [][]Point
		for y, row := range it.modules {
			for x, dark := range row {
				if dark {
					x0, y0 := it.X+float64(x)*m, it.Y+float64(y)*m
					cells = append(cells, []Point{{x0, y0}, {x0 + m, y0}, {x0 + m, y0 + m}, {x0, y0 + m}})
				}
			}
		}
		r.fill(black, alpha, cells...)
	}
	return nil
}

// text paints a line as write draws it: each character in the face that has it, from the top
// of the line's box down to the face's ascent, bold as a second painting to the right.
func (r *rasterizer) text(t *Text) error {
	f := faceByKey[t.Font]
	size := t.SizePt * ptMM
	baseline := t.Y + f.ascent*size
	passes := []float64{0}
	if t.Bold {
		passes = append(passes, toMM(boldOffset, t.SizePt))
	}
	var polys [][]Point
	for _, dx := range passes {
		x := t.X + dx
		for _, run := range runs(f, t.Text) {
			for _, c := range run.text {
				s, err := glyphShape(run.face, c)
				if err != nil {
					return err
				}
				if len(s) > 0 {
					g := make([]Point, len(s))
					for k, p := range s {
						g[k] = Point{x + p.X*size, baseline + p.Y*size}
					}
					polys = append(polys, g)
				}
				x += toMM(run.face.width(c), t.SizePt)
			}
		}
	}
	r.fill(t.Color, 255, polys...)
	return nil
}
