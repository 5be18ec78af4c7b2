package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/xuchang-gov/tongban/connectors/simulate"
	"github.com/xuchang-gov/tongban/examples"
	"github.com/xuchang-gov/tongban/runtime/blob"
	"github.com/xuchang-gov/tongban/runtime/httpapi"
	"github.com/xuchang-gov/tongban/runtime/service"
	"github.com/xuchang-gov/tongban/runtime/store"
	"github.com/xuchang-gov/tongban/runtime/web/webtest"
)

var ctx = context.Background()

// env is a running tongban: a real store, the service and the HTTP API on a local port, with the
// example matters published and the demo users created.
type env struct {
	t     testing.TB
	db    *store.DB
	svc   *service.Service
	srv   *httptest.Server
	sims  *simulate.Local
	creds []service.Credential
	// data holds the blobs and the resumable uploads waiting to be complete.
	data string
}

func newEnv(t testing.TB, open func(t testing.TB) *store.DB, bundle fstest.MapFS) *env {
	t.Helper()
	return newEnvWith(t, open, bundle)
}

// newEnvWith is newEnv with more service options, such as a clock.
func newEnvWith(t testing.TB, open func(t testing.TB) *store.DB, bundle fstest.MapFS, opts ...service.Option) *env {
	t.Helper()
	db := open(t)
	data := t.TempDir()
	blobs, err := blob.NewDir(filepath.Join(data, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	lookups := new(service.Lookups)
	opts = append([]service.Option{service.WithLookups(lookups), service.WithFileSecret([]byte("test-secret-of-thirty-two-bytes!"))}, opts...)
	svc := service.New(db, blobs, nil, opts...)
	var fsys = bundle
	if fsys == nil {
		fsys = exampleBundle(t)
	}
	if _, problems, err := svc.Import(ctx, fsys, true); err != nil || len(problems) > 0 {
		t.Fatalf("import: %v %v", err, problems)
	}
	creds, err := svc.SeedDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, svc: svc, sims: webtest.ConnectSimulators(t, svc, lookups), creds: creds, data: data}
	e.srv = httptest.NewServer(e.api())
	t.Cleanup(e.srv.Close)
	return e
}

// api is a new API server over the env's service, as one starting on its data would be.
func (e *env) api() *httpapi.Server {
	svc := e.svc
	return httpapi.New(httpapi.Server{Matters: svc, Cases: svc, Tasks: svc, Users: svc, Certificates: svc, Lookups: svc, Outbox: svc,
		Files: svc, Messages: svc, Resumable: svc, MaxUploadBytes: 5 << 20})
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

func (e *env) token(name string) string {
	for _, c := range e.creds {
		if c.Name == name {
			return c.Token
		}
	}
	e.t.Fatalf("no demo user %s", name)
	return ""
}

// staff returns the token of the demo staff member holding role in org.
func (e *env) staff(org, role string) string {
	for _, c := range e.creds {
		if c.Org == org && len(c.Roles) == 1 && c.Roles[0] == role {
			return c.Token
		}
	}
	e.t.Fatalf("no demo staff %s/%s", org, role)
	return ""
}

// call sends a JSON request and decodes the JSON answer.
func (e *env) call(token, method, url string, body any, headers ...string) (int, map[string]any) {
	e.t.Helper()
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
	req, _ := http.NewRequest(method, e.srv.URL+url, r)
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
	e.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 && json.Unmarshal(raw, &out) != nil {
		var list []any
		if json.Unmarshal(raw, &list) == nil {
			out = map[string]any{"items": list}
		} else {
			e.t.Fatalf("%s %s: answer is not JSON: %s", req.Method, req.URL, raw)
		}
	}
	return resp.StatusCode, out
}

// expect checks an answer's status and returns its body: e.expect(201)(e.call(...)).
func (e *env) expect(want int) func(int, map[string]any) map[string]any {
	return func(status int, out map[string]any) map[string]any {
		e.t.Helper()
		if status != want {
			e.t.Fatalf("status %d, want %d: %v", status, want, out)
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
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/cases/"+number+"/materials/"+material, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	return e.send(req)
}

// apply files a complete application the way a portal does: a draft, an upload for each
// material the submission asks for (deferring the deferrable ones when defer is set), submit.
func (e *env) apply(token, matter string, form map[string]any, deferMinor bool) map[string]any {
	e.t.Helper()
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
	if status == 200 {
		return out
	}
	var deferred []string
	for _, f := range e.expect(400)(status, out)["error"].(map[string]any)["fields"].([]any) {
		f := f.(map[string]any)
		id, ok := strings.CutPrefix(f["pointer"].(string), "/materials/")
		if !ok {
			e.t.Fatalf("submission refused for %v", f)
		}
		if deferMinor && strings.Contains(f["message"].(string), "容缺") {
			deferred = append(deferred, id)
			continue
		}
		name, content := fileFor(kinds[id])
		e.expect(201)(e.upload(token, number, id, name, content))
	}
	return e.expect(200)(e.call(token, "POST", "/api/v1/cases/"+number+"/submit", map[string]any{"deferred": deferred}))
}

// act finds the case's task at node in the worklist of org/role and completes it.
func (e *env) act(number, org, role, node, outcome string) map[string]any {
	e.t.Helper()
	token := e.staff(org, role)
	id := e.taskID(token, number, node)
	return e.expect(200)(e.call(token, "POST", fmt.Sprintf("/api/v1/tasks/%d/complete", id), map[string]any{"outcome": outcome, "opinion": "经审查，" + outcome}))
}

func (e *env) taskID(token, number, node string) int64 {
	e.t.Helper()
	_, list := e.call(token, "GET", "/api/v1/tasks", nil)
	for _, it := range list["items"].([]any) {
		t := it.(map[string]any)
		if t["caseNumber"] == number && t["node"] == node && t["status"] != "done" {
			return int64(t["id"].(float64))
		}
	}
	e.t.Fatalf("no task %s for case %s in the worklist: %v", node, number, list)
	return 0
}

func (e *env) verifyChain(number string) {
	e.t.Helper()
	c, err := e.db.GetCaseByNumber(ctx, number)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.VerifyChain(ctx, c.ID); err != nil {
		e.t.Fatalf("audit chain of %s: %v", number, err)
	}
}

func status(v map[string]any) string { return v["status"].(string) }
