package pdf

import (
	"fmt"
	"sync"

	"github.com/signintech/gopdf"

	"github.com/xuchang-gov/tongban/printing/fonts"
)

// face is one shipped font parsed once: gopdf's parsed copy (shared by every document through a
// FontContainer, each document subsetting the glyphs it uses) and the metrics layout measures
// with, which are the same numbers gopdf draws with.
type face struct {
	name string
	// family is the face's name inside gopdf documents. The shipped faces have no heavier
	// weight: bold is simulated (see textKind).
	family     string
	metrics    *gopdf.SubsetFontObj
	unitsPerEm float64
	// ascent and descent (descent negative) are per 1 pt of font size, in points.
	ascent, descent float64
	// widths caches advance widths in thousandths of an em by rune; a missing glyph is -1.
	widths sync.Map
}

var (
	facesOnce sync.Once
	facesErr  error
	faceByKey map[string]*face
	faceOrder []*face
	container = &gopdf.FontContainer{}
)

// loadFaces parses every shipped face once per process.
func loadFaces() error {
	facesOnce.Do(func() {
		faceByKey = map[string]*face{}
		for _, name := range fonts.Names() {
			ff, _ := fonts.Get(name)
			f, err := parseFace(ff)
			if err != nil {
				facesErr = fmt.Errorf("字体 %s 无法读取：%w", name, err)
				return
			}
			faceByKey[name] = f
			faceOrder = append(faceOrder, f)
		}
	})
	return facesErr
}

func parseFace(ff *fonts.Face) (*face, error) {
	f := &face{name: ff.Name, family: ff.Name}
	if err := container.AddTTFFontData(f.family, ff.Data); err != nil {
		return nil, err
	}
	f.metrics = &gopdf.SubsetFontObj{}
	if err := f.metrics.SetTTFData(ff.Data); err != nil {
		return nil, err
	}
	p := f.metrics.GetTTFParser()
	f.unitsPerEm = float64(p.UnitsPerEm())
	asc, desc := p.TypoAscender(), p.TypoDescender()
	if asc == 0 {
		asc, desc = p.Ascender(), -p.Descender()
	}
	f.ascent, f.descent = float64(asc)/f.unitsPerEm, float64(desc)/f.unitsPerEm
	return f, nil
}

// width is the advance of r in thousandths of an em, or -1 when the face has no glyph for it.
func (f *face) width(r rune) int {
	if w, ok := f.widths.Load(r); ok {
		return w.(int)
	}
	w := -1
	if g, err := f.metrics.CharCodeToGlyphIndex(r); err == nil && g != 0 {
		w = int(f.metrics.GlyphIndexToPdfWidth(g))
	}
	f.widths.Store(r, w)
	return w
}

// has reports whether the face has a glyph for r.
func (f *face) has(r rune) bool { return f.width(r) >= 0 }

// fallbackFor picks the face that draws r: f itself when it has the glyph, else the first other
// shipped face that has it, else nil.
func (f *face) fallbackFor(r rune) *face {
	if f.has(r) {
		return f
	}
	for _, o := range faceOrder {
		if o != f && o.has(r) {
			return o
		}
	}
	return nil
}
