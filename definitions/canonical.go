package definitions

import (
	"encoding/json"
	"fmt"
	"path"
	"reflect"
	"strings"

	"github.com/xuchang-gov/tongban/definitions/calendar"
)

// SchemaBaseURL is where the format's schemas are published: each one's $id is this followed
// by <kind>.schema.json, and a canonical definition file names its schema by that $id.
const SchemaBaseURL = "https://tongban.xuchang.gov.cn/schema/"

// SchemaID is the stable $id of the format schema of a kind of definition file.
func SchemaID(kind string) string { return SchemaBaseURL + kind + ".schema.json" }

// stableSchema rewrites the $schema of v, a definition of kind, from a path to its format
// schema (the first edition's "../../../definitions/schema/matter.schema.json") to the
// schema's stable $id, which holds wherever the bundle is copied. Any other reference, and a
// file naming none, is left as written. Only fmt migrates: a stored version's files, and so its
// hash, stay as they were published.
func stableSchema(v any, kind string) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer {
		return
	}
	f := rv.Elem().FieldByName("Schema")
	if !f.IsValid() || f.Kind() != reflect.String {
		return
	}
	if ref := f.String(); ref != "" && !strings.Contains(ref, "://") && path.Base(ref) == kind+".schema.json" {
		f.SetString(SchemaID(kind))
	}
}

// encodeCanonical writes v as the canonical file form: keys in the order of the Go types (map
// keys sorted), no HTML escaping so that expressions stay readable, laid out by pretty.
func encodeCanonical(v any) ([]byte, error) {
	raw, err := marshalNoEscape(v)
	if err != nil {
		return nil, err
	}
	return pretty(raw)
}

// CanonicalFiles returns every file of the matter in canonical form, by path relative to the
// matter folder.
func (m *MatterDef) CanonicalFiles() (map[string][]byte, error) {
	typed := map[string]any{
		MatterFile: m.Matter, FormUIFile: m.FormUI, MaterialsFile: m.Materials,
		WorkflowFile: m.Workflow, FeesFile: m.Fees,
	}
	for name, t := range m.Prints {
		typed[PrintDir+"/"+name+".json"] = t
	}
	return canonicalFiles(typed, map[string][]byte{FormSchemaFile: m.FormSchema, SampleFile: m.Sample})
}

// canonicalFiles writes typed files through their Go types and open-shaped ones (schemas,
// samples; nil when absent) re-indented, by name.
func canonicalFiles(typed map[string]any, open map[string][]byte) (map[string][]byte, error) {
	files := map[string][]byte{}
	for name, v := range typed {
		b, err := encodeCanonical(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		files[name] = b
	}
	for name, raw := range open {
		if raw == nil {
			continue
		}
		b, err := canonicalJSON(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		files[name] = b
	}
	return files, nil
}

// fileKind tells which kind of definition file a path is, from its name and folder; "" means
// an open-shaped JSON file (a form schema or a sample) that is only re-indented.
func fileKind(name string) string {
	base, dir := path.Base(name), path.Base(path.Dir(name))
	if inTheme := strings.HasPrefix(name, ThemesDir+"/") || strings.Contains(name, "/"+ThemesDir+"/"); inTheme {
		switch base {
		case ThemeFile:
			return "theme"
		case MappingsFile:
			return "theme.mappings"
		case ThemeMaterialsFile:
			return "theme.materials"
		}
	}
	switch {
	case base == MatterFile:
		return "matter"
	case base == FormUIFile:
		return "form.ui"
	case base == MaterialsFile:
		return "materials"
	case base == WorkflowFile:
		return "workflow"
	case base == FeesFile:
		return "fees"
	case base == OrgsFile:
		return "orgs"
	case dir == PrintDir:
		return "print"
	case dir == ConnectorsDir:
		return "connector"
	case dir == CalendarDir:
		return "calendar"
	}
	return ""
}

func newOfKind(kind string) any {
	switch kind {
	case "matter":
		return &Matter{}
	case "form.ui":
		return &FormUI{}
	case "materials":
		return &Materials{}
	case "workflow":
		return &Workflow{}
	case "fees":
		return &Fees{}
	case "orgs":
		return &Orgs{}
	case "print":
		return &PrintTemplate{}
	case "connector":
		return &Connector{}
	case "calendar":
		return &calendar.Year{}
	case "theme":
		return &Theme{}
	case "theme.mappings":
		return &Mappings{}
	case "theme.materials":
		return &ThemeMaterials{}
	}
	return nil
}

// Canonical returns a definition file in canonical form. name is its path, which tells its
// kind; the file must be valid against its format schema, so that nothing is dropped.
// Canonical is idempotent: Canonical(Canonical(x)) == Canonical(x).
func Canonical(name string, raw []byte) ([]byte, error) {
	if msg := syntaxError(raw); msg != "" {
		return nil, fmt.Errorf("%s: %s", name, msg)
	}
	kind := fileKind(name)
	if kind == "" {
		return canonicalJSON(raw)
	}
	if errs := formatSchema(kind).ValidateJSON(raw); len(errs) > 0 {
		lines := make([]string, len(errs))
		for i, e := range errs {
			lines[i] = name + ":" + e.String()
		}
		return nil, fmt.Errorf("%s", strings.Join(lines, "\n"))
	}
	v := newOfKind(kind)
	if err := json.Unmarshal(raw, v); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	stableSchema(v, kind)
	return encodeCanonical(v)
}

// VersionFiles returns everything one version of a matter needs, in canonical form, by path
// relative to the bundle root: the matter's own files under matters/<slug>/ and the shared
// files (orgs, calendar, connectors) as they were, so that a stored version compiles the same
// forever.
func (b *Bundle) VersionFiles(m *MatterDef) (map[string][]byte, error) {
	own, err := m.CanonicalFiles()
	if err != nil {
		return nil, err
	}
	return b.withSharedFiles(own, path.Join(MattersDir, m.Slug))
}

// ThemeVersionFiles is VersionFiles of a theme: its own files under themes/<slug>/ and the
// shared files. The members' files are not among them: each member case is pinned to a
// version of its own matter.
func (b *Bundle) ThemeVersionFiles(t *ThemeDef) (map[string][]byte, error) {
	own, err := t.CanonicalFiles()
	if err != nil {
		return nil, err
	}
	return b.withSharedFiles(own, path.Join(ThemesDir, t.Slug))
}

func (b *Bundle) withSharedFiles(own map[string][]byte, dir string) (map[string][]byte, error) {
	files := make(map[string][]byte, len(own)+8)
	for name, data := range own {
		files[path.Join(dir, name)] = data
	}
	shared := map[string]any{OrgsFile: b.Orgs}
	for name, t := range b.Prints {
		shared[PrintDir+"/"+name+".json"] = t
	}
	for _, y := range b.Calendar {
		shared[fmt.Sprintf("%s/%d.json", CalendarDir, y.Year)] = y
	}
	for _, c := range b.Connectors {
		shared[ConnectorsDir+"/"+c.Name+".json"] = c
	}
	for name, v := range shared {
		data, err := encodeCanonical(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		files[name] = data
	}
	return files, nil
}
