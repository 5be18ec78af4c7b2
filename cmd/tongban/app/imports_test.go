package app_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/xuchang-gov/tongban/"

// goPackage is what `go list -json` says of one package: its own imports, tests left out.
type goPackage struct {
	ImportPath string
	Imports    []string
}

// TestImportsPointOneWay holds the layout of DESIGN.md: imports point from cmd through the
// surfaces and the service to the domain and the definitions, each technology stays in the
// one package that implements it, and the pure parts stay pure. Packages that exist only to
// support tests (webtest, storetest) may reach across, as tests do.
func TestImportsPointOneWay(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []goPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p goPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	rules := []struct {
		name     string
		packages func(path string) bool
		forbid   func(imp string) bool
	}{
		{"definitions imports nothing of ours but itself", under("definitions"), ours(func(p string) bool { return !under("definitions")(p) })},
		{"the engine does no I/O", under("runtime/engine"), isAny("os", "net", "net/http", "database/sql", "io/fs", "os/exec", module+"runtime/store", module+"runtime/service")},
		{"connectors and printing do not reach the store", either(under("connectors"), under("printing")), isAny(module + "runtime/store")},
		{"printing depends on the definitions only", under("printing"), ours(func(p string) bool { return !under("definitions")(p) && !under("printing")(p) })},
		{"the service, the API and the pages depend on ports, not the store", either(under("runtime/service"), under("runtime/httpapi"), under("runtime/web"), under("designer")), isAny(module + "runtime/store")},
		{"only the store imports gorm", func(p string) bool { return !under("runtime/store")(p) }, prefixed("gorm.io/")},
		{"only the API imports gin", func(p string) bool { return !under("runtime/httpapi")(p) }, prefixed("github.com/gin-gonic/")},
		{"only the composition root imports the metrics and tracing libraries", func(p string) bool { return !under("cmd")(p) },
			either(prefixed("github.com/prometheus/"), prefixed("go.opentelemetry.io/"))},
		{"nothing imports cmd", func(p string) bool { return !under("cmd")(p) }, func(imp string) bool { return under("cmd")(imp) }},
	}
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			for _, p := range pkgs {
				if !r.packages(p.ImportPath) || testSupport(p.ImportPath) {
					continue
				}
				for _, imp := range p.Imports {
					if r.forbid(imp) {
						t.Errorf("%s imports %s", strings.TrimPrefix(p.ImportPath, module), imp)
					}
				}
			}
		})
	}
}

// under reports whether a package is dir or below it.
func under(dir string) func(string) bool {
	return func(p string) bool { return p == module+dir || strings.HasPrefix(p, module+dir+"/") }
}

func either(fs ...func(string) bool) func(string) bool {
	return func(p string) bool { return slices.ContainsFunc(fs, func(f func(string) bool) bool { return f(p) }) }
}

func isAny(imports ...string) func(string) bool {
	return func(imp string) bool { return slices.Contains(imports, imp) }
}

func prefixed(prefix string) func(string) bool {
	return func(imp string) bool { return strings.HasPrefix(imp, prefix) }
}

// ours narrows a rule to the module's own packages.
func ours(f func(string) bool) func(string) bool {
	return func(imp string) bool { return strings.HasPrefix(imp, module) && f(imp) }
}

// testSupport reports packages that exist to build tests (webtest, storetest).
func testSupport(p string) bool { return strings.HasSuffix(p, "test") }
