package workbench_test

import (
	"strings"
	"testing"
)

// TestCasePageOpensMaterials: the case page links each uploaded file to view and to download,
// and the link works with the workbench's own sign-in.
func TestCasePageOpensMaterials(t *testing.T) {
	e := newWorkbench(t)
	number := submit(t, e, nil)
	p := e.Get(decider, "/work/cases/"+number).Expect(t, 200).Contains(t, "/api/v1/cases/"+number+"/materials/", "?inline=1", "下载")
	i := strings.Index(p.Body, "/api/v1/cases/"+number+"/materials/")
	link := p.Body[i : strings.Index(p.Body[i:], `"`)+i]
	file := e.Get(decider, strings.ReplaceAll(link, "&amp;", "&")).Expect(t, 200)
	if !strings.HasPrefix(file.Body, "%PDF") {
		t.Fatalf("the link %s gave %.40q", link, file.Body)
	}
	e.Get("xc-housing/reviewer", link).Expect(t, 404)
}
