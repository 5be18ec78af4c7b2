package load

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The requests, as the tables name them.
const (
	opCreate   = "create"   // POST /api/v1/cases
	opUpload   = "upload"   // POST /api/v1/cases/{n}/materials/{id}
	opSubmit   = "submit"   // POST /api/v1/cases/{n}/submit
	opSearch   = "search"   // GET /api/v1/matters?q=
	opGuide    = "guide"    // GET /api/v1/matters/{slug}
	opProgress = "progress" // GET /api/v1/progress?number=&queryCode=
	opCase     = "case"     // GET /api/v1/cases/{n}
	opClaim    = "claim"    // POST /api/v1/tasks/{id}/claim
	opComplete = "complete" // POST /api/v1/tasks/{id}/complete
)

// fixture is what the scenarios need, found out and filed before the clock starts.
type fixture struct {
	applicant string            // the applicant's token
	staff     map[string]string // token by "org/role"

	// oneRequest is set when the matter needs no uploads: the application is then one
	// request, POST /api/v1/cases with draft false. Otherwise it is a draft, the uploads and
	// the submission.
	oneRequest bool
	createBody []byte // the draft (or, with oneRequest, the application)
	submitBody []byte // {"deferred": [...]}
	uploads    []upload
	outcomes   map[string]string // the outcome that moves each node on: accept, approve, or none

	slugs, terms []string
	progress     []caseRef // public progress lookups pick from these
	pool         casePool  // cases waiting for staff
	prepared     int
	exhausted    atomic.Bool
}

// upload is one material the application uploads. Its multipart body is made once, split where
// each upload writes its own line into the file: real uploads differ, and content-addressed
// storage must not get away with storing one file for all of them.
type upload struct {
	material    string
	contentType string
	head, tail  []byte
}

func (up upload) body(unique string) []byte {
	b := make([]byte, 0, len(up.head)+len(unique)+len(up.tail)+4)
	b = append(b, up.head...)
	b = append(b, "% "...)
	b = append(b, unique...)
	b = append(b, '\n')
	return append(b, up.tail...)
}

// caseRef is a filed case: what a progress lookup needs, and its tasks when filed.
type caseRef struct {
	number, queryCode string
	tasks             []taskView
}

type taskView struct {
	ID      int64  `json:"id"`
	Node    string `json:"node"`
	Kind    string `json:"kind"`
	OrgCode string `json:"orgCode"`
	Role    string `json:"role"`
	Status  string `json:"status"`
}

// caseView is the part of the API's CaseView the scenarios read.
type caseView struct {
	Number      string     `json:"number"`
	QueryCode   string     `json:"queryCode"`
	Status      string     `json:"status"`
	Tasks       []taskView `json:"tasks"`
	ConcludedAt *time.Time `json:"concludedAt"`
}

// casePool holds submitted cases for the approvers; each is taken by one of them.
type casePool struct {
	mu    sync.Mutex
	cases []caseRef
}

func (p *casePool) put(c caseRef) {
	p.mu.Lock()
	p.cases = append(p.cases, c)
	p.mu.Unlock()
}

func (p *casePool) take() (caseRef, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.cases) == 0 {
		return caseRef{}, false
	}
	c := p.cases[0]
	p.cases = p.cases[1:]
	return c, true
}

// errNoCase: no submitted case is waiting for an approver.
var errNoCase = errors.New("load: no case to approve")

