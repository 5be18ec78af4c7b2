package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, to read the outbox table

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/connectors/simulate"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/store"
)

// Demo users of the crash test, and what each files.
const (
	soleProprietor = "sole-proprietor-registration" // a draft in one request, as 张伟
	seniorMatter   = "senior-longevity-allowance"   // draft, two uploads, submit; concludes at once, as 王桂英
	foodMatter     = "food-business-license"        // one request, or draft, uploads, submit; waits at 受理, as 许昌瑞祥置业有限公司
	enterpriseName = "许昌瑞祥置业有限公司"
)

// seniorUploads are the materials the 高龄津贴 sample needs uploaded: the payment card, and the
// power of attorney because a child applies for the elder.
var seniorUploads = []string{"paymentCard", "powerOfAttorney"}

// TestKill9KeepsEveryAcknowledgedCase runs the real binary under a portal's load — 16 clients
// filing drafts, complete 秒批 applications and complete 食品经营许可 applications (the load
// tool's submit transaction: in one request naming files uploaded beforehand, or as a draft,
// its uploads and the submission), each creation carrying its own Idempotency-Key — kills it with
// SIGKILL at a random moment, restarts it on the same data folder, three times. The outside
// systems are simulators in the test process, so that they outlive the kills and remember
// every push they applied. Then:
//   - every case the server acknowledged is there exactly once (its key, sent again, answers
//     with the same number, and the database holds one case per key sent);
//   - every audit chain verifies;
//   - no case is stuck without a task or a reason: each is a draft, concluded, or waits at an
//     open task (a 高龄津贴 is a draft or concluded approved, a 食品经营许可 a draft or waiting
//     at 受理), and every acknowledged submission went through;
//   - every outbox message is delivered once: after a grace period none is pending and none is
//     dead, each approved 高龄津贴 queued exactly one SMS, and the SMS gateway applied each
//     message's Idempotency-Key once. Messages a killed server had claimed stay leased to it
//     for the deliverer's lease (2 minutes in serve); the test lets those leases run out at once
//     (see settleOutbox), or waits them out with TONGBAN_TEST_REAL_LEASE=1.
func TestKill9KeepsEveryAcknowledgedCase(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it three times")
	}
	bin := buildTongban(t)
	sims := startTestSims(t)
	// A slow SMS gateway keeps the deliverer busy with a batch it has claimed, so that the kills
	// often land while it holds messages leased, some of them sent and not yet marked.
	sims.SetFaults(simulate.SMS, simulate.Faults{Latency: 250 * time.Millisecond, Jitter: 150 * time.Millisecond})
	began := time.Now()
	data := t.TempDir()
	ld := newLoad(t)
	serve := func() *server {
		return startServerWith(t, bin, data, sims.env, "--demo", "--connectors-base", sims.URL)
	}

	const rounds = 3
	kills := 0
	for round := range rounds {
		srv := serve()
		ld.url = srv.url
		if round == 0 {
			ld.readTokens(t, data)
			ld.probeFood(t)
		}
		var wg sync.WaitGroup
		for client := range 16 {
			wg.Go(func() { ld.run(t, round, client) })
		}
		time.Sleep(time.Duration(200+rand.IntN(601)) * time.Millisecond)
		ld.killed.Store(true)
		srv.kill(t)
		kills++
		wg.Wait()
		ld.killed.Store(false)
		ld.client.CloseIdleConnections()
		if t.Failed() {
			t.FailNow()
		}
	}
	loaded := time.Since(began)

	if len(ld.acked) == 0 {
		t.Fatal("the server acknowledged nothing before the kills")
	}
	srv := serve()
	ld.url = srv.url
	ld.verify(t)
	raw, dialect := openSQL(t, data)
	ob := settleOutbox(t, raw, dialect, nil)
	srv.stop(t)

	audit := exec.Command(bin, "audit", "verify", "-data", data)
	if out, err := audit.CombinedOutput(); err != nil {
		t.Fatalf("tongban audit verify: %v\n%s", err, out)
	} else {
		t.Logf("tongban audit verify: %s", bytes.TrimSpace(out))
	}
	db, err := store.Open(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cases := ld.checkStore(t, db)
	waiting := checkNoCaseStuck(t, db)
	checkSMSPerApproval(t, cases, ob.rows)
	received := checkReceivedOnce(t, sims, ob.rows)

	kinds := map[string]int{}
	for _, a := range ld.acked {
		switch {
		case !a.submitted:
			kinds["draft"]++
		case a.oneRequest:
			kinds["one request"]++
			fallthrough
		default:
			kinds[a.matter]++
		}
	}
	t.Logf("%d kills in %.1f s of load; %d creations acknowledged (%d drafts, %d 高龄津贴 concluded approved, %d 食品经营许可 waiting at 受理, %d of them filed in one request), %d more in flight at a kill and retried",
		kills, loaded.Seconds(), len(ld.acked), kinds["draft"], kinds[seniorMatter], kinds[foodMatter], kinds["one request"], len(ld.sent)-len(ld.acked))
	t.Logf("%d cases waiting at an open task; outbox: %s; SMS gateway applied %d messages once each, %d redeliveries answered from its Idempotency-Key memory",
		waiting, ob, received, sims.Stats(simulate.SMS).Duplicates)
}

