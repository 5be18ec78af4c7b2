package excel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/formschema"
)

// The catalog workbook has one sheet, SheetName: a header row, then one row per matter, the
// first column SlugHeader and then one column per field of matter.json.
const (
	SheetName  = "事项目录"
	SlugHeader = "事项目录名（slug）"
)

// CatalogRow is one matter of the catalog: the name of its folder and its matter.json.
type CatalogRow struct {
	Slug   string
	Matter definitions.Matter

	// Set by ReadCatalog, for Cell.
	row    int
	layout *sheetLayout
}

// Cell returns the A1 reference of the cell ReadCatalog read the field at JSON pointer (in
// matter.json) from, so that a later check of the matter can point the clerk at a cell; a
// pointer inside a list names the list's cell, and the root or an unknown pointer the slug's.
// It is "" for a row that was not read from a sheet.
func (r CatalogRow) Cell(pointer string) string {
	if r.layout == nil {
		return ""
	}
	return r.layout.cell(pointer, r.row)
}

// MatterJSON is the matter.json the row makes of old, the file as it stands (nil or broken:
// replaced whole): every catalog field from the row, and "$schema" and the fields the catalog
// does not hold (parameters, values) kept from old, in canonical form. changed is false when
// old already says the same, so that importing an unedited export leaves every file as it is,
// canonical or not. name is the file's name in messages.
func (r CatalogRow) MatterJSON(name string, old []byte) (data []byte, changed bool, err error) {
	var head definitions.Matter
	_ = json.Unmarshal(old, &head)
	m := r.Matter
	m.Schema, m.Parameters, m.Values, m.Documents = head.Schema, head.Parameters, head.Values, head.Documents
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, false, err
	}
	if data, err = definitions.Canonical(name, raw); err != nil {
		return nil, false, err
	}
	if before, err := definitions.Canonical(name, old); err == nil && bytes.Equal(before, data) {
		return data, false, nil
	}
	return data, true, nil
}

// sheetLayout is where ReadCatalog found each column.
type sheetLayout struct {
	slugCol int            // 1-based, 0 when missing
	cols    map[string]int // column pointer → 1-based column number
}

func (l *sheetLayout) cell(pointer string, row int) string {
	col, ok := l.col(pointer)
	if !ok {
		col = max(l.slugCol, 1)
	}
	return cellName(col, row)
}

// col returns the column of the field at pointer, or of the list or record holding it.
func (l *sheetLayout) col(pointer string) (int, bool) {
	for p := pointer; p != ""; p = p[:strings.LastIndexByte(p, '/')] {
		if col, ok := l.cols[p]; ok {
			return col, true
		}
	}
	return 0, false
}

func cellName(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col, row)
	return name
}

const (
	maxCellChars = 32767 // Excel's limit; excelize would silently cut longer text
	minWidth     = 8
	maxWidth     = 50
)

