package excel_test

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/printing/excel"
)

// loadRows returns the matters of the example bundle that load (the examples are being written,
// so some may be incomplete) and of the test bundle.
func loadRows(t *testing.T) []excel.CatalogRow {
	t.Helper()
	var rows []excel.CatalogRow
	for _, root := range []string{"../../examples", "../../definitions/testdata/bundle"} {
		b, problems := definitions.Load(os.DirFS(root))
		if len(problems) > 0 {
			t.Logf("%s: %d problems; using the %d matters that load", root, len(problems), len(b.Matters))
		}
		for _, m := range b.Matters {
			rows = append(rows, excel.CatalogRow{Slug: m.Slug, Matter: m.Matter})
		}
	}
	if len(rows) == 0 {
		t.Fatal("no matters loaded")
	}
	return rows
}

// awkward is a matter with the values most likely to change on the way through Excel.
func awkward(t *testing.T) excel.CatalogRow {
	t.Helper()
	b, problems := definitions.Load(os.DirFS("../../definitions/testdata/bundle"))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	m := b.Matters[0].Matter
	m.Schema = ""
	m.Name = "  前后有空格的名称 "
	m.ShortName = "两行\n简称"
	m.Description = "说明里有 <尖括号> & \"引号\"\n\n还有空行"
	m.Keywords = []string{" 前导空格", "尾随空格 ", "问题：不是常见问题"}
	m.BasicCode = "000118" // digits only: must stay text
	m.LegalLimitDays, m.PromisedLimitDays = 0, 0
	m.Fee.Charged = false
	m.Supports.Delivery = true
	m.FAQs = []definitions.FAQ{
		{Question: "第一问？", Answer: "第一段。\n\n第二段，中间有空行。"},
		{Question: "两行的\n问题？", Answer: ""},
		{Question: "解答：写在问题里", Answer: "答：不是新字段"},
	}
	m.Delivery = nil
	m.EffectiveFrom = "2026-02-28"
	return excel.CatalogRow{Slug: "awkward", Matter: m}
}

func write(t *testing.T, rows []excel.CatalogRow) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := excel.WriteCatalog(&buf, rows); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func matterJSON(t *testing.T, m definitions.Matter) string {
	t.Helper()
	m.Schema = ""
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCatalogRoundTrip(t *testing.T) {
	rows := append(loadRows(t), awkward(t))
	got, errs := excel.ReadCatalog(bytes.NewReader(write(t, rows)))
	if len(errs) > 0 {
		t.Fatalf("errors reading back:\n%s", joinErrors(errs))
	}
	if len(got) != len(rows) {
		t.Fatalf("read %d rows, wrote %d", len(got), len(rows))
	}
	for i, want := range rows {
		t.Run(want.Slug, func(t *testing.T) {
			if got[i].Slug != want.Slug {
				t.Errorf("slug %q, want %q", got[i].Slug, want.Slug)
			}
			// Parameters, values and documents are rules, not catalog data: the catalog leaves
			// them out.
			catalog := want.Matter
			catalog.Parameters, catalog.Values, catalog.Documents = nil, nil, nil
			if g, w := matterJSON(t, got[i].Matter), matterJSON(t, catalog); g != w {
				t.Errorf("matter changed:\n got %s\nwant %s", g, w)
			}
		})
	}
}

func TestWriteCatalogLayout(t *testing.T) {
	f := open(t, write(t, loadRows(t)))
	header := headerRow(t, f)
	for _, h := range []string{"事项目录名（slug）", "事项名称", "实施机构-机构编码", "收费-是否收费", "支持的服务-支持预约办理", "常见问题", "证照编号规则"} {
		if !slices.Contains(header, h) {
			t.Errorf("no column %q in %q", h, header)
		}
	}
	if header[0] != excel.SlugHeader {
		t.Errorf("first column %q", header[0])
	}
	if slices.Contains(header, "$schema") {
		t.Error("$schema is a column")
	}
	for _, cell := range []string{"A1", "B1"} {
		headerStyle, _ := f.GetCellStyle(excel.SheetName, cell)
		dataStyle, _ := f.GetCellStyle(excel.SheetName, cell[:1]+"2")
		if headerStyle == dataStyle {
			t.Errorf("header %s has the style of the data", cell)
		}
	}
	panes, err := f.GetPanes(excel.SheetName)
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("header row not frozen: %+v %v", panes, err)
	}
}

