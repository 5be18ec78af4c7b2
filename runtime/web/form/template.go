package form

import (
	"embed"
	"html/template"
)

//go:embed form.html
var templates embed.FS

var page = template.Must(template.New("form").Funcs(template.FuncMap{
	"divisions":      divisionOptions,
	"divisionLevels": divisionLevels,
	"add":            func(a, b int) int { return a + b },
	"describedBy": func(f *Field) string {
		ids := ""
		if f.Help != "" {
			ids += f.ID + "-help "
		}
		if f.Error != "" {
			ids += f.ID + "-error"
		}
		return ids
	},
}).ParseFS(templates, "form.html"))
