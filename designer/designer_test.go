package designer_test

import (
	"context"
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/designer"
	"github.com/xuchang-gov/tongban/examples"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/service"
	"github.com/xuchang-gov/tongban/runtime/store"
	"github.com/xuchang-gov/tongban/runtime/store/storetest"
)

var ctx = context.Background()

// setup imports the examples into db and returns the designer over it with a user of roles in
// org.
func setup(t testing.TB, db *store.DB) (*designer.Service, func(name, org string, roles ...runtime.Role) *runtime.User) {
	t.Helper()
	svc := service.New(db, nil, nil)
	if _, problems, err := svc.Import(ctx, examples.Bundle, true); err != nil || len(problems) > 0 {
		t.Fatalf("import: %v %v", err, problems)
	}
	user := func(name, org string, roles ...runtime.Role) *runtime.User {
		u, err := db.CreateUser(ctx, runtime.User{Name: name, Kind: "staff", OrgCode: org, Roles: roles})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	return designer.New(db, nil), user
}

// TestService drives the designer on each database: table cases over one draft of the food
// business licence, each saying what it does and what it must answer.
func TestService(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open func(t testing.TB) *store.DB) {
		d, user := setup(t, open(t))
		const slug = "food-business-license"
		analyst := user("梳理", "wd-amr", runtime.RoleAnalyst)
		publisher := user("审核", "wd-amr", runtime.RolePublisher)
		other := user("别处梳理", "xc-housing", runtime.RoleAnalyst)
		citizen := &runtime.User{ID: 999, Name: "张三", Kind: "person", Roles: []runtime.Role{runtime.RoleApplicant}}
		draft, err := d.OpenDraft(ctx, analyst, slug)
		if err != nil {
			t.Fatal(err)
		}
		fees := draft.Files["fees.json"]
		put := func(u *runtime.User, name, content string, rev int) error {
			_, err := d.PutDraftFile(ctx, u, slug, name, rev, []byte(content))
			return err
		}
		tests := []struct {
			name string
			do   func() error
			code string
		}{
			{"a citizen may not design", func() error { _, err := d.ListMatters(ctx, citizen); return err }, runtime.EFORBIDDEN},
			{"another org's analyst sees no such matter", func() error { _, err := d.Draft(ctx, other, slug); return err }, runtime.ENOTFOUND},
			{"a publisher may not edit", func() error { return put(publisher, "fees.json", fees, draft.Revision) }, runtime.EFORBIDDEN},
			{"a name outside the format", func() error { return put(analyst, "../orgs.json", "{}", draft.Revision) }, runtime.EINVALID},
			{"malformed JSON", func() error { return put(analyst, "fees.json", "{", draft.Revision) }, runtime.EINVALID},
			{"no revision", func() error { return put(analyst, "fees.json", fees, 0) }, runtime.EINVALID},
			{"a file over the limit", func() error {
				return put(analyst, "sample.json", `"`+strings.Repeat("x", designer.MaxFileBytes)+`"`, draft.Revision)
			}, runtime.ETOOLARGE},
			{"an unchanged save", func() error { return put(analyst, "fees.json", fees, draft.Revision) }, ""},
			{"a stale save", func() error { return put(analyst, "fees.json", fees, draft.Revision) }, runtime.ECONFLICT},
			{"a bad slug", func() error { _, err := d.NewMatter(ctx, analyst, runtime.NewMatter{Slug: "../x"}); return err }, runtime.EINVALID},
			{"a taken slug", func() error { _, err := d.NewMatter(ctx, analyst, runtime.NewMatter{Slug: slug}); return err }, runtime.ECONFLICT},
			{"an expression too long", func() error {
				_, err := d.CheckExpression(ctx, analyst, runtime.ExpressionCheck{Slug: slug, File: "fees.json", Pointer: "/items/0/amount", Source: strings.Repeat("1", designer.MaxExpressionBytes+1)})
				return err
			}, runtime.EINVALID},
			{"a pointer that is no expression", func() error {
				_, err := d.CheckExpression(ctx, analyst, runtime.ExpressionCheck{Slug: slug, File: "fees.json", Pointer: "/items/0/name", Source: "1"})
				return err
			}, runtime.EINVALID},
			{"send back what nobody asked to publish", func() error {
				_, err := d.SendBack(ctx, publisher, slug, runtime.DraftAction{Comment: "不行"})
				return err
			}, runtime.ECONFLICT},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				if got := runtime.ErrorCode(tc.do()); got != tc.code {
					t.Fatalf("code = %q, want %q", got, tc.code)
				}
			})
		}
		check, err := d.CheckDraft(ctx, analyst, slug)
		if err != nil || check.Errors != 0 || check.Revision != draft.Revision+1 {
			t.Fatalf("check = %+v, %v", check, err)
		}

		fresh, err := d.NewMatter(ctx, analyst, runtime.NewMatter{Slug: "new-permit", Name: "新许可"})
		if err != nil {
			t.Fatal(err)
		}
		// A matter from scratch lists what its catalog still needs, and is not published so.
		c, err := d.CheckDraft(ctx, analyst, "new-permit")
		if err != nil || c.Errors == 0 {
			t.Fatalf("a matter from scratch checks with %+v, %v", c, err)
		}
		// What is left to do is the catalog and the form: the rest of the skeleton is sound.
		for _, p := range c.Problems {
			if p.File != "matter.json" && p.File != "form.ui.json" {
				t.Errorf("a matter from scratch has a problem in %s: %s %s", p.File, p.Pointer, p.Message)
			}
		}
		if _, err := d.Publish(ctx, publisher, "new-permit", runtime.PublishRequest{Acknowledge: true}); runtime.ErrorCode(err) != runtime.EINVALID {
			t.Fatalf("publishing a matter with errors: %v", err)
		}
		if fresh.Base != 0 || fresh.Files["matter.json"] == "" {
			t.Fatalf("new matter = %+v", fresh.DraftInfo)
		}
		copied, err := d.NewMatter(ctx, analyst, runtime.NewMatter{Slug: "food-copy", From: slug})
		if err != nil || copied.Files["fees.json"] != fees {
			t.Fatalf("copy = %v", err)
		}

		// The studio checks an expression against its unsaved files: a field added since the
		// last save is known, and a place added since is an expression's place.
		schema := strings.Replace(draft.Files["form.schema.json"], `"properties": {`, `"properties": {"area": {"type": "number", "title": "面积"},`, 1)
		withItem := strings.Replace(fees, `"items": [`, `"items": [{"id": "new", "name": "新收费", "kind": "service", "amount": "1"},`, 1)
		exprs := []struct {
			name string
			req  runtime.ExpressionCheck
			ok   bool
			code string
		}{
			{"a field not saved yet, against the saved draft", runtime.ExpressionCheck{Slug: slug, File: "fees.json", Pointer: "/items/0/amount", Source: "form.area * 2"}, false, ""},
			{"a field not saved yet, with the unsaved schema", runtime.ExpressionCheck{Slug: slug, File: "fees.json", Pointer: "/items/0/amount", Source: "form.area * 2",
				Files: map[string]string{"form.schema.json": schema}}, true, ""},
			{"a place not saved yet", runtime.ExpressionCheck{Slug: slug, File: "fees.json", Pointer: "/items/0/condition", Source: "form.area > 10",
				Files: map[string]string{"form.schema.json": schema, "fees.json": withItem}}, true, ""},
			{"an unsaved file outside the format", runtime.ExpressionCheck{Slug: slug, File: "fees.json", Pointer: "/items/0/amount", Source: "1",
				Files: map[string]string{"../orgs.json": "{}"}}, false, runtime.EINVALID},
		}
		for _, tc := range exprs {
			t.Run(tc.name, func(t *testing.T) {
				r, err := d.CheckExpression(ctx, analyst, tc.req)
				if runtime.ErrorCode(err) != tc.code || (err == nil && r.OK != tc.ok) {
					t.Fatalf("CheckExpression = %+v, %v; want ok %v, code %q", r, err, tc.ok, tc.code)
				}
			})
		}
	})
}

func benchDraft(b *testing.B) (*designer.Service, *runtime.User) {
	d, user := setup(b, storetest.OpenSQLite(b))
	admin := user("管理员", "xc-gov", runtime.RoleAdmin)
	if _, err := d.OpenDraft(ctx, admin, "construction-permit"); err != nil {
		b.Fatal(err)
	}
	return d, admin
}

// BenchmarkCheck checks the largest example's draft, as the studio asks while the analyst edits.
func BenchmarkCheck(b *testing.B) {
	d, admin := benchDraft(b)
	for b.Loop() {
		if c, err := d.CheckDraft(ctx, admin, "construction-permit"); err != nil || c.Errors != 0 {
			b.Fatal(c, err)
		}
	}
}

// BenchmarkPreview renders the largest example's form with its sample.
func BenchmarkPreview(b *testing.B) {
	d, admin := benchDraft(b)
	for b.Loop() {
		if _, err := d.Preview(ctx, admin, "construction-permit", runtime.PreviewRequest{Sample: true}); err != nil {
			b.Fatal(err)
		}
	}
}
