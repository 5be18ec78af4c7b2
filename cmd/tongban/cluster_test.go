package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, to read the outbox table

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/connectors/simulate"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/store"
	"github.com/xuchang-gov/tongban/runtime/store/storetest"
)

// TestTwoServersShareOnePostgreSQL runs two real `tongban serve` processes on one PostgreSQL
// schema, each with its own data folder (blobs), and spreads a portal's and a bureau's load
// across both:
//   - applicants file 高龄津贴 applications (concluded at once by rules, an SMS queued) and
//     complete 食品经营许可 applications (waiting at 受理), each creation under its own
//     Idempotency-Key, a quarter of them sent to both servers at once (a double submission
//     through a balancer): both must answer with the same case. Materials are files in the
//     blob folder of the server that received them, which the other server does not see: a
//     draft's uploads and its submission go to the server that created it; an application in
//     one request names files uploaded beforehand to both servers (the same bytes, so the same
//     blob in each), by a reference one server signed with the TONGBAN_SECRET they share;
//   - approvers work the submitted 食品经营许可 cases to their end through either server:
//     claim a task on one, then complete it on both at once as the same user — exactly one
//     completion wins, the other gets 409 (after the kill, twice on the survivor).
//
// One server is killed with SIGKILL mid-load; its clients move to the survivor, resending the
// key of a creation that got no answer, and the survivor keeps serving without an error. Then
// two more servers start at the same moment on the same database, each firing the escalation
// timers that are due at its start (the test makes some due now), and:
//   - every acknowledged case exists exactly once (its key, sent again, answers with its
//     number; the database holds one case per key sent);
//   - every audit chain verifies (tongban audit verify -db);
//   - no task was completed twice: no completion was answered 200 twice, and the audit trail
//     holds one task-completed event per task, one for each task done;
//   - each escalation fired once: one escalated event per late task;
//   - every outbox message is delivered once: after a grace period none is pending and none
//     dead — a message the killed server had claimed stays leased to it for 2 minutes, which
//     the test lets run out at once (see settleOutbox) — and the SMS gateway, shared by all
//     servers, applied each message's key once;
//   - no case is stuck without a task or a reason.
//
// The servers' own 30-second timer loop is out of reach of a short test; what is tested is the
// first pass each server makes at its start, two of them racing.
func TestTwoServersShareOnePostgreSQL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs two servers on PostgreSQL")
	}
	dsn := storetest.PostgresDSN(t)
	bin := buildTongban(t)
	sims := startTestSims(t)
	// A slow SMS gateway keeps each deliverer holding claimed messages, so that the kill leaves
	// some leased to the dead server.
	sims.SetFaults(simulate.SMS, simulate.Faults{Latency: 300 * time.Millisecond, Jitter: 200 * time.Millisecond})
	flags := []string{"--db", dsn, "--connectors-base", sims.URL}
	// Servers sharing a database share the key that signs references to files uploaded
	// beforehand (README).
	env := append(slices.Clone(sims.env), "TONGBAN_SECRET=cluster-test-file-secret-0123456789")

	began := time.Now()
	cl := newCluster(t)
	for i, name := range []string{"A", "B"} {
		data := t.TempDir()
		// One after the other: the first imports the examples and creates the demo users, the
		// second finds them and only makes itself tokens.
		srv := startServerWith(t, bin, data, env, append([]string{"--demo"}, flags...)...)
		cl.nodes[i] = &clusterNode{name: name, srv: srv, url: srv.url, data: data}
		cl.readCredentials(t, cl.nodes[i])
	}
	cl.prepare(t)

	// The load: 8 applicants and 6 approvers, spread across both servers.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() { cl.submitter(t, i) })
	}
	for i := range 6 {
		wg.Go(func() { cl.approver(t, i) })
	}
	time.Sleep(time.Duration(1500+rand.IntN(1000)) * time.Millisecond)
	victim := cl.nodes[rand.IntN(2)]
	survivor := cl.other(victim)
	cl.mu.Lock()
	before := cl.count
	cl.mu.Unlock()
	victim.dead.Store(true)
	victim.srv.kill(t)
	killedAt := time.Now()
	time.Sleep(2 * time.Second)
	cl.stop.Store(true)
	wg.Wait()
	loaded := time.Since(began)
	if t.Failed() {
		t.FailNow()
	}
	cl.mu.Lock()
	after := cl.count.minus(before)
	cl.mu.Unlock()
	if after.submitted == 0 || after.completed == 0 {
		t.Errorf("the survivor %s did not keep serving after %s was killed: %d submissions and %d completions after the kill",
			survivor.name, victim.name, after.submitted, after.completed)
	}

	// Escalations: make open watches due now, and start two more servers at once; each fires
	// the due timers as it starts.
	raw, dialect := openSQL(t, dsn)
	watches := makeEscalationsDue(t, raw, 80)
	timersAt := time.Now()
	c := spawnServer(t, bin, t.TempDir(), env, flags...)
	d := spawnServer(t, bin, t.TempDir(), env, flags...)
	c.await(t)
	d.await(t)
	waitEscalationsClosed(t, raw, watches)
	timersTook := time.Since(timersAt)

	ob := settleOutbox(t, raw, dialect, nil)
	received := checkReceivedOnce(t, sims, ob.rows)

	cl.resendKeys(t, survivor)
	// The servers' checkpoints are signed with the secret they share, which verify needs too.
	audit := exec.Command(bin, "audit", "verify", "-db", dsn, "-data", t.TempDir())
	audit.Env = append(os.Environ(), env...)
	out, err := audit.CombinedOutput()
	if err != nil {
		t.Fatalf("tongban audit verify: %v\n%s", err, out)
	}
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cases := allCases(t, db)
	if len(cases) != len(cl.sent) {
		t.Errorf("the database holds %d cases for %d idempotency keys sent", len(cases), len(cl.sent))
	}
	waiting := checkNoCaseStuck(t, db)
	done, concluded := cl.checkCompletedOnce(t, db, cases)
	escalated := checkEscalatedOnce(t, db, raw, watches, ob.rows)

	t.Logf("%s killed %.1f s into %.1f s of load (servers started and prepared included); %s kept serving: %d submissions and %d completions after the kill",
		victim.name, killedAt.Sub(began).Seconds(), loaded.Seconds(), survivor.name, after.submitted, after.completed)
	t.Logf("cases: %d keys sent, %d acknowledged (%d sent to both servers at once); %d submissions filed by A, %d by B: %d 高龄津贴 concluded, %d 食品经营许可 submitted (%d in one request), %d worked to their end through both servers",
		len(cl.sent), len(cl.acked), cl.count.twins, cl.count.byNode[0], cl.count.byNode[1], cl.count.senior, cl.count.food, cl.count.oneRequest, concluded)
	t.Logf("tasks: %d completed once each (%d through A, %d through B), %d completions raced (on both servers, after the kill twice on the survivor), %d losers answered 409; %d cases wait at an open task",
		done, cl.count.completedBy[0], cl.count.completedBy[1], cl.count.raced, cl.count.conflicts, waiting)
	t.Logf("timers: %d escalation watches made due, closed once each by two servers starting together in %.1f s, %d of them escalations",
		len(watches), timersTook.Seconds(), escalated)
	t.Logf("outbox: %s; SMS gateway applied %d messages once each, %d redeliveries answered from its Idempotency-Key memory",
		ob, received, sims.Stats(simulate.SMS).Duplicates)
	t.Logf("tongban audit verify -db: %s", strings.TrimSpace(string(out)))
}

