package engine_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/cn"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/engine"
)

// advance plays steps on a started case and returns where they leave it.
func advance(t *testing.T, g *definitions.Graph, vars rules.Vars, steps ...step) engine.State {
	t.Helper()
	s, _, err := engine.Start(g, vars, day0)
	if err != nil {
		t.Fatal(err)
	}
	return then(t, g, s, vars, steps...)
}

// then plays further steps on s.
func then(t *testing.T, g *definitions.Graph, s engine.State, vars rules.Vars, steps ...step) engine.State {
	t.Helper()
	for _, st := range steps {
		var err error
		if st.returnTo != "" {
			s, _, err = engine.Return(g, s, tokenAt(t, s, st.node), st.returnTo, day0)
		} else {
			s, _, err = engine.Complete(g, s, tokenAt(t, s, st.node), st.outcome, vars, day0)
		}
		if err != nil {
			t.Fatalf("%s: %v", st.node, err)
		}
	}
	return s
}

// TestBranchDenialConcludesCase: when one branch of a parallel review refuses the case, the
// case concludes at once and the other branches' open work is cancelled.
func TestBranchDenialConcludesCase(t *testing.T) {
	sc := scenario{matter: "construction-permit", edit: denyEndsBranch}
	g, vars := graphOf(t, sc), varsOf(t, sc)
	s := advance(t, g, vars, do("accept", "accept"), do("planningCheck", "approve"))
	civil := tokenAt(t, s, "civilDefenseReview")
	s, effects, err := engine.Complete(g, s, tokenAt(t, s, "qualitySafetyReview"), "deny", vars, day0)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Concluded || s.Result != "denied" {
		t.Fatalf("concluded %v with %q, want denied", s.Concluded, s.Result)
	}
	if len(engine.Waiting(s)) != 0 || len(s.Joins) != 0 {
		t.Fatalf("work left open: %+v", s)
	}
	want := []engine.Effect{
		engine.Moved{From: "qualitySafetyReview", To: "endDenied", Outcome: "deny", Name: "审查不通过（意见汇总至审核）"},
		engine.CancelTask{Token: civil, Node: "civilDefenseReview"},
		engine.Conclude{Result: "denied"},
	}
	if !slices.EqualFunc(effects, want, func(a, b engine.Effect) bool { return a.String() == b.String() }) {
		t.Fatalf("effects:\n%v\nwant:\n%v", effects, want)
	}
}

