package formatschema_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/xuchang-gov/tongban/definitions/internal/formatschema"
)

// TestPublishedSchemasAreUpToDate fails when a Go type changed without `go generate ./definitions`.
func TestPublishedSchemasAreUpToDate(t *testing.T) {
	files, err := formatschema.Generate()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join("..", "..", "schema", name))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("definitions/schema/%s is stale: run go generate ./definitions", name)
		}
	}
}