// clusterNode is one of the servers, as the clients see it.
type clusterNode struct {
	name  string
	srv   *server
	url   string
	data  string
	dead  atomic.Bool
	token map[string]string // demo user's token, by name
}

// clusterCount counts what the clients got done.
type clusterCount struct {
	submitted, completed int // after any moment: see minus
	byNode               [2]int
	completedBy          [2]int
	twins                int
	senior, food         int
	oneRequest           int
	raced, conflicts     int
}

func (c clusterCount) minus(o clusterCount) clusterCount {
	return clusterCount{submitted: c.submitted - o.submitted, completed: c.completed - o.completed}
}

// cluster is the clients' side of the test.
type cluster struct {
	nodes                     [2]*clusterNode
	client                    *http.Client
	senior, food              json.RawMessage
	foodUploads, foodDeferred []string
	// foodOneRequest is a 食品经营许可 application in one request, naming files uploaded
	// beforehand to both servers (see prepare).
	foodOneRequest []byte
	staff          map[string]string // demo staff user's name, by "org/role"
	outcomes       map[string]string // the outcome that moves each node of 食品经营许可 on
	stop           atomic.Bool

	mu          sync.Mutex
	sent        map[string]sentKey
	acked       map[string]*ackedCase
	pool        []string        // submitted 食品经营许可 cases waiting for an approver
	completions map[int64]int   // completions answered 200, by task id
	worked      map[string]bool // cases an approver took
	count       clusterCount
}

