package definitions

import (
	"embed"
	"fmt"
	"sync"

	"github.com/xuchang-gov/tongban/definitions/formschema"
)

// The format's own JSON Schemas, one per kind of file, generated from the Go types by
// `go generate ./definitions/...` and published for editors and the designer.
//
//go:generate go run ./internal/genschema schema
//go:embed schema/*.schema.json
var formatSchemaFiles embed.FS

// FormatSchema returns the published JSON Schema of a kind of definition file
// ("matter", "form.ui", "materials", "workflow", "fees", "print", "orgs", "connector", "calendar").
func FormatSchema(kind string) ([]byte, error) {
	return formatSchemaFiles.ReadFile("schema/" + kind + ".schema.json")
}

var compiledFormatSchemas sync.Map

func formatSchema(kind string) *formschema.Schema {
	if s, ok := compiledFormatSchemas.Load(kind); ok {
		return s.(*formschema.Schema)
	}
	raw, err := FormatSchema(kind)
	if err != nil {
		panic(fmt.Sprintf("definitions: no format schema for %q", kind))
	}
	s, err := formschema.Compile("tongban/"+kind+".schema.json", raw)
	if err != nil {
		panic(fmt.Sprintf("definitions: format schema %q does not compile: %v", kind, err))
	}
	compiledFormatSchemas.Store(kind, s)
	return s
}
