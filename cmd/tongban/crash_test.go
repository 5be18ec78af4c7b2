package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/runtime/store"
)

// Demo users of the crash test, and what each files.
const (
	soleProprietor = "sole-proprietor-registration" // a draft in one request, as 张伟
	seniorMatter   = "senior-longevity-allowance"   // draft, two uploads, submit; concludes at once, as 王桂英
)

// seniorUploads are the materials the 高龄津贴 sample needs uploaded: the payment card, and the
// power of attorney because a child applies for the elder.
var seniorUploads = []string{"paymentCard", "powerOfAttorney"}

// TestKill9KeepsEveryAcknowledgedCase runs the real binary under a portal's load — 16 clients
// filing drafts and complete 秒批 applications, each creation carrying its own Idempotency-Key —
// kills it with SIGKILL at a random moment, restarts it on the same data folder, three times.
// Then every case the server acknowledged must be there exactly once (its key, sent again,
// answers with the same number, and the database holds one case per key sent), every audit
// chain must verify, and no case may be caught between states: every 高龄津贴 is a draft or
// concluded approved, and every acknowledged submission approved.
func TestKill9KeepsEveryAcknowledgedCase(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it three times")
	}
	bin := filepath.Join(t.TempDir(), "tongban")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := t.TempDir()
	ld := &load{
		sole:   readSample(t, soleProprietor),
		senior: readSample(t, seniorMatter),
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}},
		acked:  map[string]*ackedCase{},
		sent:   map[string]sentKey{},
	}

	const rounds = 3
	kills := 0
	for round := range rounds {
		srv := startServer(t, bin, data)
		if round == 0 {
			ld.readTokens(t, data)
		}
		ld.url = srv.url
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

	if len(ld.acked) == 0 {
		t.Fatal("the server acknowledged nothing before the kills")
	}
	srv := startServer(t, bin, data)
	ld.url = srv.url
	ld.verify(t)
	srv.stop(t)

	audit := exec.Command(bin, "audit", "verify", "-data", data)
	if out, err := audit.CombinedOutput(); err != nil {
		t.Fatalf("tongban audit verify: %v\n%s", err, out)
	} else {
		t.Logf("tongban audit verify: %s", bytes.TrimSpace(out))
	}
	ld.checkStore(t, data)

	drafts, submitted := 0, 0
	for _, a := range ld.acked {
		if a.submitted {
			submitted++
		} else {
			drafts++
		}
	}
	t.Logf("%d kills; %d creations acknowledged (%d of them 高龄津贴 submissions concluded approved), %d more in flight at a kill and retried",
		kills, len(ld.acked), submitted, len(ld.sent)-len(ld.acked))
}

// ackedCase is a creation the server answered with 2xx, and whether its 高龄津贴 was submitted.
type ackedCase struct {
	key, matter, number string
	submitted           bool
}

// sentKey is an Idempotency-Key that was sent, whatever became of the request.
type sentKey struct {
	matter string
}

// load is the portal's side of the test: what it sent and what the server acknowledged.
type load struct {
	url          string
	client       *http.Client
	sole, senior json.RawMessage
	citizen      string // 张伟's token
	elder        string // 王桂英's token
	killed       atomic.Bool

	mu    sync.Mutex
	acked map[string]*ackedCase // by Idempotency-Key
	sent  map[string]sentKey
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
	raw, err := os.ReadFile(filepath.Join(data, demoCredentialsFile))
	if err != nil {
		t.Fatal(err)
	}
	var creds []struct{ Name, Token string }
	if err := json.Unmarshal(raw, &creds); err != nil {
		t.Fatal(err)
	}
	for _, c := range creds {
		switch c.Name {
		case "张伟":
			ld.citizen = c.Token
		case "王桂英":
			ld.elder = c.Token
		}
	}
	if ld.citizen == "" || ld.elder == "" {
		t.Fatalf("%s lacks 张伟 or 王桂英", demoCredentialsFile)
	}
}

// run files cases until the server dies: even clients drafts of 个体工商户登记, odd ones
// complete 高龄津贴 applications.
func (ld *load) run(t *testing.T, round, client int) {
	for seq := 0; ; seq++ {
		key := fmt.Sprintf("r%d-c%d-%d", round, client, seq)
		matter := soleProprietor
		if client%2 == 1 {
			matter = seniorMatter
		}
		ld.mu.Lock()
		ld.sent[key] = sentKey{matter: matter}
		ld.mu.Unlock()
		if !ld.file(t, key, matter) {
			return
		}
	}
}