func newCluster(t *testing.T) *cluster {
	// The result is sent electronically: no postal order whose tracking callbacks would go to
	// the address of the server that ordered it, which may be the one killed.
	var form map[string]any
	if err := json.Unmarshal(readSample(t, foodMatter), &form); err != nil {
		t.Fatal(err)
	}
	form["deliveryMethod"] = "电子送达"
	delete(form, "postal")
	food, _ := json.Marshal(form)
	return &cluster{
		client: &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}},
		senior: readSample(t, seniorMatter), food: food,
		staff: map[string]string{}, outcomes: map[string]string{},
		sent: map[string]sentKey{}, acked: map[string]*ackedCase{}, completions: map[int64]int{}, worked: map[string]bool{},
	}
}

// readCredentials reads the tokens serve --demo wrote into a node's data folder. Both servers'
// files name the same users (SeedDemo reuses them), each with its own tokens.
func (cl *cluster) readCredentials(t *testing.T, n *clusterNode) {
	t.Helper()
	n.token = readDemoTokens(t, n.data)
	raw, err := os.ReadFile(filepath.Join(n.data, app.DemoCredentialsFile))
	if err != nil {
		t.Fatal(err)
	}
	var creds []struct {
		Name, Kind, Org string
		Roles           []string
	}
	if err := json.Unmarshal(raw, &creds); err != nil {
		t.Fatal(err)
	}
	for _, c := range creds {
		for _, role := range c.Roles {
			if _, ok := cl.staff[c.Org+"/"+role]; !ok && c.Kind == "staff" {
				cl.staff[c.Org+"/"+role] = c.Name
			}
		}
	}
}

// prepare learns the outcomes of each step of 食品经营许可 from its guide and the materials an
// application uploads, with a probe draft on A.
func (cl *cluster) prepare(t *testing.T) {
	t.Helper()
	a := cl.nodes[0]
	do := cl.doOn(a)
	status, guide, err := do("", "GET", "/api/v1/matters/"+foodMatter, "", nil)
	if err != nil || status != http.StatusOK {
		t.Fatalf("guide: %d %v", status, err)
	}
	steps, _ := guide["steps"].([]any)
	for _, s := range steps {
		s, _ := s.(map[string]any)
		node, _ := s["node"].(string)
		switch s["type"] {
		case "acceptance":
			cl.outcomes[node] = "accept"
		case "delivery":
			cl.outcomes[node] = ""
		default:
			cl.outcomes[node] = "approve"
		}
	}
	cl.sent["probe-draft"] = sentKey{matter: foodMatter, body: draftBody(foodMatter, cl.food)}
	uploads, deferred, number, err := probeMaterials(do, a.token[enterpriseName], foodMatter, cl.food, "probe-draft")
	if err != nil {
		t.Fatal(err)
	}
	cl.acked["probe-draft"] = &ackedCase{key: "probe-draft", matter: foodMatter, number: number}
	cl.foodUploads, cl.foodDeferred = uploads, deferred
	// The files an application in one request names must be in the blob folder of the server
	// that files it. Uploaded to both, the same bytes are the same blob in each, and a reference
	// signed by one server (with the shared TONGBAN_SECRET) is good on the other.
	for _, n := range cl.nodes {
		body, err := oneRequestApplication(cl.doOn(n), n.token[enterpriseName], foodMatter, cl.food, uploads, deferred)
		if err != nil {
			t.Fatal(err)
		}
		if n == a {
			cl.foodOneRequest = body
		}
	}
}

func (cl *cluster) other(n *clusterNode) *clusterNode {
	if n == cl.nodes[0] {
		return cl.nodes[1]
	}
	return cl.nodes[0]
}

func (cl *cluster) index(n *clusterNode) int {
	if n == cl.nodes[0] {
		return 0
	}
	return 1
}

// live returns n if it is alive, else the other server.
func (cl *cluster) live(n *clusterNode) *clusterNode {
	if n.dead.Load() {
		return cl.other(n)
	}
	return n
}

func (cl *cluster) doOn(n *clusterNode) doFunc {
	return func(token, method, path, contentType string, body []byte, headers ...string) (int, map[string]any, error) {
		return doJSON(cl.client, n.url, token, method, path, contentType, body, headers...)
	}
}