// WriteCatalog writes the catalog workbook. It fails rather than write a cell that would not
// read back as the same value (a list item with a line break, say), so that exporting and
// importing a catalog changes nothing.
func WriteCatalog(w io.Writer, rows []CatalogRow) error {
	cols := catalogColumns()
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	if err := f.SetSheetName(sheet, SheetName); err != nil {
		return err
	}
	s, err := newCatalogStyles(f)
	if err != nil {
		return err
	}
	// Column styles first: SetColStyle restyles the cells already written.
	for i := range len(cols) + 1 {
		name, _ := excelize.ColumnNumberToName(i + 1)
		style := s.text
		if i > 0 && cols[i-1].kind == intCell {
			style = s.number
		}
		if err := f.SetColStyle(SheetName, name, style); err != nil {
			return err
		}
	}
	widths := make([]int, len(cols)+1)
	set := func(col, row int, v any, style int) error {
		cell := cellName(col, row)
		var err error
		switch v := v.(type) {
		case int64:
			err = f.SetCellInt(SheetName, cell, v)
		case string:
			for line := range strings.SplitSeq(v, "\n") {
				widths[col-1] = max(widths[col-1], displayWidth(line))
			}
			err = f.SetCellStr(SheetName, cell, v)
		}
		if err != nil {
			return err
		}
		return f.SetCellStyle(SheetName, cell, cell, style)
	}

	if err := set(1, 1, SlugHeader, s.header); err != nil {
		return err
	}
	for i, c := range cols {
		if err := set(i+2, 1, c.header, s.header); err != nil {
			return err
		}
	}
	for i := range widths {
		widths[i] += 3 // room for the filter button
	}

	seen := map[string]bool{}
	for i, r := range rows {
		row := i + 2
		if blank(r.Slug) || strings.TrimSpace(r.Slug) != r.Slug {
			return fmt.Errorf("第 %d 个事项的事项目录名“%s”为空或首尾有空白", i+1, r.Slug)
		}
		if seen[r.Slug] {
			return fmt.Errorf("事项目录名 %s 重复", r.Slug)
		}
		seen[r.Slug] = true
		if err := set(1, row, r.Slug, s.text); err != nil {
			return err
		}
		m := reflect.ValueOf(&r.Matter).Elem()
		for j, c := range cols {
			v := m.FieldByIndex(c.index)
			cell := c.format(v)
			if err := checkRoundTrip(c, v, cell); err != nil {
				return fmt.Errorf("事项 %s 的「%s」%w", r.Slug, c.header, err)
			}
			style := s.text
			if c.kind == intCell {
				style = s.number
			}
			if err := set(j+2, row, cell, style); err != nil {
				return err
			}
		}
	}

	last := cellName(len(cols)+1, max(len(rows)+1, 2))
	for i, c := range cols {
		if err := decorateColumn(f, c, i+2); err != nil {
			return err
		}
	}
	for i, w := range widths {
		name, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(SheetName, name, name, float64(min(max(w, minWidth), maxWidth))); err != nil {
			return err
		}
	}
	if err := f.SetPanes(SheetName, &excelize.Panes{
		Freeze: true, XSplit: 1, YSplit: 1, TopLeftCell: "B2", ActivePane: "bottomRight",
	}); err != nil {
		return err
	}
	if err := f.AutoFilter(SheetName, "A1:"+last, nil); err != nil {
		return err
	}
	return f.Write(w)
}

// checkRoundTrip makes sure that cell reads back as v.
func checkRoundTrip(c *column, v reflect.Value, cell any) error {
	text, ok := cell.(string)
	if !ok {
		return nil // an integer
	}
	if len(utf16.Encode([]rune(text))) > maxCellChars {
		return fmt.Errorf("超过 Excel 单元格的上限 %d 个字符", maxCellChars)
	}
	back := reflect.New(v.Type()).Elem()
	if msg := c.parse(text, back); msg == "" && sameValue(back, v) {
		return nil
	}
	switch c.kind {
	case listCell:
		return errors.New("无法原样写入一个单元格：每项应不为空、不含换行")
	case recordsCell:
		return fmt.Errorf("无法原样写入一个单元格：内容不能以换行结尾，也不能有以“%s：”开头的行", c.fields[0].title)
	}
	return fmt.Errorf("无法原样写入一个单元格：%q", text)
}

// catalogStyles are the cell styles of the catalog sheet.
type catalogStyles struct {
	header, text, number int
}

func newCatalogStyles(f *excelize.File) (catalogStyles, error) {
	var s catalogStyles
	var err error
	top := &excelize.Alignment{Vertical: "top", WrapText: true}
	if s.header, err = f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true},
	}); err != nil {
		return s, err
	}
	// NumFmt 49 is "@" (text), so that Excel keeps what a clerk types, e.g. the leading zeros
	// of a code or a date, as text.
	if s.text, err = f.NewStyle(&excelize.Style{Alignment: top, NumFmt: 49}); err != nil {
		return s, err
	}
	s.number, err = f.NewStyle(&excelize.Style{Alignment: top})
	return s, err
}

// decorateColumn gives column col a drop-down list for a choice of values, and the hint as
// the header's comment.
func decorateColumn(f *excelize.File, c *column, col int) error {
	name, _ := excelize.ColumnNumberToName(col)
	var choices []string
	switch {
	case c.kind == boolCell:
		choices = []string{"是", "否"}
	case c.kind == textCell && len(c.enum) > 0:
		choices = c.enum
	}
	if choices != nil {
		dv := excelize.NewDataValidation(!c.required)
		dv.SetSqref(fmt.Sprintf("%s2:%s1048576", name, name))
		if err := dv.SetDropList(choices); err == nil {
			dv.SetError(excelize.DataValidationErrorStyleStop, c.header, "请从下拉列表中选择："+strings.Join(choices, "、"))
			if err := f.AddDataValidation(SheetName, dv); err != nil {
				return err
			}
		}
	}
	if c.hint == "" {
		return nil
	}
	return f.AddComment(SheetName, excelize.Comment{
		Cell: name + "1", Author: "通办",
		Paragraph: []excelize.RichTextRun{{Text: c.hint}},
		Width:     240, Height: 90,
	})
}

