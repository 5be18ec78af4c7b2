package definitions_test

import (
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/definitions"
)

// TestCanonicalSchemaReference: fmt names a file's format schema by its stable $id, migrating
// first-edition relative paths; a file already canonical comes back byte for byte, and a file
// naming no schema or another one keeps what it says.
func TestCanonicalSchemaReference(t *testing.T) {
	const body = "  \"items\": []\n}\n"
	stable := "{\n  \"$schema\": \"" + definitions.SchemaID("fees") + "\",\n" + body
	for _, tc := range []struct {
		name, in, want string
	}{
		{"first-edition relative path", "{\n  \"$schema\": \"../../../definitions/schema/fees.schema.json\",\n" + body, stable},
		{"a path from elsewhere", "{\"$schema\": \"schema/fees.schema.json\", \"items\": []}", stable},
		{"already canonical", stable, stable},
		{"no schema named", "{\n" + body, "{\n" + body},
		{"another schema kept", "{\n  \"$schema\": \"https://example.org/fees.json\",\n" + body, "{\n  \"$schema\": \"https://example.org/fees.json\",\n" + body},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := definitions.Canonical("matters/x/fees.json", []byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tc.want {
				t.Errorf("got\n%s\nwant\n%s", out, tc.want)
			}
		})
	}
	if id := definitions.SchemaID("workflow"); !strings.HasPrefix(id, "https://") || !strings.HasSuffix(id, "/workflow.schema.json") {
		t.Errorf("SchemaID = %s", id)
	}
}