// TestRefusals: every refused step is an error with the right code and leaves the state as it
// was.
func TestRefusals(t *testing.T) {
	food := scenario{matter: "food-business-license"}
	foodG, foodVars := graphOf(t, food), varsOf(t, food)
	permit := scenario{matter: "construction-permit"}
	permitG, permitVars := graphOf(t, permit), varsOf(t, permit)

	atAccept := advance(t, foodG, foodVars)
	atReview := advance(t, foodG, foodVars, do("accept", "accept"))
	atIssue := advance(t, foodG, foodVars, do("accept", "accept"), do("review", "approve"),
		do("inspection", "approve"), do("decision", "approve"))
	concluded := advance(t, foodG, foodVars, do("accept", "not-accept"))
	inBranches := advance(t, permitG, permitVars, do("accept", "accept"))

	tests := []struct {
		name    string
		g       *definitions.Graph
		s       engine.State
		step    func(g *definitions.Graph, s engine.State) (engine.State, []engine.Effect, error)
		code    string
		message string
	}{
		{
			name: "unknown token", g: foodG, s: atAccept,
			step:    complete(99, "accept", foodVars),
			code:    runtime.EINVALID,
			message: "没有待办 99",
		},
		{
			name: "token already done", g: foodG, s: atReview,
			step:    complete(1, "accept", foodVars),
			code:    runtime.ECONFLICT,
			message: "待办 1 已办理或已撤销",
		},
		{
			name: "outcome the node does not have", g: foodG, s: atAccept,
			step:    complete(1, "approve", foodVars),
			code:    runtime.EINVALID,
			message: "「受理」环节的办理结果只能是accept（受理）、not-accept（不予受理），不能是 \"approve\"",
		},
		{
			name: "outcome on a node that only completes", g: foodG, s: atIssue,
			step:    complete(tokenAt(t, atIssue, "issue"), "approve", foodVars),
			code:    runtime.EINVALID,
			message: "「制证」环节的办理结果只能是（空，表示完成），不能是 \"approve\"",
		},
		{
			name: "concluded case", g: foodG, s: concluded,
			step:    complete(1, "accept", foodVars),
			code:    runtime.ECONFLICT,
			message: "办件已办结（不予受理），不能再办理",
		},
		{
			name: "return to a node not yet passed", g: foodG, s: atReview,
			step:    returnTo(tokenAt(t, atReview, "review"), "decision"),
			code:    runtime.EINVALID,
			message: "只能退回到本环节之前办理过的受理或审批环节（同一并联分支内），\"decision\" 不是",
		},
		{
			name: "return from a certificate", g: foodG, s: atIssue,
			step:    returnTo(tokenAt(t, atIssue, "issue"), "decision"),
			code:    runtime.ECONFLICT,
			message: "「制证」环节不是人工办理环节，不能退回",
		},
		{
			name: "return out of a parallel branch", g: permitG, s: inBranches,
			step:    returnTo(tokenAt(t, inBranches, "planningCheck"), "accept"),
			code:    runtime.EINVALID,
			message: "只能退回到本环节之前办理过的受理或审批环节（同一并联分支内），\"accept\" 不是",
		},
		{
			name: "return on a concluded case", g: foodG, s: concluded,
			step:    returnTo(1, "accept"),
			code:    runtime.ECONFLICT,
			message: "办件已办结（不予受理），不能再办理",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, tt.s)
			s, effects, err := tt.step(tt.g, tt.s)
			if runtime.ErrorCode(err) != tt.code || runtime.ErrorMessage(err) != tt.message {
				t.Fatalf("error %v, want %s: %s", err, tt.code, tt.message)
			}
			if effects != nil {
				t.Errorf("effects %v on error", effects)
			}
			if got := snapshot(t, s); got.json != before.json {
				t.Errorf("returned state changed:\n%s\nwant\n%s", got.json, before.json)
			}
			if got := snapshot(t, tt.s); got.json != before.json {
				t.Errorf("given state changed:\n%s\nwant\n%s", got.json, before.json)
			}
		})
	}
}

func complete(token int, outcome string, vars rules.Vars) func(*definitions.Graph, engine.State) (engine.State, []engine.Effect, error) {
	return func(g *definitions.Graph, s engine.State) (engine.State, []engine.Effect, error) {
		return engine.Complete(g, s, token, outcome, vars, day0)
	}
}

func returnTo(token int, to string) func(*definitions.Graph, engine.State) (engine.State, []engine.Effect, error) {
	return func(g *definitions.Graph, s engine.State) (engine.State, []engine.Effect, error) {
		return engine.Return(g, s, token, to, day0)
	}
}

// graph builds a workflow graph by hand, for node kinds and faults the examples do not have.
// Edges are "from>to", "from>to:on" or "from>to?" (the default edge of an exclusive node).
func graph(nodes []definitions.Node, edges ...string) *definitions.Graph {
	g := &definitions.Graph{Nodes: map[string]*definitions.Node{}, Out: map[string][]definitions.CompiledEdge{}}
	for i := range nodes {
		n := &nodes[i]
		g.Nodes[n.ID] = n
		if n.Type == "start" {
			g.Start = n.ID
		}
	}
	for _, spec := range edges {
		from, to, _ := strings.Cut(spec, ">")
		to, on, _ := strings.Cut(to, ":")
		e := definitions.Edge{From: from, To: to, On: on}
		e.To, e.Default = strings.CutSuffix(e.To, "?")
		g.Out[from] = append(g.Out[from], definitions.CompiledEdge{Edge: e})
	}
	return g
}