// ackedCase is a creation the server answered with 2xx, and whether its application was
// submitted: a 高龄津贴 concluded approved, a 食品经营许可 waiting at 受理.
type ackedCase struct {
	key, matter, number string
	submitted           bool
	oneRequest          bool // filed in its creation, naming files uploaded beforehand
}

// sentKey is an Idempotency-Key that was sent, whatever became of the request, with the body
// it was sent with: a retry sends the same body, or the server refuses the key (422).
type sentKey struct {
	matter string
	body   []byte
}

// load is the portal's side of the test: what it sent and what the server acknowledged.
type load struct {
	url                string
	client             *http.Client
	sole, senior, food json.RawMessage
	citizen            string // 张伟's token
	elder              string // 王桂英's token
	enterprise         string // 许昌瑞祥置业有限公司's token
	// foodUploads are the materials a 食品经营许可 application uploads, foodDeferred those it
	// defers (容缺), as the server asked for them (probeFood); foodOneRequest is the
	// application in one request, naming files uploaded beforehand, as the load tool sends it.
	foodUploads, foodDeferred []string
	foodOneRequest            []byte
	killed                    atomic.Bool

	mu    sync.Mutex
	acked map[string]*ackedCase // by Idempotency-Key
	sent  map[string]sentKey
}

func newLoad(t *testing.T) *load {
	return &load{
		sole:   readSample(t, soleProprietor),
		senior: readSample(t, seniorMatter),
		food:   readSample(t, foodMatter),
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}},
		acked:  map[string]*ackedCase{},
		sent:   map[string]sentKey{},
	}
}

func readSample(t *testing.T, slug string) json.RawMessage {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("../../examples/matters", slug, "sample.json"))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func (ld *load) readTokens(t *testing.T, data string) {
	t.Helper()
	tokens := readDemoTokens(t, data)
	ld.citizen, ld.elder, ld.enterprise = tokens["张伟"], tokens["王桂英"], tokens[enterpriseName]
	if ld.citizen == "" || ld.elder == "" || ld.enterprise == "" {
		t.Fatalf("%s lacks 张伟, 王桂英 or %s", app.DemoCredentialsFile, enterpriseName)
	}
}

// readDemoTokens reads the demo users' tokens that serve --demo wrote, by name.
func readDemoTokens(t *testing.T, data string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(data, app.DemoCredentialsFile))
	if err != nil {
		t.Fatal(err)
	}
	var creds []struct{ Name, Token string }
	if err := json.Unmarshal(raw, &creds); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, c := range creds {
		out[c.Name] = c.Token
	}
	return out
}

// probeFood files one 食品经营许可 application as the load tool does before its clock starts:
// submitted without materials, the server answers with the materials it wants; the guide says
// which may be deferred; the rest are uploaded and the application submitted. The probe is a
// case like the others, under its own key.
func (ld *load) probeFood(t *testing.T) {
	t.Helper()
	ld.sent["probe-draft"] = sentKey{matter: foodMatter, body: draftBody(foodMatter, ld.food)}
	uploads, deferred, number, err := probeMaterials(ld.do, ld.enterprise, foodMatter, ld.food, "probe-draft")
	if err != nil {
		t.Fatal(err)
	}
	ld.acked["probe-draft"] = &ackedCase{key: "probe-draft", matter: foodMatter, number: number}
	ld.foodUploads, ld.foodDeferred = uploads, deferred
	if !ld.file(t, "probe-food", foodMatter, false) {
		t.Fatal("the probe 食品经营许可 application did not go through")
	}
	if ld.foodOneRequest, err = oneRequestApplication(ld.do, ld.enterprise, foodMatter, ld.food, uploads, deferred); err != nil {
		t.Fatal(err)
	}
}