// file creates one case and, for 高龄津贴, uploads its materials and submits it. It records
// each acknowledgement and returns false when the server is gone (or answered wrongly).
func (ld *load) file(t *testing.T, key, matter string) bool {
	token, form := ld.citizen, ld.sole
	if matter == seniorMatter {
		token, form = ld.elder, ld.senior
	}
	body, _ := json.Marshal(map[string]any{"matter": matter, "form": form, "draft": true})
	status, out, err := ld.do(token, "POST", "/api/v1/cases", "application/json", body, "Idempotency-Key", key)
	if !ld.answered(t, "create "+key, status, out, err, http.StatusCreated) {
		return false
	}
	number := out["number"].(string)
	ack := &ackedCase{key: key, matter: matter, number: number}
	ld.mu.Lock()
	ld.acked[key] = ack
	ld.mu.Unlock()
	if matter != seniorMatter {
		return true
	}
	for _, m := range seniorUploads {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		part, _ := w.CreateFormFile("file", "材料.pdf")
		part.Write([]byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"))
		w.Close()
		status, out, err := ld.do(token, "POST", "/api/v1/cases/"+number+"/materials/"+m, w.FormDataContentType(), buf.Bytes())
		if !ld.answered(t, "upload "+m+" to "+number, status, out, err, http.StatusCreated) {
			return false
		}
	}
	status, out, err = ld.do(token, "POST", "/api/v1/cases/"+number+"/submit", "application/json", []byte(`{}`))
	if !ld.answered(t, "submit "+number, status, out, err, http.StatusOK) {
		return false
	}
	if out["status"] != "approved" {
		t.Errorf("高龄津贴 %s did not conclude at once: status %v", number, out["status"])
		return false
	}
	ld.mu.Lock()
	ack.submitted = true
	ld.mu.Unlock()
	return true
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
	req, err := http.NewRequest(method, ld.url+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := ld.client.Do(req)
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
				matter := ld.sent[key].matter
				token, form := ld.citizen, ld.sole
				if matter == seniorMatter {
					token, form = ld.elder, ld.senior
				}
				body, _ := json.Marshal(map[string]any{"matter": matter, "form": form, "draft": true})
				status, out, err := ld.do(token, "POST", "/api/v1/cases", "application/json", body, "Idempotency-Key", key)
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
				if a.submitted && out["status"] != "approved" {
					t.Errorf("acknowledged submission %s is %v, want approved", a.number, out["status"])
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

// checkStore opens the stopped server's database: one case per key sent and no other, and
// none half way — a 个体工商户登记 is a draft, a 高龄津贴 a draft or concluded approved.
func (ld *load) checkStore(t *testing.T, data string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	total := 0
	for offset := 0; ; offset += 500 {
		cases, _, err := db.ListCases(ctx, store.CaseFilter{Offset: offset, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			total++
			switch {
			case c.Matter == soleProprietor && c.Status != "draft":
				t.Errorf("%s %s is %s, want draft", c.Matter, c.Number, c.Status)
			case c.Matter == seniorMatter && c.Status == "approved" && c.ConcludedAt == nil:
				t.Errorf("%s is approved but not concluded", c.Number)
			case c.Matter == seniorMatter && c.Status != "draft" && c.Status != "approved":
				t.Errorf("%s %s is caught half way: %s", c.Matter, c.Number, c.Status)
			}
		}
		if len(cases) < 500 {
			break
		}
	}
	if total != len(ld.sent) {
		t.Errorf("the database holds %d cases for %d idempotency keys sent", total, len(ld.sent))
	}
}

// server is a running tongban serve.
type server struct {
	cmd    *exec.Cmd
	url    string
	stderr string // the file its log goes to
	done   chan struct{}
}

// startServer starts tongban serve --demo on a free port and waits until it answers.
func startServer(t *testing.T, bin, data string) *server {
	t.Helper()
	logFile, err := os.CreateTemp(t.TempDir(), "serve-*.log")
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin, "serve", "--demo", "--data", data, "--addr", "127.0.0.1:0")
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, stderr: logFile.Name(), done: make(chan struct{})}
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-s.done
	})
	urls := make(chan string, 1)
	go func() {
		defer close(s.done)
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			if rest, ok := strings.CutPrefix(lines.Text(), "tongban 已启动："); ok {
				urls <- strings.TrimSuffix(rest, "/api/v1/openapi.json")
			}
		}
		cmd.Wait()
	}()
	select {
	case s.url = <-urls:
	case <-s.done:
		t.Fatalf("tongban serve exited before it started listening:\n%s", s.log())
	case <-time.After(15 * time.Second):
		t.Fatalf("tongban serve did not start within 15 s:\n%s", s.log())
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		resp, err := http.Get(s.url + "/api/v1/openapi.json")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
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
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		t.Fatalf("tongban serve did not stop within 15 s:\n%s", s.log())
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
