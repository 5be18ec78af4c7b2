package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/store"
)

// RunConformance is the one suite every database the store runs on must pass. open returns a
// store on a fresh, empty database (or schema) that is cleaned up when the test ends.
func RunConformance(t *testing.T, open func(t *testing.T) *store.DB) {
	tests := []struct {
		name string
		run  func(t *testing.T, db *store.DB)
	}{
		{"MigrationsIdempotent", testMigrationsIdempotent},
		{"MatterVersions", testMatterVersions},
		{"PublishedVersionsImmutable", testPublishedImmutable},
		{"CreateAndReadCase", testCreateAndReadCase},
		{"ListCases", testListCases},
		{"IdempotencyKeyConcurrent", testIdempotencyConcurrent},
		{"OptimisticConflict", testOptimisticConflict},
		{"UnitOfWorkAtomic", testUnitOfWorkAtomic},
		{"AfterCommit", testAfterCommit},
		{"HashChain", testHashChain},
		{"HashChainDetectsTampering", testHashChainTampering},
		{"ConcurrentAppendsStayContiguous", testConcurrentAppends},
		{"AuditAnchors", testAuditAnchors},
		{"TaskClaimRace", testTaskClaimRace},
		{"TaskLifecycle", testTaskLifecycle},
		{"OutboxConcurrentClaimers", testOutboxConcurrentClaimers},
		{"OutboxRetryAndDeadLetters", testOutboxRetry},
		{"OutboxBacklogs", testOutboxBacklogs},
		{"CaseNumbersUniqueConcurrent", testCaseNumbersConcurrent},
		{"UsersAndTokens", testUsersAndTokens},
		{"Blobs", testBlobs},
		{"Drafts", testDrafts},
		{"DesignEvents", testDesignEvents},
		{"Themes", testThemes},
		{"AppointmentsNeverOverbooked", testAppointmentsConcurrent},
		{"TicketNumbersConcurrent", testTicketsConcurrent},
		{"AppointmentSweep", testAppointmentSweep},
		{"Dashboards", testDashboards},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t)) })
	}
}

var ctx = context.Background()

// code returns the domain error code of err, failing the test for internal errors if want is
// not internal.
func wantCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := runtime.ErrorCode(err); got != want {
		t.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
}

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

var matterFiles = map[string][]byte{
	"matter.json":      []byte(`{"slug":"food-license","name":"食品经营许可"}`),
	"form.schema.json": []byte(`{"type":"object"}`),
}

// publish makes a published matter version for cases to pin.
func publish(t *testing.T, db *store.DB) *runtime.MatterVersion {
	t.Helper()
	return must[*runtime.MatterVersion](t)(db.PublishMatterVersion(ctx, "food-license", matterFiles))
}

func newCase(mv *runtime.MatterVersion, applicant int64) runtime.NewCase {
	return runtime.NewCase{
		Case: runtime.Case{Matter: mv.Slug, MatterVersion: mv.Version, ApplicantID: applicant, Channel: "online",
			Status: runtime.StatusSubmitted, OrgCode: "411000-scjg", DivisionCode: "411002",
			Form: json.RawMessage(`{"name": "许昌 食品店", "area": 120}`)},
		Events: []runtime.Event{{Type: "submitted", Actor: "applicant", Data: json.RawMessage(`{"channel":"online"}`)}},
	}
}

