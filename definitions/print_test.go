package definitions_test

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// TestPublicFields: the compiled template lists the elements marked public, none by default.
func TestPublicFields(t *testing.T) {
	tests := []struct {
		name string
		edit func(string) string
		want []int
	}{
		{"none by default", func(s string) string { return s }, nil},
		{"the marked ones", func(s string) string {
			return strings.Replace(s, `"value": "license.number"`, `"value": "license.number", "public": true`, 1)
		}, []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := bundleFS(t, "testdata/bundle")
			name := "matters/demo/print/cert.json"
			fsys[name] = &fstest.MapFile{Data: []byte(tt.edit(string(fsys[name].Data)))}
			plan, problems := loadAndCompile(fsys)
			if len(problems) > 0 {
				t.Fatal(problems.Error())
			}
			if got := plan.Matter("demo").Prints["cert"].Public; !slices.Equal(got, tt.want) {
				t.Errorf("public elements %v, want %v", got, tt.want)
			}
		})
	}
}