// oneRequestApplication uploads each material's file beforehand (POST /api/v1/files) and
// returns the body of an application in one request naming them by their signed references:
// the load tool's submit transaction.
func oneRequestApplication(do doFunc, token, matter string, form json.RawMessage, uploads, deferred []string) ([]byte, error) {
	var materials []map[string]any
	for _, m := range uploads {
		contentType, file := samplePDF()
		status, out, err := do(token, "POST", "/api/v1/files", contentType, file)
		if err != nil || status != http.StatusCreated {
			return nil, fmt.Errorf("uploading %s beforehand: %d %v %v", m, status, out, err)
		}
		materials = append(materials, map[string]any{"id": m, "files": []any{out["ref"]}})
	}
	return json.Marshal(map[string]any{"matter": matter, "form": form, "materials": materials, "deferred": append([]string{}, deferred...)})
}

// doFunc sends a request and decodes the JSON answer (load.do, or a cluster client's).
type doFunc func(token, method, path, contentType string, body []byte, headers ...string) (int, map[string]any, error)

// probeMaterials finds out what an application of matter needs uploaded: a draft submitted
// without materials is refused with one field error per material missing; those the guide
// marks deferrable are deferred instead. The draft, created under key, stays a draft; its
// number is returned.
// draftBody is the request that saves form as a draft of matter.
func draftBody(matter string, form json.RawMessage) []byte {
	body, _ := json.Marshal(map[string]any{"matter": matter, "form": form, "draft": true})
	return body
}

func probeMaterials(do doFunc, token, matter string, form json.RawMessage, key string) (uploads, deferred []string, number string, err error) {
	status, guide, err := do("", "GET", "/api/v1/matters/"+matter, "", nil)
	if err != nil || status != http.StatusOK {
		return nil, nil, "", fmt.Errorf("guide of %s: %d %v %v", matter, status, guide, err)
	}
	deferrable := map[string]bool{}
	materials, _ := guide["materials"].([]any)
	for _, m := range materials {
		if m, ok := m.(map[string]any); ok && m["deferrable"] == true {
			deferrable[fmt.Sprint(m["id"])] = true
		}
	}
	status, out, err := do(token, "POST", "/api/v1/cases", "application/json", draftBody(matter, form), "Idempotency-Key", key)
	if err != nil || status != http.StatusCreated {
		return nil, nil, "", fmt.Errorf("probe draft of %s: %d %v %v", matter, status, out, err)
	}
	number = fmt.Sprint(out["number"])
	status, out, err = do(token, "POST", "/api/v1/cases/"+number+"/submit", "application/json", []byte(`{}`))
	if err != nil || status != http.StatusBadRequest {
		return nil, nil, "", fmt.Errorf("probe submission of %s without materials: %d %v %v", matter, status, out, err)
	}
	e, _ := out["error"].(map[string]any)
	fields, _ := e["fields"].([]any)
	for _, f := range fields {
		f, _ := f.(map[string]any)
		id, ok := strings.CutPrefix(fmt.Sprint(f["pointer"]), "/materials/")
		switch {
		case !ok:
			return nil, nil, "", fmt.Errorf("the %s sample is refused: %v", matter, f)
		case deferrable[id]:
			deferred = append(deferred, id)
		default:
			uploads = append(uploads, id)
		}
	}
	if len(uploads) == 0 {
		return nil, nil, "", fmt.Errorf("%s asks for no uploads: %v", matter, out)
	}
	return uploads, deferred, number, nil
}

// run files cases until the server dies: a quarter of the clients drafts of 个体工商户登记,
// half complete 高龄津贴 applications, a quarter complete 食品经营许可 applications — every
// other one in one request naming files uploaded beforehand (the load tool's submit), the
// others as a draft, its uploads and the submission.
func (ld *load) run(t *testing.T, round, client int) {
	matter := [4]string{soleProprietor, seniorMatter, foodMatter, seniorMatter}[client%4]
	for seq := 0; ; seq++ {
		key := fmt.Sprintf("r%d-c%d-%d", round, client, seq)
		if !ld.file(t, key, matter, matter == foodMatter && seq%2 == 0) {
			return
		}
	}
}

// applicant returns the token that files matter and the form it files.
func (ld *load) applicant(matter string) (string, json.RawMessage) {
	switch matter {
	case seniorMatter:
		return ld.elder, ld.senior
	case foodMatter:
		return ld.enterprise, ld.food
	}
	return ld.citizen, ld.sole
}

