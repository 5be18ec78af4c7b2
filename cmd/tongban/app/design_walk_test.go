package app_test

import (
	"os"
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
	"github.com/xuchang-gov/tongban/runtime"
)

// TestDesignWalk steps the construction permit's draft through the API: the trace is the
// engine's golden trace of the same reports, parallel branches and the chosen edges are
// named, other outcomes and correction may be chosen, a report where nothing waits is refused,
// and a draft with an unsaved, unjoined split answers its problem and no steps.
func TestDesignWalk(t *testing.T) {
	s := apptest.Start(t, app.Config{})
	const slug = "construction-permit"
	analyst := staff(t, s, "梳理", "xc-housing", runtime.RoleAnalyst)
	var d runtime.DraftView
	analyst.json("POST", "matters/"+slug+"/draft", nil, 200, &d)
	walk := "matters/" + slug + "/draft/walk"

	t.Run("the engine's own trace", func(t *testing.T) {
		analyst.t = t
		choices := []runtime.WalkChoice{{Node: "accept", Outcome: "accept"}, {Node: "planningCheck", Outcome: "approve"},
			{Node: "civilDefenseReview", Outcome: "approve"}, {Node: "qualitySafetyReview", Outcome: "approve"}}
		var r runtime.WalkResult
		analyst.json("POST", walk, runtime.WalkRequest{Choices: choices}, 200, &r)
		want, err := os.ReadFile("../../../runtime/engine/testdata/construction-permit-approved.golden")
		if err != nil {
			t.Fatal(err)
		}
		if got := "# construction-permit-approved\n" + r.Trace; got != string(want) {
			t.Errorf("trace differs from the golden trace:\n%s\nwant:\n%s", got, want)
		}
		if r.Result != "approved" || len(r.Steps) != 9 || !r.Steps[1].Chosen || r.Steps[5].Chosen {
			t.Fatalf("result %q, %d steps: %+v", r.Result, len(r.Steps), r.Steps)
		}
		split := r.Steps[1]
		var branches []string
		for _, e := range split.Effects {
			if e.Kind == "moved" && e.From == "parallelReview" {
				if e.Edge == nil {
					t.Fatalf("move without its edge: %+v", e)
				}
				branches = append(branches, e.To)
			}
		}
		if strings.Join(branches, ",") != "qualitySafetyReview,planningCheck,civilDefenseChoice" {
			t.Errorf("branches = %v", branches)
		}
		if c := strings.Join(r.Steps[1].Choices, ","); c != "accept,not-accept,correction" {
			t.Errorf("choices at acceptance = %s", c)
		}
	})

	t.Run("other outcomes: correction, return and a refusal", func(t *testing.T) {
		analyst.t = t
		var r runtime.WalkResult
		analyst.json("POST", walk, runtime.WalkRequest{Choices: []runtime.WalkChoice{
			{Node: "accept", Outcome: "correction"}, {Node: "accept", Outcome: "accept"},
			{Node: "qualitySafetyReview", Outcome: "approve"}, {Node: "planningCheck", Outcome: "approve"},
			{Node: "civilDefenseReview", Outcome: "approve"}, {Node: "check", Outcome: "return", To: "accept"},
		}}, 200, &r)
		if r.Steps[1].Action != "correction" || r.Steps[1].Effects == nil || r.Steps[6].Action != "return" || r.Result != "approved" {
			t.Fatalf("steps = %+v", r.Steps)
		}
		if got := strings.Join(r.Steps[6].ReturnTo, ","); got != "accept" {
			t.Errorf("return targets = %s", got)
		}
		analyst.json("POST", walk, runtime.WalkRequest{Choices: []runtime.WalkChoice{{Node: "accept", Outcome: "not-accept"}}}, 200, &r)
		if r.Result != "not-accepted" || len(r.Steps) != 2 {
			t.Fatalf("result %q after %d steps", r.Result, len(r.Steps))
		}
	})

	t.Run("a report where nothing waits is refused", func(t *testing.T) {
		analyst.t = t
		var e errorAnswer
		analyst.json("POST", walk, runtime.WalkRequest{Choices: []runtime.WalkChoice{{Node: "decide", Outcome: "approve"}}}, 400, &e)
		if len(e.Error.Fields) != 1 || e.Error.Fields[0].Pointer != "/choices/0/node" {
			t.Fatalf("error = %+v", e.Error)
		}
	})

	t.Run("unsaved files: an unjoined split", func(t *testing.T) {
		analyst.t = t
		wf := strings.Replace(d.Files["workflow.json"], `"join": "reviewJoin"`, `"description": "未汇聚"`, 1)
		var r runtime.WalkResult
		analyst.json("POST", walk, runtime.WalkRequest{Files: map[string]string{"workflow.json": wf}}, 200, &r)
		found := false
		for _, p := range r.Problems {
			found = found || (p.File == "workflow.json" && p.Pointer == "/nodes/2/join" && p.Severity == runtime.SeverityError)
		}
		if !found || len(r.Steps) != 0 {
			t.Fatalf("problems %+v, %d steps", r.Problems, len(r.Steps))
		}
	})

	t.Run("workflow options", func(t *testing.T) {
		analyst.t = t
		var o runtime.WorkflowOptions
		analyst.json("GET", "matters/"+slug+"/draft/workflow-options", nil, 200, &o)
		roles := map[string][]string{}
		for _, org := range o.Orgs {
			roles[org.Code] = org.Roles
		}
		if o.ImplementingOrg != "xc-housing" || !strings.Contains(strings.Join(roles["xc-nr"], ","), "reviewer") {
			t.Fatalf("options = %+v", o)
		}
	})
}