func testMigrationsIdempotent(t *testing.T, db *store.DB) {
	v := must[int](t)(db.SchemaVersion(ctx))
	if v < 1 {
		t.Fatalf("schema version = %d after Open", v)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 { // instances starting together
		wg.Go(func() { errs <- db.Migrate(ctx) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent Migrate: %v", err)
		}
	}
	if again := must[int](t)(db.SchemaVersion(ctx)); again != v {
		t.Fatalf("schema version changed from %d to %d", v, again)
	}
}

func testMatterVersions(t *testing.T, db *store.DB) {
	_, err := db.LatestPublished(ctx, "food-license")
	wantCode(t, err, runtime.ENOTFOUND)

	v1 := publish(t, db)
	if v1.Version != 1 || v1.Status != runtime.MatterPublished || v1.PublishedAt == nil {
		t.Fatalf("first publish = %+v", v1)
	}
	if v1.ContentHash != store.ContentHash(matterFiles) || len(v1.ContentHash) != 64 {
		t.Fatalf("content hash = %q", v1.ContentHash)
	}
	if again := publish(t, db); again.Version != 1 {
		t.Fatalf("publishing identical files made version %d, want 1", again.Version)
	}

	changed := map[string][]byte{"matter.json": []byte(`{"slug":"food-license","name":"食品经营许可（新）"}`)}
	draft := must[*runtime.MatterVersion](t)(db.SaveDraft(ctx, "food-license", changed))
	if draft.Version != 2 || draft.Status != runtime.MatterDraft {
		t.Fatalf("draft = %+v", draft)
	}
	changed["fees.json"] = []byte(`[]`)
	draft = must[*runtime.MatterVersion](t)(db.SaveDraft(ctx, "food-license", changed))
	if draft.Version != 2 || len(draft.Files) != 2 {
		t.Fatalf("second draft save = %+v", draft)
	}
	if latest := must[*runtime.MatterVersion](t)(db.LatestPublished(ctx, "food-license")); latest.Version != 1 {
		t.Fatalf("a draft changed the latest published version to %d", latest.Version)
	}
	v2 := must[*runtime.MatterVersion](t)(db.PublishMatterVersion(ctx, "food-license", changed))
	if v2.Version != 2 || v2.Status != runtime.MatterPublished {
		t.Fatalf("publishing the draft = %+v", v2)
	}
	got := must[*runtime.MatterVersion](t)(db.MatterVersion(ctx, "food-license", 1))
	if string(got.Files["matter.json"]) != string(matterFiles["matter.json"]) {
		t.Fatalf("version 1 files changed: %s", got.Files["matter.json"])
	}
	_, err = db.MatterVersion(ctx, "food-license", 9)
	wantCode(t, err, runtime.ENOTFOUND)
	_, err = db.PublishMatterVersion(ctx, "", matterFiles)
	wantCode(t, err, runtime.EINVALID)

	must[*runtime.MatterVersion](t)(db.PublishMatterVersion(ctx, "birth-cert", matterFiles))
	all := must[[]*runtime.MatterVersion](t)(db.ListLatestPublished(ctx))
	if len(all) != 2 || all[0].Slug != "birth-cert" || all[1].Slug != "food-license" || all[1].Version != 2 {
		t.Fatalf("ListLatestPublished = %d versions: %+v", len(all), all)
	}
}

func testPublishedImmutable(t *testing.T, db *store.DB) {
	v1 := publish(t, db)
	err := db.ExecSQL(ctx, "UPDATE matter_versions SET files = ? WHERE slug = ? AND version = 1", []byte(`{}`), v1.Slug)
	if err == nil {
		t.Fatal("the database let a published version change")
	}
	if err := db.ExecSQL(ctx, "DELETE FROM matter_versions WHERE slug = ?", v1.Slug); err == nil {
		t.Fatal("the database let a published version be deleted")
	}
	got := must[*runtime.MatterVersion](t)(db.MatterVersion(ctx, v1.Slug, 1))
	if got.ContentHash != v1.ContentHash || store.ContentHash(got.Files) != v1.ContentHash {
		t.Fatalf("published version changed: %+v", got)
	}
	// Drafts may still change.
	must[*runtime.MatterVersion](t)(db.SaveDraft(ctx, v1.Slug, map[string][]byte{"a.json": []byte(`1`)}))
	if err := db.ExecSQL(ctx, "UPDATE matter_versions SET content_hash = 'x' WHERE status = 'draft'"); err != nil {
		t.Fatalf("updating a draft: %v", err)
	}
}

func testCreateAndReadCase(t *testing.T, db *store.DB) {
	mv := publish(t, db)
	nc := newCase(mv, 0)
	nc.Tasks = []runtime.Task{{Node: "accept", Name: "受理", OrgCode: "411000-scjg", Role: "clerk"}}
	nc.Outbox = []runtime.OutboxMessage{{Topic: "sms", Payload: json.RawMessage(`{"to":"13800000000"}`)}}
	c, created, err := db.CreateCase(ctx, nc)
	if err != nil || !created {
		t.Fatalf("CreateCase = %v, %v", created, err)
	}
	if c.ID == 0 || c.Revision != 1 || c.CreatedAt.IsZero() || len(c.QueryCode) != 8 {
		t.Fatalf("created case = %+v", c)
	}
	if !regexp.MustCompile(`^XC\d{8}\d{6}$`).MatchString(c.Number) {
		t.Fatalf("case number %q", c.Number)
	}
	got := must[*runtime.Case](t)(db.GetCase(ctx, c.ID))
	if got.Number != c.Number || got.Status != runtime.StatusSubmitted || string(got.Form) != `{"name":"许昌 食品店","area":120}` {
		t.Fatalf("GetCase = %+v form %s", got, got.Form)
	}
	if !got.CreatedAt.Equal(c.CreatedAt) {
		t.Fatalf("CreatedAt %v, stored %v", c.CreatedAt, got.CreatedAt)
	}
	byNumber := must[*runtime.Case](t)(db.GetCaseByNumber(ctx, c.Number))
	if byNumber.ID != c.ID {
		t.Fatalf("GetCaseByNumber = %d, want %d", byNumber.ID, c.ID)
	}
	events := must[[]runtime.Event](t)(db.ListEvents(ctx, c.ID))
	if len(events) != 1 || events[0].Seq != 1 || events[0].CaseID != c.ID {
		t.Fatalf("events = %+v", events)
	}
	tasks, n, err := db.ListTasks(ctx, runtime.TaskQuery{CaseID: c.ID})
	if err != nil || n != 1 || tasks[0].Status != runtime.TaskOpen {
		t.Fatalf("tasks = %+v, %d, %v", tasks, n, err)
	}
	msgs := must[[]*runtime.OutboxMessage](t)(db.ClaimOutbox(ctx, 10, time.Minute))
	if len(msgs) != 1 || msgs[0].CaseID != c.ID || msgs[0].Topic != "sms" {
		t.Fatalf("outbox = %+v", msgs)
	}

	_, err = db.GetCase(ctx, c.ID+1000)
	wantCode(t, err, runtime.ENOTFOUND)
	_, err = db.GetCaseByNumber(ctx, "XC00000000000000")
	wantCode(t, err, runtime.ENOTFOUND)

	bad := newCase(mv, 0)
	bad.Case.MatterVersion = 99
	_, _, err = db.CreateCase(ctx, bad)
	wantCode(t, err, runtime.ENOTFOUND)
	bad = newCase(mv, 0)
	bad.Case.Form = json.RawMessage(`{"name":`)
	_, _, err = db.CreateCase(ctx, bad)
	wantCode(t, err, runtime.EINVALID)
	if _, total, _ := db.ListCases(ctx, runtime.CaseQuery{}); total != 1 {
		t.Fatalf("failed creations left cases behind: %d cases", total)
	}
}

func testListCases(t *testing.T, db *store.DB) {
	mv := publish(t, db)
	alice := must[*runtime.User](t)(db.CreateUser(ctx, runtime.User{Name: "张三", Kind: "person"}))
	for i := range 7 {
		nc := newCase(mv, 0)
		if i%2 == 0 {
			nc.Case.ApplicantID = alice.ID
		}
		if i >= 5 {
			nc.Case.OrgCode = "411081-scjg"
			nc.Case.Status = runtime.StatusAccepted
		}
		if _, _, err := db.CreateCase(ctx, nc); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		filter runtime.CaseQuery
		total  int
		page   int
	}{
		{"all", runtime.CaseQuery{}, 7, 7},
		{"applicant", runtime.CaseQuery{ApplicantID: alice.ID}, 4, 4},
		{"org", runtime.CaseQuery{OrgCodes: []string{"411081-scjg"}}, 2, 2},
		{"orgs", runtime.CaseQuery{OrgCodes: []string{"411081-scjg", "411000-scjg"}}, 7, 7},
		{"status", runtime.CaseQuery{Status: []runtime.Status{runtime.StatusSubmitted}}, 5, 5},
		{"matter", runtime.CaseQuery{Matter: "other"}, 0, 0},
		{"page", runtime.CaseQuery{Offset: 2, Limit: 3}, 7, 3},
		{"last page", runtime.CaseQuery{Offset: 6, Limit: 3}, 7, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cases, total, err := db.ListCases(ctx, tc.filter)
			if err != nil || total != tc.total || len(cases) != tc.page {
				t.Fatalf("got %d of %d, %v; want %d of %d", len(cases), total, err, tc.page, tc.total)
			}
			for i := 1; i < len(cases); i++ {
				if cases[i].ID >= cases[i-1].ID {
					t.Fatalf("not newest first: %d after %d", cases[i].ID, cases[i-1].ID)
				}
			}
		})
	}
}

func testIdempotencyConcurrent(t *testing.T, db *store.DB) {
	mv := publish(t, db)
	applicant := must[*runtime.User](t)(db.CreateUser(ctx, runtime.User{Name: "李四", Kind: "person"}))
	const n = 20
	ids := make([]int64, n)
	createdCount := 0
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			nc := newCase(mv, applicant.ID)
			nc.IdempotencyKey = "submit-7f3a"
			nc.Outbox = []runtime.OutboxMessage{{Topic: "push", Payload: json.RawMessage(`{}`)}}
			c, created, err := db.CreateCase(ctx, nc)
			if err != nil {
				t.Errorf("attempt %d: %v", i, err)
				return
			}
			mu.Lock()
			ids[i] = c.ID
			if created {
				createdCount++
			}
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		return
	}
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("attempts returned different cases: %v", ids)
		}
	}
	if createdCount != 1 {
		t.Fatalf("%d attempts report creating the case, want 1", createdCount)
	}
	if _, total, _ := db.ListCases(ctx, runtime.CaseQuery{ApplicantID: applicant.ID}); total != 1 {
		t.Fatalf("%d cases for one idempotency key", total)
	}
	if msgs, _ := db.ClaimOutbox(ctx, 100, time.Minute); len(msgs) != 1 {
		t.Fatalf("%d outbox messages for one idempotency key", len(msgs))
	}
	// The same key from another applicant is another submission.
	other := newCase(mv, 0)
	other.IdempotencyKey = "submit-7f3a"
	if c, created, err := db.CreateCase(ctx, other); err != nil || !created || c.ID == ids[0] {
		t.Fatalf("other applicant's key: %v %v %v", c, created, err)
	}
	// The same key for another matter is a client bug.
	mv2 := must[*runtime.MatterVersion](t)(db.PublishMatterVersion(ctx, "birth-cert", matterFiles))
	reuse := newCase(mv2, applicant.ID)
	reuse.IdempotencyKey = "submit-7f3a"
	_, _, err := db.CreateCase(ctx, reuse)
	wantCode(t, err, runtime.ECONFLICT)
}

