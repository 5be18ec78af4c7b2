package store_test

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/store"
)

// testThemes: theme versions publish once per content, a theme case is numbered and keeps its
// members, a member case finds its theme case, and a stale update is refused.
func testThemes(t *testing.T, db *store.DB) {
	files := map[string][]byte{"themes/pair/theme.json": []byte(`{"name":"一件事"}`)}
	v1 := must[*runtime.ThemeVersion](t)(db.PublishThemeVersion(ctx, "pair", files))
	again := must[*runtime.ThemeVersion](t)(db.PublishThemeVersion(ctx, "pair", files))
	if v1.Version != 1 || again.Version != 1 || string(again.Files["themes/pair/theme.json"]) != `{"name":"一件事"}` {
		t.Fatalf("publish twice: %+v %+v", v1, again)
	}
	v2 := must[*runtime.ThemeVersion](t)(db.PublishThemeVersion(ctx, "pair", map[string][]byte{"themes/pair/theme.json": []byte(`{}`)}))
	if v2.Version != 2 || must[*runtime.ThemeVersion](t)(db.LatestTheme(ctx, "pair")).Version != 2 {
		t.Fatalf("second version %+v", v2)
	}
	if list := must[[]*runtime.ThemeVersion](t)(db.ListLatestThemes(ctx)); len(list) != 1 || list[0].Version != 2 {
		t.Fatalf("latest themes %+v", list)
	}
	_, err := db.ThemeVersion(ctx, "pair", 9)
	wantCode(t, err, runtime.ENOTFOUND)

	u := must[*runtime.User](t)(db.CreateUser(ctx, runtime.User{Name: "陈秀芳", Kind: "person", IDNumber: "411002197906180522", Roles: []runtime.Role{runtime.RoleApplicant}}))
	mv := publish(t, db)
	member := must[*runtime.Case](t)(func() (*runtime.Case, error) {
		c, _, err := db.CreateCase(ctx, newCase(mv, u.ID))
		return c, err
	}())
	var tc *runtime.ThemeCase
	err = db.WithTx(ctx, func(tx runtime.Tx) (err error) {
		tc, err = tx.CreateThemeCase(runtime.ThemeCase{Theme: "pair", ThemeVersion: 2, ApplicantID: u.ID, Channel: "online",
			Status: runtime.ThemeSubmitted, Form: json.RawMessage(`{"a": 1}`), Members: []runtime.ThemeMemberCase{
				{Member: "first", Matter: mv.Slug, MatterVersion: mv.Version, State: runtime.MemberStarted, CaseID: member.ID, CaseNumber: member.Number},
				{Member: "second", Matter: mv.Slug, MatterVersion: mv.Version, State: runtime.MemberWaiting, Form: json.RawMessage(`{"b":2}`)},
			}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^YJ\d{14}$`).MatchString(tc.Number) || len(tc.QueryCode) != 8 || tc.Revision != 1 {
		t.Fatalf("theme case %+v", tc)
	}
	got := must[*runtime.ThemeCase](t)(db.GetThemeCase(ctx, tc.Number))
	if string(got.Form) != `{"a":1}` || len(got.Members) != 2 || string(got.Members[1].Form) != `{"b":2}` || got.Members[0].CaseID != member.ID {
		t.Fatalf("read back %+v", got)
	}
	if of := must[*runtime.ThemeCase](t)(db.ThemeCaseOfMember(ctx, member.ID)); of.ID != tc.ID {
		t.Fatalf("theme of member %+v", of)
	}
	if list := must[[]*runtime.ThemeCase](t)(db.ListThemeCases(ctx, runtime.ThemeCaseQuery{ApplicantID: u.ID, Status: runtime.ThemeSubmitted})); len(list) != 1 {
		t.Fatalf("list %+v", list)
	}
	stale := *got
	err = db.WithTx(ctx, func(tx runtime.Tx) error {
		got.Status, got.Members[1].State = runtime.ThemeAccepted, runtime.MemberStopped
		return tx.UpdateThemeCase(got)
	})
	if err != nil || got.Revision != 2 {
		t.Fatalf("update: %v, revision %d", err, got.Revision)
	}
	err = db.WithTx(ctx, func(tx runtime.Tx) error { return tx.UpdateThemeCase(&stale) })
	wantCode(t, err, runtime.ECONFLICT)
	if fresh := must[*runtime.ThemeCase](t)(db.GetThemeCase(ctx, tc.Number)); fresh.Status != runtime.ThemeAccepted || fresh.Members[1].State != runtime.MemberStopped {
		t.Fatalf("after update %+v", fresh)
	}
}
