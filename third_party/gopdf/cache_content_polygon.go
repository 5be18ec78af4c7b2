package gopdf

import (
	"fmt"
	"io"
	"strconv"
)

type cacheContentPolygon struct {
	pageHeight float64
	style      string
	points     []Point
	opts       polygonOptions
}

func (c *cacheContentPolygon) write(w io.Writer, protection *PDFProtection) error {

	fmt.Fprintf(w, "q\n")
	for _, extGStateIndex := range c.opts.extGStateIndexes {
		fmt.Fprintf(w, "/GS%d gs\n", extGStateIndex)
	}

	// tongban patch: coordinates are formatted with strconv into one buffer (the same text as
	// %.2f) rather than with a Fprintf each
	b := make([]byte, 0, 16*len(c.points))
	for i, point := range c.points {
		b = strconv.AppendFloat(b, point.X, 'f', 2, 64)
		b = append(b, ' ')
		b = strconv.AppendFloat(b, c.pageHeight-point.Y, 'f', 2, 64)
		if i == 0 {
			b = append(b, " m "...)
		} else {
			b = append(b, " l "...)
		}
	}
	w.Write(b)

	if c.style == "F" {
		fmt.Fprintf(w, " f\n")
	} else if c.style == "FD" || c.style == "DF" {
		fmt.Fprintf(w, " b\n")
	} else {
		fmt.Fprintf(w, " s\n")
	}

	fmt.Fprintf(w, "Q\n")
	return nil
}
