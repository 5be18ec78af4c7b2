package excel

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// Table streams rows into a one-sheet workbook under a bold, frozen header. Rows go through
// excelize's stream writer, which spills them to a temporary file: memory stays flat however
// many rows there are.
type Table struct {
	f   *excelize.File
	sw  *excelize.StreamWriter
	row int
}

// NewTable starts a workbook with one sheet and its header; widths are in characters.
func NewTable(sheet string, headers []string, widths []float64) (*Table, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return nil, err
		}
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DCE6F1"}}})
	if err != nil {
		return nil, err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	cells := make([]any, len(headers))
	for i, h := range headers {
		cells[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	t := &Table{f: f, sw: sw, row: 1}
	return t, t.sw.SetRow("A1", cells)
}

// Append writes the next row.
func (t *Table) Append(values ...any) error {
	t.row++
	cell, err := excelize.CoordinatesToCellName(1, t.row)
	if err != nil {
		return err
	}
	return t.sw.SetRow(cell, values)
}

// Rows is how many data rows were written.
func (t *Table) Rows() int { return t.row - 1 }

// WriteTo finishes the workbook and writes it.
func (t *Table) WriteTo(w io.Writer) (int64, error) {
	defer t.f.Close()
	if err := t.sw.Flush(); err != nil {
		return 0, fmt.Errorf("excel: %w", err)
	}
	return t.f.WriteTo(w)
}
