package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
	"github.com/xuchang-gov/tongban/examples"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/service"
)

var ctx = context.Background()

// env is the real program started as serve starts it, on a data folder of its own: the store,
// the services and every HTTP surface on a local port, with the example matters (or a changed
// bundle) published, the demo users created and the simulators behind the registers.
type env struct{ *apptest.Server }

// newEnv starts the program on the database dsn names ("" for SQLite in the data folder) with
// bundle, or the examples when it is nil; opts add to the service's options, such as a clock.
func newEnv(t testing.TB, dsn string, bundle fstest.MapFS, opts ...service.Option) *env {
	t.Helper()
	cfg := app.Config{DB: dsn, MaxUploadBytes: 5 << 20}
	if bundle != nil {
		cfg.Definitions = bundle
	}
	return &env{apptest.Start(t, cfg, opts...)}
}

// exampleBundle copies the embedded examples into memory, so that a test may change them.
func exampleBundle(t testing.TB) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	err := fsWalk(examples.Bundle, ".", func(name string, data []byte) { out[name] = &fstest.MapFile{Data: data} })
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// staff returns the token of the demo staff member holding role in org.
func (e *env) staff(org, role string) string { return e.Token(org + "/" + role) }

// call sends a JSON request and decodes the JSON answer.
func (e *env) call(token, method, url string, body any, headers ...string) (int, map[string]any) {
	e.T.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		r = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, e.URL+url, r)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return e.send(req)
}

func (e *env) send(req *http.Request) (int, map[string]any) {
	e.T.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 && json.Unmarshal(raw, &out) != nil {
		var list []any
		if json.Unmarshal(raw, &list) == nil {
			out = map[string]any{"items": list}
		} else {
			e.T.Fatalf("%s %s: answer is not JSON: %s", req.Method, req.URL, raw)
		}
	}
	return resp.StatusCode, out
}

// expect checks an answer's status and returns its body: e.expect(201)(e.call(...)).
func (e *env) expect(want int) func(int, map[string]any) map[string]any {
	return func(status int, out map[string]any) map[string]any {
		e.T.Helper()
		if status != want {
			e.T.Fatalf("status %d, want %d: %v", status, want, out)
		}
		return out
	}
}

func sample(t testing.TB, slug string) map[string]any {
	raw, err := os.ReadFile(path.Join("../../examples/matters", slug, "sample.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	json.Unmarshal(raw, &v)
	return v
}

// fileFor returns small content of a type a material allows.
func fileFor(types []any) (string, []byte) {
	for _, t := range types {
		switch t {
		case "pdf":
			return "材料.pdf", []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
		case "jpg", "jpeg":
			return "材料.jpg", append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), make([]byte, 64)...)
		case "png":
			return "材料.png", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
		}
	}
	return "", nil
}

func (e *env) upload(token, number, material, name string, content []byte) (int, map[string]any) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	part, _ := w.CreateFormFile("file", name)
	part.Write(content)
	w.Close()
	req, _ := http.NewRequest("POST", e.URL+"/api/v1/cases/"+number+"/materials/"+material, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	return e.send(req)
}

// apply files a complete application the way a portal does: a draft, an upload for each
// material the submission asks for (deferring the deferrable ones when defer is set), submit.
func (e *env) apply(token, matter string, form map[string]any, deferMinor bool) map[string]any {
	e.T.Helper()
	return e.expect(200)(e.tryApply(token, matter, form, deferMinor))
}

// tryApply is apply answering the last submission's status and answer.
func (e *env) tryApply(token, matter string, form map[string]any, deferMinor bool) (int, map[string]any) {
	e.T.Helper()
	created := e.expect(201)(e.call(token, "POST", "/api/v1/cases", map[string]any{"matter": matter, "form": form, "draft": true}))
	number := created["number"].(string)
	_, guide := e.call("", "GET", "/api/v1/matters/"+matter, nil)
	kinds := map[string][]any{}
	for _, m := range guide["materials"].([]any) {
		m := m.(map[string]any)
		types, _ := m["fileTypes"].([]any)
		kinds[m["id"].(string)] = types
	}
	status, out := e.call(token, "POST", "/api/v1/cases/"+number+"/submit", map[string]any{})
	if status != 400 || out["error"].(map[string]any)["fields"] == nil {
		return status, out
	}
	var deferred []string
	for _, f := range e.expect(400)(status, out)["error"].(map[string]any)["fields"].([]any) {
		f := f.(map[string]any)
		id, ok := strings.CutPrefix(f["pointer"].(string), "/materials/")
		if !ok {
			e.T.Fatalf("submission refused for %v", f)
		}
		if deferMinor && strings.Contains(f["message"].(string), "容缺") {
			deferred = append(deferred, id)
			continue
		}
		name, content := fileFor(kinds[id])
		e.expect(201)(e.upload(token, number, id, name, content))
	}
	return e.call(token, "POST", "/api/v1/cases/"+number+"/submit", map[string]any{"deferred": deferred})
}

// act finds the case's task at node in the worklist of org/role and completes it.
func (e *env) act(number, org, role, node, outcome string) map[string]any {
	e.T.Helper()
	token := e.staff(org, role)
	id := e.taskID(token, number, node)
	return e.expect(200)(e.call(token, "POST", fmt.Sprintf("/api/v1/tasks/%d/complete", id), map[string]any{"outcome": outcome, "opinion": "经审查，" + outcome}))
}

func (e *env) taskID(token, number, node string) int64 {
	e.T.Helper()
	_, list := e.call(token, "GET", "/api/v1/tasks", nil)
	for _, it := range list["items"].([]any) {
		t := it.(map[string]any)
		if t["caseNumber"] == number && t["node"] == node && t["status"] != "done" {
			return int64(t["id"].(float64))
		}
	}
	e.T.Fatalf("no task %s for case %s in the worklist: %v", node, number, list)
	return 0
}

func (e *env) verifyChain(number string) {
	e.T.Helper()
	c, err := e.Store.GetCaseByNumber(ctx, number)
	if err != nil {
		e.T.Fatal(err)
	}
	if err := e.Store.VerifyChain(ctx, c.ID, runtime.CaseHead{}); err != nil {
		e.T.Fatalf("audit chain of %s: %v", number, err)
	}
}

func status(v map[string]any) string { return v["status"].(string) }
