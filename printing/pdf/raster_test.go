package pdf_test

import (
	"bytes"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/xuchang-gov/tongban/printing/pdf"
)

// inked is, per cell of cell×cell pixels, whether any pixel of the cell is dark.
func inked(img image.Image, cell int) [][]bool {
	b := img.Bounds()
	out := make([][]bool, (b.Dy()+cell-1)/cell)
	for y := range out {
		out[y] = make([]bool, (b.Dx()+cell-1)/cell)
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if (r+g+bl)/3 < 0x8000 {
				out[(y-b.Min.Y)/cell][(x-b.Min.X)/cell] = true
			}
		}
	}
	return out
}

// TestPNGMatchesThePDF paints every example template as the designer's preview does and
// compares it, in 1 mm cells, with poppler's rendering of the PDF of the same layout: the ink
// is in the same places.
func TestPNGMatchesThePDF(t *testing.T) {
	bin := tool(t, "pdftoppm", "poppler-utils")
	const pxPerMM = 4
	for _, mp := range examples(t).Matters() {
		for name, cp := range mp.Prints {
			if _, own := mp.Def.Prints[name]; !own {
				continue
			}
			t.Run(mp.Def.Slug+"/"+name, func(t *testing.T) {
				vars := sampleFor(t, mp, cp, nil)
				page, err := pdf.Layout(cp, vars, pdf.Options{})
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				if err := page.WritePNG(&buf, pxPerMM); err != nil {
					t.Fatal(err)
				}
				ours, err := png.Decode(&buf)
				if err != nil {
					t.Fatal(err)
				}
				path := render(t, cp, vars, pdf.Options{})
				out := filepath.Join(t.TempDir(), "p")
				if err := exec.Command(bin, "-png", "-singlefile", "-r", "101.6", path, out).Run(); err != nil {
					t.Fatal(err)
				}
				f, err := os.Open(out + ".png")
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				theirs, err := png.Decode(f)
				if err != nil {
					t.Fatal(err)
				}
				a, b := inked(ours, pxPerMM), inked(theirs, pxPerMM)
				// near: the other picture has ink in the cell or a neighbouring one (within 1 mm)
				near := func(g [][]bool, y, x int) bool {
					for dy := -1; dy <= 1; dy++ {
						for dx := -1; dx <= 1; dx++ {
							if yy, xx := y+dy, x+dx; yy >= 0 && yy < len(g) && xx >= 0 && xx < len(g[yy]) && g[yy][xx] {
								return true
							}
						}
					}
					return false
				}
				same, ink := 0, 0
				for y := range min(len(a), len(b)) {
					for x := range min(len(a[y]), len(b[y])) {
						if a[y][x] || b[y][x] {
							ink++
							if (a[y][x] && near(b, y, x)) || (b[y][x] && near(a, y, x)) {
								same++
							}
						}
					}
				}
				if ink == 0 || float64(same)/float64(ink) < 0.99 {
					t.Errorf("%d of %d inked 1 mm cells have ink within 1 mm in the other picture: the PNG is not where the PDF is", same, ink)
				}
			})
		}
	}
}

// BenchmarkPNGCertificate paints the food business licence as the designer's preview does.
func BenchmarkPNGCertificate(b *testing.B) {
	mp, cp := food(b)
	page, err := pdf.Layout(cp, sampleFor(b, mp, cp, nil), pdf.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := page.WritePNG(io.Discard, 5); err != nil {
			b.Fatal(err)
		}
	}
}