func testOptimisticConflict(t *testing.T, db *store.DB) {
	c, _, err := db.CreateCase(ctx, newCase(publish(t, db), 0))
	if err != nil {
		t.Fatal(err)
	}
	first := must[*runtime.Case](t)(db.GetCase(ctx, c.ID))
	second := must[*runtime.Case](t)(db.GetCase(ctx, c.ID))

	first.Status = runtime.StatusAccepted
	now := time.Now()
	first.AcceptedAt = &now
	if err := db.UpdateCase(ctx, first); err != nil {
		t.Fatal(err)
	}
	if first.Revision != 2 {
		t.Fatalf("revision after update = %d, want 2", first.Revision)
	}
	second.Status = runtime.StatusNotAccepted
	wantCode(t, db.UpdateCase(ctx, second), runtime.ECONFLICT)
	if second.Revision != 1 {
		t.Fatalf("a refused update changed the caller's revision to %d", second.Revision)
	}
	got := must[*runtime.Case](t)(db.GetCase(ctx, c.ID))
	if got.Status != runtime.StatusAccepted || got.Revision != 2 || got.AcceptedAt == nil ||
		!got.AcceptedAt.Equal(now.Truncate(time.Microsecond)) {
		t.Fatalf("stored case = %+v", got)
	}
	// The loser reads again and succeeds.
	second = got
	second.Status = runtime.StatusInApproval
	if err := db.UpdateCase(ctx, second); err != nil {
		t.Fatal(err)
	}
	missing := *got
	missing.ID += 1000
	wantCode(t, db.UpdateCase(ctx, &missing), runtime.ENOTFOUND)
}

