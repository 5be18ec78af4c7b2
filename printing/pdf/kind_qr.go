package pdf

import (
	qrcode "github.com/skip2/go-qrcode"

	"github.com/xuchang-gov/tongban/definitions"
)

// qrKind draws the value as a QR code (error correction level M, with its four-module quiet
// zone) in the largest square of the box, centred. The modules are vector rectangles, sharp at
// any printer resolution and smaller than a picture. An empty value is an error when the
// element is required and leaves the code out otherwise.
type qrKind struct{}

var _ kind = qrKind{}

func init() { kinds["qr"] = qrKind{} }

func (qrKind) layout(l *layouter, i int, e *definitions.PrintElement) error {
	content, err := l.text(i, e)
	if err != nil || content == "" {
		return err
	}
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return errorAt(i, "「%s」无法生成二维码：%v", elementName(e), err)
	}
	b := l.box(e)
	side := min(b.W, b.H)
	l.add(&QR{Element: i, Box: Box{b.X + (b.W-side)/2, b.Y + (b.H-side)/2, side, side}, Content: content, modules: q.Bitmap()})
	return nil
}
