package formschema_test

import (
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/definitions/formschema"
)

const personSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "required": ["name", "idNumber"],
  "properties": {
    "name": {"type": "string", "title": "姓名", "minLength": 2, "maxLength": 10},
    "idNumber": {"type": "string", "title": "身份证号", "format": "cn-id-card"},
    "uscc": {"type": "string", "title": "统一社会信用代码", "format": "cn-uscc"},
    "mobile": {"type": "string", "title": "手机号码", "format": "cn-mobile"},
    "division": {"type": "string", "title": "行政区划", "format": "cn-division"},
    "birthday": {"type": "string", "title": "出生日期", "format": "date"},
    "age": {"type": "integer", "title": "年龄", "minimum": 0, "maximum": 150},
    "kind": {"type": "string", "title": "类别", "enum": ["个人", "家庭"]},
    "staff": {"type": "array", "title": "从业人员", "minItems": 1, "uniqueItems": true,
      "items": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "title": "人员姓名"}}}}
  }
}`

func compile(t testing.TB) *formschema.Schema {
	t.Helper()
	s, err := formschema.Compile("person.schema.json", []byte(personSchema))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDomainFormats(t *testing.T) {
	s := compile(t)
	cases := []struct {
		name, field, value string
		valid              bool
	}{
		{"id number of 魏都区 resident", "idNumber", "411002198503140213", true},
		{"id number ending in X", "idNumber", "11010519491231002X", true},
		{"id number with wrong check digit", "idNumber", "411002198503140214", false},
		{"id number with 30 February", "idNumber", "411002199902300011", false},
		{"id number of 17 digits", "idNumber", "41100219850314021", false},
		{"id number with lowercase x", "idNumber", "11010519491231002x", false},
		{"uscc of a 许昌 enterprise", "uscc", "91411002MA44XY7K0N", true},
		{"uscc with wrong check char", "uscc", "91411002MA44XY7K0M", false},
		{"uscc with forbidden letter I", "uscc", "91411002MA44XI7K0N", false},
		{"mobile 138", "mobile", "13803740001", true},
		{"mobile starting 12", "mobile", "12803740001", false},
		{"mobile of 10 digits", "mobile", "1380374000", false},
		{"division 许昌市", "division", "411000", true},
		{"division 长葛市", "division", "411082", true},
		{"division of unknown province", "division", "991000", false},
		{"division of five digits", "division", "41100", false},
		{"date", "birthday", "2026-02-28", true},
		{"date 2026-02-30", "birthday", "2026-02-30", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := map[string]any{"name": "张三", "idNumber": "411002198503140213", c.field: c.value}
			errs := s.Validate(doc)
			if c.valid && len(errs) > 0 {
				t.Fatalf("want valid, got %v", errs)
			}
			if !c.valid && (len(errs) != 1 || errs[0].Pointer != "/"+c.field) {
				t.Fatalf("want one error at /%s, got %v", c.field, errs)
			}
		})
	}
}

func TestMessagesAreChineseAndAtTheField(t *testing.T) {
	s := compile(t)
	cases := []struct {
		name string
		doc  string
		want []string
	}{
		{"missing required", `{}`, []string{"/idNumber: 「身份证号」为必填项", "/name: 「姓名」为必填项"}},
		{"wrong type", `{"name": 12, "idNumber": "411002198503140213"}`, []string{"/name: 「姓名」应为文本，实际为数字"}},
		{"too short", `{"name": "张", "idNumber": "411002198503140213"}`, []string{"/name: 「姓名」不能少于 2 个字"}},
		{"out of range", `{"name": "张三", "idNumber": "411002198503140213", "age": 200}`, []string{"/age: 「年龄」不能大于 150"}},
		{"not integer", `{"name": "张三", "idNumber": "411002198503140213", "age": 1.5}`, []string{"/age: 「年龄」应为整数，实际为数字"}},
		{"enum", `{"name": "张三", "idNumber": "411002198503140213", "kind": "单位"}`, []string{"/kind: 「类别」的取值不在可选范围内（可选：个人、家庭）"}},
		{"unknown field", `{"name": "张三", "idNumber": "411002198503140213", "hack": "<script>"}`, []string{"/hack: 此项不是可以填写的字段"}},
		{"row field missing", `{"name": "张三", "idNumber": "411002198503140213", "staff": [{"name": "李四"}, {}]}`, []string{"/staff/1/name: 「人员姓名」为必填项"}},
		{"empty rows", `{"name": "张三", "idNumber": "411002198503140213", "staff": []}`, []string{"/staff: 「从业人员」至少填写 1 项"}},
		{"duplicate rows", `{"name": "张三", "idNumber": "411002198503140213", "staff": [{"name": "李四"}, {"name": "李四"}]}`, []string{"/staff: 「从业人员」第 1 项与第 2 项重复"}},
		{"malformed JSON", `{"name": `, []string{": 不是有效的 JSON：unexpected EOF"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := s.ValidateJSON([]byte(c.doc))
			got := make([]string, len(errs))
			for i, e := range errs {
				got[i] = e.String()
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestExternalReferencesAreRefused(t *testing.T) {
	_, err := formschema.Compile("x.json", []byte(`{"$ref": "https://example.com/evil.json"}`))
	if err == nil {
		t.Fatal("want an error for an external $ref")
	}
}

func TestShape(t *testing.T) {
	root := compile(t).Root()
	if f := root.Lookup("/staff/0/name"); f == nil || f.Title != "人员姓名" || !f.Required {
		t.Fatalf("lookup into array items: %+v", f)
	}
	if f := root.Property("idNumber"); f.Format != "cn-id-card" || !f.Required {
		t.Fatalf("idNumber: %+v", f)
	}
	if f := root.Property("age"); f.Type != "integer" || f.Required {
		t.Fatalf("age: %+v", f)
	}
}

func TestContainsAndConstMessages(t *testing.T) {
	s, err := formschema.Compile("c.json", []byte(`{"type": "object", "properties": {
	  "agree": {"type": "boolean", "title": "承诺", "const": true},
	  "units": {"type": "array", "title": "参建单位", "contains": {"properties": {"role": {"const": "勘察单位"}}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	errs := s.ValidateJSON([]byte(`{"agree": false, "units": [{"role": "设计单位"}, {"role": "施工单位"}]}`))
	want := "/agree: 「承诺」必须选择「是」\n/units: 「参建单位」中至少要有一项符合要求"
	got := make([]string, len(errs))
	for i, e := range errs {
		got[i] = e.String()
	}
	if strings.Join(got, "\n") != want {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
}
