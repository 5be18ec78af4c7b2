package app_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
	"github.com/xuchang-gov/tongban/runtime"
)

// TestDesignCheckFindsSemanticProblems: what is well-formed but cannot work as meant is an
// error of the draft's check through the design API, with its pointer, before anything runs:
// an edge whose condition can never hold, and a matter that can no longer end approved.
func TestDesignCheckFindsSemanticProblems(t *testing.T) {
	s := apptest.Start(t, app.Config{})
	const slug = "food-business-license"
	analyst := staff(t, s, "梳理甲", "wd-amr", runtime.RoleAnalyst)
	var d runtime.DraftView
	analyst.json("POST", "matters/"+slug+"/draft", nil, 200, &d)
	wf := d.Files["workflow.json"]
	for _, tc := range []struct {
		name, old, new, pointer, mention string
	}{
		{"an edge that can never be taken", `"when": "form\.centralKitchen[^\n]*"`, `"when": "1 == 2"`, "/edges/5/when", "恒不成立"},
		{"no way to end approved", `"from": "deliver", "to": "approved"`, `"from": "deliver", "to": "denied"`, "/nodes", "走不到准予办结"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			changed := regexp.MustCompile(tc.old).ReplaceAllString(wf, tc.new)
			if changed == wf {
				t.Fatalf("workflow.json has no %s", tc.old)
			}
			var cur runtime.DraftView
			analyst.json("GET", "matters/"+slug+"/draft", nil, 200, &cur)
			analyst.json("PUT", "matters/"+slug+"/draft/files/workflow.json", []byte(changed), 200, nil, "If-Match", strconv.Itoa(cur.Revision))
			var check runtime.CheckResult
			analyst.json("POST", "matters/"+slug+"/draft/check", nil, 200, &check)
			found := false
			for _, p := range check.Problems {
				found = found || p.File == "workflow.json" && p.Pointer == tc.pointer && p.Severity == runtime.SeverityError && strings.Contains(p.Message, tc.mention)
			}
			if !found {
				t.Errorf("check = %+v", check)
			}
		})
	}
}

// TestSingleQuotedTextInExpressions: text in single quotes, as the README's table documents,
// is checked and typed like text in double quotes by the design API's expression check.
func TestSingleQuotedTextInExpressions(t *testing.T) {
	s := apptest.Start(t, app.Config{})
	analyst := staff(t, s, "梳理甲", "wd-amr", runtime.RoleAnalyst)
	for _, source := range []string{`form.deliveryMethod == '邮政快递'`, `form.deliveryMethod == "邮政快递"`} {
		var got runtime.ExpressionResult
		analyst.json("POST", "expressions/check", runtime.ExpressionCheck{Slug: "food-business-license", File: "fees.json", Pointer: "/items/0/condition", Source: source}, 200, &got)
		if !got.OK || got.Type != "bool" {
			t.Errorf("%s: %+v", source, got)
		}
	}
}
