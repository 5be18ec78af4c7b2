package site

import (
	"html/template"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
)

// Funcs are the template helpers of every page of every site: the CSRF field's name, and dates
// and times in the platform's zone (runtime.Zone), dates written as the printed documents
// write them (2026年3月2日). A site's own Options.Funcs add to them.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"csrfField": func() string { return CSRFField },
		"date":      func(t any) string { return Format(t, "2006年1月2日") },
		"datetime":  func(t any) string { return Format(t, "2006-01-02 15:04") },
		"hasPrefix": strings.HasPrefix,
		"join":      strings.Join,
	}
}

// Format writes a time.Time or *time.Time in the platform's zone, and nothing for a zero or nil one.
func Format(t any, layout string) string {
	switch t := t.(type) {
	case time.Time:
		if t.IsZero() {
			return ""
		}
		return t.In(runtime.Zone).Format(layout)
	case *time.Time:
		if t == nil {
			return ""
		}
		return t.In(runtime.Zone).Format(layout)
	}
	return ""
}
