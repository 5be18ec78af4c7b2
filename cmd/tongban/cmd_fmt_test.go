package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFmtMigratesSchemaReferences: a bundle written with the first edition's relative $schema
// paths is migrated by fmt to the schemas' stable $id, only those files are rewritten, the
// bundle still validates, and the migrated files are left alone by a second run.
func TestFmtMigratesSchemaReferences(t *testing.T) {
	root := copyExamples(t)
	const slug = "matters/food-business-license/"
	old := map[string]string{
		slug + "matter.json":            "../../../definitions/schema/matter.schema.json",
		slug + "workflow.json":          "../../../definitions/schema/workflow.schema.json",
		slug + "print/certificate.json": "../../../../definitions/schema/print.schema.json",
	}
	for file, ref := range old {
		kind := strings.TrimSuffix(filepath.Base(ref), ".schema.json")
		replaceInFile(t, filepath.Join(root, file), "https://tongban.xuchang.gov.cn/schema/"+kind+".schema.json", ref)
	}
	code, out, errOut := run(t, root, "fmt", root)
	if code != 0 {
		t.Fatalf("fmt: exit %d %s", code, errOut)
	}
	if got := strings.Fields(out); len(got) != len(old) {
		t.Errorf("fmt rewrote %v, want only the %d first-edition files", got, len(old))
	}
	for file, ref := range old {
		raw, err := os.ReadFile(filepath.Join(root, file))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), ref) || !strings.Contains(string(raw), `"$schema": "https://tongban.xuchang.gov.cn/schema/`) {
			t.Errorf("%s not migrated:\n%.200s", file, raw)
		}
	}
	if code, out, _ = run(t, root, "fmt", "-check", root); code != 0 || out != "" {
		t.Fatalf("migrated files are not canonical: exit %d, %q", code, out)
	}
	if code, _, errOut = run(t, root, "validate", filepath.Join(root, "matters")); code != 0 {
		t.Fatalf("validate after the migration: exit %d %s", code, errOut)
	}
}
