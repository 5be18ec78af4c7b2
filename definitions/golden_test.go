package definitions_test

import (
	"flag"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/xuchang-gov/tongban/definitions"
)

var update = flag.Bool("update", false, "rewrite the golden want.txt files")

// bundleFS reads a bundle folder into memory so that a test can change files without touching disk.
func bundleFS(t testing.TB, dir string) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fsys[filepath.ToSlash(rel)] = &fstest.MapFile{Data: raw}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fsys
}

func loadAndCompile(fsys fs.FS) (*definitions.Plan, definitions.Problems) {
	b, problems := definitions.Load(fsys)
	plan, more := definitions.Compile(b)
	return plan, append(problems, more...)
}

func TestFixtureBundleIsValid(t *testing.T) {
	plan, problems := loadAndCompile(bundleFS(t, "testdata/bundle"))
	if len(problems) > 0 {
		t.Fatalf("fixture has problems:\n%v", problems.Error())
	}
	if plan.Matter("demo") == nil {
		t.Fatal("matter demo missing from plan")
	}
}

// TestBrokenDefinitions overlays each testdata/errors/<case>/ folder (files at their bundle
// paths) on the fixture bundle and compares every problem reported with want.txt.
func TestBrokenDefinitions(t *testing.T) {
	cases, err := os.ReadDir("testdata/errors")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name(), func(t *testing.T) {
			dir := filepath.Join("testdata/errors", c.Name())
			fsys := bundleFS(t, "testdata/bundle")
			for name, f := range bundleFS(t, dir) {
				if name == "want.txt" {
					continue
				}
				if strings.TrimSpace(string(f.Data)) == "DELETE" {
					delete(fsys, name)
					continue
				}
				fsys[name] = f
			}
			_, problems := loadAndCompile(fsys)
			if len(problems) == 0 {
				t.Fatal("no problem reported")
			}
			got := problems.Error() + "\n"
			wantFile := path.Join(dir, "want.txt")
			if *update {
				if err := os.WriteFile(wantFile, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(wantFile)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("problems differ from %s\n--- got\n%s--- want\n%s", wantFile, got, want)
			}
		})
	}
}
