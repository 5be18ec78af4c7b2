package definitions_test

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// TestBoundsAtDecode: a definition far deeper, bigger or longer than any real one is refused
// with a problem naming the file and the pointer, before the schema compiler or the expression
// language work on it (a 2,500-deep schema kept validate busy for three minutes; a
// 1,000,000-character expression overflowed the stack).
func TestBoundsAtDecode(t *testing.T) {
	deep := strings.Repeat(`{"type": "object", "properties": {"x": `, 2500) + `{"type": "string"}` + strings.Repeat("}}", 2500)
	schemaWith := func(prop string) func(string) string {
		return func(s string) string {
			return strings.Replace(s, `"properties": {`, `"properties": {"deep": `+prop+`, `, 1)
		}
	}
	feeAmount := func(amount string) func(string) string {
		return func(s string) string { return strings.Replace(s, `"amount": "10"`, `"amount": "`+amount+`"`, 1) }
	}
	cases := []struct {
		name, file string
		change     func(string) string
		pointer    string
		// message is the problem's message and, for an expression, its (line:col).
		message string
	}{
		{"DeepSchema", "matters/demo/form.schema.json", schemaWith(deep),
			"/properties/deep" + strings.Repeat("/properties/x", 31), "嵌套过深：对象和数组最多嵌套 64 层"},
		{"DeepArray", "matters/demo/sample.json", func(s string) string {
			return strings.Replace(s, "{", `{"deep": `+strings.Repeat("[", 100)+strings.Repeat("]", 100)+",", 1)
		}, "/deep" + strings.Repeat("/0", 63), "嵌套过深：对象和数组最多嵌套 64 层"},
		{"HugeFile", "matters/demo/form.schema.json", schemaWith(`{"type": "string", "description": "` + strings.Repeat("许", 2<<20) + `"}`),
			"", "文件过大：6145 KB，定义文件最大 4096 KB"},
		{"LongExpression", "matters/demo/fees.json", feeAmount(strings.Repeat("1 + ", 250_000) + "1"),
			"/items/0/amount", "表达式错误：表达式过长：1000001 个字符，最多 10000 个 (1:1)"},
		{"DeepExpression", "matters/demo/fees.json", feeAmount(strings.Repeat("(", 100) + "1" + strings.Repeat(")", 100)),
			"/items/0/amount", "表达式错误：表达式嵌套过深：括号最多嵌套 64 层 (1:65)"},
		{"OverMemoryBudget", "matters/demo/fees.json", feeAmount("len(1..5000000)"),
			"/items/0/amount", "表达式错误：表达式运行时要建立约 5000000 个元素的范围或列表，超出上限 1000000：请缩小范围 (1:1)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fsys := bundleFS(t, "testdata/bundle")
			fsys[c.file] = &fstest.MapFile{Data: []byte(c.change(string(fsys[c.file].Data)))}
			_, problems := loadAndCompile(fsys)
			for _, p := range problems {
				at := ""
				if p.Line > 0 {
					at = fmt.Sprintf(" (%d:%d)", p.Line, p.Column)
				}
				if p.File == c.file && p.Pointer == c.pointer && p.Message+at == c.message {
					return
				}
			}
			t.Fatalf("no problem %s:%s: %s among\n%v", c.file, c.pointer, c.message, problems.Error())
		})
	}
}
