package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/printing/excel"
)

// catalogRun drives the real program in dir.
func catalogRun(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = (&CLI{Stdout: &out, Stderr: &errOut, Dir: dir}).Run(context.Background(), args)
	return code, out.String(), errOut.String()
}

// catalogCopy copies a bundle into a temporary folder and returns that folder.
func catalogCopy(t *testing.T, root string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "bundle")
	if err := os.CopyFS(dst, os.DirFS(root)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// catalogSnapshot reads every file under dir.
func catalogSnapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		files[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func catalogAssertUnchanged(t *testing.T, dir string, before map[string]string) {
	t.Helper()
	after := catalogSnapshot(t, dir)
	for p, b := range before {
		if after[p] != b {
			t.Errorf("%s changed", p)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s was created", p)
		}
	}
}

// catalogEditCell sets a cell of the catalog sheet, found by its column header and row.
func catalogEditCell(t *testing.T, book, header string, row int, value string) string {
	t.Helper()
	f, err := excelize.OpenFile(book)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(excel.SheetName)
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(rows[0], header)
	if col < 0 {
		t.Fatalf("no column %q", header)
	}
	cell, _ := excelize.CoordinatesToCellName(col+1, row)
	if err := f.SetCellStr(excel.SheetName, cell, value); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	return cell
}

func TestCatalogRoundTripChangesNothing(t *testing.T) {
	for _, root := range []string{"../../definitions/testdata/bundle", "../../examples"} {
		t.Run(root, func(t *testing.T) {
			dir := catalogCopy(t, root)
			matters, _ := filepath.Glob(filepath.Join(dir, "matters", "*", definitions.MatterFile))
			before := catalogSnapshot(t, dir)
			book := filepath.Join(t.TempDir(), "catalog.xlsx")

			code, out, errOut := catalogRun(t, dir, "catalog", "export", "matters", "-o", book)
			if code != 0 {
				t.Fatalf("export: exit %d\n%s%s", code, out, errOut)
			}
			if want := "已导出 " + strconv.Itoa(len(matters)) + " 个事项到 " + book; !strings.Contains(errOut, want) {
				t.Errorf("export said %q, want %q", errOut, want)
			}
			code, out, errOut = catalogRun(t, dir, "catalog", "import", book, ".")
			if code != 0 {
				t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
			}
			if want := "已更新 0 个事项，" + strconv.Itoa(len(matters)) + " 个无变化"; !strings.Contains(errOut, want) {
				t.Errorf("import said %q, want %q", errOut, want)
			}
			catalogAssertUnchanged(t, dir, before)
		})
	}
}

func TestCatalogImportWritesTheEdit(t *testing.T) {
	dir := catalogCopy(t, "../../examples")
	book := filepath.Join(dir, "catalog.xlsx")
	if code, out, errOut := catalogRun(t, dir, "catalog", "export", "-o", "catalog.xlsx", "matters"); code != 0 {
		t.Fatalf("export: exit %d\n%s%s", code, out, errOut)
	}
	before := catalogSnapshot(t, dir)
	catalogEditCell(t, book, "承诺办结时限（工作日）", 2, "2")
	catalogEditCell(t, book, "常见问题", 2, "问题：新问题？\n解答：第一行\n第二行")
	code, out, errOut := catalogRun(t, dir, "catalog", "import", "catalog.xlsx", "matters")
	if code != 0 {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	file := filepath.Join(dir, "matters", "construction-permit", definitions.MatterFile)
	if out != "matters/construction-permit/matter.json\n" || !strings.Contains(errOut, "已更新 1 个事项，") {
		t.Errorf("import said %q %q", out, errOut)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var m definitions.Matter
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if m.PromisedLimitDays != 2 || len(m.FAQs) != 1 || m.FAQs[0].Answer != "第一行\n第二行" {
		t.Errorf("not imported: promised %d, faqs %+v", m.PromisedLimitDays, m.FAQs)
	}
	if m.Schema != definitions.SchemaID("matter") {
		t.Errorf("$schema %q not kept", m.Schema)
	}
	if canon, err := definitions.Canonical("matter.json", raw); err != nil || !bytes.Equal(canon, raw) {
		t.Errorf("written file is not canonical: %v", err)
	}
	after := catalogSnapshot(t, dir)
	for _, p := range []string{file, book} {
		delete(before, p)
		delete(after, p)
	}
	for p, b := range before {
		if after[p] != b {
			t.Errorf("%s changed", p)
		}
	}
}

func TestCatalogImportRefusesBadCells(t *testing.T) {
	tests := []struct {
		name   string
		header string
		row    int
		value  string
		want   string // with %s for the cell
	}{
		{"text in an integer column", "法定办结时限（工作日）", 2, "二十", "事项目录!%s: 「法定办结时限（工作日）」应为整数，实际为“二十”"},
		{"unknown enum value", "办件类型", 2, "急件", "事项目录!%s: 「办件类型」的取值不在可选范围内（可选：即办件、承诺件）"},
		{"slug without a folder", excel.SlugHeader, 2, "nowhere", "事项目录!%s: 在 matters 下找不到事项目录 nowhere"},
		// Checks across files, after the cells themselves are fine.
		{"promised limit above the legal one", "承诺办结时限（工作日）", 2, "30", "事项目录!%s: 承诺时限（30 个工作日）不能超过法定时限（20 个工作日）"},
		{"org not in orgs.json", "实施机构-机构编码", 2, "nowhere", "事项目录!%s: 机构 nowhere 不在 orgs.json 中"},
		{"free matter with fees", "收费-是否收费", 2, "否", "matters/demo/fees.json:/items/0/kind: matter.json 标明不收费，但这是行政事业性收费项目"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := catalogCopy(t, "../../definitions/testdata/bundle")
			book := filepath.Join(t.TempDir(), "catalog.xlsx")
			if code, out, errOut := catalogRun(t, dir, "catalog", "export", "-o", book, "matters"); code != 0 {
				t.Fatalf("export: exit %d\n%s%s", code, out, errOut)
			}
			before := catalogSnapshot(t, dir)
			cell := catalogEditCell(t, book, tt.header, tt.row, tt.value)
			code, out, errOut := catalogRun(t, dir, "catalog", "import", book, "matters")
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			want := strings.Replace(tt.want, "%s", cell, 1)
			if !slices.Contains(strings.Split(out, "\n"), want) {
				t.Errorf("output\n%s\nlacks\n%s", out, want)
			}
			if !strings.Contains(errOut, "未写入任何文件") {
				t.Errorf("stderr %q", errOut)
			}
			catalogAssertUnchanged(t, dir, before)
		})
	}
}

func TestCatalogExportRefusesInvalidMatter(t *testing.T) {
	dir := catalogCopy(t, "../../definitions/testdata/bundle")
	file := filepath.Join(dir, "matters", "demo", definitions.MatterFile)
	raw, _ := os.ReadFile(file)
	if err := os.WriteFile(file, bytes.Replace(raw, []byte(`"legalLimitDays": 20`), []byte(`"legalLimitDays": "二十"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := catalogRun(t, dir, "catalog", "export", "-o", "catalog.xlsx", ".")
	if code != 1 || !strings.Contains(out, "matters/demo/matter.json:/legalLimitDays: ") {
		t.Errorf("exit %d, output %q", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "catalog.xlsx")); err == nil {
		t.Error("catalog.xlsx written")
	}
}

func TestCatalogCommandLine(t *testing.T) {
	dir := catalogCopy(t, "../../definitions/testdata/bundle")
	tests := []struct {
		args []string
		code int
		file string
	}{
		{[]string{"catalog"}, 2, ""},
		{[]string{"catalog", "print"}, 2, ""},
		{[]string{"catalog", "export"}, 2, ""},
		{[]string{"catalog", "export", "-x", "."}, 2, ""},
		{[]string{"catalog", "import", "only-one-arg.xlsx"}, 2, ""},
		{[]string{"catalog", "export", "-o", "a.xlsx", "."}, 0, "a.xlsx"},
		{[]string{"catalog", "export", ".", "-o", "b.xlsx"}, 0, "b.xlsx"},
		{[]string{"catalog", "export", "--", "matters/demo"}, 0, "catalog.xlsx"},
		{[]string{"catalog", "import", "missing.xlsx", "."}, 1, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errOut := catalogRun(t, dir, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.code, out, errOut)
			}
			if tt.file != "" {
				if _, err := os.Stat(filepath.Join(dir, tt.file)); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func TestCatalogImportReportsEveryProblem(t *testing.T) {
	dir := catalogCopy(t, "../../examples")
	book := filepath.Join(t.TempDir(), "catalog.xlsx")
	if code, out, errOut := catalogRun(t, dir, "catalog", "export", "-o", book, "matters"); code != 0 {
		t.Fatalf("export: exit %d\n%s%s", code, out, errOut)
	}
	before := catalogSnapshot(t, dir)
	want := []string{
		"事项目录!" + catalogEditCell(t, book, "法定办结时限（工作日）", 2, "abc") + ": 「法定办结时限（工作日）」应为整数，实际为“abc”",
		"事项目录!" + catalogEditCell(t, book, excel.SlugHeader, 4, "nowhere") + ": 在 matters 下找不到事项目录 nowhere",
		// A row whose cells are fine is checked with its bundle, even when other rows are not.
		"事项目录!" + catalogEditCell(t, book, "承诺办结时限（工作日）", 3, "999") + ": ",
	}
	code, out, _ := catalogRun(t, dir, "catalog", "import", book, "matters")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 1 || len(lines) != len(want) {
		t.Fatalf("exit %d, output\n%s", code, out)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: %q, want %q…", i+1, lines[i], w)
		}
	}
	catalogAssertUnchanged(t, dir, before)
}
