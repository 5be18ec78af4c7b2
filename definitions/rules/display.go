package rules

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Display writes a value as people read it on a certificate or a page: dates as 2026年11月29日,
// yes/no as 是/否, lists joined with 、, numbers without trailing zeros.
func Display(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case time.Time:
		if v.IsZero() {
			return ""
		}
		return fmt.Sprintf("%d年%d月%d日", v.Year(), v.Month(), v.Day())
	case *time.Time:
		if v == nil {
			return ""
		}
		return Display(*v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case int:
		return strconv.Itoa(v)
	case bool:
		if v {
			return "是"
		}
		return "否"
	case []any:
		parts := make([]string, 0, len(v))
		for _, x := range v {
			if s := Display(x); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, "、")
	case []string:
		return strings.Join(v, "、")
	}
	return fmt.Sprint(v)
}