// testAfterCommit: what a unit of work leaves for after its commit runs when it commits, sees
// the committed state, and never runs when it rolls back.
func testAfterCommit(t *testing.T, db *store.DB) {
	mv := publish(t, db)
	var ran []string
	var caseID int64
	err := db.WithTx(ctx, func(tx runtime.Tx) error {
		c, _, err := tx.CreateCase(newCase(mv, 0))
		caseID = c.ID
		tx.AfterCommit(func() {
			if _, err := db.GetCase(ctx, caseID); err != nil {
				t.Errorf("after the commit the case is not there: %v", err)
			}
			ran = append(ran, "committed")
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.WithTx(ctx, func(tx runtime.Tx) error {
		tx.AfterCommit(func() { ran = append(ran, "rolled back") })
		return errors.New("refused")
	})
	if err == nil || !slices.Equal(ran, []string{"committed"}) {
		t.Fatalf("ran %v (err %v), want only the committed unit's function", ran, err)
	}
}

func testUnitOfWorkAtomic(t *testing.T, db *store.DB) {
	mv := publish(t, db)
	boom := errors.New("engine failed")
	var caseID int64
	err := db.WithTx(ctx, func(tx runtime.Tx) error {
		c, _, err := tx.CreateCase(newCase(mv, 0))
		if err != nil {
			return err
		}
		caseID = c.ID
		if _, err := tx.AppendEvents(c.ID, []runtime.Event{{Type: "accepted"}}); err != nil {
			return err
		}
		if _, err := tx.Enqueue(runtime.OutboxMessage{Topic: "push", CaseID: c.ID}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("WithTx = %v, want the function's error", err)
	}
	_, err = db.GetCase(ctx, caseID)
	wantCode(t, err, runtime.ENOTFOUND)
	if msgs, _ := db.ClaimOutbox(ctx, 10, time.Minute); len(msgs) != 0 {
		t.Fatalf("a rolled-back unit of work left %d outbox messages", len(msgs))
	}

	// A panic is an error too, and rolls back.
	err = db.WithTx(ctx, func(tx runtime.Tx) error {
		if _, _, err := tx.CreateCase(newCase(mv, 0)); err != nil {
			return err
		}
		panic("bug")
	})
	if err == nil {
		t.Fatal("WithTx swallowed a panic")
	}
	if _, total, _ := db.ListCases(ctx, runtime.CaseQuery{}); total != 0 {
		t.Fatalf("%d cases after failed units of work", total)
	}

	// The happy path commits everything together.
	err = db.WithTx(ctx, func(tx runtime.Tx) error {
		c, _, err := tx.CreateCase(newCase(mv, 0))
		if err != nil {
			return err
		}
		c.Status = runtime.StatusAccepted
		if err := tx.UpdateCase(c); err != nil {
			return err
		}
		_, err = tx.AppendEvents(c.ID, []runtime.Event{{Type: "accepted", Actor: "clerk:1"}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	cases, _, _ := db.ListCases(ctx, runtime.CaseQuery{})
	if len(cases) != 1 || cases[0].Status != runtime.StatusAccepted || cases[0].Revision != 2 {
		t.Fatalf("cases = %+v", cases)
	}
}

func testHashChain(t *testing.T, db *store.DB) {
	c, _, err := db.CreateCase(ctx, newCase(publish(t, db), 0))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 9, 30, 0, 123456789, time.FixedZone("CST", 8*3600))
	added := must[[]runtime.Event](t)(db.AppendEvents(ctx, c.ID, []runtime.Event{
		{Type: "pre-reviewed", Actor: "clerk:7", At: at, Data: json.RawMessage(`{"ok": true, "note": "<材料齐全>"}`)},
		{Type: "accepted", Actor: "clerk:7"},
	}))
	if added[0].Seq != 2 || added[1].Seq != 3 || added[1].PrevHash != added[0].Hash {
		t.Fatalf("appended = %+v", added)
	}
	events := must[[]runtime.Event](t)(db.ListEvents(ctx, c.ID))
	if len(events) != 3 {
		t.Fatalf("%d events", len(events))
	}
	if events[0].PrevHash != "" || events[1].PrevHash != events[0].Hash || events[2].PrevHash != events[1].Hash {
		t.Fatal("events are not chained")
	}
	for i, e := range events {
		if e.Seq != i+1 || store.EventHash(e.PrevHash, e) != e.Hash {
			t.Fatalf("event %d does not recompute: %+v", i, e)
		}
	}
	if !events[1].At.Equal(at.Truncate(time.Microsecond)) || string(events[1].Data) != `{"ok":true,"note":"<材料齐全>"}` {
		t.Fatalf("event stored as %v %s", events[1].At, events[1].Data)
	}
	if err := db.VerifyChain(ctx, c.ID, runtime.CaseHead{}); err != nil {
		t.Fatalf("VerifyChain on an intact trail: %v", err)
	}
	wantCode(t, db.VerifyChain(ctx, c.ID+1000, runtime.CaseHead{}), runtime.ENOTFOUND)
	_, err = db.AppendEvents(ctx, c.ID+1000, []runtime.Event{{Type: "x"}})
	wantCode(t, err, runtime.ENOTFOUND)
	_, err = db.AppendEvents(ctx, c.ID, []runtime.Event{{Actor: "x"}})
	wantCode(t, err, runtime.EINVALID)
}

func testHashChainTampering(t *testing.T, db *store.DB) {
	mv := publish(t, db)
	var ids []int64
	for range 3 {
		c, _, err := db.CreateCase(ctx, newCase(mv, 0))
		if err != nil {
			t.Fatal(err)
		}
		must[[]runtime.Event](t)(db.AppendEvents(ctx, c.ID, []runtime.Event{
			{Type: "accepted", Data: json.RawMessage(`{"fee":100}`)}, {Type: "approved"}}))
		ids = append(ids, c.ID)
	}
	// The database itself refuses to change the trail...
	if err := db.ExecSQL(ctx, "UPDATE case_events SET data = '{\"fee\":1}' WHERE case_id = ?", ids[0]); err == nil {
		t.Fatal("the database let an event change")
	}
	if err := db.ExecSQL(ctx, "DELETE FROM case_events WHERE case_id = ?", ids[0]); err == nil {
		t.Fatal("the database let an event be deleted")
	}
	// ...and someone who can switch that off is still caught by the hash chain.
	dropEventTriggers(t, db)
	tampers := []struct {
		sql     string
		wantSeq int
	}{
		{"UPDATE case_events SET data = '{\"fee\":1}' WHERE case_id = ? AND seq = 2", 2},
		{"DELETE FROM case_events WHERE case_id = ? AND seq = 2", 2},
		{"UPDATE case_events SET actor = 'nobody', hash = prev_hash WHERE case_id = ? AND seq = 3", 3},
	}
	for i, tc := range tampers {
		if err := db.ExecSQL(ctx, tc.sql, ids[i]); err != nil {
			t.Fatal(err)
		}
		var chainErr *store.ChainError
		if err := db.VerifyChain(ctx, ids[i], runtime.CaseHead{}); !errors.As(err, &chainErr) || chainErr.Seq != tc.wantSeq {
			t.Fatalf("%s: VerifyChain = %v, want a ChainError at %d", tc.sql, err, tc.wantSeq)
		}
		if runtime.ErrorCode(db.VerifyChain(ctx, ids[i], runtime.CaseHead{})) != runtime.EINTERNAL {
			t.Fatal("a broken chain must be an internal error")
		}
	}
}

// dropEventTriggers switches off the database's refusal to change the audit trail, as someone
// with the database's owner rights could.
func dropEventTriggers(t *testing.T, db *store.DB) {
	t.Helper()
	disable := []string{"DROP TRIGGER case_events_no_update", "DROP TRIGGER case_events_no_delete"}
	if db.Dialect() == "postgres" {
		disable = []string{"ALTER TABLE case_events DISABLE TRIGGER case_events_append_only"}
	}
	for _, s := range disable {
		if err := db.ExecSQL(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
}

func testAuditAnchors(t *testing.T, db *store.DB) {
	mv := publish(t, db)
	var ids []int64
	for range 4 {
		c := must[*runtime.Case](t)(func() (*runtime.Case, error) {
			c, _, err := db.CreateCase(ctx, newCase(mv, 0))
			return c, err
		}())
		must[[]runtime.Event](t)(db.AppendEvents(ctx, c.ID, []runtime.Event{{Type: "accepted"}, {Type: "approved"}}))
		ids = append(ids, c.ID)
	}
	heads := must[[]runtime.CaseHead](t)(db.CaseHeads(ctx))
	if len(heads) != 4 {
		t.Fatalf("%d heads", len(heads))
	}
	for i, h := range heads {
		events := must[[]runtime.Event](t)(db.ListEvents(ctx, h.CaseID))
		if h.CaseID != ids[i] || h.Count != 3 || h.Head != events[2].Hash || h.Number == "" {
			t.Fatalf("head %d = %+v, want case %d with 3 events ending %s", i, h, ids[i], events[2].Hash)
		}
		if err := db.VerifyChain(ctx, h.CaseID, runtime.CaseHead{CaseID: h.CaseID, Count: 2, Head: events[1].Hash}); err != nil {
			t.Fatalf("VerifyChain against a true checkpoint: %v", err)
		}
	}
	if err := db.VerifyChain(ctx, ids[0], runtime.CaseHead{Count: 2, Head: "forged"}); runtime.ErrorCode(err) != runtime.EINTERNAL {
		t.Fatalf("VerifyChain against a checkpoint the trail differs from = %v", err)
	}

	// Someone who can switch the triggers off cuts a trail's tail; the row's head finds it.
	dropEventTriggers(t, db)
	if err := db.ExecSQL(ctx, "DELETE FROM case_events WHERE case_id = ? AND seq = 3", ids[0]); err != nil {
		t.Fatal(err)
	}
	var chainErr *store.ChainError
	if err := db.VerifyChain(ctx, ids[0], runtime.CaseHead{}); !errors.As(err, &chainErr) || chainErr.Seq != 3 {
		t.Fatalf("VerifyChain after the tail was cut = %v, want a ChainError at 3", err)
	}
	// A row changed to match the cut trail verifies alone, but not against a checkpoint taken
	// before; nor does a row whose head was changed.
	if err := db.ExecSQL(ctx, "UPDATE cases SET event_count = 2, event_head = (SELECT hash FROM case_events WHERE case_id = ? AND seq = 2) WHERE id = ?", ids[0], ids[0]); err != nil {
		t.Fatal(err)
	}
	if err := db.VerifyChain(ctx, ids[0], runtime.CaseHead{}); err != nil {
		t.Fatalf("VerifyChain of a row matching its trail: %v", err)
	}
	if err := db.VerifyChain(ctx, ids[0], heads[0]); !errors.As(err, &chainErr) {
		t.Fatalf("VerifyChain of a cut trail against the checkpoint = %v", err)
	}
	if err := db.ExecSQL(ctx, "UPDATE cases SET event_head = 'x' WHERE id = ?", ids[1]); err != nil {
		t.Fatal(err)
	}
	if err := db.VerifyChain(ctx, ids[1], runtime.CaseHead{}); !errors.As(err, &chainErr) {
		t.Fatalf("VerifyChain of a changed row = %v", err)
	}
	// Appending continues from the row's head, so a cut the row does not know of stays a gap.
	if err := db.ExecSQL(ctx, "DELETE FROM case_events WHERE case_id = ? AND seq = 3", ids[2]); err != nil {
		t.Fatal(err)
	}
	must[[]runtime.Event](t)(db.AppendEvents(ctx, ids[2], []runtime.Event{{Type: "note"}}))
	if err := db.VerifyChain(ctx, ids[2], runtime.CaseHead{}); !errors.As(err, &chainErr) || chainErr.Seq != 3 {
		t.Fatalf("VerifyChain after appending past a cut = %v, want a ChainError at 3", err)
	}

	_, err := db.LatestCheckpoint(ctx)
	wantCode(t, err, runtime.ENOTFOUND)
	at := time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC)
	var last runtime.AuditCheckpoint
	for i := range 30 {
		last = must[runtime.AuditCheckpoint](t)(db.SaveCheckpoint(ctx, runtime.AuditCheckpoint{At: at.Add(time.Duration(i) * time.Hour), Heads: heads, MAC: fmt.Sprint("mac", i)}))
	}
	got := must[*runtime.AuditCheckpoint](t)(db.LatestCheckpoint(ctx))
	if got.ID != last.ID || got.MAC != "mac29" || !got.At.Equal(at.Add(29*time.Hour)) || !slices.Equal(got.Heads, heads) {
		t.Fatalf("latest checkpoint = %+v, want %+v", got, last)
	}
}

func testConcurrentAppends(t *testing.T, db *store.DB) {
	c, _, err := db.CreateCase(ctx, newCase(publish(t, db), 0))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			for j := range 3 {
				ev := runtime.Event{Type: "note", Actor: fmt.Sprintf("w%d", i), Data: json.RawMessage(fmt.Sprint(j))}
				if _, err := db.AppendEvents(ctx, c.ID, []runtime.Event{ev}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	events := must[[]runtime.Event](t)(db.ListEvents(ctx, c.ID))
	if len(events) != 31 {
		t.Fatalf("%d events, want 31", len(events))
	}
	if err := db.VerifyChain(ctx, c.ID, runtime.CaseHead{}); err != nil {
		t.Fatal(err)
	}
}

// staff creates a user holding roles in org.
func staff(t *testing.T, db *store.DB, name, org string, roles ...string) *runtime.User {
	t.Helper()
	return must[*runtime.User](t)(db.CreateUser(ctx, runtime.User{Name: name, Kind: "staff", OrgCode: org,
		Roles: []runtime.Role{runtime.RoleApprover}, OrgRoles: roles}))
}

func openTask(t *testing.T, db *store.DB) *runtime.Task {
	t.Helper()
	nc := newCase(publish(t, db), 0)
	nc.Tasks = []runtime.Task{{Node: "review", Name: "审查", OrgCode: "411000-scjg", Role: "reviewer"}}
	c, _, err := db.CreateCase(ctx, nc)
	if err != nil {
		t.Fatal(err)
	}
	tasks, _, err := db.ListTasks(ctx, runtime.TaskQuery{CaseID: c.ID})
	if err != nil || len(tasks) != 1 {
		t.Fatalf("tasks: %v %v", tasks, err)
	}
	return tasks[0]
}

func testTaskClaimRace(t *testing.T, db *store.DB) {
	task := openTask(t, db)
	const n = 12
	users := make([]*runtime.User, n)
	for i := range users {
		users[i] = staff(t, db, fmt.Sprintf("审查员%d", i), "411000-scjg", "reviewer")
	}
	var wins, conflicts int
	var winner int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, u := range users {
		wg.Go(func() {
			<-start
			got, err := db.ClaimTask(ctx, task.ID, u.ID)
			mu.Lock()
			defer mu.Unlock()
			switch runtime.ErrorCode(err) {
			case "":
				wins++
				winner = got.ClaimedBy
				if got.ClaimedBy != u.ID {
					t.Errorf("winner %d got a task claimed by %d", u.ID, got.ClaimedBy)
				}
			case runtime.ECONFLICT:
				conflicts++
			default:
				t.Errorf("claim: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	if wins != 1 || conflicts != n-1 {
		t.Fatalf("%d winners and %d conflicts, want 1 and %d", wins, conflicts, n-1)
	}
	stored := must[*runtime.Task](t)(db.GetTask(ctx, task.ID))
	if stored.Status != runtime.TaskClaimed || stored.ClaimedBy != winner {
		t.Fatalf("stored task = %+v, winner %d", stored, winner)
	}
}

func testTaskLifecycle(t *testing.T, db *store.DB) {
	task := openTask(t, db)
	reviewer := staff(t, db, "王五", "411000-scjg", "reviewer", "clerk")
	elsewhere := staff(t, db, "赵六", "411081-scjg", "reviewer")
	clerk := staff(t, db, "钱七", "411000-scjg", "clerk")
	if len(reviewer.OrgRoles) != 2 || reviewer.OrgCode != "411000-scjg" {
		t.Fatalf("user = %+v", reviewer)
	}

	disabled := must[*runtime.User](t)(db.CreateUser(ctx, runtime.User{Name: "停用的审查员", Kind: "staff",
		OrgCode: "411000-scjg", OrgRoles: []string{"reviewer"}, Disabled: true}))
	_, err := db.ClaimTask(ctx, task.ID, disabled.ID)
	wantCode(t, err, runtime.EFORBIDDEN)
	_, err = db.ClaimTask(ctx, task.ID, elsewhere.ID)
	wantCode(t, err, runtime.EFORBIDDEN)
	_, err = db.ClaimTask(ctx, task.ID, clerk.ID)
	wantCode(t, err, runtime.EFORBIDDEN)
	_, err = db.ClaimTask(ctx, task.ID+1000, reviewer.ID)
	wantCode(t, err, runtime.ENOTFOUND)

	queue, n, err := db.ListTasks(ctx, runtime.TaskQuery{OrgCodes: []string{"411000-scjg"}, Roles: reviewer.OrgRoles,
		Status: []runtime.TaskStatus{runtime.TaskOpen}})
	if err != nil || n != 1 || queue[0].ID != task.ID {
		t.Fatalf("to-do list = %v %d %v", queue, n, err)
	}
	_, err = db.CompleteTask(ctx, task.ID, reviewer.ID, "approve", "")
	wantCode(t, err, runtime.ECONFLICT) // not claimed yet

	must[*runtime.Task](t)(db.ClaimTask(ctx, task.ID, reviewer.ID))
	again := must[*runtime.Task](t)(db.ClaimTask(ctx, task.ID, reviewer.ID))
	if again.ClaimedBy != reviewer.ID {
		t.Fatalf("re-claim = %+v", again)
	}
	mine, _, _ := db.ListTasks(ctx, runtime.TaskQuery{ClaimedBy: reviewer.ID})
	if len(mine) != 1 {
		t.Fatalf("claimed by me = %v", mine)
	}
	_, err = db.CompleteTask(ctx, task.ID, clerk.ID, "approve", "")
	wantCode(t, err, runtime.ECONFLICT)
	done := must[*runtime.Task](t)(db.CompleteTask(ctx, task.ID, reviewer.ID, "approve", "材料齐全，同意"))
	if done.Status != runtime.TaskDone || done.Opinion != "材料齐全，同意" || done.DoneAt == nil {
		t.Fatalf("completed task = %+v", done)
	}
	_, err = db.CompleteTask(ctx, task.ID, reviewer.ID, "deny", "")
	wantCode(t, err, runtime.ECONFLICT)
	_, err = db.CreateTasks(ctx, []runtime.Task{{CaseID: task.CaseID, Node: "x"}})
	wantCode(t, err, runtime.EINVALID)

	// Cancelling leaves done tasks alone.
	more := must[[]*runtime.Task](t)(db.CreateTasks(ctx, []runtime.Task{
		{CaseID: task.CaseID, Node: "a", OrgCode: "o", Role: "r"}, {CaseID: task.CaseID, Node: "b", OrgCode: "o", Role: "r"}}))
	if len(more) != 2 || more[0].ID == 0 {
		t.Fatalf("CreateTasks = %+v", more)
	}
	var cancelled int
	err = db.Write(ctx, func(tx *store.Tx) (err error) {
		cancelled, err = tx.CancelTasks(task.CaseID)
		return err
	})
	if err != nil || cancelled != 2 {
		t.Fatalf("CancelTasks = %d, %v", cancelled, err)
	}
}

func testOutboxConcurrentClaimers(t *testing.T, db *store.DB) {
	const n = 60
	for i := range n {
		if _, err := db.Enqueue(ctx, runtime.OutboxMessage{Topic: "push", Payload: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i))}); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[int64]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for {
				msgs, err := db.ClaimOutbox(ctx, 4, time.Hour)
				if err != nil {
					t.Errorf("claimer %d: %v", w, err)
					return
				}
				if len(msgs) == 0 {
					return
				}
				mu.Lock()
				for _, m := range msgs {
					seen[m.ID]++
					if m.Attempts != 1 {
						t.Errorf("message %d handed out with attempts %d", m.ID, m.Attempts)
					}
				}
				mu.Unlock()
				for _, m := range msgs {
					if err := db.MarkDelivered(ctx, m.ID); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("%d distinct messages claimed, want %d", len(seen), n)
	}
	for id, times := range seen {
		if times != 1 {
			t.Fatalf("message %d handed out %d times", id, times)
		}
	}
}

func testOutboxRetry(t *testing.T, db *store.DB) {
	now := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	id := must[int64](t)(db.Enqueue(ctx, runtime.OutboxMessage{Topic: "license", IdempotencyKey: "lic-1", Payload: json.RawMessage(`{}`)}))
	if again := must[int64](t)(db.Enqueue(ctx, runtime.OutboxMessage{Topic: "license", IdempotencyKey: "lic-1"})); again != id {
		t.Fatalf("enqueueing a key twice made message %d besides %d", again, id)
	}

	msgs := must[[]*runtime.OutboxMessage](t)(db.ClaimOutbox(ctx, 10, time.Minute))
	if len(msgs) != 1 || msgs[0].IdempotencyKey != "lic-1" {
		t.Fatalf("claimed %+v", msgs)
	}
	if again := must[[]*runtime.OutboxMessage](t)(db.ClaimOutbox(ctx, 10, time.Minute)); len(again) != 0 {
		t.Fatal("a leased message was handed out again")
	}
	now = now.Add(2 * time.Minute) // the claimer died: the lease ends
	msgs = must[[]*runtime.OutboxMessage](t)(db.ClaimOutbox(ctx, 10, time.Minute))
	if len(msgs) != 1 || msgs[0].Attempts != 2 {
		t.Fatalf("after the lease: %+v", msgs)
	}
	if err := db.MarkFailed(ctx, id, "HTTP 503", 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	now = now.Add(9 * time.Minute)
	if msgs := must[[]*runtime.OutboxMessage](t)(db.ClaimOutbox(ctx, 10, time.Minute)); len(msgs) != 0 {
		t.Fatal("handed out before its backoff ended")
	}
	now = now.Add(2 * time.Minute)
	msgs = must[[]*runtime.OutboxMessage](t)(db.ClaimOutbox(ctx, 10, time.Minute))
	if len(msgs) != 1 || msgs[0].Attempts != 3 || msgs[0].LastError != "HTTP 503" {
		t.Fatalf("third attempt: %+v", msgs)
	}
	// Fail until the store gives up: after 10 attempts by default.
	for attempts := 3; ; attempts++ {
		if err := db.MarkFailed(ctx, id, fmt.Sprintf("HTTP 500 #%d", attempts), 0); err != nil {
			t.Fatal(err)
		}
		now = now.Add(2 * time.Hour)
		msgs = must[[]*runtime.OutboxMessage](t)(db.ClaimOutbox(ctx, 10, time.Minute))
		if len(msgs) == 0 {
			if attempts != 10 {
				t.Fatalf("dead letter after %d attempts, want 10", attempts)
			}
			break
		}
		if attempts > 10 {
			t.Fatal("never became a dead letter")
		}
	}
	dead := must[[]*runtime.OutboxMessage](t)(db.ListDeadLetters(ctx, 0, 10))
	if len(dead) != 1 || dead[0].ID != id || dead[0].Status != runtime.OutboxDead || dead[0].LastError != "HTTP 500 #10" {
		t.Fatalf("dead letters = %+v", dead)
	}
	wantCode(t, db.MarkDelivered(ctx, id), runtime.ECONFLICT)
	wantCode(t, db.MarkFailed(ctx, id, "x", 0), runtime.ECONFLICT)
	if err := db.Replay(ctx, id); err != nil {
		t.Fatal(err)
	}
	wantCode(t, db.Replay(ctx, id), runtime.ECONFLICT)
	wantCode(t, db.Replay(ctx, id+1000), runtime.ENOTFOUND)
	msgs = must[[]*runtime.OutboxMessage](t)(db.ClaimOutbox(ctx, 10, time.Minute))
	if len(msgs) != 1 || msgs[0].Attempts != 1 {
		t.Fatalf("after replay: %+v", msgs)
	}
	if err := db.MarkDelivered(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkDelivered(ctx, id); err != nil {
		t.Fatalf("marking delivered twice: %v", err)
	}
	wantCode(t, db.MarkDelivered(ctx, id+1000), runtime.ENOTFOUND)
	if dead := must[[]*runtime.OutboxMessage](t)(db.ListDeadLetters(ctx, 0, 10)); len(dead) != 0 {
		t.Fatalf("dead letters after delivery: %+v", dead)
	}
	_, err := db.Enqueue(ctx, runtime.OutboxMessage{Topic: "x", CaseID: 12345})
	wantCode(t, err, runtime.ENOTFOUND)
}

func testCaseNumbersConcurrent(t *testing.T, db *store.DB) {
	mv := publish(t, db)
	// 23:59:30 UTC on 1 March is already 2 March in 许昌.
	now := time.Date(2026, 3, 1, 23, 59, 30, 0, time.UTC)
	db.Now = func() time.Time { return now }
	const workers, each = 10, 5
	numbers := make(chan string, workers*each)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				c, _, err := db.CreateCase(ctx, newCase(mv, 0))
				if err != nil {
					t.Error(err)
					return
				}
				numbers <- c.Number
			}
		})
	}
	wg.Wait()
	close(numbers)
	seen := map[string]bool{}
	for n := range numbers {
		if seen[n] {
			t.Fatalf("case number %s handed out twice", n)
		}
		seen[n] = true
	}
	if len(seen) != workers*each {
		t.Fatalf("%d numbers, want %d", len(seen), workers*each)
	}
	for i := 1; i <= workers*each; i++ {
		if n := fmt.Sprintf("XC20260302%06d", i); !seen[n] {
			t.Fatalf("number %s missing: numbers of a day must count 1, 2, 3…", n)
		}
	}
	now = now.Add(24 * time.Hour)
	c, _, err := db.CreateCase(ctx, newCase(mv, 0))
	if err != nil || c.Number != "XC20260303000001" {
		t.Fatalf("next day's first number = %v, %v", c, err)
	}
}

func testUsersAndTokens(t *testing.T, db *store.DB) {
	u := must[*runtime.User](t)(db.CreateUser(ctx, runtime.User{Name: "许昌市某某食品有限公司", Kind: "enterprise",
		USCC: "91411000MA00000000", Mobile: "13800000000", Roles: []runtime.Role{runtime.RoleApplicant}}))
	if u.ID == 0 || len(u.Roles) != 1 || u.Roles[0] != runtime.RoleApplicant || u.CreatedAt.IsZero() {
		t.Fatalf("created user = %+v", u)
	}
	token := must[string](t)(db.CreateToken(ctx, u.ID, "portal", nil))
	got := must[*runtime.User](t)(db.UserByToken(ctx, token))
	if got.ID != u.ID || got.USCC != u.USCC {
		t.Fatalf("UserByToken = %+v", got)
	}
	_, err := db.UserByToken(ctx, token+"x")
	wantCode(t, err, runtime.EUNAUTHORIZED)
	_, err = db.UserByToken(ctx, "")
	wantCode(t, err, runtime.EUNAUTHORIZED)

	soon := time.Now().Add(time.Hour)
	short := must[string](t)(db.CreateToken(ctx, u.ID, "kiosk", &soon))
	must[*runtime.User](t)(db.UserByToken(ctx, short))
	db.Now = func() time.Time { return soon.Add(time.Second) }
	_, err = db.UserByToken(ctx, short)
	wantCode(t, err, runtime.EUNAUTHORIZED)
	db.Now = time.Now

	if err := db.RevokeToken(ctx, token); err != nil {
		t.Fatal(err)
	}
	_, err = db.UserByToken(ctx, token)
	wantCode(t, err, runtime.EUNAUTHORIZED)

	// An account registered online is unverified until its holder proves the identity.
	pending := must[*runtime.User](t)(db.CreateUser(ctx, runtime.User{Name: "张伟", Kind: "person", IDNumber: "411002198605120313", Unverified: true}))
	if !pending.Unverified || u.Unverified {
		t.Fatalf("unverified = %v for the registration, %v for the enterprise", pending.Unverified, u.Unverified)
	}
	if err := db.WriteAccounts(ctx, func(tx runtime.AccountTx) error { return tx.SetUserVerified(pending.ID, true) }); err != nil {
		t.Fatal(err)
	}
	if got := must[*runtime.User](t)(db.GetUser(ctx, pending.ID)); got.Unverified {
		t.Fatal("still unverified after SetUserVerified")
	}
	err = db.WriteAccounts(ctx, func(tx runtime.AccountTx) error { return tx.SetUserVerified(pending.ID+1000, true) })
	wantCode(t, err, runtime.ENOTFOUND)

	disabled := must[*runtime.User](t)(db.CreateUser(ctx, runtime.User{Name: "停用", Kind: "staff", Disabled: true}))
	dt := must[string](t)(db.CreateToken(ctx, disabled.ID, "", nil))
	_, err = db.UserByToken(ctx, dt)
	wantCode(t, err, runtime.EUNAUTHORIZED)

	_, err = db.CreateToken(ctx, 99999, "", nil)
	wantCode(t, err, runtime.ENOTFOUND)
	_, err = db.CreateUser(ctx, runtime.User{Kind: "person"})
	wantCode(t, err, runtime.EINVALID)
	_, err = db.GetUser(ctx, 99999)
	wantCode(t, err, runtime.ENOTFOUND)
}

func testBlobs(t *testing.T, db *store.DB) {
	sum := "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	b := must[*store.Blob](t)(db.PutBlob(ctx, store.Blob{SHA256: sum, Size: 4, MediaType: "application/pdf"}))
	if b.CreatedAt.IsZero() {
		t.Fatalf("blob = %+v", b)
	}
	again := must[*store.Blob](t)(db.PutBlob(ctx, store.Blob{SHA256: sum, Size: 4, MediaType: "application/pdf"}))
	if !again.CreatedAt.Equal(b.CreatedAt) {
		t.Fatal("recording a blob again changed it")
	}
	_, err := db.PutBlob(ctx, store.Blob{SHA256: sum, Size: 5, MediaType: "application/pdf"})
	wantCode(t, err, runtime.ECONFLICT)
	_, err = db.PutBlob(ctx, store.Blob{SHA256: "ABC", Size: 5, MediaType: "application/pdf"})
	wantCode(t, err, runtime.EINVALID)
	got := must[*store.Blob](t)(db.GetBlob(ctx, sum))
	if got.Size != 4 || got.MediaType != "application/pdf" {
		t.Fatalf("GetBlob = %+v", got)
	}
	_, err = db.GetBlob(ctx, "0000")
	wantCode(t, err, runtime.ENOTFOUND)
}

// testOutboxBacklogs: the backlog by topic counts what is pending with the age of the oldest,
// and the dead letters; delivered messages are not in it.
func testOutboxBacklogs(t *testing.T, db *store.DB) {
	now := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	if b := must[[]store.OutboxBacklog](t)(db.OutboxBacklogs(ctx)); len(b) != 0 {
		t.Fatalf("backlog of an empty outbox: %+v", b)
	}
	enqueue := func(topic string) int64 {
		return must[int64](t)(db.Enqueue(ctx, runtime.OutboxMessage{Topic: topic, Payload: json.RawMessage(`{}`)}))
	}
	enqueue("sms")
	now = now.Add(time.Minute)
	enqueue("sms")
	delivered, dead := enqueue("push.a"), enqueue("push.b")
	msgs := must[[]*runtime.OutboxMessage](t)(db.ClaimOutbox(ctx, 10, time.Minute))
	if len(msgs) != 4 {
		t.Fatalf("claimed %d, want 4", len(msgs))
	}
	if err := db.MarkDelivered(ctx, delivered); err != nil {
		t.Fatal(err)
	}
	for attempt := 1; attempt <= 10; attempt++ {
		if attempt > 1 {
			now = now.Add(time.Hour)
			db.ClaimOutbox(ctx, 10, time.Minute)
		}
		if err := db.MarkFailed(ctx, dead, "HTTP 500", 0); err != nil {
			t.Fatal(err)
		}
	}
	got := must[[]store.OutboxBacklog](t)(db.OutboxBacklogs(ctx))
	want := []store.OutboxBacklog{{Topic: "push.b", Dead: 1},
		{Topic: "sms", Pending: 2, Oldest: time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)}}
	if len(got) != len(want) {
		t.Fatalf("backlogs %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].Topic != want[i].Topic || got[i].Pending != want[i].Pending || got[i].Dead != want[i].Dead || !got[i].Oldest.Equal(want[i].Oldest) {
			t.Errorf("backlog %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}
