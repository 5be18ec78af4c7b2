package httpconn

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
)

// urlTemplate is a connector's URL with {name} placeholders, split once so that filling it is
// a few appends. A placeholder in the path is path-escaped, one in the query query-escaped, so
// an ID number or a name can never change the shape of the URL.
type urlTemplate struct {
	parts []urlPart
}

type urlPart struct {
	literal string
	name    string // placeholder name; empty for a literal
	query   bool   // the placeholder is in the query string
}

func parseTemplate(s string) urlTemplate {
	var t urlTemplate
	inQuery := false
	for s != "" {
		open := strings.IndexByte(s, '{')
		if open < 0 {
			t.parts = append(t.parts, urlPart{literal: s})
			break
		}
		closing := strings.IndexByte(s[open:], '}')
		if closing < 0 {
			t.parts = append(t.parts, urlPart{literal: s})
			break
		}
		lit := s[:open]
		if strings.Contains(lit, "?") {
			inQuery = true
		}
		t.parts = append(t.parts, urlPart{literal: lit}, urlPart{name: s[open+1 : open+closing], query: inQuery})
		s = s[open+closing+1:]
	}
	return t
}

// fill returns the URL with every placeholder replaced by the input value of that name; it
// names the first placeholder the input lacks.
func (t urlTemplate) fill(input map[string]any) (string, string) {
	var b strings.Builder
	for _, p := range t.parts {
		if p.name == "" {
			b.WriteString(p.literal)
			continue
		}
		v, ok := textOf(input[p.name])
		if !ok || v == "" {
			return "", p.name
		}
		if p.query {
			b.WriteString(url.QueryEscape(v))
		} else {
			b.WriteString(url.PathEscape(v))
		}
	}
	return b.String(), ""
}

// textOf renders an input value for a URL: text as it is, whole numbers without exponent.
func textOf(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10), true
		}
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return fmt.Sprint(v), true
}
