package engine_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/cn"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime/engine"
)

var update = flag.Bool("update", false, "rewrite the golden traces in testdata")

// day0 is when every scenario starts; each step happens one day later than the one before.
var day0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

// examplePlan is the example bundle compiled once, as published.
var examplePlan = sync.OnceValues(func() (*definitions.Plan, error) { return compileExamples(nil) })

// compileExamples loads ../../examples, lets edit change the bundle, and compiles it.
func compileExamples(edit func(*definitions.Bundle)) (*definitions.Plan, error) {
	b, problems := definitions.Load(os.DirFS("../../examples"))
	if len(problems) > 0 {
		return nil, problems
	}
	if edit != nil {
		edit(b)
	}
	plan, problems := definitions.Compile(b)
	if len(problems) > 0 {
		return nil, problems
	}
	return plan, nil
}

// matter returns the compiled matter of the example plan.
func matter(t testing.TB, slug string) *definitions.MatterPlan {
	t.Helper()
	plan, err := examplePlan()
	if err != nil {
		t.Fatalf("examples do not compile:\n%v", err)
	}
	m := plan.Matter(slug)
	if m == nil {
		t.Fatalf("no matter %s", slug)
	}
	return m
}

// sample is the matter's sample.json as a fresh form value.
func sample(t testing.TB, m *definitions.MatterPlan) map[string]any {
	t.Helper()
	var form map[string]any
	if err := json.Unmarshal(m.Def.Sample, &form); err != nil {
		t.Fatal(err)
	}
	return form
}

// eLicenses says that the listed materials were fetched from the e-license library.
func eLicenses(ids ...string) map[string]any {
	out := map[string]any{}
	for _, id := range ids {
		out[id] = map[string]any{"provided": true, "source": "e-license", "files": 0}
	}
	return out
}

// step is one thing the outside world does: finish the work at node with outcome, or, when
// returnTo is set, send it back there.
type step struct {
	node, outcome, returnTo string
	// data is what the person records in the node's task form, when set.
	data string
}

func do(node, outcome string) step { return step{node: node, outcome: outcome} }

// fill finishes the work at node with outcome, recording data in its task form.
func fill(node, outcome, data string) step { return step{node: node, outcome: outcome, data: data} }
func back(node, to string) step            { return step{node: node, returnTo: to} }

// scenario drives one case of an example matter from start to where steps leave it.
type scenario struct {
	name      string
	matter    string
	edit      func(b *definitions.Bundle) // changes the definition before compiling, when set
	form      func(form map[string]any)   // changes the sample application, when set
	materials map[string]any
	steps     []step
	result    string   // the result it concludes with, "" when still open
	waiting   []string // nodes still waited at, when open
}