func TestWriteCatalogRefusesWhatWouldChange(t *testing.T) {
	base := awkward(t)
	tests := []struct {
		name   string
		modify func(*definitions.Matter)
		want   string
	}{
		{"list item with a line break", func(m *definitions.Matter) { m.Basis = []string{"第一条\n第二条"} }, "「设定依据」无法原样写入"},
		{"empty list item", func(m *definitions.Matter) { m.Keywords = []string{"a", ""} }, "「搜索关键词」无法原样写入"},
		{"answer ending in a line break", func(m *definitions.Matter) { m.FAQs = []definitions.FAQ{{Question: "问？", Answer: "答。\n"}} }, "「常见问题」无法原样写入"},
		{"blank optional text", func(m *definitions.Matter) { m.ShortName = "  " }, "「简称」无法原样写入"},
		{"too long", func(m *definitions.Matter) { m.Content = strings.Repeat("长", 40000) }, "「行使内容」超过 Excel 单元格的上限"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := base
			row.Matter.Basis = slices.Clone(base.Matter.Basis)
			tt.modify(&row.Matter)
			err := excel.WriteCatalog(&bytes.Buffer{}, []excel.CatalogRow{row})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestReadCatalogBadCells(t *testing.T) {
	first := loadRows(t)[0]
	var three []excel.CatalogRow
	for _, slug := range []string{"one", "two", "three"} {
		three = append(three, excel.CatalogRow{Slug: slug, Matter: first.Matter})
	}
	good := write(t, three)
	col := func(header string) string {
		f := open(t, good)
		i := slices.Index(headerRow(t, f), header)
		if i < 0 {
			t.Fatalf("no column %q", header)
		}
		name, _ := excelize.ColumnNumberToName(i + 1)
		return name
	}
	type edit struct{ cell, value string }
	tests := []struct {
		name  string
		edits []edit
		want  []string
	}{
		{"text in an integer column",
			[]edit{{col("法定办结时限（工作日）") + "2", "二十"}},
			[]string{"事项目录!" + col("法定办结时限（工作日）") + "2: 「法定办结时限（工作日）」应为整数，实际为“二十”"}},
		{"negative integer",
			[]edit{{col("承诺办结时限（工作日）") + "2", "-1"}},
			[]string{"事项目录!" + col("承诺办结时限（工作日）") + "2: 「承诺办结时限（工作日）」不能小于 0"}},
		{"unknown enum value",
			[]edit{{col("事项类型") + "2", "行政审批"}},
			[]string{"事项目录!" + col("事项类型") + "2: 「事项类型」的取值不在可选范围内（可选：行政许可、行政给付、行政确认、行政征收、行政奖励、行政裁决、其他行政权力、公共服务）"}},
		{"unknown list item",
			[]edit{{col("行使层级") + "2", "市级\n省长级"}},
			[]string{"事项目录!" + col("行使层级") + "2: 「行使层级」第 2 项的取值不在可选范围内（可选：国家级、省级、市级、县级、乡级、村级）"}},
		{"repeated list item",
			[]edit{{col("服务对象") + "2", "法人\n法人"}},
			[]string{"事项目录!" + col("服务对象") + "2: 「服务对象」第 1 项与第 2 项重复"}},
		{"bad bool",
			[]edit{{col("收费-是否收费") + "2", "Y"}},
			[]string{"事项目录!" + col("收费-是否收费") + "2: 「收费-是否收费」应填写“是”或“否”，实际为“Y”"}},
		{"missing required",
			[]edit{{col("事项名称") + "2", ""}, {col("设定依据") + "2", " "}},
			[]string{
				"事项目录!" + col("事项名称") + "2: 「事项名称」为必填项",
				"事项目录!" + col("设定依据") + "2: 「设定依据」为必填项",
			}},
		{"bad date",
			[]edit{{col("版本生效时间") + "2", "2026/1/1"}},
			[]string{"事项目录!" + col("版本生效时间") + "2: 「版本生效时间」不是有效的日期（格式为 2026-01-31）"}},
		{"bad pattern",
			[]edit{{col("实施机构-行政区划代码") + "2", "4110"}},
			[]string{"事项目录!" + col("实施机构-行政区划代码") + "2: 「行政区划代码」格式不正确"}},
		{"faq without its question line",
			[]edit{{col("常见问题") + "2", "问：怎么办？\n答：这样办。"}},
			[]string{"事项目录!" + col("常见问题") + "2: 「常见问题」第 1 行应以“问题：”开头"}},
		{"faq without its answer line",
			[]edit{{col("常见问题") + "2", "问题：怎么办？\n答：这样办。"}},
			[]string{"事项目录!" + col("常见问题") + "2: 「常见问题」第 1 条缺少“解答：”一行"}},
		{"empty slug and a repeated one",
			[]edit{{"A2", ""}, {"A4", "two"}},
			[]string{
				"事项目录!A2: 「事项目录名（slug）」为必填项",
				"事项目录!A4: 事项目录名 two 与第 3 行重复",
			}},
		{"unknown and nameless columns",
			[]edit{{col("简称") + "1", "别名"}, {"BZ1", ""}, {"BZ2", "孤立的内容"}},
			[]string{
				"事项目录!" + col("简称") + "1: 未知的列「别名」",
				"事项目录!BZ1: 此列有内容，但没有列名",
				"事项目录!1:1: 缺少列「简称」",
			}},
		{"missing slug column",
			[]edit{{"A1", "编号"}},
			[]string{"事项目录!A1: 未知的列「编号」", "事项目录!1:1: 缺少列「事项目录名（slug）」"}},
		{"every bad cell at once",
			[]edit{{col("事项类型") + "2", "x"}, {col("收费-是否收费") + "2", "对"}, {col("法定办结时限（工作日）") + "2", "1.5"}},
			[]string{
				"事项目录!" + col("事项类型") + "2: 「事项类型」的取值不在可选范围内（可选：行政许可、行政给付、行政确认、行政征收、行政奖励、行政裁决、其他行政权力、公共服务）",
				"事项目录!" + col("法定办结时限（工作日）") + "2: 「法定办结时限（工作日）」应为整数，实际为“1.5”",
				"事项目录!" + col("收费-是否收费") + "2: 「收费-是否收费」应填写“是”或“否”，实际为“对”",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := open(t, good)
			for _, e := range tt.edits {
				if err := f.SetCellStr(excel.SheetName, e.cell, e.value); err != nil {
					t.Fatal(err)
				}
			}
			_, errs := excel.ReadCatalog(bytes.NewReader(save(t, f)))
			if got, want := joinErrors(errs), strings.Join(tt.want, "\n"); got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestReadCatalogExcelDates(t *testing.T) {
	good := write(t, loadRows(t)[:1])
	f := open(t, good)
	i := slices.Index(headerRow(t, f), "版本生效时间")
	cell, _ := excelize.CoordinatesToCellName(i+1, 2)
	// What Excel stores when a clerk types a date into a cell formatted as a date.
	if err := f.SetCellValue(excel.SheetName, cell, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	rows, errs := excel.ReadCatalog(bytes.NewReader(save(t, f)))
	if len(errs) > 0 {
		t.Fatal(joinErrors(errs))
	}
	if got := rows[0].Matter.EffectiveFrom; got != "2026-03-01" {
		t.Errorf("effectiveFrom %q", got)
	}
}

func TestReadCatalogNotAWorkbook(t *testing.T) {
	_, errs := excel.ReadCatalog(strings.NewReader("not a zip"))
	if len(errs) != 1 || !strings.HasPrefix(errs[0].String(), "无法读取 Excel 文件") {
		t.Errorf("errors %q", joinErrors(errs))
	}
	f := excelize.NewFile()
	_, errs = excel.ReadCatalog(bytes.NewReader(save(t, f)))
	if got := joinErrors(errs); got != "事项目录: 找不到工作表「事项目录」" {
		t.Errorf("errors %q", got)
	}
}

func TestCellOfPointer(t *testing.T) {
	good := write(t, loadRows(t)[:1])
	f := open(t, good)
	header := headerRow(t, f)
	rows, errs := excel.ReadCatalog(bytes.NewReader(good))
	if len(errs) > 0 {
		t.Fatal(joinErrors(errs))
	}
	colOf := func(h string) string {
		name, _ := excelize.ColumnNumberToName(slices.Index(header, h) + 1)
		return name
	}
	for pointer, want := range map[string]string{
		"/promisedLimitDays": colOf("承诺办结时限（工作日）") + "2",
		"/org/code":          colOf("实施机构-机构编码") + "2",
		"/level/0":           colOf("行使层级") + "2",
		"":                   "A2",
	} {
		if got := rows[0].Cell(pointer); got != want {
			t.Errorf("Cell(%q) = %q, want %q", pointer, got, want)
		}
	}
	if got := (excel.CatalogRow{}).Cell("/name"); got != "" {
		t.Errorf("Cell of an unread row = %q", got)
	}
}

func open(t *testing.T, b []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func save(t *testing.T, f *excelize.File) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func headerRow(t *testing.T, f *excelize.File) []string {
	t.Helper()
	rows, err := f.GetRows(excel.SheetName)
	if err != nil || len(rows) == 0 {
		t.Fatalf("no header row: %v", err)
	}
	return rows[0]
}

func joinErrors(errs []excel.CellError) string {
	lines := make([]string, len(errs))
	for i, e := range errs {
		lines[i] = e.String()
	}
	return strings.Join(lines, "\n")
}