// displayWidth is the width of s in Excel's column units: two for a wide (CJK) character.
func displayWidth(s string) int {
	w := 0
	for _, r := range s {
		if r >= 0x1100 && utf8.RuneLen(r) >= 3 {
			w += 2
		} else {
			w++
		}
	}
	return w
}

var matterSchema = sync.OnceValues(func() (*formschema.Schema, error) {
	raw, err := definitions.FormatSchema("matter")
	if err != nil {
		return nil, err
	}
	return formschema.Compile("tongban/matter.schema.json", raw)
})

// ReadCatalog reads a catalog workbook back. It checks every cell, against its column's type
// (integer, 是/否, list, records, date) and then against the format schema of matter.json
// (allowed values, patterns, ranges), and returns every bad cell in sheet order, together with
// unknown, repeated and missing headers. The rows are returned even when there are errors, so
// that the caller can add its own checks to the report; they are complete only without errors.
func ReadCatalog(r io.Reader) ([]CatalogRow, []CellError) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, []CellError{{Message: "无法读取 Excel 文件：" + err.Error()}}
	}
	defer f.Close()
	if i, err := f.GetSheetIndex(SheetName); err != nil || i < 0 {
		return nil, []CellError{{Sheet: SheetName, Message: "找不到工作表「" + SheetName + "」"}}
	}
	grid, err := f.GetRows(SheetName, excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, []CellError{{Sheet: SheetName, Message: "无法读取工作表：" + err.Error()}}
	}
	schema, err := matterSchema()
	if err != nil {
		return nil, []CellError{{Message: "事项格式定义无法编译：" + err.Error()}}
	}
	date1904 := false
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		date1904 = *props.Date1904
	}

	var header []string
	if len(grid) > 0 {
		header = grid[0]
	}
	layout, byCol, errs := readHeader(header, grid)
	var rows []CatalogRow
	slugRows := map[string]int{}
	for i := 1; i < len(grid); i++ {
		cells, rowNum := grid[i], i+1
		if !slices.ContainsFunc(cells, func(s string) bool { return !blank(s) }) {
			continue
		}
		r := CatalogRow{row: rowNum, layout: layout}
		var rowErrs []cellErr
		bad := map[int]bool{}
		fail := func(col int, msg string) {
			if !bad[col] {
				bad[col] = true
				rowErrs = append(rowErrs, cellErr{col: col, msg: msg})
			}
		}
		if layout.slugCol > 0 {
			r.Slug = strings.TrimSpace(at(cells, layout.slugCol))
			switch prev, dup := slugRows[r.Slug]; {
			case r.Slug == "":
				fail(layout.slugCol, "「"+SlugHeader+"」为必填项")
			case dup:
				fail(layout.slugCol, fmt.Sprintf("事项目录名 %s 与第 %d 行重复", r.Slug, prev))
			default:
				slugRows[r.Slug] = rowNum
			}
		}
		m := reflect.ValueOf(&r.Matter).Elem()
		for col := 1; col <= len(byCol); col++ {
			c := byCol[col-1]
			if c == nil {
				continue
			}
			text := at(cells, col)
			if blank(text) {
				if c.required {
					fail(col, "「"+c.header+"」为必填项")
				}
				continue
			}
			if c.date {
				text = dateText(f, cellName(col, rowNum), text, date1904)
			}
			if msg := c.parse(text, m.FieldByIndex(c.index)); msg != "" {
				fail(col, msg)
			}
		}
		raw, err := json.Marshal(&r.Matter)
		if err != nil {
			fail(max(layout.slugCol, 1), err.Error())
		}
		for _, fe := range schema.ValidateJSON(raw) {
			if col, ok := layout.col(fe.Pointer); ok {
				fail(col, schemaMessage(fe, byCol[col-1]))
			} else if fe.Pointer == "" {
				fail(max(layout.slugCol, 1), fe.Message)
			} // else the column is missing, which is reported once in the header
		}
		slices.SortStableFunc(rowErrs, func(a, b cellErr) int { return a.col - b.col })
		for _, e := range rowErrs {
			errs = append(errs, CellError{Sheet: SheetName, Cell: cellName(e.col, rowNum), Message: e.msg})
		}
		rows = append(rows, r)
	}
	return rows, errs
}