var scenarios = []scenario{
	{
		name: "food-business-license-approved", matter: "food-business-license",
		steps: []step{
			do("accept", "accept"), do("review", "approve"), do("inspection", "approve"),
			do("decision", "approve"), do("issue", ""), do("deliver", ""),
		},
		result: "approved",
	},
	{
		name: "food-business-license-no-inspection", matter: "food-business-license",
		form: func(f map[string]any) { f["businessItems"] = []any{"预包装食品销售"} },
		steps: []step{
			do("accept", "accept"), do("review", "approve"), do("decision", "approve"),
			do("issue", ""), do("deliver", ""),
		},
		result: "approved",
	},
	{
		name: "food-business-license-not-accepted", matter: "food-business-license",
		steps:  []step{do("accept", "not-accept")},
		result: "not-accepted",
	},
	{
		name: "food-business-license-inspection-fails", matter: "food-business-license",
		steps:  []step{do("accept", "accept"), do("review", "approve"), do("inspection", "deny")},
		result: "denied",
	},
	{
		name: "food-business-license-returned", matter: "food-business-license",
		steps: []step{
			do("accept", "accept"), do("review", "approve"), do("inspection", "approve"),
			back("decision", "review"), do("review", "approve"), do("inspection", "approve"),
			back("decision", "accept"), do("accept", "accept"), do("review", "approve"),
			do("inspection", "approve"), do("decision", "approve"), do("issue", ""), do("deliver", ""),
		},
		result: "approved",
	},
	{
		name: "food-business-license-open", matter: "food-business-license",
		steps:   []step{do("accept", "accept"), do("review", "approve")},
		waiting: []string{"inspection"},
	},
	{
		name: "construction-permit-approved", matter: "construction-permit",
		steps: []step{
			do("accept", "accept"), do("planningCheck", "approve"), do("civilDefenseReview", "approve"),
			do("qualitySafetyReview", "approve"), do("check", "approve"), do("decide", "approve"),
			do("issue", ""), do("deliver", ""),
		},
		result: "approved",
	},
	{
		name: "construction-permit-no-civil-defense", matter: "construction-permit",
		form: func(f map[string]any) { f["civilDefense"] = map[string]any{"included": false} },
		steps: []step{
			do("accept", "accept"), do("qualitySafetyReview", "approve"), do("planningCheck", "approve"),
			do("check", "approve"), do("decide", "approve"), do("issue", ""), do("deliver", ""),
		},
		result: "approved",
	},
	{
		// Here a branch's refusal goes to the join as an opinion; the check step refuses.
		name: "construction-permit-branch-opinion-deny", matter: "construction-permit",
		steps: []step{
			do("accept", "accept"), do("qualitySafetyReview", "approve"), do("planningCheck", "deny"),
			do("civilDefenseReview", "approve"), do("check", "deny"),
		},
		result: "denied",
	},
	{
		name: "construction-permit-branch-denies", matter: "construction-permit",
		edit:  denyEndsBranch,
		steps: []step{do("accept", "accept"), do("planningCheck", "approve"), do("qualitySafetyReview", "deny")},
		// civilDefenseReview's open task is cancelled.
		result: "denied",
	},
	{
		name: "construction-permit-open-branches", matter: "construction-permit",
		steps:   []step{do("accept", "accept"), do("planningCheck", "approve")},
		waiting: []string{"qualitySafetyReview", "civilDefenseReview"},
	},
	{
		name: "construction-permit-returned-across-join", matter: "construction-permit",
		form: func(f map[string]any) { f["civilDefense"] = map[string]any{"included": false} },
		steps: []step{
			do("accept", "accept"), do("qualitySafetyReview", "approve"), do("planningCheck", "approve"),
			back("check", "accept"), do("accept", "accept"), do("planningCheck", "approve"),
			do("qualitySafetyReview", "approve"), do("check", "approve"), back("decide", "check"),
			do("check", "approve"), do("decide", "approve"), do("issue", ""), do("deliver", ""),
		},
		result: "approved",
	},
	{
		name: "minimum-living-allowance-approved", matter: "minimum-living-allowance",
		steps: []step{
			do("accept", "accept"),
			fill("visit", "approve", `{"householdSize": 3, "verifiedMonthlyIncome": 1200, "housing": "租住", "vehicles": 0}`),
			do("review", "approve"), do("publicity", ""),
		},
		result: "approved",
	},
	{
		name: "minimum-living-allowance-income-over-standard", matter: "minimum-living-allowance",
		steps: []step{
			do("accept", "accept"),
			fill("visit", "approve", `{"householdSize": 2, "verifiedMonthlyIncome": 2600, "housing": "自有", "vehicles": 1}`),
			do("review", "deny"),
		},
		result: "denied",
	},
	{
		name: "real-estate-certificate-reissue-paid", matter: "real-estate-certificate-reissue",
		steps: []step{
			do("accept", "accept"), do("review", "approve"), do("pay", ""), do("issue", ""), do("deliver", ""),
		},
		result: "approved",
	},
	{
		name: "real-estate-certificate-reissue-awaiting-payment", matter: "real-estate-certificate-reissue",
		steps:   []step{do("accept", "accept"), do("review", "approve")},
		waiting: []string{"pay"},
	},
	{
		name: "senior-longevity-allowance-approved", matter: "senior-longevity-allowance",
		materials: eLicenses("elderIdCard", "householdRegister", "agentIdCard"),
		result:    "approved",
	},
	{
		name: "senior-longevity-allowance-aged-70", matter: "senior-longevity-allowance",
		materials: eLicenses("elderIdCard", "householdRegister", "agentIdCard"),
		form: func(f map[string]any) {
			f["elder"].(map[string]any)["idNumber"] = cn.MakeIDNumber("411002", time.Date(1956, 1, 15, 0, 0, 0, 0, time.UTC), 22)
		},
		result: "denied",
	},
	{
		name: "senior-longevity-allowance-unreadable-id", matter: "senior-longevity-allowance",
		materials: eLicenses("elderIdCard", "householdRegister", "agentIdCard"),
		form:      func(f map[string]any) { f["elder"].(map[string]any)["idNumber"] = "4110021943051X226X" },
		steps:     []step{do("review", "approve")},
		result:    "approved",
	},
	{
		name: "senior-longevity-allowance-uploaded", matter: "senior-longevity-allowance",
		materials: map[string]any{
			"elderIdCard":       map[string]any{"provided": true, "source": "upload", "files": 1},
			"householdRegister": map[string]any{"provided": true, "source": "e-license", "files": 0},
		},
		steps:  []step{do("review", "deny")},
		result: "denied",
	},
	{
		// The routing condition cannot run without materials: it counts as false, is reported,
		// and the default edge hands the case to a person.
		name: "senior-longevity-allowance-no-materials", matter: "senior-longevity-allowance",
		steps:  []step{do("review", "approve")},
		result: "approved",
	},
	{
		name: "sole-proprietor-registration-approved", matter: "sole-proprietor-registration",
		steps:  []step{do("accept", "accept"), do("decision", "approve"), do("issue", "")},
		result: "approved",
	},
	{
		name: "sole-proprietor-registration-denied", matter: "sole-proprietor-registration",
		steps:  []step{do("accept", "accept"), do("decision", "deny")},
		result: "denied",
	},
	{
		name: "public-venue-hygiene-license-approved", matter: "public-venue-hygiene-license",
		steps: []step{
			do("accept", "accept"), do("review", "approve"), do("inspect", "approve"), do("check", "approve"),
			do("decide", "approve"), do("issue", ""), do("deliver", ""),
		},
		result: "approved",
	},
	{
		name: "public-venue-hygiene-license-returned-then-denied", matter: "public-venue-hygiene-license",
		steps: []step{
			do("accept", "accept"), do("review", "approve"), back("inspect", "review"), do("review", "approve"),
			do("inspect", "approve"), do("check", "deny"),
		},
		result: "denied",
	},
}

