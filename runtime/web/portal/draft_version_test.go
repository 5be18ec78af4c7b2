package portal_test

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"testing"
	"testing/fstest"

	"github.com/xuchang-gov/tongban/examples"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/page"
	"github.com/xuchang-gov/tongban/runtime/web/portal"
	"github.com/xuchang-gov/tongban/runtime/web/webtest"
)

// TestDraftKeepsItsVersion: a version published while a draft waits changes the form for new
// applications, not under the draft.
func TestDraftKeepsItsVersion(t *testing.T) {
	e := webtest.New(t, func(e *webtest.Env) http.Handler {
		return portal.New(portal.Deps{Matters: e.Svc, Cases: e.Svc, Site: page.Site{Plans: e.Svc, Auth: e.Auth}})
	})
	form, _ := json.Marshal(webtest.Sample(t, sole))
	draft, err := e.Svc.SubmitCase(ctx, e.User(webtest.Citizen), runtime.SubmitCase{Matter: sole, Form: form, Draft: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, problems, err := e.Svc.Import(ctx, withRetitledField(t, "matters/"+sole+"/form.schema.json"), true); err != nil || len(problems) > 0 {
		t.Fatalf("publish a second version: %v %v", err, problems)
	}
	e.Get(webtest.Citizen, "/matters/"+sole+"/apply").Expect(t, http.StatusOK).Contains(t, "新版本的个体工商户名称")
	e.Get(webtest.Citizen, "/matters/"+sole+"/apply?draft="+draft.Number).Expect(t, http.StatusOK).
		Contains(t, draft.Number).Lacks(t, "新版本的个体工商户名称")
}

// withRetitledField is the examples bundle with the 个体工商户 form's businessName retitled.
func withRetitledField(t *testing.T, schemaPath string) fstest.MapFS {
	out := fstest.MapFS{}
	err := fs.WalkDir(examples.Bundle, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(examples.Bundle, name)
		if err != nil || name != schemaPath {
			out[name] = &fstest.MapFile{Data: data}
			return err
		}
		var schema map[string]any
		if err := json.Unmarshal(data, &schema); err != nil {
			return err
		}
		schema["properties"].(map[string]any)["businessName"].(map[string]any)["title"] = "新版本的个体工商户名称"
		data, err = json.MarshalIndent(schema, "", "  ")
		out[name] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
