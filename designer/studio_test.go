package designer_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/designer"
	"github.com/xuchang-gov/tongban/printing/excel"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/store/storetest"
)

const food = "food-business-license"

// TestCheckWarnings: the studio's check gives the warnings validate gives, as warnings beside
// the errors: a promised limit running into a year the calendar lacks, the calendar itself, and
// a step whose title says 自然日 while its days count working days.
func TestCheckWarnings(t *testing.T) {
	db := storetest.OpenSQLite(t)
	_, user := setup(t, db)
	later := time.Date(2040, 6, 1, 9, 0, 0, 0, runtime.Zone)
	d := designer.New(db, func() time.Time { return later })
	analyst := user("梳理", "wd-amr", runtime.RoleAnalyst)
	draft, err := d.OpenDraft(ctx, analyst, food)
	if err != nil {
		t.Fatal(err)
	}
	workflow := strings.Replace(draft.Files["workflow.json"], `"name": "受理",`, `"name": "受理（1个自然日）",`, 1)
	if _, err := d.PutDraftFile(ctx, analyst, food, "workflow.json", draft.Revision, []byte(workflow)); err != nil {
		t.Fatal(err)
	}
	c, err := d.CheckDraft(ctx, analyst, food)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.Problems {
		got = append(got, p.Severity+" "+p.File+p.Pointer)
	}
	for _, want := range []string{"warning matter.json/promisedLimitDays", "warning calendar/2040.json", "warning workflow.json/nodes/1/limitDays"} {
		if !slices.Contains(got, want) {
			t.Errorf("the check lacks %q: %v", want, got)
		}
	}
	if c.Errors != 0 || c.Warnings != len(c.Problems) {
		t.Errorf("check counts %d errors and %d warnings of %d problems, want only warnings", c.Errors, c.Warnings, len(c.Problems))
	}
	// Publishing needs the warnings acknowledged.
	publisher := user("审核", "wd-amr", runtime.RolePublisher)
	if _, err := d.Publish(ctx, publisher, food, runtime.PublishRequest{}); runtime.ErrorCode(err) != runtime.EINVALID {
		t.Errorf("publishing with warnings unacknowledged: %v", err)
	}
}

// TestVocabulary: the expression vocabulary comes from the rules' own tables, so a helper added
// there is offered by the studio with no studio code.
func TestVocabulary(t *testing.T) {
	d, user := setup(t, storetest.OpenSQLite(t))
	analyst := user("梳理", "wd-amr", runtime.RoleAnalyst)
	saved := rules.Helpers
	t.Cleanup(func() { rules.Helpers = saved })
	rules.Helpers = append(slices.Clone(saved), rules.Helper{Name: "newHelper", Signature: "newHelper(x) int", Description: "测试用的新函数", Example: "newHelper(1)", Result: "1"})
	v, err := d.Vocabulary(ctx, analyst)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(v.Helpers, func(h runtime.ExpressionHelper) bool {
		return h.Name == "newHelper" && h.Description == "测试用的新函数"
	}) {
		t.Errorf("the vocabulary lacks the helper added to rules: %+v", v.Helpers)
	}
	if len(v.Helpers) != len(rules.Helpers) || len(v.Builtins) != len(rules.Builtins) {
		t.Errorf("the vocabulary has %d helpers and %d built-ins, rules %d and %d", len(v.Helpers), len(v.Builtins), len(rules.Helpers), len(rules.Builtins))
	}
	for _, want := range []string{"applicant.idNumber", "case.submittedAt", "materials.*.provided", "now"} {
		if !slices.ContainsFunc(v.Variables, func(n runtime.ExpressionName) bool { return n.Name == want }) {
			t.Errorf("the vocabulary lacks %s: %+v", want, v.Variables)
		}
	}
	citizen := &runtime.User{ID: 999, Name: "张三", Kind: "person", Roles: []runtime.Role{runtime.RoleApplicant}}
	if _, err := d.Vocabulary(ctx, citizen); runtime.ErrorCode(err) != runtime.EFORBIDDEN {
		t.Errorf("a citizen gets the vocabulary: %v", err)
	}
}

