package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// run drives the real program in dir and returns its exit code and output.
func run(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cli := &CLI{Stdout: &stdout, Stderr: &stderr, Dir: dir}
	code := cli.Run(context.Background(), args)
	return code, stdout.String(), stderr.String()
}

// copyExamples copies the examples bundle into a temporary folder the test may change.
func copyExamples(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "examples")
	err := os.CopyFS(dst, os.DirFS("../../examples"))
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func replaceInFile(t *testing.T, path, old, new string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte(old)) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	if err := os.WriteFile(path, bytes.Replace(raw, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestValidateExamples(t *testing.T) {
	code, out, errOut := run(t, ".", "validate", "../../examples/matters")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "11 个事项") {
		t.Errorf("summary missing: %q", errOut)
	}
}

// TestValidateWarnsOfTheCalendarRunningOut: the examples have the 2026 calendar only, so
// validate warns from 60 days before its end, and still passes.
func TestValidateWarnsOfTheCalendarRunningOut(t *testing.T) {
	for _, tc := range []struct {
		today string
		warns bool
	}{{"2026-10-15", false}, {"2026-11-15", true}} {
		var stdout, stderr bytes.Buffer
		today, _ := time.Parse(time.DateOnly, tc.today)
		cli := &CLI{Stdout: &stdout, Stderr: &stderr, Dir: ".", Now: func() time.Time { return today }}
		if code := cli.Run(context.Background(), []string{"validate", "../../examples/matters"}); code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", tc.today, code, &stdout, &stderr)
		}
		if warned := strings.Contains(stderr.String(), "警告：工作日历没有 2027 年的放假安排"); warned != tc.warns {
			t.Errorf("%s: warned %t, want %t: %s", tc.today, warned, tc.warns, &stderr)
		}
	}
}

func TestValidateReportsBrokenCopies(t *testing.T) {
	cases := []struct {
		name   string
		break_ func(t *testing.T, root string)
		want   []string
	}{
		{
			name: "fee expression naming a missing field",
			break_: func(t *testing.T, root string) {
				replaceInFile(t, filepath.Join(root, "matters/food-business-license/fees.json"),
					`"amount": "12"`, `"amount": "12 + form.postageWeight"`)
			},
			want: []string{"matters/food-business-license/fees.json:/items/0/amount: 表达式错误：没有字段 postageWeight (1:11)", "^"},
		},
		{
			name: "parallel split whose branch skips the join",
			break_: func(t *testing.T, root string) {
				replaceInFile(t, filepath.Join(root, "matters/construction-permit/workflow.json"),
					`{"from": "planningCheck", "to": "reviewJoin", "on": "approve",`,
					`{"from": "planningCheck", "to": "endApproved", "on": "approve",`)
			},
			want: []string{"matters/construction-permit/workflow.json:/nodes/", "并行分支 planningCheck 没有汇聚到 reviewJoin"},
		},
		{
			name: "invalid JSON file",
			break_: func(t *testing.T, root string) {
				replaceInFile(t, filepath.Join(root, "matters/senior-longevity-allowance/materials.json"), `"materials": [`, `"materials": [,`)
			},
			want: []string{"matters/senior-longevity-allowance/materials.json: 不是有效的 JSON：第"},
		},
		{
			name: "2,500-deep schema",
			break_: func(t *testing.T, root string) {
				replaceInFile(t, filepath.Join(root, "matters/food-business-license/form.schema.json"), `"properties": {`,
					`"properties": {"deep": `+strings.Repeat(`{"type": "object", "properties": {"x": `, 2500)+`{"type": "string"}`+strings.Repeat("}}", 2500)+",")
			},
			want: []string{"matters/food-business-license/form.schema.json:/properties/deep/properties/x/", "嵌套过深：对象和数组最多嵌套 64 层"},
		},
		{
			name: "1,000,000-character expression",
			break_: func(t *testing.T, root string) {
				replaceInFile(t, filepath.Join(root, "matters/food-business-license/fees.json"),
					`"amount": "12"`, `"amount": "`+strings.Repeat("1 + ", 250_000)+`1"`)
			},
			want: []string{"matters/food-business-license/fees.json:/items/0/amount: 表达式错误：表达式过长：1000001 个字符，最多 10000 个 (1:1)"},
		},
		{
			name: "expression over the engine's memory budget",
			break_: func(t *testing.T, root string) {
				replaceInFile(t, filepath.Join(root, "matters/food-business-license/fees.json"),
					`"amount": "12"`, `"amount": "12 + len(1..3000000)"`)
			},
			want: []string{"matters/food-business-license/fees.json:/items/0/amount: 表达式错误：表达式运行时要建立约 3000000 个元素的范围或列表，超出上限 1000000"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := copyExamples(t)
			c.break_(t, root)
			code, out, _ := run(t, root, "validate", "matters")
			if code != 1 {
				t.Fatalf("exit %d, want 1\n%s", code, out)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestValidateUsage(t *testing.T) {
	if code, _, _ := run(t, ".", "validate"); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if code, _, _ := run(t, ".", "no-such-command"); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
}

func TestFmtIsIdempotentOnExamples(t *testing.T) {
	root := copyExamples(t)
	code, out, errOut := run(t, root, "fmt", root)
	if code != 0 || out != "" {
		t.Fatalf("examples are not canonical (exit %d):\n%s%s", code, out, errOut)
	}
	path := filepath.Join(root, "matters/food-business-license/fees.json")
	replaceInFile(t, path, "\n  \"items\"", "\"items\"")
	if code, out, _ = run(t, root, "fmt", "-check", root); code != 1 || !strings.Contains(out, "fees.json") {
		t.Fatalf("fmt -check: exit %d, output %q", code, out)
	}
	if code, _, _ = run(t, root, "fmt", root); code != 0 {
		t.Fatalf("fmt: exit %d", code)
	}
	if code, out, _ = run(t, root, "fmt", "-check", root); code != 0 || out != "" {
		t.Fatalf("fmt is not idempotent: exit %d, output %q", code, out)
	}
}
