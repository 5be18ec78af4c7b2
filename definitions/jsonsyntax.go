package definitions

import (
	"encoding/json"
	"fmt"
)

// syntaxError describes malformed JSON in Chinese with the line and column of the fault, or
// returns "" for well-formed JSON.
func syntaxError(raw []byte) string {
	var v any
	err := json.Unmarshal(raw, &v)
	if err == nil {
		return ""
	}
	offset := int64(len(raw))
	if se, ok := err.(*json.SyntaxError); ok {
		offset = se.Offset
	}
	line, col := lineColumn(raw, offset)
	return fmt.Sprintf("不是有效的 JSON：第 %d 行第 %d 列：%v", line, col, err)
}

func lineColumn(raw []byte, offset int64) (line, col int) {
	line, col = 1, 1
	for i, c := range raw {
		if int64(i) >= offset-1 {
			break
		}
		if c == '\n' {
			line, col = line+1, 1
		} else if c&0xC0 != 0x80 {
			col++
		}
	}
	return line, col
}