// TestPreviewWithErrors: a draft with an error elsewhere still previews its form, the errors
// listed above it; a form schema that does not compile is still refused.
func TestPreviewWithErrors(t *testing.T) {
	d, user := setup(t, storetest.OpenSQLite(t))
	analyst := user("梳理", "wd-amr", runtime.RoleAnalyst)
	draft, err := d.OpenDraft(ctx, analyst, food)
	if err != nil {
		t.Fatal(err)
	}
	var fees map[string]any
	if err := json.Unmarshal([]byte(draft.Files["fees.json"]), &fees); err != nil {
		t.Fatal(err)
	}
	fees["items"] = []any{map[string]any{"id": "broken", "name": "有误的收费", "kind": "service", "amount": "form.nosuchField * 2"}}
	broken, _ := json.Marshal(fees)
	if _, err := d.PutDraftFile(ctx, analyst, food, "fees.json", draft.Revision, broken); err != nil {
		t.Fatal(err)
	}
	page, err := d.Preview(ctx, analyst, food, runtime.PreviewRequest{Sample: true})
	if err != nil {
		t.Fatalf("preview of a draft with an error in fees.json: %v", err)
	}
	html := string(page)
	for _, want := range []string{`name="premisesArea"`, "草稿有 1 个错误", "fees.json/items/0/amount"} {
		if !strings.Contains(html, want) {
			t.Errorf("the preview lacks %q", want)
		}
	}
	if _, err := d.PutDraftFile(ctx, analyst, food, "form.schema.json", draft.Revision+1, []byte(`{"type": "nonsense"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Preview(ctx, analyst, food, runtime.PreviewRequest{}); runtime.ErrorCode(err) != runtime.EINVALID {
		t.Errorf("preview of a form schema that does not compile: %v, want EINVALID", err)
	}
}

// TestCatalog: the Excel catalog through the designer, with the CLI's code: exported, a name
// edited and imported into the matter's draft; a bad cell, a row that breaks a check and a
// matter outside the analyst's reach are each named by their cell, and nothing is written.
func TestCatalog(t *testing.T) {
	d, user := setup(t, storetest.OpenSQLite(t))
	analyst := user("梳理", "wd-amr", runtime.RoleAnalyst)
	var out bytes.Buffer
	if err := d.ExportCatalog(ctx, analyst, &out); err != nil {
		t.Fatal(err)
	}
	exported := out.Bytes()
	rows, errs := excel.ReadCatalog(bytes.NewReader(exported))
	if len(errs) > 0 {
		t.Fatalf("the export reads back with %v", errs)
	}
	slugs := make([]string, len(rows))
	for i, r := range rows {
		slugs[i] = r.Slug
	}
	if !slices.Contains(slugs, food) || slices.Contains(slugs, "construction-permit") {
		t.Fatalf("the analyst of wd-amr exports %v", slugs)
	}
	row := slices.Index(slugs, food) + 2
	edit := func(cells map[string]string) []byte {
		t.Helper()
		f, err := excelize.OpenReader(bytes.NewReader(exported))
		if err != nil {
			t.Fatal(err)
		}
		header, _ := f.GetRows(excel.SheetName)
		for name, v := range cells {
			i := slices.Index(header[0], name)
			if i < 0 {
				t.Fatalf("no column %q", name)
			}
			col, _ := excelize.ColumnNumberToName(i + 1)
			if err := f.SetCellValue(excel.SheetName, col+strconv.Itoa(row), v); err != nil {
				t.Fatal(err)
			}
		}
		var b bytes.Buffer
		if err := f.Write(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	cell := func(header string) string {
		f, _ := excelize.OpenReader(bytes.NewReader(exported))
		rows, _ := f.GetRows(excel.SheetName)
		col, _ := excelize.ColumnNumberToName(slices.Index(rows[0], header) + 1)
		return excel.SheetName + "!" + col + strconv.Itoa(row)
	}
	for _, tc := range []struct {
		name  string
		cells map[string]string
		want  string // the pointer of the refusal
	}{
		{"text in an integer cell", map[string]string{"法定办结时限（工作日）": "十"}, cell("法定办结时限（工作日）")},
		{"a promised limit above the legal one", map[string]string{"承诺办结时限（工作日）": "30"}, cell("承诺办结时限（工作日）")},
		{"a matter of another org", map[string]string{"事项目录名（slug）": "construction-permit"}, cell("事项目录名（slug）")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := d.ImportCatalog(ctx, analyst, edit(tc.cells))
			e, ok := err.(*runtime.Error)
			if !ok || e.Code != runtime.EINVALID || !slices.ContainsFunc(e.Fields, func(f runtime.FieldError) bool { return f.Pointer == tc.want }) {
				t.Fatalf("import = %v, want EINVALID naming %s", err, tc.want)
			}
			if _, err := d.Draft(ctx, analyst, food); runtime.ErrorCode(err) != runtime.ENOTFOUND {
				t.Errorf("a refused import opened or changed a draft: %v", err)
			}
		})
	}
	unchanged, err := d.ImportCatalog(ctx, analyst, exported)
	if err != nil || len(unchanged.Updated) != 0 || unchanged.Unchanged != len(rows) {
		t.Fatalf("importing the export unchanged = %+v, %v", unchanged, err)
	}
	got, err := d.ImportCatalog(ctx, analyst, edit(map[string]string{"事项名称": "食品经营许可证核发（改）"}))
	if err != nil || !slices.Equal(got.Updated, []string{food}) {
		t.Fatalf("import = %+v, %v", got, err)
	}
	draft, err := d.Draft(ctx, analyst, food)
	if err != nil || !strings.Contains(draft.Files["matter.json"], `"name": "食品经营许可证核发（改）"`) {
		t.Fatalf("the draft after the import: %v\n%.300s", err, draft.Files["matter.json"])
	}
	if _, err := d.ImportCatalog(ctx, analyst, []byte("not a workbook")); runtime.ErrorCode(err) != runtime.EINVALID {
		t.Errorf("importing a file that is no workbook: %v", err)
	}
}
