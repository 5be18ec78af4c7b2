package main

import (
	"bytes"
	"context"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // database/sql driver "sqlite", to tamper with the file like an intruder

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/store"
)

func TestImportExportRoundTrip(t *testing.T) {
	data := t.TempDir()
	code, out, errOut := run(t, ".", "import", "-data", data, "../../examples")
	if code != 0 || strings.Count(out, "已发布第 1 版") != 13 {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ = run(t, ".", "import", "-data", data, "../../examples/matters"); code != 0 || strings.Count(out, "内容未变") != 11 {
		t.Fatalf("second import must not make new versions: exit %d\n%s", code, out)
	}
	dir := filepath.Join(t.TempDir(), "exported")
	if code, out, errOut = run(t, ".", "export", "-data", data, "-o", dir); code != 0 {
		t.Fatalf("export: exit %d\n%s%s", code, out, errOut)
	}
	exported := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		got, _ := os.ReadFile(p)
		want, err := os.ReadFile(filepath.Join("../../examples", rel))
		if err != nil {
			t.Errorf("exported %s is not in examples", rel)
			return nil
		}
		if !bytes.Equal(got, want) {
			t.Errorf("exported %s differs from the canonical example file", rel)
		}
		exported++
		return nil
	})
	if err != nil || exported < 40 {
		t.Fatalf("exported %d files: %v", exported, err)
	}
	if code, out, _ = run(t, dir, "fmt", "-check", "."); code != 0 {
		t.Fatalf("exported files are not in fmt form:\n%s", out)
	}
}