// TestConnectorAndTimer: a connector waits for the department system's callback, a timer for
// its working days; neither kind is in the examples yet.
func TestConnectorAndTimer(t *testing.T) {
	g := graph([]definitions.Node{
		{ID: "start", Type: "start"},
		{ID: "push", Type: "connector", Name: "推送部门系统", Connector: "dept-push"},
		{ID: "publicity", Type: "timer", Name: "公示", WaitDays: definitions.Days(5)},
		{ID: "approved", Type: "end", Result: "approved"},
	}, "start>push", "push>publicity:approve", "publicity>approved")

	s, effects, err := engine.Start(g, nil, day0)
	if err != nil {
		t.Fatal(err)
	}
	wantEffects(t, effects, "moved start → push", "call-connector #1 push connector=dept-push")

	_, _, err = engine.Complete(g, s, 1, "deny", nil, day0)
	if runtime.ErrorCode(err) != runtime.EINVALID || runtime.ErrorMessage(err) != "「推送部门系统」环节没有办理结果为「不通过」的去向" {
		t.Fatalf("deny without a deny edge: %v", err)
	}
	s, effects, err = engine.Complete(g, s, 1, "approve", nil, day0)
	if err != nil {
		t.Fatal(err)
	}
	wantEffects(t, effects, "moved push → publicity on approve", "start-timer #2 publicity wait=5d")

	s, effects, err = engine.Complete(g, s, 2, "", nil, day0)
	if err != nil {
		t.Fatal(err)
	}
	wantEffects(t, effects, "moved publicity → approved", "conclude approved")
	if !s.Concluded || s.Result != "approved" {
		t.Fatalf("not concluded: %+v", s)
	}
}

// TestAutomaticCycleStops: a cycle made only of automatic nodes is an error, not a hang.
func TestAutomaticCycleStops(t *testing.T) {
	g := graph([]definitions.Node{
		{ID: "start", Type: "start"},
		{ID: "a", Type: "exclusive"},
		{ID: "b", Type: "exclusive"},
	}, "start>a", "a>b?", "b>a?")
	_, _, err := engine.Start(g, nil, day0)
	if runtime.ErrorCode(err) != runtime.EINTERNAL || !strings.Contains(runtime.ErrorMessage(err), "循环") {
		t.Fatalf("error %v, want an internal error about a cycle", err)
	}
}

// TestAutoWithoutFailEdgeHandsOver: a failed rule goes to handover when the node has no fail
// edge, with the reason recorded.
func TestAutoWithoutFailEdgeHandsOver(t *testing.T) {
	m := matter(t, "senior-longevity-allowance")
	g := *m.Workflow
	g.Out = map[string][]definitions.CompiledEdge{}
	for id, edges := range m.Workflow.Out {
		g.Out[id] = slices.DeleteFunc(slices.Clone(edges), func(e definitions.CompiledEdge) bool { return e.On == "fail" })
	}
	sc := scenario{matter: "senior-longevity-allowance", materials: eLicenses("elderIdCard", "householdRegister")}
	vars := varsOf(t, sc)
	vars["form"].(map[string]any)["notReceivingElsewhere"] = false
	s, effects, err := engine.Start(&g, vars, day0)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(effects, func(e engine.Effect) bool { return e.Kind() == "auto-decision" })
	if i < 0 {
		t.Fatalf("no auto decision in %v", effects)
	}
	d := effects[i].(engine.AutoDecision)
	if d.Outcome != "handover" || d.Reason == "" || !d.At.Equal(day0) {
		t.Fatalf("decision %+v, want handover with a reason at %v", d, day0)
	}
	if r := d.Rules[3]; r.ID != "notReceivingElsewhere" || r.Passed || r.Message == "" {
		t.Fatalf("rule result %+v", r)
	}
	tokenAt(t, s, "review")
}

// TestNowDefaultsToStepTime: rules that use `now` see the time of the step when the service
// does not pass one, so an ID that turns 80 tomorrow fails today and passes tomorrow.
func TestNowDefaultsToStepTime(t *testing.T) {
	sc := scenario{matter: "senior-longevity-allowance", materials: eLicenses("elderIdCard", "householdRegister")}
	g := graphOf(t, sc)
	for _, tt := range []struct {
		at     time.Time
		result string
	}{{day0, "denied"}, {day0.AddDate(0, 0, 1), "approved"}} {
		vars := varsOf(t, sc)
		vars["form"].(map[string]any)["elder"].(map[string]any)["idNumber"] = cn.MakeIDNumber("411002", time.Date(1946, 3, 3, 0, 0, 0, 0, time.UTC), 1)
		s, _, err := engine.Start(g, vars, tt.at)
		if err != nil {
			t.Fatal(err)
		}
		if s.Result != tt.result {
			t.Errorf("at %v: result %q, want %q", tt.at, s.Result, tt.result)
		}
	}
}