// clusterAnswer is one request's outcome.
type clusterAnswer struct {
	status int
	out    map[string]any
	err    error
}

// send sends a request to n as the demo user named user. It reports ok false when the request
// failed because n was killed; any other failure to get an answer fails the test.
func (cl *cluster) send(t *testing.T, n *clusterNode, user, method, path, contentType string, body []byte, headers ...string) (clusterAnswer, bool) {
	if n.dead.Load() {
		return clusterAnswer{err: fmt.Errorf("%s is dead", n.name)}, false
	}
	status, out, err := cl.doOn(n)(n.token[user], method, path, contentType, body, headers...)
	a := clusterAnswer{status, out, err}
	if err != nil {
		if !n.dead.Load() {
			t.Errorf("%s %s on %s (alive): %v", method, path, n.name, err)
		}
		return a, false
	}
	return a, true
}

// wantStatus checks an answer's status; a dead server's missing answer is no failure.
func wantStatus(t *testing.T, what string, a clusterAnswer, ok bool, status int) bool {
	if !ok {
		return false
	}
	if a.status != status {
		t.Errorf("%s: status %d, want %d: %v", what, a.status, status, a.out)
		return false
	}
	return true
}

// submitter files applications on its home server until the test stops, then on the
// survivor: half the clients 食品经营许可 — two in three in one request naming files uploaded
// beforehand, the others as a draft, its uploads and the submission — the others 高龄津贴.
func (cl *cluster) submitter(t *testing.T, i int) {
	home := cl.nodes[i%2]
	matter, user, form := foodMatter, enterpriseName, cl.food
	if i%4 >= 2 {
		matter, user, form = seniorMatter, "王桂英", cl.senior
	}
	for seq := 0; !cl.stop.Load() && !t.Failed(); seq++ {
		n := cl.live(home)
		key := fmt.Sprintf("c%d-%d", i, seq)
		body := draftBody(matter, form)
		oneRequest := matter == foodMatter && seq%3 != 0
		if oneRequest {
			body = cl.foodOneRequest
		}
		cl.mu.Lock()
		cl.sent[key] = sentKey{matter: matter, body: body}
		cl.mu.Unlock()
		create := func(n *clusterNode) (clusterAnswer, bool) {
			return cl.send(t, n, user, "POST", "/api/v1/cases", "application/json", body, "Idempotency-Key", key)
		}

		var a clusterAnswer
		var ok bool
		if seq%4 == 3 && !cl.other(n).dead.Load() {
			// The same key to both servers at once: one case, both answers name it.
			var b clusterAnswer
			var bok bool
			var wg sync.WaitGroup
			wg.Go(func() { b, bok = create(cl.other(n)) })
			a, ok = create(n)
			wg.Wait()
			if ok && bok && (a.status != http.StatusCreated || b.status != http.StatusCreated || a.out["number"] != b.out["number"]) {
				t.Errorf("key %s sent to both servers: %d %v and %d %v, want one case", key, a.status, a.out["number"], b.status, b.out["number"])
				return
			}
			if !ok && bok {
				a, ok, n = b, bok, cl.other(n)
			}
			cl.mu.Lock()
			cl.count.twins++
			cl.mu.Unlock()
		} else {
			a, ok = create(n)
		}
		if !ok {
			// No answer: the server died. Resend the key to the survivor, as a client behind a
			// balancer would, and file the next application there.
			n = cl.live(n)
			a, ok = create(n)
		}
		if !wantStatus(t, "create "+key+" on "+n.name, a, ok, http.StatusCreated) {
			continue
		}
		number, _ := a.out["number"].(string)
		ack := &ackedCase{key: key, matter: matter, number: number, oneRequest: oneRequest}
		cl.mu.Lock()
		cl.acked[key] = ack
		cl.mu.Unlock()
		if oneRequest {
			if problem := submittedProblem(matter, a.out); problem != "" {
				t.Errorf("%s %s filed in one request on %s: %s", matter, number, n.name, problem)
				continue
			}
			cl.submitted(n, ack)
			continue
		}
		if a.out["status"] != "draft" || anyUploaded(a.out) {
			continue // a resent key whose case went further on the dead server: leave it
		}

		// The uploads and the submission, on the server that holds the files.
		uploads, submit := seniorUploads, []byte(`{}`)
		if matter == foodMatter {
			uploads = cl.foodUploads
			submit, _ = json.Marshal(map[string]any{"deferred": append([]string{}, cl.foodDeferred...)})
		}
		for _, m := range uploads {
			contentType, file := samplePDF()
			a, ok = cl.send(t, n, user, "POST", "/api/v1/cases/"+number+"/materials/"+m, contentType, file)
			if !wantStatus(t, "upload "+m+" to "+number+" on "+n.name, a, ok, http.StatusCreated) {
				break
			}
		}
		if !ok {
			continue // the server died with the files: the case stays a draft
		}
		a, ok = cl.send(t, n, user, "POST", "/api/v1/cases/"+number+"/submit", "application/json", submit)
		if !wantStatus(t, "submit "+number+" on "+n.name, a, ok, http.StatusOK) {
			continue
		}
		if problem := submittedProblem(matter, a.out); problem != "" {
			t.Errorf("%s %s on %s: %s", matter, number, n.name, problem)
			continue
		}
		cl.submitted(n, ack)
	}
}