// samplePDF is the body of every upload: a small PDF in a multipart form.
func samplePDF() (contentType string, body []byte) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	part, _ := w.CreateFormFile("file", "材料.pdf")
	part.Write([]byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"))
	w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

// file creates one case and, for 高龄津贴 and 食品经营许可, uploads its materials and submits
// it — or, with oneRequest, files the 食品经营许可 application in its creation. It records
// each acknowledgement and returns false when the server is gone (or answered wrongly).
func (ld *load) file(t *testing.T, key, matter string, oneRequest bool) bool {
	token, form := ld.applicant(matter)
	body := draftBody(matter, form)
	if oneRequest {
		body = ld.foodOneRequest
	}
	ld.mu.Lock()
	ld.sent[key] = sentKey{matter: matter, body: body}
	ld.mu.Unlock()
	status, out, err := ld.do(token, "POST", "/api/v1/cases", "application/json", body, "Idempotency-Key", key)
	if !ld.answered(t, "create "+key, status, out, err, http.StatusCreated) {
		return false
	}
	number := out["number"].(string)
	ack := &ackedCase{key: key, matter: matter, number: number, submitted: oneRequest, oneRequest: oneRequest}
	if problem := submittedProblem(matter, out); oneRequest && problem != "" {
		t.Errorf("%s %s filed in one request: %s", matter, number, problem)
		return false
	}
	ld.mu.Lock()
	ld.acked[key] = ack
	ld.mu.Unlock()
	if matter == soleProprietor || oneRequest {
		return true
	}
	uploads, submit := seniorUploads, []byte(`{}`)
	if matter == foodMatter {
		uploads = ld.foodUploads
		submit, _ = json.Marshal(map[string]any{"deferred": append([]string{}, ld.foodDeferred...)})
	}
	for _, m := range uploads {
		contentType, file := samplePDF()
		status, out, err := ld.do(token, "POST", "/api/v1/cases/"+number+"/materials/"+m, contentType, file)
		// An account has a few uploads under way at most: a client told so tries again shortly.
		for tries := 0; status == http.StatusTooManyRequests && tries < 100; tries++ {
			time.Sleep(20 * time.Millisecond)
			status, out, err = ld.do(token, "POST", "/api/v1/cases/"+number+"/materials/"+m, contentType, file)
		}
		if !ld.answered(t, "upload "+m+" to "+number, status, out, err, http.StatusCreated) {
			return false
		}
	}
	status, out, err = ld.do(token, "POST", "/api/v1/cases/"+number+"/submit", "application/json", submit)
	if !ld.answered(t, "submit "+number, status, out, err, http.StatusOK) {
		return false
	}
	if problem := submittedProblem(matter, out); problem != "" {
		t.Errorf("%s %s: %s", matter, number, problem)
		return false
	}
	ld.mu.Lock()
	ack.submitted = true
	ld.mu.Unlock()
	return true
}

// submittedProblem says what is wrong with a case as its submission answered (or as it reads
// later): a 高龄津贴 concludes approved at once, a 食品经营许可 waits at an open task.
func submittedProblem(matter string, view map[string]any) string {
	switch matter {
	case seniorMatter:
		if view["status"] != "approved" || view["concludedAt"] == nil {
			return fmt.Sprintf("did not conclude approved at once: status %v", view["status"])
		}
	case foodMatter:
		if view["status"] != string(runtime.StatusSubmitted) {
			return fmt.Sprintf("is %v after its submission, want submitted", view["status"])
		}
		tasks, _ := view["tasks"].([]any)
		for _, task := range tasks {
			if task, ok := task.(map[string]any); ok && task["status"] == "open" && task["kind"] == "person" {
				return ""
			}
		}
		return fmt.Sprintf("waits at no open task: %v", view["tasks"])
	}
	return ""
}

// answered reports whether a request got the answer wanted. A failed request is expected once
// the server has been killed; before that, and any unexpected status, fails the test.
func (ld *load) answered(t *testing.T, what string, status int, out map[string]any, err error, want int) bool {
	switch {
	case err != nil && ld.killed.Load():
		return false
	case err != nil:
		t.Errorf("%s: %v (before the kill)", what, err)
		return false
	case status != want:
		t.Errorf("%s: status %d, want %d: %v", what, status, want, out)
		return false
	}
	return true
}

// do sends a request and decodes the JSON answer.
func (ld *load) do(token, method, path, contentType string, body []byte, headers ...string) (int, map[string]any, error) {
	return doJSON(ld.client, ld.url, token, method, path, contentType, body, headers...)
}

// doJSON sends a request to base+path and decodes the JSON answer.
func doJSON(client *http.Client, base, token, method, path, contentType string, body []byte, headers ...string) (int, map[string]any, error) {
	req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	var out map[string]any
	if len(raw) > 0 && json.Unmarshal(raw, &out) != nil {
		return 0, nil, fmt.Errorf("answer is not JSON: %s", raw)
	}
	return resp.StatusCode, out, nil
}

// verify checks through the API, on the restarted server, that every acknowledged case is
// there as its owner sees it, and sends every key again — acknowledged or not — as a client
// retrying after a crash does: an acknowledged key must answer with its own number.
func (ld *load) verify(t *testing.T) {
	keys := make(chan string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	numbers := map[string]string{} // number → key
	for range 16 {
		wg.Go(func() {
			for key := range keys {
				sent := ld.sent[key]
				token, _ := ld.applicant(sent.matter)
				status, out, err := ld.do(token, "POST", "/api/v1/cases", "application/json", sent.body, "Idempotency-Key", key)
				if err != nil || status != http.StatusCreated {
					t.Errorf("resending key %s: %d %v %v", key, status, out, err)
					continue
				}
				number := out["number"].(string)
				mu.Lock()
				if other, dup := numbers[number]; dup {
					t.Errorf("keys %s and %s both answer with case %s", other, key, number)
				}
				numbers[number] = key
				mu.Unlock()
				a := ld.acked[key]
				if a == nil {
					continue
				}
				if number != a.number {
					t.Errorf("key %s made case %s, and now answers %s: a second case", key, a.number, number)
				}
				status, out, err = ld.do(token, "GET", "/api/v1/cases/"+a.number, "", nil)
				if err != nil || status != http.StatusOK {
					t.Errorf("acknowledged case %s (key %s) is lost: %d %v %v", a.number, key, status, out, err)
					continue
				}
				if problem := submittedProblem(a.matter, out); a.submitted && problem != "" {
					t.Errorf("acknowledged submission %s %s: %s", a.matter, a.number, problem)
				}
			}
		})
	}
	for key := range ld.sent {
		keys <- key
	}
	close(keys)
	wg.Wait()
}

// checkStore reads the stopped server's database: one case per key sent and no other, and
// none half way — a 个体工商户登记 is a draft, a 高龄津贴 a draft or concluded approved, a
// 食品经营许可 a draft or submitted and waiting at 受理 (its one open task). It returns the
// cases.
func (ld *load) checkStore(t *testing.T, db *store.DB) []*runtime.Case {
	t.Helper()
	ctx := context.Background()
	all := allCases(t, db)
	for _, c := range all {
		switch {
		case c.Status == runtime.StatusDraft:
		case c.Matter == soleProprietor:
			t.Errorf("%s %s is %s, want draft", c.Matter, c.Number, c.Status)
		case c.Matter == seniorMatter && (c.Status != runtime.StatusApproved || c.ConcludedAt == nil):
			t.Errorf("%s %s is caught half way: %s, concluded %v", c.Matter, c.Number, c.Status, c.ConcludedAt)
		case c.Matter == foodMatter:
			open, _, err := db.ListTasks(ctx, runtime.TaskQuery{CaseID: c.ID, Kinds: []runtime.TaskKind{runtime.TaskPerson},
				Status: []runtime.TaskStatus{runtime.TaskOpen, runtime.TaskClaimed}})
			if err != nil {
				t.Fatal(err)
			}
			if c.Status != runtime.StatusSubmitted || len(open) != 1 || open[0].Node != "accept" {
				t.Errorf("%s %s is %s with %d open tasks, want submitted and waiting at accept", c.Matter, c.Number, c.Status, len(open))
			}
		}
	}
	if len(all) != len(ld.sent) {
		t.Errorf("the database holds %d cases for %d idempotency keys sent", len(all), len(ld.sent))
	}
	return all
}

// allCases reads every case of the store.
func allCases(t *testing.T, db *store.DB) []*runtime.Case {
	t.Helper()
	var all []*runtime.Case
	for offset := 0; ; offset += 500 {
		cases, _, err := db.ListCases(context.Background(), runtime.CaseQuery{Offset: offset, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, cases...)
		if len(cases) < 500 {
			return all
		}
	}
}

// checkNoCaseStuck checks that no case is stuck without a task or a reason: each is a draft,
// concluded (with nothing left open for a person), in 补正 (waiting for the applicant, the reason
// told), or waits at an open or claimed task other than a supervisor's escalation watch. It
// returns how many wait at a task.
func checkNoCaseStuck(t *testing.T, db *store.DB) (waiting int) {
	t.Helper()
	for _, c := range allCases(t, db) {
		open, _, err := db.ListTasks(context.Background(), runtime.TaskQuery{CaseID: c.ID, Limit: 500,
			Status: []runtime.TaskStatus{runtime.TaskOpen, runtime.TaskClaimed}})
		if err != nil {
			t.Fatal(err)
		}
		var work []string
		for _, task := range open {
			if task.Kind != runtime.TaskEscalation {
				work = append(work, fmt.Sprintf("%d %s %s %s", task.ID, task.Kind, task.Node, task.Status))
			}
		}
		switch {
		case c.Status == runtime.StatusDraft:
		case c.ConcludedAt != nil:
			if len(work) > 0 {
				t.Errorf("%s %s is concluded (%s) but still has tasks open: %v", c.Matter, c.Number, c.Status, work)
			}
		case c.Status == runtime.StatusCorrection:
		case len(work) == 0:
			t.Errorf("%s %s is stuck: %s, not concluded, and no task open", c.Matter, c.Number, c.Status)
		default:
			waiting++
		}
	}
	return waiting
}

// checkSMSPerApproval checks that the SMS of each concluded approval was queued once, in the
// transaction that concluded the case, and that no message belongs to a draft.
func checkSMSPerApproval(t *testing.T, cases []*runtime.Case, rows []outboxRow) {
	t.Helper()
	byID := map[int64]*runtime.Case{}
	for _, c := range cases {
		byID[c.ID] = c
	}
	approvals := map[string]int{}
	for _, r := range rows {
		c := byID[r.caseID]
		switch {
		case c == nil:
			t.Errorf("outbox message %d (%s) belongs to no case (%d)", r.id, r.key, r.caseID)
		case c.Status == runtime.StatusDraft:
			t.Errorf("outbox message %d (%s) belongs to draft %s", r.id, r.key, c.Number)
		case strings.HasPrefix(r.key, "sms:"+c.Number+":case-approved:"):
			approvals[c.Number]++
		}
	}
	for _, c := range cases {
		if c.Matter == seniorMatter && c.Status == runtime.StatusApproved && approvals[c.Number] != 1 {
			t.Errorf("approved %s %s queued %d approval SMS, want 1", c.Matter, c.Number, approvals[c.Number])
		}
	}
}

// checkReceivedOnce checks on the receiving side that each SMS the outbox delivered reached the
// gateway and was applied once: its Idempotency-Key is on exactly one text sent, and no text
// was sent that the outbox does not hold. It returns how many texts were sent.
func checkReceivedOnce(t *testing.T, sims *testSims, rows []outboxRow) int {
	t.Helper()
	sent := map[string]int{}
	texts := sims.SentSMS()
	for _, m := range texts {
		sent[m.Reference]++
	}
	for _, r := range rows {
		if r.topic != "connector.push."+simulate.SMS || r.status != runtime.OutboxDelivered {
			continue
		}
		if sent[r.key] != 1 {
			t.Errorf("outbox message %d (%s) is delivered, and the SMS gateway applied it %d times", r.id, r.key, sent[r.key])
		}
		delete(sent, r.key)
	}
	for key, n := range sent {
		t.Errorf("the SMS gateway sent %d texts under key %q, which the outbox does not hold as delivered", n, key)
	}
	return len(texts)
}

// testSims are the outside systems' simulators, served from the test process so that they
// outlive the servers that are killed and remember every push they applied.
type testSims struct {
	*simulate.Server
	URL string
	env []string // their secrets, for a server's environment
}

func startTestSims(t *testing.T) *testSims {
	t.Helper()
	cfg := simulate.Config{Auth: map[string]simulate.Auth{}}
	s := &testSims{}
	for _, svc := range simulate.Services {
		if svc == simulate.OAuth {
			continue
		}
		secret := "crash-test-" + svc + "-secret"
		cfg.Auth[svc] = simulate.Auth{HMACSecret: secret}
		s.env = append(s.env, simulate.SecretEnv(svc)+"="+secret)
	}
	s.Server = simulate.New(cfg)
	h := httptest.NewServer(s.Handler())
	s.URL = h.URL
	t.Cleanup(func() {
		s.Close()
		h.Close()
	})
	return s
}

// outboxRow is a row of the outbox table, as the test reads it.
type outboxRow struct {
	id                 int64
	topic, key, status string
	attempts           int
	lastError          string
	caseID             int64
}

// outboxReport is what settleOutbox found.
type outboxReport struct {
	rows        []outboxRow
	delivered   int
	leased      int           // left leased to a killed server's deliverer
	unsendable  int           // no deliverer in serve has a sender for their topic (see settleOutbox)
	settleAfter time.Duration // from the end of the load until nothing was left to deliver
}

func (r outboxReport) String() string {
	s := fmt.Sprintf("%d messages, %d delivered (%d of them after the leases a killed server held ran out), settled in %.1f s",
		len(r.rows), r.delivered, r.leased, r.settleAfter.Seconds())
	if r.unsendable > 0 {
		s += fmt.Sprintf("; %d messages no deliverer has a channel for", r.unsendable)
	}
	return s
}

// noSender is how a deliverer records a message whose topic has no sender.
const noSender = "没有投递通道"

// settleOutbox waits, while a server runs, until every outbox message is delivered, and checks
// that none is dead. A message a killed server's deliverer had claimed stays leased to it for
// the lease serve's deliverer takes (outbox.DefaultLease, 2 minutes): once nothing else is
// moving, the test ends those leases by making the messages due now — as if the 2 minutes had
// passed — and a live server's deliverer must then send them; TONGBAN_TEST_REAL_LEASE=1 waits
// the leases out instead. extraGap lists topics serve cannot send (reported, not failed).
func settleOutbox(t *testing.T, raw *sql.DB, dialect string, extraGap []string) outboxReport {
	t.Helper()
	began := time.Now()
	var rep outboxReport
	// 1. Let the live deliverers take everything that is due: the set of messages still pending
	// must stop changing, and each must have been claimed at least once.
	var before []int64
	for deadline := time.Now().Add(20 * time.Second); ; {
		rows := readOutbox(t, raw)
		var pending []int64
		unclaimed := 0
		for _, r := range rows {
			if r.status == runtime.OutboxPending {
				pending = append(pending, r.id)
				if r.attempts == 0 {
					unclaimed++
				}
			}
		}
		if unclaimed == 0 && slices.Equal(pending, before) {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("the outbox did not settle within 20 s: %d pending, %d never claimed", len(pending), unclaimed)
			break
		}
		before = pending
		time.Sleep(time.Second)
	}
	// 2. What is still pending and has no error was claimed by a deliverer that never reported
	// back: one killed with its server. End those leases.
	var leased []int64
	for _, r := range readOutbox(t, raw) {
		if r.status == runtime.OutboxPending && r.attempts > 0 && r.lastError == "" {
			leased = append(leased, r.id)
		}
	}
	rep.leased = len(leased)
	wait := 20 * time.Second
	if os.Getenv("TONGBAN_TEST_REAL_LEASE") != "" {
		wait = 3 * time.Minute
		t.Logf("waiting out the leases of %d messages a killed server had claimed", len(leased))
	} else if len(leased) > 0 {
		now := time.Now().UTC().Add(-time.Second).Truncate(time.Microsecond)
		for _, id := range leased {
			if _, err := raw.Exec(sqlPlaceholders(dialect, `UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND status = 'pending'`), now, id); err != nil {
				t.Fatal(err)
			}
		}
	}
	// 3. Now every message must be delivered.
	for deadline := time.Now().Add(wait); ; time.Sleep(250 * time.Millisecond) {
		rep.rows = readOutbox(t, raw)
		left := 0
		for _, r := range rep.rows {
			if r.status == runtime.OutboxPending && !unsendable(r, extraGap) {
				left++
			}
		}
		if left == 0 || time.Now().After(deadline) {
			break
		}
	}
	rep.settleAfter = time.Since(began)
	for _, r := range rep.rows {
		switch {
		case r.status == runtime.OutboxDelivered:
			rep.delivered++
		case unsendable(r, extraGap):
			rep.unsendable++
		case r.status == runtime.OutboxDead:
			t.Errorf("outbox message %d (%s, %s) is a dead letter after %d attempts: %s", r.id, r.topic, r.key, r.attempts, r.lastError)
		default:
			t.Errorf("outbox message %d (%s, %s) is still %s after %d attempts: %q", r.id, r.topic, r.key, r.status, r.attempts, r.lastError)
		}
	}
	return rep
}

// unsendable reports a message of a topic listed in gap that failed for want of a sender: a
// known gap of serve's wiring, reported rather than failed.
func unsendable(r outboxRow, gap []string) bool {
	return slices.Contains(gap, r.topic) && r.status != runtime.OutboxDelivered && strings.Contains(r.lastError, noSender)
}

// openSQL opens the store's database for plain SQL: the SQLite file of a data folder, or a
// PostgreSQL DSN. The test reads the outbox table with it, which the store offers no listing of.
func openSQL(t *testing.T, dsn string) (*sql.DB, string) {
	t.Helper()
	driver, dialect, source := "sqlite", "sqlite", "file:"+filepath.Join(dsn, "tongban.db")+"?_pragma=busy_timeout(10000)"
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		driver, dialect, source = "pgx", "postgres", dsn
	}
	raw, err := sql.Open(driver, source)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw, dialect
}

// sqlPlaceholders turns ? into $1, $2… for PostgreSQL.
func sqlPlaceholders(dialect, query string) string {
	if dialect != "postgres" {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func readOutbox(t *testing.T, raw *sql.DB) []outboxRow {
	t.Helper()
	rows, err := raw.Query(`SELECT id, topic, idempotency_key, status, attempts, last_error, COALESCE(case_id, 0) FROM outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []outboxRow
	for rows.Next() {
		var r outboxRow
		if err := rows.Scan(&r.id, &r.topic, &r.key, &r.status, &r.attempts, &r.lastError, &r.caseID); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// buildTongban builds the binary into a temporary folder.
func buildTongban(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tongban")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// server is a running tongban serve.
type server struct {
	cmd    *exec.Cmd
	url    string
	stderr string // the file its log goes to
	urls   chan string
	done   chan struct{}
}

// startServer starts tongban serve --demo on a free port and waits until it answers.
func startServer(t *testing.T, bin, data string) *server {
	t.Helper()
	return startServerWith(t, bin, data, nil, "--demo")
}

// startServerWith starts tongban serve on data and a free port, with more flags and
// environment, and waits until it answers.
func startServerWith(t *testing.T, bin, data string, env []string, args ...string) *server {
	t.Helper()
	s := spawnServer(t, bin, data, env, args...)
	s.await(t)
	return s
}

// spawnServer starts tongban serve and returns without waiting for it.
func spawnServer(t *testing.T, bin, data string, env []string, args ...string) *server {
	t.Helper()
	logFile, err := os.CreateTemp(t.TempDir(), "serve-*.log")
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin, append([]string{"serve", "--data", data, "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Stderr = logFile
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, stderr: logFile.Name(), urls: make(chan string, 1), done: make(chan struct{})}
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-s.done
	})
	go func() {
		defer close(s.done)
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			if rest, ok := strings.CutPrefix(lines.Text(), "tongban 已启动："); ok {
				s.urls <- strings.TrimSuffix(rest, "/api/v1/openapi.json")
			}
		}
		cmd.Wait()
	}()
	return s
}

// await waits until the server listens and answers.
func (s *server) await(t *testing.T) {
	t.Helper()
	select {
	case s.url = <-s.urls:
	case <-s.done:
		t.Fatalf("tongban serve exited before it started listening:\n%s", s.log())
	case <-time.After(30 * time.Second):
		// Long, for a loaded machine: on PostgreSQL --demo imports the examples and seeds some
		// fifty users and tokens, a transaction each, before the server listens.
		t.Fatalf("tongban serve did not start within 30 s:\n%s", s.log())
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		resp, err := http.Get(s.url + "/api/v1/openapi.json")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("tongban serve at %s does not answer: %v", s.url, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill ends the server with SIGKILL: no shutdown, no flush, no deferred Close.
func (s *server) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-s.done
}

// stop shuts the server down as Ctrl-C does and checks that it exits cleanly.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	s.awaitExit(t)
}

// awaitExit waits for the server to exit after it was told to stop, and checks that it exited 0.
func (s *server) awaitExit(t *testing.T) {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("tongban serve did not stop within 30 s:\n%s", s.log())
	}
	if code := s.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("tongban serve exited %d:\n%s", code, s.log())
	}
}

// log returns the end of the server's log, for failure messages.
func (s *server) log() string {
	raw, _ := os.ReadFile(s.stderr)
	if len(raw) > 4000 {
		raw = raw[len(raw)-4000:]
	}
	return string(raw)
}
