package pdf

import (
	"github.com/xuchang-gov/tongban/definitions/rules"

	"fmt"
	"reflect"
	"strings"

	"github.com/xuchang-gov/tongban/definitions"
)

// tableKind lays out a table whose rows come from the rows expression, each column's value
// evaluated with the item as `row`. The label, when there is one, is a caption row across the
// table; then a header row of column titles; then one row per item, each cell's text wrapped
// in its column and the row as tall as its tallest cell. Column widths are the template's,
// scaled down together when they add up to more than the box. The table stays in its box on
// one page: rows that do not fit (after shrinking, when allowed) are an error naming the
// element. When overprinting only the cells' values are printed.
type tableKind struct{}

var _ kind = tableKind{}

func init() { kinds["table"] = tableKind{} }

const (
	cellPadXMM       = 1.0
	cellPadYMM       = 0.8
	tableDefaultSize = 10.5 // 五号
)

type tableRow struct {
	cells   []string
	caption bool // the label row, one cell across the table
	header  bool
}

func (tableKind) layout(l *layouter, i int, e *definitions.PrintElement) error {
	items, err := l.rows(i, e)
	if err != nil {
		return err
	}
	var rows []tableRow
	if e.Label != "" {
		rows = append(rows, tableRow{cells: []string{e.Label}, caption: true})
	}
	header := tableRow{header: true}
	for _, c := range e.Columns {
		header.cells = append(header.cells, c.Title)
	}
	rows = append(rows, header)
	fixed := len(rows)
	var all strings.Builder
	for _, r := range rows {
		all.WriteString(strings.Join(r.cells, ""))
	}
	for k, item := range items {
		row := tableRow{}
		for j, p := range l.t.Columns[i] {
			v, err := p.Run(withRow(l.vars, item))
			if err != nil {
				return &Error{Pointer: fmt.Sprintf("/elements/%d/columns/%d/value", i, j), Message: fmt.Sprintf("第 %d 行：%v", k+1, err)}
			}
			s := strings.TrimSpace(rules.Display(v))
			row.cells = append(row.cells, s)
			all.WriteString(s)
		}
		rows = append(rows, row)
	}
	f, err := l.face(i, e)
	if err != nil {
		return err
	}
	if m := f.missing(all.String()); len(m) > 0 {
		return errorAt(i, "「%s」中的字 %s 不在字库中，无法打印", elementName(e), quoteRunes(m))
	}
	box := l.box(e)
	widths := make([]float64, len(e.Columns))
	total := 0.0
	for j, c := range e.Columns {
		widths[j] = c.WidthMM
		total += c.WidthMM
	}
	if total > box.W {
		for j := range widths {
			widths[j] *= box.W / total
		}
		total = box.W
	}
	start := e.SizePt
	if start == 0 {
		start = tableDefaultSize
	}
	bold := 0
	if e.Bold {
		bold = boldOffset
	}
	fitted := 0
	for _, size := range sizes(start, e.Shrink) {
		cells, heights, n := fitTable(f, rows, widths, total, size, bold, box.H)
		if n == len(rows) {
			placeTable(l, i, e, f, box, rows, cells, heights, widths, total, size)
			return nil
		}
		fitted = max(fitted, n-fixed)
	}
	how := ""
	if e.Shrink {
		how = fmt.Sprintf("（字号已缩到 %.0f 磅）", MinSizePt)
	}
	return errorAt(i, "「%s」共 %d 行，%.0f 毫米高的表格只放得下 %d 行%s；请加大表格或减少行数", elementName(e), len(items), e.H, max(fitted, 0), how)
}

// rows runs the rows expression; nothing is no rows.
func (l *layouter) rows(i int, e *definitions.PrintElement) ([]any, error) {
	p := l.t.Rows[i]
	if p == nil {
		return nil, errorAt(i, "表格没有行表达式 rows")
	}
	v, err := p.Run(l.vars)
	if err != nil {
		return nil, &Error{Pointer: fmt.Sprintf("/elements/%d/rows", i), Message: err.Error()}
	}
	var items []any
	switch v := v.(type) {
	case nil:
	case []any:
		items = v
	default:
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
			return nil, &Error{Pointer: fmt.Sprintf("/elements/%d/rows", i), Message: fmt.Sprintf("表格行应为列表，实际为 %T", v)}
		}
		for k := range rv.Len() {
			items = append(items, rv.Index(k).Interface())
		}
	}
	if len(items) == 0 && e.Required {
		return nil, errorAt(i, "「%s」缺少内容", elementName(e))
	}
	return items, nil
}

// fitTable wraps every cell at size and returns the lines, each row's height and how many rows
// fit in maxH.
func fitTable(f *face, rows []tableRow, widths []float64, total, size float64, bold int, maxH float64) ([][][]line, []float64, int) {
	cells := make([][][]line, len(rows))
	heights := make([]float64, len(rows))
	used := 0.0
	for r, row := range rows {
		cells[r] = make([][]line, len(row.cells))
		n, b := 1, bold
		if row.caption || row.header {
			b = boldOffset
		}
		for c, text := range row.cells {
			w := total
			if !row.caption {
				w = widths[c]
			}
			lines, ok := f.wrap(text, toEm(w-2*cellPadXMM, size)-b, true)
			if !ok {
				return cells, heights, r
			}
			cells[r][c] = lines
			n = max(n, len(lines))
		}
		heights[r] = f.blockHeight(n, size) + 2*cellPadYMM
		if used+heights[r] > maxH+0.01 {
			return cells, heights, r
		}
		used += heights[r]
	}
	return cells, heights, len(rows)
}

func placeTable(l *layouter, i int, e *definitions.PrintElement, f *face, box Box, rows []tableRow, cells [][][]line, heights, widths []float64, total, size float64) {
	tableH := 0.0
	for _, h := range heights {
		tableH += h
	}
	if !l.overprint {
		l.add(&Rect{Element: i, Box: Box{box.X, box.Y, total, tableH}, WidthMM: lineWidthMM, Color: black})
		y := box.Y
		for r := range rows[:len(rows)-1] {
			y += heights[r]
			l.add(&Line{Element: i, X1: box.X, Y1: y, X2: box.X + total, Y2: y, WidthMM: lineWidthMM, Color: black})
		}
		top := box.Y
		if rows[0].caption {
			top += heights[0]
		}
		x := box.X
		for _, w := range widths[:len(widths)-1] {
			x += w
			l.add(&Line{Element: i, X1: x, Y1: top, X2: x, Y2: box.Y + tableH, WidthMM: lineWidthMM, Color: black})
		}
	}
	lh := f.lineHeight(size)
	y := box.Y
	for r, row := range rows {
		bold := e.Bold || row.header || row.caption
		extra := 0
		if bold {
			extra = boldOffset
		}
		if !l.overprint || (!row.caption && !row.header) {
			x := box.X
			for c, lines := range cells[r] {
				w := total
				if !row.caption {
					w = widths[c]
				}
				top := y + (heights[r]-f.blockHeight(len(lines), size))/2
				for n, ln := range lines {
					if ln.text == "" {
						continue
					}
					lw := toMM(ln.w+extra, size)
					lx := x + cellPadXMM
					if row.header {
						lx = x + (w-lw)/2
					}
					l.add(&Text{Element: i, Box: Box{lx, top + float64(n)*lineSpacing*size*ptMM, lw, lh}, Text: ln.text, Font: f.name, SizePt: size, Bold: bold, Color: black})
				}
				x += w
			}
		}
		y += heights[r]
	}
}