func wantEffects(t *testing.T, effects []engine.Effect, want ...string) {
	t.Helper()
	var got []string
	for _, e := range effects {
		got = append(got, e.String())
	}
	if !slices.Equal(got, want) {
		t.Fatalf("effects:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestStateJSON pins the stored shape of the state mid-flow in a parallel review.
func TestStateJSON(t *testing.T) {
	sc := scenario{matter: "construction-permit"}
	s := advance(t, graphOf(t, sc), varsOf(t, sc), do("accept", "accept"), do("planningCheck", "approve"))
	raw, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "state-construction-permit-in-branches.json", string(raw)+"\n")
}

// BenchmarkStep is one Complete on a task of the 食品经营许可 flow: the review approves, the
// on-site inspection condition is evaluated and the inspection task is created.
func BenchmarkStep(b *testing.B) {
	m := matter(b, "food-business-license")
	g := m.Workflow
	vars := rules.Vars{"form": sample(b, m)}
	s, _, err := engine.Start(g, vars, day0)
	if err != nil {
		b.Fatal(err)
	}
	s, _, err = engine.Complete(g, s, 1, "accept", vars, day0)
	if err != nil {
		b.Fatal(err)
	}
	token := tokenAt(b, s, "review")
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := engine.Complete(g, s, token, "approve", vars, day0); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReturnWithinBranch: work sent back inside a parallel branch stays in that branch, and the
// join still waits for it.
func TestReturnWithinBranch(t *testing.T) {
	g := graph([]definitions.Node{
		{ID: "start", Type: "start"},
		{ID: "split", Type: "parallel", Join: "meet"},
		{ID: "first", Type: "task", Name: "初审", Assignee: &definitions.Assignee{Role: "reviewer"}},
		{ID: "second", Type: "task", Name: "复审", Assignee: &definitions.Assignee{Role: "checker"}},
		{ID: "other", Type: "task", Name: "会签", Assignee: &definitions.Assignee{Org: "xc-nr", Role: "reviewer"}},
		{ID: "meet", Type: "join"},
		{ID: "approved", Type: "end", Result: "approved"},
	}, "start>split", "split>first", "split>other", "first>second:approve", "second>meet:approve",
		"other>meet:approve", "meet>approved")
	s := advance(t, g, nil, do("first", "approve"), do("other", "approve"), back("second", "first"))
	if w := engine.Waiting(s); len(w) != 1 || w[0].Node != "first" {
		t.Fatalf("waiting %v, want first only", w)
	}
	if len(s.Joins) != 1 || !slices.Equal(s.Joins[0].Arrived, []int{1}) {
		t.Fatalf("joins %+v, want branch 1 arrived", s.Joins)
	}
	s = then(t, g, s, nil, do("first", "approve"), do("second", "approve"))
	if !s.Concluded || s.Result != "approved" {
		t.Fatalf("not concluded: %+v", s)
	}
}

// TestDecision: case.decision is the end a concluded case reached, and nothing before.
func TestDecision(t *testing.T) {
	cases := []struct {
		name, state, want string
	}{
		{"approved", `{"concluded":true,"result":"approved","lastToken":3}`, "approve"},
		{"denied", `{"concluded":true,"result":"denied","lastToken":3}`, "deny"},
		{"not accepted", `{"concluded":true,"result":"not-accepted","lastToken":1}`, ""},
		{"under way", `{"tokens":[{"id":2,"node":"review","since":"2026-09-30T01:00:00Z"}],"lastToken":2}`, ""},
		{"unreadable", `[`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := engine.Decision(json.RawMessage(tc.state)); got != tc.want {
				t.Errorf("Decision = %q, want %q", got, tc.want)
			}
		})
	}
}