// denyEndsBranch makes a refusal by the quality and safety review refuse the whole
// construction permit at once, instead of going to the join as an opinion.
func denyEndsBranch(b *definitions.Bundle) {
	for _, m := range b.Matters {
		if m.Slug != "construction-permit" {
			continue
		}
		for i, e := range m.Workflow.Edges {
			if e.From == "qualitySafetyReview" && e.On == "deny" {
				m.Workflow.Edges[i].To = "endDenied"
			}
		}
	}
}

// graphOf returns the workflow graph of the scenario's matter, compiled with its edit.
func graphOf(t testing.TB, sc scenario) *definitions.Graph {
	t.Helper()
	if sc.edit == nil {
		return matter(t, sc.matter).Workflow
	}
	plan, err := compileExamples(sc.edit)
	if err != nil {
		t.Fatalf("edited examples do not compile:\n%v", err)
	}
	return plan.Matter(sc.matter).Workflow
}

func varsOf(t testing.TB, sc scenario) rules.Vars {
	form := sample(t, matter(t, sc.matter))
	if sc.form != nil {
		sc.form(form)
	}
	vars := rules.Vars{
		"form":      form,
		"applicant": map[string]any{"kind": "person"},
		"case":      map[string]any{"number": "XC202603020001", "channel": "online", "matter": sc.matter},
	}
	if sc.materials != nil {
		vars["materials"] = sc.materials
	}
	vars, _ = matter(t, sc.matter).Evaluate(vars)
	return vars
}

