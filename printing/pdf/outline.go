package pdf

import (
	"math"
	"sync"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"github.com/xuchang-gov/tongban/printing/fonts"
)

// Glyph outlines, for lettering that is a drawing rather than text: the name around a seal.
// Drawn as filled shapes it stays out of the document's text, so that copying, searching and
// text extraction read the certificate and not the stamp on it.

// quadSteps is how many lines a quadratic curve is flattened into: at the size of a seal's
// lettering (about 6 mm) four are indistinguishable from the curve.
const quadSteps = 4

var (
	outlineOnce sync.Once
	outlineErr  error
	outlineFont = map[*face]*sfnt.Font{}
)

func outlineFonts() error {
	outlineOnce.Do(func() {
		for _, f := range faceOrder {
			ff, _ := fonts.Get(f.name)
			sf, err := sfnt.Parse(ff.Data)
			if err != nil {
				outlineErr = err
				return
			}
			outlineFont[f] = sf
		}
	})
	return outlineErr
}

// shapes caches glyphShape by face and rune: a seal's lettering is the same on every certificate
// its organisation issues, and a preview paints the same few hundred characters again on every
// change; the characters in use stay few. The shapes are
// shared and never modified (seals copy them as they place them).
var shapes sync.Map // glyphKey → []Point

type glyphKey struct {
	f *face
	r rune
}

// glyphShape is the outline of r in face f as one polygon, in ems with the y axis down and the
// origin at the left end of the baseline. Curves are flattened to short lines. The contours are
// joined into one polygon by bridges walked there and back, which add nothing under the
// nonzero fill rule, so counters stay open.
func glyphShape(f *face, r rune) ([]Point, error) {
	if s, ok := shapes.Load(glyphKey{f, r}); ok {
		return s.([]Point), nil
	}
	s, err := outline(f, r)
	if err != nil {
		return nil, err
	}
	shapes.Store(glyphKey{f, r}, s)
	return s, nil
}

func outline(f *face, r rune) ([]Point, error) {
	if err := outlineFonts(); err != nil {
		return nil, err
	}
	sf := outlineFont[f]
	var buf sfnt.Buffer
	gi, err := sf.GlyphIndex(&buf, r)
	if err != nil || gi == 0 {
		return nil, err
	}
	upem := int(f.unitsPerEm)
	segs, err := sf.LoadGlyph(&buf, gi, fixed.I(upem), nil)
	if err != nil {
		return nil, err
	}
	pt := func(p fixed.Point26_6) Point {
		return Point{float64(p.X) / 64 / float64(upem), float64(p.Y) / 64 / float64(upem)}
	}
	var contours [][]Point
	var cur []Point
	for _, s := range segs {
		switch s.Op {
		case sfnt.SegmentOpMoveTo:
			if len(cur) > 0 {
				contours = append(contours, cur)
			}
			cur = []Point{pt(s.Args[0])}
		case sfnt.SegmentOpLineTo:
			cur = append(cur, pt(s.Args[0]))
		case sfnt.SegmentOpQuadTo:
			p0, c, p1 := cur[len(cur)-1], pt(s.Args[0]), pt(s.Args[1])
			for k := 1; k <= quadSteps; k++ {
				t := float64(k) / quadSteps
				a, b, d := (1-t)*(1-t), 2*(1-t)*t, t*t
				cur = append(cur, Point{a*p0.X + b*c.X + d*p1.X, a*p0.Y + b*c.Y + d*p1.Y})
			}
		case sfnt.SegmentOpCubeTo:
			p0, c1, c2, p1 := cur[len(cur)-1], pt(s.Args[0]), pt(s.Args[1]), pt(s.Args[2])
			for k := 1; k <= 2*quadSteps; k++ {
				t := float64(k) / (2 * quadSteps)
				a, b, c, d := math.Pow(1-t, 3), 3*(1-t)*(1-t)*t, 3*(1-t)*t*t, t*t*t
				cur = append(cur, Point{a*p0.X + b*c1.X + c*c2.X + d*p1.X, a*p0.Y + b*c1.Y + c*c2.Y + d*p1.Y})
			}
		}
	}
	if len(cur) > 0 {
		contours = append(contours, cur)
	}
	if len(contours) == 0 {
		return nil, nil
	}
	out := append([]Point(nil), contours[0]...)
	out = append(out, contours[0][0])
	home := contours[0][0]
	for _, c := range contours[1:] {
		out = append(out, c...)
		out = append(out, c[0], home)
	}
	return out, nil
}
