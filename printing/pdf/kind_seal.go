package pdf

import (
	"math"
	"strings"

	"github.com/xuchang-gov/tongban/definitions"
)

// sealKind stamps the seal (印章) of the org the value names. With a picture for that name in
// Options.Seals the picture is used; otherwise the seal is drawn in seal red the way official
// round seals look: a ring, a five-pointed star in the middle and the name running clockwise
// along the upper arc, each character facing outwards. The name is drawn as glyph outlines,
// not text (see glyphShape). An empty name is an error when the
// element is required and leaves the seal out otherwise. The drawn seal is a picture of a
// seal, not an electronic signature (电子签章): signing the PDF is a separate step.
type sealKind struct{}

var _ kind = sealKind{}

func init() { kinds["seal"] = sealKind{} }

const (
	sealRingWidth = 0.035 // of the diameter
	sealMaxSpan   = 240.0 // degrees the name may cover
	sealMaxChar   = 0.17  // largest character as a share of the diameter
)

func (sealKind) layout(l *layouter, i int, e *definitions.PrintElement) error {
	name, err := l.text(i, e)
	if err != nil || name == "" {
		return err
	}
	b := l.box(e)
	if pic, ok := l.opts.Seals[name]; ok {
		fit, err := fitImage(pic, b)
		if err != nil {
			return errorAt(i, "「%s」的印章图片%v", elementName(e), err)
		}
		l.add(&Image{Element: i, Box: fit, Data: pic})
		return nil
	}
	f, err := l.face(i, e)
	if err != nil {
		return err
	}
	chars := []rune(strings.Join(strings.Fields(name), ""))
	if m := f.missing(string(chars)); len(m) > 0 {
		return errorAt(i, "「%s」中的字 %s 不在字库中，无法打印", elementName(e), quoteRunes(m))
	}
	d := min(b.W, b.H)
	r := d / 2
	cx, cy := b.X+b.W/2, b.Y+b.H/2
	ring := d * sealRingWidth
	l.add(&Circle{Element: i, Box: Box{cx - r + ring/2, cy - r + ring/2, d - ring, d - ring}, WidthMM: ring, Color: sealRed, Ink: true})

	star := r * 0.3
	pts := make([]Point, 10)
	for k := range pts {
		rad := star
		if k%2 == 1 {
			rad = star * 0.382
		}
		a := (-90 + float64(k)*36) * math.Pi / 180
		pts[k] = Point{cx + rad*math.Cos(a), cy + rad*math.Sin(a)}
	}
	l.add(&Polygon{Element: i, Points: pts, Color: sealRed, Ink: true})

	n := float64(len(chars))
	outer := r - ring - d*0.03 // where the characters' tops sit
	span := sealMaxSpan * math.Pi / 180
	s := outer * span / n / (1 + span/(2*n)) // character size filling the span
	s = min(s, d*sealMaxChar)
	rc := outer - s/2 // radius of the characters' centres
	step := s * 1.05 / rc
	if step*n > span {
		step = span / n
	}
	scale := s / (f.ascent - f.descent) // millimetres per em
	for k, ch := range chars {
		theta := (float64(k) - (n-1)/2) * step
		px, py := cx+rc*math.Sin(theta), cy-rc*math.Cos(theta)
		g := f.fallbackFor(ch)
		shape, err := glyphShape(g, ch)
		if err != nil {
			return errorAt(i, "「%s」无法绘制“%c”：%v", elementName(e), ch, err)
		}
		// centre the glyph's box on its place on the arc, then turn it to face outwards
		cu, cv := float64(g.width(ch))/2000, -(g.ascent+g.descent)/2
		sin, cos := math.Sin(theta), math.Cos(theta)
		pts := make([]Point, len(shape))
		for j, q := range shape {
			x, y := (q.X-cu)*scale, (q.Y-cv)*scale
			pts[j] = Point{px + x*cos - y*sin, py + x*sin + y*cos}
		}
		if len(pts) > 0 {
			l.add(&Polygon{Element: i, Points: pts, Color: sealRed, Ink: true})
		}
	}
	return nil
}