func TestImportRefusesABrokenBundle(t *testing.T) {
	root := copyExamples(t)
	replaceInFile(t, filepath.Join(root, "matters/food-business-license/fees.json"), `"amount": "12"`, `"amount": "form.nothing"`)
	data := t.TempDir()
	code, out, _ := run(t, ".", "import", "-data", data, root)
	if code != 1 || !strings.Contains(out, "fees.json:/items/0/amount") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	db, err := store.Open(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if versions, _ := db.ListLatestPublished(context.Background()); len(versions) != 0 {
		t.Fatalf("a broken bundle stored %d versions", len(versions))
	}
}

func TestUserAdd(t *testing.T) {
	data := t.TempDir()
	code, out, errOut := run(t, ".", "user", "add", "-data", data, "-name", "赵敏", "-kind", "person", "-id-number", "411002198503140213", "-mobile", "13803740001")
	if code != 0 || !regexp.MustCompile(`tb_\S{20,}`).MatchString(out) {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut = run(t, ".", "user", "add", "-data", data, "-name", "赵敏", "-id-number", "411002198503140214"); code != 1 || !strings.Contains(errOut, "身份证号") {
		t.Fatalf("an invalid ID number: exit %d %s", code, errOut)
	}
	if code, _, _ := run(t, ".", "import", "-data", data, "../../examples"); code != 0 {
		t.Fatalf("import: exit %d", code)
	}
	// Staff go only into an org and roles the imported tree has.
	for _, bad := range [][]string{{"-org", "no-such-org", "-roles", "reviewer", "没有编码为 no-such-org 的机构"},
		{"-org", "wd-amr", "-roles", "reviewer,admin", "没有岗位 “admin”"}} {
		if code, _, errOut = run(t, ".", append([]string{"user", "add", "-data", data, "-name", "审核员", "-kind", "staff"}, bad[:4]...)...); code != 1 || !strings.Contains(errOut, bad[4]) {
			t.Fatalf("staff in %v: exit %d %s", bad, code, errOut)
		}
	}
	code, out, _ = run(t, ".", "user", "add", "-data", data, "-name", "审核员", "-kind", "staff", "-org", "wd-amr", "-roles", "reviewer,decider")
	if code != 0 {
		t.Fatalf("staff: exit %d", code)
	}
	id := regexp.MustCompile(`已创建用户 (\d+)`).FindStringSubmatch(out)[1]
	t.Setenv("TONGBAN_PASSWORD", "short")
	if code, _, errOut = run(t, ".", "user", "passwd", "-data", data, "-id", id); code != 1 || !strings.Contains(errOut, "密码不符合要求") {
		t.Fatalf("a weak password: exit %d %s", code, errOut)
	}
	t.Setenv("TONGBAN_PASSWORD", "Xuchang-2026!window")
	if code, out, errOut = run(t, ".", "user", "passwd", "-data", data, "-id", id); code != 0 {
		t.Fatalf("passwd: exit %d %s%s", code, out, errOut)
	}
}

// dataWithCases is a data folder with the examples imported and n cases of three events each,
// written through the store.
func dataWithCases(t *testing.T, n int) (string, []*runtime.Case) {
	t.Helper()
	data := t.TempDir()
	ctx := context.Background()
	if code, out, _ := run(t, ".", "import", "-data", data, "../../examples"); code != 0 {
		t.Fatal(out)
	}
	db, err := store.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var cases []*runtime.Case
	for range n {
		c, _, err := db.CreateCase(ctx, runtime.NewCase{
			Case:   runtime.Case{Matter: "food-business-license", MatterVersion: 1, Channel: "window", Status: runtime.StatusSubmitted},
			Events: []runtime.Event{{Type: "created", Actor: "test", Data: []byte(`{"channel":"window"}`)}, {Type: "submitted", Actor: "test"}, {Type: "accepted", Actor: "clerk"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	return data, cases
}

func TestAuditVerifyFindsTampering(t *testing.T) {
	data, cases := dataWithCases(t, 1)
	c := cases[0]
	if code, out, _ := run(t, ".", "audit", "verify", "-data", data); code != 0 || !strings.Contains(out, "已校验 1 件，0 处有问题") {
		t.Fatalf("clean chain: exit %d %s", code, out)
	}
	raw, err := sql.Open("sqlite", filepath.Join(data, "tongban.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TRIGGER case_events_no_update`, `UPDATE case_events SET actor = 'intruder' WHERE seq = 1`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	code, out, _ := run(t, ".", "audit", "verify", "-data", data, "-case", c.Number)
	if code != 1 || !strings.Contains(out, c.Number+": 留痕被篡改") {
		t.Fatalf("tampered chain: exit %d %s", code, out)
	}
}

// TestAuditVerifyFindsCutTrailsAndDeletedCases: someone with write access to the database file
// deletes the last event of a case, changes a case row to match a cut trail, and deletes a whole
// case; tongban audit verify finds each, the last two against the checkpoint tongban audit
// checkpoint signed before.
func TestAuditVerifyFindsCutTrailsAndDeletedCases(t *testing.T) {
	data, cases := dataWithCases(t, 4)
	if code, out, errOut := run(t, ".", "audit", "checkpoint", "-data", data); code != 0 || !strings.Contains(out, "已签记 4 件办件的留痕") {
		t.Fatalf("checkpoint: exit %d %s%s", code, out, errOut)
	}
	if code, out, _ := run(t, ".", "audit", "verify", "-data", data); code != 0 || !strings.Contains(out, "已校验 4 件，0 处有问题") || !strings.Contains(out, "已对照检查点 #1") {
		t.Fatalf("intact: exit %d %s", code, out)
	}
	raw, err := sql.Open("sqlite", filepath.Join(data, "tongban.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	intrude := func(q string, args ...any) {
		t.Helper()
		if _, err := raw.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	intrude(`DROP TRIGGER case_events_no_delete`)
	// The last event of case 0 deleted: its row still records three.
	intrude(`DELETE FROM case_events WHERE case_id = ? AND seq = 3`, cases[0].ID)
	// Case 1's last event deleted and its row changed to match: only the checkpoint knows.
	intrude(`DELETE FROM case_events WHERE case_id = ? AND seq = 3`, cases[1].ID)
	intrude(`UPDATE cases SET event_count = 2, event_head = (SELECT hash FROM case_events WHERE case_id = ? AND seq = 2) WHERE id = ?`, cases[1].ID, cases[1].ID)
	// Case 2 deleted whole, with everything that refers to it.
	for _, table := range []string{"case_events", "tasks", "outbox", "idempotency_keys"} {
		intrude(`DELETE FROM `+table+` WHERE case_id = ?`, cases[2].ID)
	}
	intrude(`DELETE FROM cases WHERE id = ?`, cases[2].ID)

	code, out, _ := run(t, ".", "audit", "verify", "-data", data)
	for _, want := range []string{
		cases[0].Number + ": 留痕被篡改", "its case row records 3",
		cases[1].Number + ": 留痕被篡改", "checkpoint recorded",
		cases[2].Number + ": 办件已不存在，检查点 #1",
		"已校验 3 件，3 处有问题",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("verify does not say %q", want)
		}
	}
	if code != 1 || strings.Contains(out, cases[3].Number) {
		t.Fatalf("exit %d\n%s", code, out)
	}
	// A checkpoint someone changed to cover the cut is refused by its signature.
	intrude(`UPDATE audit_checkpoints SET heads = REPLACE(heads, '"k":3', '"k":2')`)
	if code, out, _ := run(t, ".", "audit", "verify", "-data", data); code != 1 || !strings.Contains(out, "检查点 #1: 检查点的签名不符") {
		t.Fatalf("forged checkpoint: exit %d %s", code, out)
	}
}

// TestImportSaysWhenTheOrgTreeChanges: importing a bundle whose orgs.json differs says the tree
// is replaced and how; one that would drop an org a staff member belongs to is refused, and
// nothing is stored.
func TestImportSaysWhenTheOrgTreeChanges(t *testing.T) {
	data := t.TempDir()
	if code, _, errOut := run(t, ".", "import", "-data", data, "../../examples"); code != 0 {
		t.Fatalf("import: exit %d %s", code, errOut)
	}
	wider := copyExamples(t)
	replaceInFile(t, filepath.Join(wider, "orgs.json"), `"orgs": [`,
		`"orgs": [{"code": "wd-test", "name": "魏都区测试中心", "parent": "wd-gov", "divisionCode": "411002", "level": "县区", "roles": ["clerk"]},`)
	code, out, errOut := run(t, ".", "import", "-data", data, wider)
	if code != 0 || !strings.Contains(out, "机构树已替换为导入的 orgs.json：新增 wd-test；删除 无") {
		t.Fatalf("import of a wider tree: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := run(t, ".", "user", "add", "-data", data, "-name", "测试员", "-kind", "staff", "-org", "wd-test", "-roles", "clerk"); code != 0 {
		t.Fatalf("user add: exit %d %s", code, errOut)
	}
	code, out, errOut = run(t, ".", "import", "-data", data, "../../examples")
	if code != 1 || !strings.Contains(out, "不能删除机构 wd-test：仍有 1 名工作人员") {
		t.Fatalf("import dropping a staffed org: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := run(t, ".", "user", "add", "-data", data, "-name", "测试员二", "-kind", "staff", "-org", "wd-test", "-roles", "clerk"); code != 0 {
		t.Fatalf("the refused import changed the tree: exit %d %s", code, errOut)
	}
}
