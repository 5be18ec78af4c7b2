// Package excel writes and reads Excel workbooks: the matter catalog, and later case exports.
package excel

import "strings"

// CellError is one bad cell of a workbook read back from a clerk, in Chinese. Cell is an A1
// reference, or a row reference such as "1:1" for a problem with the header row as a whole; a
// problem with the whole workbook has neither Sheet nor Cell.
type CellError struct {
	Sheet, Cell, Message string
}

// String is `sheet!cell: message`, e.g. `事项目录!F3: 「法定办结时限（工作日）」应为整数`.
func (e CellError) String() string {
	switch {
	case e.Sheet == "":
		return e.Message
	case e.Cell == "":
		return e.Sheet + ": " + e.Message
	}
	return e.Sheet + "!" + e.Cell + ": " + e.Message
}

// Row is the row part of the error's cell: "12" of "AB12", "1:1" of the header row "1:1".
func (e CellError) Row() string {
	return strings.TrimLeftFunc(e.Cell, func(r rune) bool { return r >= 'A' && r <= 'Z' })
}
