package store_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/store"
)

func draftFiles(content string) map[string][]byte {
	return map[string][]byte{"matters/permit/matter.json": []byte(content), "orgs.json": []byte(`{}`)}
}

// testDrafts drives a draft through the studio's lifecycle: open, save with a revision, a
// stale save refused naming nothing lost, publication closing it, and a new draft after.
func testDrafts(t *testing.T, db *store.DB) {
	analyst := must[*runtime.User](t)(db.CreateUser(ctx, runtime.User{Name: "梳理员", Kind: "staff", OrgCode: "411000"}))
	me := runtime.UserRef{ID: analyst.ID}
	published := must[*runtime.MatterVersion](t)(db.PublishMatterVersion(ctx, "permit", draftFiles(`{"v":1}`)))

	var d *runtime.DraftState
	err := db.WriteDesign(ctx, func(tx runtime.DesignTx) (err error) {
		d, err = tx.CreateDraft(runtime.DraftState{Slug: "permit", Base: published.Version, OpenedBy: me, Files: draftFiles(`{"v":1}`)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if d.Version != published.Version+1 || d.Revision != 1 || d.Status != runtime.DraftEditing || d.OpenedBy.Name != "梳理员" || d.Base != published.Version {
		t.Fatalf("created draft = %+v", d)
	}
	wantCode(t, db.WriteDesign(ctx, func(tx runtime.DesignTx) error {
		_, err := tx.CreateDraft(runtime.DraftState{Slug: "permit", OpenedBy: me, Files: draftFiles(`{}`)})
		return err
	}), runtime.ECONFLICT)

	// Two saves from revision 1 at once: exactly one wins.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.WriteDesign(ctx, func(tx runtime.DesignTx) error {
				cur, err := tx.Draft("permit")
				if err != nil {
					return err
				}
				cur.Revision, cur.UpdatedBy = 1, me
				cur.Files = draftFiles(`{"v":2}`)
				return tx.UpdateDraft(cur)
			})
		}()
	}
	wg.Wait()
	codes := []string{runtime.ErrorCode(errs[0]), runtime.ErrorCode(errs[1])}
	slices.Sort(codes)
	if codes[0] != "" || codes[1] != runtime.ECONFLICT {
		t.Fatalf("concurrent saves: %v", errs)
	}
	got := must[*runtime.DraftState](t)(db.Draft(ctx, "permit"))
	if got.Revision != 2 || string(got.Files["matters/permit/matter.json"]) != `{"v":2}` || got.UpdatedBy.ID != analyst.ID {
		t.Fatalf("draft after save = %+v", got)
	}
	// A refused save changes nothing.
	wantCode(t, db.WriteDesign(ctx, func(tx runtime.DesignTx) error {
		stale := *got
		stale.Revision, stale.Files = 1, draftFiles(`{"lost":true}`)
		return tx.UpdateDraft(&stale)
	}), runtime.ECONFLICT)
	if again := must[*runtime.DraftState](t)(db.Draft(ctx, "permit")); again.Revision != 2 || string(again.Files["matters/permit/matter.json"]) != `{"v":2}` {
		t.Fatalf("draft after refused save = %+v", again)
	}
	if list := must[[]*runtime.DraftState](t)(db.Drafts(ctx)); len(list) != 1 || list[0].Slug != "permit" || list[0].Files != nil {
		t.Fatalf("drafts = %+v", list)
	}

	var mv *runtime.MatterVersion
	err = db.WriteDesign(ctx, func(tx runtime.DesignTx) (err error) {
		mv, err = tx.Publish("permit", got.Files)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if mv.Version != got.Version || mv.Status != runtime.MatterPublished {
		t.Fatalf("published = %+v", mv)
	}
	_, err = db.Draft(ctx, "permit")
	wantCode(t, err, runtime.ENOTFOUND)
	versions := must[[]*runtime.MatterVersion](t)(db.MatterVersions(ctx, "permit"))
	if len(versions) != 2 || versions[0].Version != mv.Version || versions[0].Files != nil {
		t.Fatalf("versions = %+v", versions)
	}

	// A draft whose files are those of the newest version publishes nothing and still closes.
	err = db.WriteDesign(ctx, func(tx runtime.DesignTx) error {
		if _, err := tx.CreateDraft(runtime.DraftState{Slug: "permit", Base: mv.Version, OpenedBy: me, Files: got.Files}); err != nil {
			return err
		}
		again, err := tx.Publish("permit", got.Files)
		if err == nil && again.Version != mv.Version {
			t.Errorf("unchanged publish made version %d", again.Version)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Draft(ctx, "permit")
	wantCode(t, err, runtime.ENOTFOUND)

	// Discarding closes a draft; an import's draft without state reads at revision 1.
	must[*runtime.MatterVersion](t)(db.SaveDraft(ctx, "permit", draftFiles(`{"v":3}`)))
	imported := must[*runtime.DraftState](t)(db.Draft(ctx, "permit"))
	if imported.Revision != 1 || imported.Status != runtime.DraftEditing {
		t.Fatalf("imported draft = %+v", imported)
	}
	err = db.WriteDesign(ctx, func(tx runtime.DesignTx) error {
		imported.UpdatedBy = me
		if err := tx.UpdateDraft(imported); err != nil {
			return err
		}
		return tx.DeleteDraft("permit")
	})
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, db.WriteDesign(ctx, func(tx runtime.DesignTx) error { return tx.DeleteDraft("permit") }), runtime.ENOTFOUND)
}

// testDesignEvents appends to the design audit trail and reads it back, newest first; the
// trail refuses changes.
func testDesignEvents(t *testing.T, db *store.DB) {
	u := must[*runtime.User](t)(db.CreateUser(ctx, runtime.User{Name: "审核员", Kind: "staff", OrgCode: "411000"}))
	err := db.WriteDesign(ctx, func(tx runtime.DesignTx) error {
		for _, typ := range []string{runtime.DesignDraftSaved, runtime.DesignPublished} {
			if _, err := tx.RecordDesignEvent(runtime.DesignEvent{Slug: "permit", Type: typ, Actor: runtime.UserRef{ID: u.ID},
				Version: 2, Files: []string{"fees.json"}, Summary: "收费项目 1 项修改"}); err != nil {
				return err
			}
		}
		_, err := tx.RecordDesignEvent(runtime.DesignEvent{Slug: "other", Type: runtime.DesignCreated})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, db.WriteDesign(ctx, func(tx runtime.DesignTx) error {
		_, err := tx.RecordDesignEvent(runtime.DesignEvent{Slug: "permit"})
		return err
	}), runtime.EINVALID)
	events := must[[]runtime.DesignEvent](t)(db.DesignEvents(ctx, "permit", 0))
	if len(events) != 2 || events[0].Type != runtime.DesignPublished || events[0].Actor.Name != "审核员" ||
		!slices.Equal(events[1].Files, []string{"fees.json"}) || events[1].Summary != "收费项目 1 项修改" || events[0].At.IsZero() {
		t.Fatalf("events = %+v", events)
	}
	if err := db.ExecSQL(ctx, "DELETE FROM design_events"); err == nil {
		t.Fatal("design events could be deleted")
	}
}
