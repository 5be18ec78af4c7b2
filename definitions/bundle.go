// Package definitions is the definition model of tongban and nothing else: the Go types of every
// file of a matter, loading a bundle of them from a folder or zip, the format's own JSON Schemas,
// the checks (references, schema validity, every expression compiled against a typed
// environment, the workflow graph) and the immutable plan a checked matter compiles to.
// It is pure: no database, no HTTP, and it reads only the file system it is handed.
package definitions

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing/fstest"

	"github.com/xuchang-gov/tongban/definitions/calendar"
)

// The file names of a bundle. A bundle root holds OrgsFile, the calendar and connector folders,
// and MattersDir with one folder per matter.
const (
	OrgsFile      = "orgs.json"
	CalendarDir   = "calendar"
	ConnectorsDir = "connectors"
	MattersDir    = "matters"

	MatterFile     = "matter.json"
	FormSchemaFile = "form.schema.json"
	FormUIFile     = "form.ui.json"
	MaterialsFile  = "materials.json"
	WorkflowFile   = "workflow.json"
	FeesFile       = "fees.json"
	PrintDir       = "print"
	SampleFile     = "sample.json"
)

// Bundle is everything loaded from one bundle root: the shared files and the matters.
type Bundle struct {
	Orgs       Orgs
	Calendar   []calendar.Year
	Connectors []*Connector
	// Prints are the shared print templates of print/ at the root (notices every matter uses);
	// a matter's own print/<name>.json of the same name replaces one.
	Prints  map[string]*PrintTemplate
	Matters []*MatterDef
	// Themes are the 一件事 of themes/, each built from matters of the bundle.
	Themes []*ThemeDef
}

// MatterDef is one matter folder as decoded, before it is checked.
type MatterDef struct {
	// Slug is the folder name; it identifies the matter in URLs and in the store.
	Slug       string
	Dir        string
	Matter     Matter
	FormSchema json.RawMessage
	FormUI     FormUI
	Materials  Materials
	Workflow   Workflow
	Fees       Fees
	// Prints holds print/<name>.json by name.
	Prints map[string]*PrintTemplate
	// Sample is sample.json, a filled application used by tests, previews and load tools.
	Sample json.RawMessage
}

// Connector returns the connector with that name, or nil.
func (b *Bundle) Connector(name string) *Connector {
	for _, c := range b.Connectors {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Org returns the org with that code, or nil.
func (b *Bundle) Org(code string) *OrgUnit {
	for i := range b.Orgs.Orgs {
		if b.Orgs.Orgs[i].Code == code {
			return &b.Orgs.Orgs[i]
		}
	}
	return nil
}

// Load reads a bundle from fsys. matterDirs are the matter (and theme) folders to load,
// relative to the root; none means every folder under matters/ and themes/. Every problem
// found is returned together; files that do not decode are left out of the bundle.
func Load(fsys fs.FS, matterDirs ...string) (*Bundle, Problems) {
	var problems Problems
	r := reporter{problems: &problems}
	b := &Bundle{Prints: map[string]*PrintTemplate{}}
	if _, err := fs.Stat(fsys, OrgsFile); err == nil {
		decodeFile(fsys, OrgsFile, "orgs", &b.Orgs, r)
	} else {
		r.in(OrgsFile).add("", "缺少机构文件 %s", OrgsFile)
	}
	for _, name := range jsonFiles(fsys, CalendarDir) {
		var y calendar.Year
		if decodeFile(fsys, name, "calendar", &y, r) {
			b.Calendar = append(b.Calendar, y)
		}
	}
	for _, name := range jsonFiles(fsys, ConnectorsDir) {
		c := &Connector{}
		if !decodeFile(fsys, name, "connector", c, r) {
			continue
		}
		if want := strings.TrimSuffix(path.Base(name), ".json"); c.Name != want {
			r.in(name).add("/name", "连接器名称 %s 应与文件名 %s 一致", c.Name, want)
		}
		b.Connectors = append(b.Connectors, c)
	}
	for _, name := range jsonFiles(fsys, PrintDir) {
		t := &PrintTemplate{}
		if decodeFile(fsys, name, "print", t, r) {
			b.Prints[strings.TrimSuffix(path.Base(name), ".json")] = t
		}
	}
	if len(matterDirs) == 0 {
		matterDirs = append(subfolders(fsys, MattersDir), subfolders(fsys, ThemesDir)...)
	}
	for _, dir := range matterDirs {
		if strings.HasPrefix(dir, ThemesDir+"/") {
			if t := loadTheme(fsys, dir, r); t != nil {
				b.Themes = append(b.Themes, t)
			}
		} else if m := loadMatter(fsys, dir, r); m != nil {
			b.Matters = append(b.Matters, m)
		}
	}
	// A theme is checked against its members, so a theme loaded alone brings them along.
	for _, t := range b.Themes {
		for _, mem := range t.Theme.Members {
			dir := path.Join(MattersDir, mem.Matter)
			if slices.ContainsFunc(b.Matters, func(m *MatterDef) bool { return m.Slug == mem.Matter }) {
				continue
			}
			if _, err := fs.Stat(fsys, path.Join(dir, MatterFile)); err != nil {
				continue // reported as a missing member when the theme is compiled
			}
			if m := loadMatter(fsys, dir, r); m != nil {
				b.Matters = append(b.Matters, m)
			}
		}
	}
	return b, problems.sorted()
}

func subfolders(fsys fs.FS, dir string) []string {
	var out []string
	entries, _ := fs.ReadDir(fsys, dir)
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, path.Join(dir, e.Name()))
		}
	}
	return out
}

