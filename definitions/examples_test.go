package definitions_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"path"
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/definitions"
)

const examplesDir = "../examples"

// TestExamplesAreValid loads every example matter, checks and compiles it, and checks that its
// sample application validates (Compile does that too; here it is asserted directly).
func TestExamplesAreValid(t *testing.T) {
	plan, problems := loadAndCompile(bundleFS(t, examplesDir))
	if len(problems) > 0 {
		t.Fatalf("examples have problems:\n%s", problems.Error())
	}
	matters := plan.Matters()
	if len(matters) < 5 {
		t.Fatalf("want at least 5 example matters, got %d", len(matters))
	}
	for _, m := range matters {
		t.Run(m.Def.Slug, func(t *testing.T) {
			if m.Def.Sample == nil {
				t.Fatal("no sample.json")
			}
			if errs := m.Form.ValidateJSON(m.Def.Sample); len(errs) > 0 {
				t.Fatalf("sample.json: %v", errs)
			}
			if m.Workflow.Start == "" {
				t.Fatal("workflow has no start")
			}
		})
	}
}

// TestExamplesAreCanonical keeps the examples in `tongban fmt` form, so that fmt and export
// never produce a diff on them.
func TestExamplesAreCanonical(t *testing.T) {
	fsys := bundleFS(t, examplesDir)
	for name, f := range fsys {
		if !strings.HasSuffix(name, ".json") {
			continue
		}
		out, err := definitions.Canonical(name, f.Data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !bytes.Equal(out, f.Data) {
			t.Errorf("%s is not canonical: run tongban fmt examples", name)
		}
	}
}

func TestCanonicalIsIdempotentAndHashStable(t *testing.T) {
	fsys := bundleFS(t, "testdata/bundle")
	for name, f := range fsys {
		once, err := definitions.Canonical(name, f.Data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		twice, err := definitions.Canonical(name, once)
		if err != nil || !bytes.Equal(once, twice) {
			t.Fatalf("%s: canonical form is not idempotent (%v)", name, err)
		}
		fsys[name].Data = once
	}
	b1, _ := definitions.Load(bundleFS(t, "testdata/bundle"))
	b2, _ := definitions.Load(fsys)
	h1, _ := b1.Matters[0].Hash()
	h2, _ := b2.Matters[0].Hash()
	if h1 == "" || h1 != h2 {
		t.Fatalf("hash changed with formatting: %s vs %s", h1, h2)
	}
}

// FuzzDecodeMatterFile feeds arbitrary bytes to the loader as each kind of matter file: it must
// never panic, and whatever Canonical accepts it must accept again unchanged.
func FuzzDecodeMatterFile(f *testing.F) {
	base := bundleFS(f, "testdata/bundle")
	names := []string{}
	for name := range base {
		if strings.HasPrefix(name, "matters/demo/") {
			names = append(names, name)
		}
	}
	for i, name := range names {
		f.Add(uint8(i), base[name].Data)
	}
	for name, file := range bundleFS(f, examplesDir) {
		for i, n := range names {
			if strings.HasPrefix(name, definitions.MattersDir+"/") && path.Base(name) == path.Base(n) {
				f.Add(uint8(i), file.Data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		name := names[int(which)%len(names)]
		fsys := bundleFS(t, "testdata/bundle")
		fsys[name].Data = data
		b, _ := definitions.Load(fsys)
		_, _ = definitions.Compile(b)

		out, err := definitions.Canonical(name, data)
		if err != nil {
			return
		}
		again, err := definitions.Canonical(name, out)
		if err != nil || !bytes.Equal(out, again) {
			t.Fatalf("canonical form of %s not stable: %v", name, err)
		}
		if !json.Valid(out) {
			t.Fatal("canonical output is not JSON")
		}
	})
}

// BenchmarkValidateSampleApplication validates the filled 食品经营许可 application against its
// compiled form schema, as every submission will.
func BenchmarkValidateSampleApplication(b *testing.B) {
	plan, problems := loadAndCompile(bundleFS(b, examplesDir))
	if len(problems) > 0 {
		b.Fatal(problems.Error())
	}
	m := plan.Matter("food-business-license")
	var doc any
	if err := json.Unmarshal(m.Def.Sample, &doc); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if errs := m.Form.Validate(doc); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
}

// BenchmarkCompileExamples is the cost of checking and compiling the whole example bundle.
func BenchmarkCompileExamples(b *testing.B) {
	fsys := bundleFS(b, examplesDir)
	b.ReportAllocs()
	for b.Loop() {
		if _, problems := loadAndCompile(fsys); len(problems) > 0 {
			b.Fatal(problems.Error())
		}
	}
}

func TestLoadFromZipAndJSON(t *testing.T) {
	files := bundleFS(t, examplesDir)
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	doc := map[string]json.RawMessage{}
	for name, f := range files {
		if !strings.HasSuffix(name, ".json") {
			continue
		}
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.Data)
		doc[name] = f.Data
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(zipped.Bytes()), int64(zipped.Len()))
	if err != nil {
		t.Fatal(err)
	}
	fromZip, problems := definitions.Load(zr)
	if len(problems) > 0 {
		t.Fatal(problems.Error())
	}
	raw, _ := json.Marshal(doc)
	fromJSON, problems := definitions.LoadJSON(raw)
	if len(problems) > 0 {
		t.Fatal(problems.Error())
	}
	fromDir, _ := definitions.Load(files)
	for i, m := range fromDir.Matters {
		want, _ := m.Hash()
		for _, other := range []*definitions.Bundle{fromZip, fromJSON} {
			if got, _ := other.Matters[i].Hash(); got != want {
				t.Errorf("%s: hash %s, want %s", m.Slug, got, want)
			}
		}
	}
	if _, problems := definitions.LoadJSON([]byte(`{"../etc/passwd": {}}`)); len(problems) != 1 {
		t.Errorf("a path escaping the bundle must be refused, got %v", problems)
	}
}

// TestVersionFilesCompileAlone proves a stored version is self-contained: its files alone load
// and compile to the same matter.
func TestVersionFilesCompileAlone(t *testing.T) {
	fsys := bundleFS(t, examplesDir)
	b, _ := definitions.Load(fsys)
	for _, m := range b.Matters {
		files, err := b.VersionFiles(m)
		if err != nil {
			t.Fatal(err)
		}
		for name, data := range files {
			if f, ok := fsys[name]; !ok || !bytes.Equal(f.Data, data) {
				t.Errorf("%s: version file differs from the canonical example file", name)
			}
		}
		again, problems := definitions.LoadFiles(files)
		if len(problems) > 0 {
			t.Fatal(problems.Error())
		}
		plan, problems := definitions.Compile(again)
		if len(problems) > 0 {
			t.Fatal(problems.Error())
		}
		want, _ := m.Hash()
		if got := plan.Matter(m.Slug).Hash; got != want {
			t.Errorf("%s: hash %s, want %s", m.Slug, got, want)
		}
	}
}