type cellErr struct {
	col int
	msg string
}

// readHeader matches the header row to the columns. byCol holds the column of each sheet
// column (nil for the slug column and for unknown ones).
func readHeader(header []string, grid [][]string) (*sheetLayout, []*column, []CellError) {
	layout := &sheetLayout{cols: map[string]int{}}
	byHeader := map[string]*column{}
	for _, c := range catalogColumns() {
		byHeader[c.header] = c
	}
	width := len(header)
	for _, row := range grid {
		width = max(width, len(row))
	}
	byCol := make([]*column, width)
	var errs []CellError
	found := map[string]int{}
	for i := range width {
		col, h := i+1, strings.TrimSpace(at(header, i+1))
		headerErr := func(msg string) {
			errs = append(errs, CellError{Sheet: SheetName, Cell: cellName(col, 1), Message: msg})
		}
		if prev, dup := found[h]; dup && h != "" {
			name, _ := excelize.ColumnNumberToName(prev)
			headerErr(fmt.Sprintf("列「%s」重复（已在 %s 列）", h, name))
			continue
		}
		found[h] = col
		switch c := byHeader[h]; {
		case h == SlugHeader:
			layout.slugCol = col
		case c != nil:
			byCol[i] = c
			layout.cols[c.pointer] = col
		case h == "":
			if slices.ContainsFunc(grid[min(1, len(grid)):], func(r []string) bool { return !blank(at(r, col)) }) {
				headerErr("此列有内容，但没有列名")
			}
		default:
			headerErr(fmt.Sprintf("未知的列「%s」", h))
		}
	}
	if layout.slugCol == 0 {
		errs = append(errs, CellError{Sheet: SheetName, Cell: "1:1", Message: "缺少列「" + SlugHeader + "」"})
	}
	for _, c := range catalogColumns() {
		if _, ok := layout.cols[c.pointer]; !ok {
			errs = append(errs, CellError{Sheet: SheetName, Cell: "1:1", Message: "缺少列「" + c.header + "」"})
		}
	}
	return layout, byCol, errs
}

// at returns the cell of a row at 1-based column col, "" beyond the row's end.
func at(cells []string, col int) string {
	if col-1 < len(cells) {
		return cells[col-1]
	}
	return ""
}

// dateText turns an Excel date (a number with a date format, as Excel makes of a typed date) into
// YYYY-MM-DD; text stays as it is.
func dateText(f *excelize.File, cell, raw string, date1904 bool) string {
	serial, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	if err != nil {
		return raw
	}
	if t, _ := f.GetCellType(SheetName, cell); t == excelize.CellTypeSharedString || t == excelize.CellTypeInlineString {
		return raw
	}
	d, err := excelize.ExcelDateToTime(serial, date1904)
	if err != nil {
		return raw
	}
	return d.Format("2006-01-02")
}

// schemaMessage words a format-schema problem for the cell it belongs to: a problem with an
// item of a list says which item.
func schemaMessage(fe formschema.FieldError, c *column) string {
	if c == nil || fe.Pointer == c.pointer || !strings.HasPrefix(fe.Pointer, c.pointer+"/") {
		return fe.Message
	}
	item, _, _ := strings.Cut(strings.TrimPrefix(fe.Pointer, c.pointer+"/"), "/")
	n, err := strconv.Atoi(item)
	if err != nil {
		return fe.Message
	}
	which := fmt.Sprintf("「%s」第 %d 项", c.header, n+1)
	if c.kind == recordsCell {
		which = fmt.Sprintf("「%s」第 %d 条", c.header, n+1)
	}
	if rest, ok := strings.CutPrefix(fe.Message, "此项"); ok {
		return which + rest
	}
	return which + "：" + fe.Message
}