func loadTheme(fsys fs.FS, dir string, r reporter) *ThemeDef {
	t := &ThemeDef{Slug: path.Base(dir), Dir: dir}
	ok := decodeFile(fsys, path.Join(dir, ThemeFile), "theme", &t.Theme, r)
	ok = decodeFile(fsys, path.Join(dir, FormUIFile), "form.ui", &t.FormUI, r) && ok
	ok = decodeFile(fsys, path.Join(dir, MappingsFile), "theme.mappings", &t.Mappings, r) && ok
	ok = decodeFile(fsys, path.Join(dir, ThemeMaterialsFile), "theme.materials", &t.Materials, r) && ok
	t.FormSchema = readJSON(fsys, path.Join(dir, FormSchemaFile), r, true)
	t.Sample = readJSON(fsys, path.Join(dir, SampleFile), r, false)
	if !ok || t.FormSchema == nil {
		return nil
	}
	return t
}

func loadMatter(fsys fs.FS, dir string, r reporter) *MatterDef {
	m := &MatterDef{Slug: path.Base(dir), Dir: dir, Prints: map[string]*PrintTemplate{}}
	ok := decodeFile(fsys, path.Join(dir, MatterFile), "matter", &m.Matter, r)
	ok = decodeFile(fsys, path.Join(dir, FormUIFile), "form.ui", &m.FormUI, r) && ok
	ok = decodeFile(fsys, path.Join(dir, MaterialsFile), "materials", &m.Materials, r) && ok
	ok = decodeFile(fsys, path.Join(dir, WorkflowFile), "workflow", &m.Workflow, r) && ok
	ok = decodeFile(fsys, path.Join(dir, FeesFile), "fees", &m.Fees, r) && ok
	m.FormSchema = readJSON(fsys, path.Join(dir, FormSchemaFile), r, true)
	ok = m.FormSchema != nil && ok
	m.Sample = readJSON(fsys, path.Join(dir, SampleFile), r, false)
	for _, name := range jsonFiles(fsys, path.Join(dir, PrintDir)) {
		t := &PrintTemplate{}
		if decodeFile(fsys, name, "print", t, r) {
			m.Prints[strings.TrimSuffix(path.Base(name), ".json")] = t
		} else {
			ok = false
		}
	}
	if !ok {
		return nil
	}
	return m
}

func jsonFiles(fsys fs.FS, dir string) []string {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".json") {
			names = append(names, path.Join(dir, e.Name()))
		}
	}
	slices.Sort(names)
	return names
}

// readJSON reads a file and checks that it is well-formed JSON, reporting a syntax error with
// its line and column. A missing optional file is nil without a problem.
func readJSON(fsys fs.FS, name string, r reporter, required bool) json.RawMessage {
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		if required || !errors.Is(err, fs.ErrNotExist) {
			r.in(name).add("", "缺少文件或无法读取：%v", rootCause(err))
		}
		return nil
	}
	if pointer, msg := CheckBounds(raw); msg != "" {
		r.in(name).add(pointer, "%s", msg)
		return nil
	}
	if msg := syntaxError(raw); msg != "" {
		r.in(name).add("", "%s", msg)
		return nil
	}
	return raw
}

// decodeFile reads name, validates it against the format schema of its kind, and decodes it
// into v. It reports problems and returns false when the file cannot be used.
func decodeFile(fsys fs.FS, name, kind string, v any, r reporter) bool {
	raw := readJSON(fsys, name, r, true)
	if raw == nil {
		return false
	}
	if errs := formatSchema(kind).ValidateJSON(raw); len(errs) > 0 {
		for _, e := range errs {
			r.in(name).add(e.Pointer, "%s", e.Message)
		}
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		r.in(name).add("", "无法解析：%v", err)
		return false
	}
	return true
}

func rootCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, fs.ErrNotExist) {
			return errors.New("文件不存在")
		}
		return pe.Err
	}
	return err
}

// LoadJSON reads a bundle sent as one JSON object whose keys are file paths relative to the
// bundle root and whose values are the files' JSON: how a bundle travels in one HTTP request.
func LoadJSON(raw []byte, matterDirs ...string) (*Bundle, Problems) {
	var files map[string]json.RawMessage
	if err := json.Unmarshal(raw, &files); err != nil {
		return nil, Problems{{File: "", Message: "定义包应为 {文件路径: 文件内容} 形式的 JSON 对象：" + err.Error()}}
	}
	byName := make(map[string][]byte, len(files))
	for name, content := range files {
		byName[name] = content
	}
	return LoadFiles(byName, matterDirs...)
}

// LoadFiles reads a bundle held in memory as file contents by path relative to the root, as a
// stored version keeps it.
func LoadFiles(files map[string][]byte, matterDirs ...string) (*Bundle, Problems) {
	fsys := fstest.MapFS{}
	for name, content := range files {
		if !fs.ValidPath(name) {
			return nil, Problems{{File: name, Message: "文件路径无效（应为相对路径，如 matters/x/matter.json）"}}
		}
		fsys[name] = &fstest.MapFile{Data: content}
	}
	return Load(fsys, matterDirs...)
}