// submitted records an acknowledged submission on n; a 食品经营许可 goes to the approvers.
func (cl *cluster) submitted(n *clusterNode, ack *ackedCase) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	ack.submitted = true
	cl.count.submitted++
	cl.count.byNode[cl.index(n)]++
	if ack.oneRequest {
		cl.count.oneRequest++
	}
	if ack.matter == foodMatter {
		cl.count.food++
		cl.pool = append(cl.pool, ack.number)
	} else {
		cl.count.senior++
	}
}

// anyUploaded reports whether a case view lists an uploaded file.
func anyUploaded(view map[string]any) bool {
	materials, _ := view["materials"].([]any)
	for _, m := range materials {
		if m, ok := m.(map[string]any); ok {
			if files, _ := m["files"].([]any); len(files) > 0 {
				return true
			}
		}
	}
	return false
}

// approver works submitted 食品经营许可 cases to their end until the test stops.
func (cl *cluster) approver(t *testing.T, i int) {
	for !cl.stop.Load() && !t.Failed() {
		cl.mu.Lock()
		var number string
		if len(cl.pool) > 0 {
			number, cl.pool = cl.pool[0], cl.pool[1:]
			cl.worked[number] = true
		}
		cl.mu.Unlock()
		if number == "" {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		cl.work(t, number)
	}
}

// pick returns a live server at random.
func (cl *cluster) pick() *clusterNode {
	return cl.live(cl.nodes[rand.IntN(2)])
}

// work takes a case through its tasks: read it on either server, claim its open task on
// either, then complete it on both at once as the same user.
func (cl *cluster) work(t *testing.T, number string) {
	for step := 0; step < 20 && !cl.stop.Load(); step++ {
		n := cl.pick()
		a, ok := cl.send(t, n, enterpriseName, "GET", "/api/v1/cases/"+number, "", nil)
		if !ok {
			continue
		}
		if !wantStatus(t, "read "+number+" on "+n.name, a, ok, http.StatusOK) {
			return
		}
		task := openPersonTask(a.out)
		if task == nil {
			if a.out["concludedAt"] == nil {
				t.Errorf("%s is %v: no task open and not concluded", number, a.out["status"])
			}
			return
		}
		id := int64(task["id"].(float64))
		node, _ := task["node"].(string)
		user := cl.staff[fmt.Sprint(task["orgCode"])+"/"+fmt.Sprint(task["role"])]
		if user == "" {
			t.Errorf("no demo user holds %v/%v", task["orgCode"], task["role"])
			return
		}
		path := fmt.Sprintf("/api/v1/tasks/%d", id)
		if task["status"] == "open" {
			n = cl.pick()
			a, ok = cl.send(t, n, user, "POST", path+"/claim", "application/json", []byte(`{}`))
			if !ok {
				continue
			}
			if !wantStatus(t, "claim task "+fmt.Sprint(id)+" of "+number+" on "+n.name, a, ok, http.StatusOK) {
				return
			}
		}
		body, _ := json.Marshal(map[string]string{"outcome": cl.outcomes[node], "opinion": "经审查，符合要求（集群测试）"})
		targets := []*clusterNode{cl.nodes[0], cl.nodes[1]}
		if cl.nodes[0].dead.Load() || cl.nodes[1].dead.Load() {
			s := cl.pick()
			targets = []*clusterNode{s, s}
		}
		answers := make([]clusterAnswer, 2)
		oks := make([]bool, 2)
		var wg sync.WaitGroup
		for k, target := range targets {
			wg.Go(func() {
				answers[k], oks[k] = cl.send(t, target, user, "POST", path+"/complete", "application/json", body)
			})
		}
		wg.Wait()
		won := 0
		for k, a := range answers {
			switch {
			case !oks[k]:
			case a.status == http.StatusOK:
				won++
				cl.mu.Lock()
				cl.completions[id]++
				cl.count.completed++
				cl.count.completedBy[cl.index(targets[k])]++
				cl.mu.Unlock()
			case a.status == http.StatusConflict:
				cl.mu.Lock()
				cl.count.conflicts++
				cl.mu.Unlock()
			default:
				t.Errorf("completing task %d of %s on %s: status %d %v", id, number, targets[k].name, a.status, a.out)
				return
			}
		}
		cl.mu.Lock()
		cl.count.raced++
		cl.mu.Unlock()
		if won > 1 {
			t.Errorf("task %d of %s was completed %d times at once", id, number, won)
			return
		}
		if won == 0 && oks[0] && oks[1] && !cl.nodes[0].dead.Load() && !cl.nodes[1].dead.Load() {
			// (With a server killed, its last completion may commit after the survivor read the
			// task: both answers are then 409, rightly; the audit trail shows who completed it.)
			t.Errorf("task %d of %s: neither completion won: %v", id, number, answers)
			return
		}
	}
}

// openPersonTask is the first task of a case view waiting for a person (or its delivery).
func openPersonTask(view map[string]any) map[string]any {
	tasks, _ := view["tasks"].([]any)
	for _, task := range tasks {
		task, _ := task.(map[string]any)
		if (task["status"] == "open" || task["status"] == "claimed") && (task["kind"] == "person" || task["kind"] == "delivery") {
			return task
		}
	}
	return nil
}

// resendKeys sends every key again to the survivor, as clients retrying after the crash do:
// each acknowledged key answers with its own case, and no two keys with the same case.
func (cl *cluster) resendKeys(t *testing.T, n *clusterNode) {
	t.Helper()
	keys := make(chan string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	numbers := map[string]string{}
	for range 8 {
		wg.Go(func() {
			for key := range keys {
				user := enterpriseName
				if cl.sent[key].matter == seniorMatter {
					user = "王桂英"
				}
				a, ok := cl.send(t, n, user, "POST", "/api/v1/cases", "application/json", cl.sent[key].body, "Idempotency-Key", key)
				if !wantStatus(t, "resend "+key, a, ok, http.StatusCreated) {
					continue
				}
				number, _ := a.out["number"].(string)
				mu.Lock()
				if other, dup := numbers[number]; dup {
					t.Errorf("keys %s and %s both answer with case %s", other, key, number)
				}
				numbers[number] = key
				mu.Unlock()
				if ack := cl.acked[key]; ack != nil && ack.number != number {
					t.Errorf("key %s made case %s, and now answers %s: a second case", key, ack.number, number)
				}
			}
		})
	}
	for key := range cl.sent {
		keys <- key
	}
	close(keys)
	wg.Wait()
}

// checkCompletedOnce checks in the store that no task was completed twice: the clients got at
// most one 200 per task, a task they got it for is done, and each case's audit trail holds one
// task-completed event per task id, exactly one for each person's or delivery task done. It
// returns how many tasks are done and how many worked cases concluded.
func (cl *cluster) checkCompletedOnce(t *testing.T, db *store.DB, cases []*runtime.Case) (done, concluded int) {
	t.Helper()
	ctx := context.Background()
	for id, n := range cl.completions {
		if n > 1 {
			t.Errorf("task %d: %d completions answered 200", id, n)
		}
	}
	for _, c := range cases {
		events, err := db.ListEvents(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		completed := map[int64]int{}
		for _, e := range events {
			if e.Type != "task-completed" {
				continue
			}
			var d struct{ Task int64 }
			if err := json.Unmarshal(e.Data, &d); err != nil {
				t.Fatal(err)
			}
			completed[d.Task]++
		}
		tasks, _, err := db.ListTasks(ctx, runtime.TaskQuery{CaseID: c.ID, Limit: 500,
			Kinds: []runtime.TaskKind{runtime.TaskPerson, runtime.TaskDelivery}})
		if err != nil {
			t.Fatal(err)
		}
		for _, task := range tasks {
			want := 0
			if task.Status == runtime.TaskDone {
				want = 1
				done++
			}
			if completed[task.ID] != want {
				t.Errorf("%s task %d (%s, %s) has %d task-completed events, want %d", c.Number, task.ID, task.Node, task.Status, completed[task.ID], want)
			}
			if cl.completions[task.ID] > 0 && task.Status != runtime.TaskDone {
				t.Errorf("%s task %d was answered 200 for its completion but is %s", c.Number, task.ID, task.Status)
			}
			delete(completed, task.ID)
		}
		for id, n := range completed {
			t.Errorf("%s: %d task-completed events for task %d, which it does not have", c.Number, n, id)
		}
		if cl.worked[c.Number] && c.ConcludedAt != nil {
			concluded++
		}
	}
	return done, concluded
}

// makeEscalationsDue makes up to n open escalation watches due a second ago, as if their days
// had passed, and returns their ids. A server fires at most 100 due timers as it starts (and
// then waits 30 s), so n stays below that.
func makeEscalationsDue(t *testing.T, raw *sql.DB, n int) []int64 {
	t.Helper()
	// Watches whose task is still open first: those escalate; the others close as not needed.
	rows, err := raw.Query(`SELECT e.id FROM tasks e WHERE e.kind = 'escalation' AND e.status = 'open'
		ORDER BY EXISTS (SELECT 1 FROM tasks p WHERE p.case_id = e.case_id AND p.node = e.node AND p.kind = 'person'
			AND p.status IN ('open', 'claimed')) DESC, e.id LIMIT $1`, n)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) == 0 {
		t.Fatal("no escalation watch is open: no 食品经营许可 case got past 受理")
	}
	for _, id := range ids {
		if _, err := raw.Exec(`UPDATE tasks SET due_at = $1 WHERE id = $2`, time.Now().Add(-time.Second).UTC(), id); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// waitEscalationsClosed waits until the servers have closed every watch made due.
func waitEscalationsClosed(t *testing.T, raw *sql.DB, ids []int64) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var open int
		for _, id := range ids {
			var status string
			if err := raw.QueryRow(`SELECT status FROM tasks WHERE id = $1`, id).Scan(&status); err != nil {
				t.Fatal(err)
			}
			if status == string(runtime.TaskOpen) {
				open++
			}
		}
		if open == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d due escalation watches are still open 15 s after two servers started", open, len(ids))
		}
	}
}

// checkEscalatedOnce checks that each watch made due was handled once: closed, with an
// escalated event when its task was still open (outcome escalated) and none when the task had
// been done (not-needed); no notice is queued for staff. It returns how many escalated.
func checkEscalatedOnce(t *testing.T, db *store.DB, raw *sql.DB, ids []int64, outbox []outboxRow) int {
	t.Helper()
	notices := map[string]int{}
	for _, r := range outbox {
		if strings.HasPrefix(r.key, "escalation:") {
			notices[r.key]++
		}
	}
	escalated := 0
	events := map[int64][]runtime.Event{}
	for _, id := range ids {
		var status, outcome string
		var caseID int64
		if err := raw.QueryRow(`SELECT status, outcome, case_id FROM tasks WHERE id = $1`, id).Scan(&status, &outcome, &caseID); err != nil {
			t.Fatal(err)
		}
		if status != string(runtime.TaskDone) || !slices.Contains([]string{"escalated", "not-needed"}, outcome) {
			t.Errorf("escalation watch %d is %s (%s) after the timers ran", id, status, outcome)
			continue
		}
		if outcome == "escalated" {
			escalated++
		}
		if n := notices[fmt.Sprintf("escalation:%d", id)]; n != 0 {
			t.Errorf("escalation watch %d (%s) queued %d notices", id, outcome, n)
		}
		if _, ok := events[caseID]; !ok {
			evs, err := db.ListEvents(context.Background(), caseID)
			if err != nil {
				t.Fatal(err)
			}
			events[caseID] = evs
		}
	}
	// One escalated event per late task: a watch fired twice would write two.
	for caseID, evs := range events {
		late := map[int64]int{}
		for _, e := range evs {
			if e.Type == "escalated" {
				var d struct{ Task int64 }
				json.Unmarshal(e.Data, &d)
				late[d.Task]++
			}
		}
		for task, n := range late {
			if n > 1 {
				t.Errorf("case %d: task %d escalated %d times", caseID, task, n)
			}
		}
	}
	return escalated
}