// play runs the scenario and returns its trace and final state. With roundTrip, the state goes
// through JSON before every step, as it does when the service stores it.
func play(t *testing.T, sc scenario, roundTrip bool) (string, engine.State) {
	t.Helper()
	g := graphOf(t, sc)
	vars := varsOf(t, sc)
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n%s\n", sc.name, engine.StartLine())
	s, effects, err := engine.Start(g, vars, day0)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	writeEffects(&b, effects)
	for i, st := range sc.steps {
		if roundTrip {
			s = throughJSON(t, s)
		}
		token := tokenAt(t, s, st.node)
		at := day0.AddDate(0, 0, i+1)
		before := snapshot(t, s)
		if st.returnTo != "" {
			fmt.Fprintln(&b, engine.ReturnLine(token, st.node, st.returnTo))
			s, effects, err = engine.Return(g, s, token, st.returnTo, at)
		} else {
			if st.data != "" {
				fmt.Fprintf(&b, "> record %s %s\n", st.node, st.data)
				s = engine.WithTaskData(s, st.node, json.RawMessage(st.data))
				raw, _ := json.Marshal(s)
				vars["tasks"] = engine.TaskData(raw)
				vars, _ = matter(t, sc.matter).Evaluate(vars)
			}
			fmt.Fprintln(&b, engine.CompleteLine(token, st.node, st.outcome))
			s, effects, err = engine.Complete(g, s, token, st.outcome, vars, at)
		}
		if err != nil {
			t.Fatalf("step %d (%s): %v", i+1, st.node, err)
		}
		if after := snapshot(t, before.state); after.json != before.json {
			t.Fatalf("step %d changed the state it was given", i+1)
		}
		writeEffects(&b, effects)
	}
	fmt.Fprintln(&b, engine.EndLine(s))
	return b.String(), s
}

func writeEffects(b *strings.Builder, effects []engine.Effect) {
	for _, e := range effects {
		b.WriteString(e.String())
		b.WriteString("\n")
	}
}

// tokenAt is the one token waiting at node.
func tokenAt(t testing.TB, s engine.State, node string) int {
	t.Helper()
	var ids []int
	for _, w := range engine.Waiting(s) {
		if w.Node == node {
			ids = append(ids, w.Token)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("want one token at %s, have %d (waiting: %v, concluded: %v)", node, len(ids), engine.Waiting(s), s.Concluded)
	}
	return ids[0]
}

type stateSnapshot struct {
	state engine.State
	json  string
}

// snapshot keeps the state with a deep copy of it as JSON, to tell later whether it changed.
func snapshot(t testing.TB, s engine.State) stateSnapshot {
	t.Helper()
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return stateSnapshot{state: s, json: string(raw)}
}

func throughJSON(t testing.TB, s engine.State) engine.State {
	t.Helper()
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var out engine.State
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTraces drives every scenario and compares the effects, line by line, with
// testdata/<scenario>.golden. Run with -update to rewrite the files after a deliberate change.
func TestTraces(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			trace, s := play(t, sc, false)
			if s.Result != sc.result {
				t.Errorf("result %q, want %q", s.Result, sc.result)
			}
			var waiting []string
			for _, w := range engine.Waiting(s) {
				waiting = append(waiting, w.Node)
			}
			if !slices.Equal(waiting, sc.waiting) {
				t.Errorf("waiting at %v, want %v", waiting, sc.waiting)
			}
			golden(t, sc.name, trace)
		})
	}
}

// TestStateSurvivesJSON plays every scenario again with the state stored as JSON and read back
// before each step: the trace must not change.
func TestStateSurvivesJSON(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			direct, _ := play(t, sc, false)
			stored, _ := play(t, sc, true)
			if direct != stored {
				t.Errorf("trace differs after a JSON round trip:\n%s\nwant:\n%s", stored, direct)
			}
		})
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("trace differs from %s:\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// TestLayoutIsIgnored: the studio's node positions (workflow.json's layout) change nothing the
// engine does.
func TestLayoutIsIgnored(t *testing.T) {
	i := slices.IndexFunc(scenarios, func(sc scenario) bool { return sc.name == "construction-permit-approved" })
	plain := scenarios[i]
	laid := plain
	laid.edit = func(b *definitions.Bundle) {
		for _, m := range b.Matters {
			if m.Slug == plain.matter {
				m.Workflow.Layout = &definitions.WorkflowLayout{Nodes: map[string]definitions.Point{"accept": {X: 120, Y: 40}, "issue": {X: 900, Y: 40}}}
			}
		}
	}
	want, _ := play(t, plain, false)
	got, _ := play(t, laid, false)
	if got != want {
		t.Errorf("with a layout the trace is\n%s\nwant\n%s", got, want)
	}
}
