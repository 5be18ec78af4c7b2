package pdf

import (
	"github.com/xuchang-gov/tongban/definitions/rules"

	"bytes"
	"errors"
	"image"
	_ "image/jpeg" // decodes JPEG headers
	_ "image/png"  // decodes PNG headers

	"github.com/xuchang-gov/tongban/definitions"
)

// imageKind places a picture the caller supplies: the value names it in Options.Images (or
// is the picture's bytes). It is scaled to fit the box keeping its proportions, centred. A
// missing picture is an error when the element is required and is left out otherwise.
type imageKind struct{}

var _ kind = imageKind{}

func init() { kinds["image"] = imageKind{} }

func (imageKind) layout(l *layouter, i int, e *definitions.PrintElement) error {
	v, err := l.value(i)
	if err != nil {
		return err
	}
	var data []byte
	name := ""
	switch v := v.(type) {
	case []byte:
		data = v
	default:
		name = rules.Display(v)
		data = l.opts.Images[name]
	}
	if len(data) == 0 {
		if e.Required {
			if name != "" {
				return errorAt(i, "「%s」的图片 %s 未提供", elementName(e), name)
			}
			return errorAt(i, "「%s」缺少内容", elementName(e))
		}
		return nil
	}
	b, err := fitImage(data, l.box(e))
	if err != nil {
		return errorAt(i, "「%s」%v", elementName(e), err)
	}
	l.add(&Image{Element: i, Box: b, Data: data})
	return nil
}

// fitImage is the largest box of the picture's proportions inside box, centred.
func fitImage(data []byte, box Box) (Box, error) {
	w, h, err := imageSize(data)
	if err != nil {
		return Box{}, err
	}
	scale := min(box.W/w, box.H/h)
	return Box{box.X + (box.W-w*scale)/2, box.Y + (box.H-h*scale)/2, w * scale, h * scale}, nil
}

func imageSize(data []byte) (w, h float64, err error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || (format != "png" && format != "jpeg") || cfg.Width == 0 || cfg.Height == 0 {
		return 0, 0, errors.New("不是可用的 PNG 或 JPEG 图片")
	}
	return float64(cfg.Width), float64(cfg.Height), nil
}