// prepare finds the users and the matter's needs through the API, checks once that the
// application goes through, and files the cases the scenario needs.
func (r *runner) prepare(ctx context.Context) (*fixture, error) {
	f := &fixture{staff: map[string]string{}, outcomes: map[string]string{}}
	for _, c := range r.cfg.Credentials {
		switch {
		case c.Name == r.cfg.Applicant && c.Kind != "staff":
			f.applicant = c.Token
		case c.Kind == "staff":
			for _, role := range c.Roles {
				if _, ok := f.staff[c.Org+"/"+role]; !ok {
					f.staff[c.Org+"/"+role] = c.Token
				}
			}
		}
	}
	if f.applicant == "" {
		return nil, fmt.Errorf("演示账号中没有申请人 %s", r.cfg.Applicant)
	}

	var list struct {
		Items []struct{ Slug, Name string } `json:"items"`
	}
	if err := r.send(ctx, request{op: opSearch, method: "GET", path: "/api/v1/matters", want: 200, out: &list}); err != nil {
		return nil, fmt.Errorf("服务没有应答：%w", err)
	}
	for _, m := range list.Items {
		f.slugs = append(f.slugs, m.Slug)
		if name := []rune(m.Name); len(name) >= 2 {
			f.terms = append(f.terms, string(name[:2]))
		}
	}
	f.terms = append(f.terms, "许可")
	if len(f.slugs) == 0 {
		return nil, fmt.Errorf("服务上没有已发布的事项（用 serve --demo 启动？）")
	}

	var guide struct {
		Materials []struct {
			ID         string   `json:"id"`
			FileTypes  []string `json:"fileTypes"`
			Deferrable bool     `json:"deferrable"`
		} `json:"materials"`
		Steps []struct{ Node, Type string } `json:"steps"`
	}
	if err := r.send(ctx, request{op: opGuide, method: "GET", path: "/api/v1/matters/" + r.cfg.Matter, want: 200, out: &guide}); err != nil {
		return nil, fmt.Errorf("事项 %s：%w", r.cfg.Matter, err)
	}
	for _, s := range guide.Steps {
		switch s.Type {
		case "acceptance":
			f.outcomes[s.Node] = "accept"
		case "delivery":
			f.outcomes[s.Node] = ""
		default:
			f.outcomes[s.Node] = "approve"
		}
	}

	// A probe application: a draft, a submission without materials, which the server answers
	// with the materials it wants (and which of them may be deferred), then those uploads.
	var err error
	if f.createBody, err = json.Marshal(map[string]any{"matter": r.cfg.Matter, "form": r.cfg.Form, "draft": true}); err != nil {
		return nil, err
	}
	var probe caseView
	if err := r.send(ctx, request{op: opCreate, method: "POST", path: "/api/v1/cases", token: f.applicant, contentType: "application/json",
		body: f.createBody, header: [2]string{"Idempotency-Key", "load-" + r.runID + "-probe"}, want: 201, out: &probe}); err != nil {
		return nil, fmt.Errorf("起草申请失败：%w", err)
	}
	var refusal struct {
		Error struct {
			Message string
			Fields  []struct{ Pointer, Message string }
		} `json:"error"`
	}
	var submitted caseView
	err = r.send(ctx, request{op: opSubmit, method: "POST", path: "/api/v1/cases/" + probe.Number + "/submit", token: f.applicant,
		contentType: "application/json", body: []byte(`{}`), want: 400, out: &refusal})
	var deferred []string
	var refused *statusError
	switch {
	case err == nil:
		for _, fe := range refusal.Error.Fields {
			id, ok := strings.CutPrefix(fe.Pointer, "/materials/")
			if !ok {
				return nil, fmt.Errorf("样例申请表被拒绝：%s %s", fe.Pointer, fe.Message)
			}
			types := []string{"pdf"}
			deferrable := false
			for _, m := range guide.Materials {
				if m.ID == id {
					types, deferrable = m.FileTypes, m.Deferrable
				}
			}
			if deferrable {
				deferred = append(deferred, id)
				continue
			}
			up, err := makeUpload(id, types)
			if err != nil {
				return nil, err
			}
			f.uploads = append(f.uploads, up)
		}
		if !r.cfg.SeparateUploads {
			if err := r.preUpload(ctx, f, deferred); err != nil {
				return nil, err
			}
		}
	case errors.As(err, &refused) && refused.got == 200:
		// Nothing to upload: the application is one request from now on.
		f.oneRequest = true
	default:
		return nil, fmt.Errorf("提交样例申请：%w", err)
	}
	if deferred == nil {
		deferred = []string{}
	}
	if f.submitBody, err = json.Marshal(map[string]any{"deferred": deferred}); err != nil {
		return nil, err
	}
	if f.oneRequest && len(f.uploads) == 0 {
		if f.createBody, err = json.Marshal(map[string]any{"matter": r.cfg.Matter, "form": r.cfg.Form, "deferred": deferred}); err != nil {
			return nil, err
		}
	} else if !f.oneRequest {
		for _, up := range f.uploads {
			if err := r.send(ctx, r.uploadRequest(f, probe.Number, up)); err != nil {
				return nil, fmt.Errorf("上传材料：%w", err)
			}
		}
		if err := r.send(ctx, request{op: opSubmit, method: "POST", path: "/api/v1/cases/" + probe.Number + "/submit", token: f.applicant,
			contentType: "application/json", body: f.submitBody, want: 200, out: &submitted}); err != nil {
			return nil, fmt.Errorf("提交样例申请：%w", err)
		}
	}
	r.fix = f
	f.addPrepared(caseRef{number: probe.Number, queryCode: probe.QueryCode, tasks: submitted.Tasks}, r.cfg.Scenario)

	// The cases browse looks up and approve works on.
	if r.cfg.Scenario == Submit {
		return f, nil
	}
	todo := atomic.Int64{}
	todo.Store(int64(r.cfg.Prepare - 1))
	var wg sync.WaitGroup
	var once sync.Once
	var firstErr error
	var mu sync.Mutex
	for w := range min(64, r.cfg.Clients) {
		wg.Go(func() {
			for seq := 0; todo.Add(-1) >= 0 && ctx.Err() == nil; seq++ {
				c, err := r.submit(ctx, fmt.Sprintf("load-%s-prep%d-%d", r.runID, w, seq))
				if err != nil {
					once.Do(func() { firstErr = err })
					todo.Store(-1)
					return
				}
				mu.Lock()
				f.addPrepared(c, r.cfg.Scenario)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, fmt.Errorf("准备办件：%w", firstErr)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.logf("已准备 prepared %d 件办件 cases", f.prepared)
	return f, nil
}

// addPrepared keeps a filed case for the progress lookups and, for approve and mixed, the
// approvers, when it waits for one (a case concluded at once by rules does not). Before the
// clock starts only.
func (f *fixture) addPrepared(c caseRef, scenario string) {
	f.prepared++
	f.progress = append(f.progress, c)
	if (scenario == Approve || scenario == Mixed) && openTask(c.tasks) != nil {
		f.pool.put(c)
	}
}

// perTx describes each transaction's requests, for the reader of the result.
func (f *fixture) perTx() map[string]string {
	submit := "1 (POST /api/v1/cases)"
	if !f.oneRequest {
		submit = fmt.Sprintf("%d (起草 create + %d × 上传 upload + 提交 submit)", len(f.uploads)+2, len(f.uploads))
	}
	return map[string]string{
		Submit:  submit,
		Browse:  "3 (搜索 search + 办事指南 guide + 进度查询 progress)",
		Approve: "1 + 2 × 环节 steps (办件 case, 每个待办 each task: 认领 claim + 办理 complete)",
	}
}

// makeUpload builds a small file of a type the material allows, wrapped in multipart once;
// uploadSplit marks where each upload's own line goes (after the magic bytes that say the type).
func makeUpload(material string, types []string) (upload, error) {
	name, mediaType, magic, rest := "材料.pdf", "application/pdf", "%PDF-1.4\n", "1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
	for _, t := range types {
		if t == "pdf" {
			break
		}
		if t == "jpg" || t == "jpeg" {
			name, mediaType, magic, rest = "材料.jpg", "image/jpeg", "\xff\xd8\xff\xe0\x00\x10JFIF\x00", string(make([]byte, 64))
			break
		}
		if t == "png" {
			name, mediaType, magic, rest = "材料.png", "image/png", "\x89PNG\r\n\x1a\n", string(make([]byte, 64))
			break
		}
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", multipart.FileContentDisposition("file", name))
	h.Set("Content-Type", mediaType)
	part, err := w.CreatePart(h)
	if err != nil {
		return upload{}, err
	}
	io.WriteString(part, magic)
	split := buf.Len()
	io.WriteString(part, rest)
	if err := w.Close(); err != nil {
		return upload{}, err
	}
	all := buf.Bytes()
	return upload{material: material, contentType: w.FormDataContentType(), head: all[:split:split], tail: all[split:]}, nil
}

// preUpload uploads each material's file once (POST /api/v1/files) and makes every
// application one request naming them: the medium transaction as a portal sends it, the form,
// the material metadata and the deferred materials together.
func (r *runner) preUpload(ctx context.Context, f *fixture, deferred []string) error {
	var materials []map[string]any
	for _, up := range f.uploads {
		var kept struct {
			Ref string `json:"ref"`
		}
		if err := r.send(ctx, request{op: opUpload, method: "POST", path: "/api/v1/files", token: f.applicant,
			contentType: up.contentType, body: up.body("load-" + r.runID + "/" + up.material), want: 201, out: &kept}); err != nil {
			return fmt.Errorf("预先上传材料：%w", err)
		}
		materials = append(materials, map[string]any{"id": up.material, "files": []string{kept.Ref}})
	}
	body, err := json.Marshal(map[string]any{"matter": r.cfg.Matter, "form": r.cfg.Form, "materials": materials, "deferred": deferred})
	if err != nil {
		return err
	}
	f.createBody, f.oneRequest = body, true
	return nil
}

func (r *runner) uploadRequest(f *fixture, number string, up upload) request {
	return request{op: opUpload, method: "POST", path: "/api/v1/cases/" + number + "/materials/" + up.material,
		token: f.applicant, contentType: up.contentType, body: up.body(number + "/" + up.material), want: 201}
}

// submit files one complete application under its own Idempotency-Key: the draft, each
// material's upload, the submission (or the one request, when nothing is uploaded).
func (r *runner) submit(ctx context.Context, key string) (caseRef, error) {
	f := r.fix
	var created, v caseView
	isSubmitted := func() error {
		if v.Status == "" || v.Status == "draft" {
			return fmt.Errorf("提交后状态为 %q", v.Status)
		}
		return nil
	}
	create := request{op: opCreate, method: "POST", path: "/api/v1/cases", token: f.applicant, contentType: "application/json",
		body: f.createBody, header: [2]string{"Idempotency-Key", key}, want: 201, out: &created}
	if f.oneRequest {
		create.out, create.check = &v, isSubmitted
		err := r.send(ctx, create)
		return caseRef{number: v.Number, queryCode: v.QueryCode, tasks: v.Tasks}, err
	}
	if err := r.send(ctx, create); err != nil {
		return caseRef{}, err
	}
	for _, up := range f.uploads {
		if err := r.send(ctx, r.uploadRequest(f, created.Number, up)); err != nil {
			return caseRef{}, err
		}
	}
	if err := r.send(ctx, request{op: opSubmit, method: "POST", path: "/api/v1/cases/" + created.Number + "/submit", token: f.applicant,
		contentType: "application/json", body: f.submitBody, want: 200, out: &v, check: isSubmitted}); err != nil {
		return caseRef{}, err
	}
	return caseRef{number: created.Number, queryCode: created.QueryCode, tasks: v.Tasks}, nil
}

// browse is a portal visitor: a search, a matter's guide, a progress lookup by number and
// query code.
func (r *runner) browse(ctx context.Context, rng *rand.Rand) error {
	f := r.fix
	term := f.terms[rng.IntN(len(f.terms))]
	if err := r.send(ctx, request{op: opSearch, method: "GET", path: "/api/v1/matters?q=" + url.QueryEscape(term), want: 200}); err != nil {
		return err
	}
	slug := f.slugs[rng.IntN(len(f.slugs))]
	if err := r.send(ctx, request{op: opGuide, method: "GET", path: "/api/v1/matters/" + slug, want: 200}); err != nil {
		return err
	}
	c := f.progress[rng.IntN(len(f.progress))]
	return r.send(ctx, request{op: opProgress, method: "GET", want: 200,
		path: "/api/v1/progress?number=" + url.QueryEscape(c.number) + "&queryCode=" + url.QueryEscape(c.queryCode)})
}

// approve takes one submitted case and works it to its end as the staff of each step would:
// open the case, then for each task claim it and complete it with the outcome that moves the
// case on.
func (r *runner) approve(ctx context.Context) error {
	f := r.fix
	c, ok := f.pool.take()
	if !ok {
		if r.cfg.Scenario == Approve {
			f.exhausted.Store(true)
		}
		return errNoCase
	}
	t := openTask(c.tasks)
	if t == nil {
		return fmt.Errorf("办件 %s 没有待办", c.number)
	}
	var view caseView
	if err := r.send(ctx, request{op: opCase, method: "GET", path: "/api/v1/cases/" + c.number, token: f.staff[t.OrgCode+"/"+t.Role],
		want: 200, out: &view}); err != nil {
		return err
	}
	moving := func() error {
		if openTask(view.Tasks) == nil && view.ConcludedAt == nil {
			return fmt.Errorf("办件 %s 停在 %s，既无待办也未办结", c.number, view.Status)
		}
		return nil
	}
	for range 50 {
		t := openTask(view.Tasks)
		if t == nil {
			return nil // concluded: moving checked it
		}
		token, ok := f.staff[t.OrgCode+"/"+t.Role]
		if !ok {
			return fmt.Errorf("演示账号中没有 %s 的 %s", t.OrgCode, t.Role)
		}
		id := strconv.FormatInt(t.ID, 10)
		if err := r.send(ctx, request{op: opClaim, method: "POST", path: "/api/v1/tasks/" + id + "/claim", token: token, want: 200}); err != nil {
			return err
		}
		body, _ := json.Marshal(map[string]string{"outcome": f.outcomes[t.Node], "opinion": "经审查，符合要求（压测）"})
		view = caseView{}
		if err := r.send(ctx, request{op: opComplete, method: "POST", path: "/api/v1/tasks/" + id + "/complete", token: token,
			contentType: "application/json", body: body, want: 200, out: &view, check: moving}); err != nil {
			return err
		}
	}
	return fmt.Errorf("办件 %s 办理 50 步仍未办结", c.number)
}

// openTask is the first task waiting for a person.
func openTask(tasks []taskView) *taskView {
	for i, t := range tasks {
		if t.Status == "open" && (t.Kind == "person" || t.Kind == "delivery") {
			return &tasks[i]
		}
	}
	return nil
}

func isLoopback(host string) bool {
	return host == "localhost" || strings.HasPrefix(host, "127.") || host == "::1"
}
