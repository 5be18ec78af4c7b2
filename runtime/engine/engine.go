// Package engine interprets a matter's workflow graph: a step takes the plan, the state and an
// event and returns the new state plus the effects for the service layer to carry out. It does
// no I/O.
//
// Every step is deterministic: time comes in as a parameter, token ids come from a counter in
// the state, and nodes, edges and branches are visited in the order the definition lists them.
// A step never changes the state it is given, so a step that fails leaves the caller holding
// the state as it was.
package engine

import (
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime"
)

// MaxAutoSteps bounds the automatic nodes (start, exclusive, parallel, join, auto, end) one step
// may pass through, so that a cycle made only of automatic nodes fails instead of spinning.
const MaxAutoSteps = 1000

// State is where a case stands in its workflow. The service stores it as the case's Workflow
// blob; it is plain JSON and only this package reads it.
type State struct {
	// Tokens are the pieces of work the case waits for, in the order they were created.
	Tokens []Token `json:"tokens,omitempty"`
	// Joins are the open parallel splits and the branches that have reached their join.
	Joins []Join `json:"joins,omitempty"`
	// Concluded is set once an end node is reached (办结); Result is that node's result.
	Concluded bool   `json:"concluded,omitempty"`
	Result    string `json:"result,omitempty"`
	// Data holds what people recorded in the forms of task nodes (tasks.<node>), by node id; a
	// node done again replaces its record.
	Data map[string]json.RawMessage `json:"data,omitempty"`
	// LastToken and LastSplit are the counters token ids and split instances are drawn from.
	LastToken int `json:"lastToken"`
	LastSplit int `json:"lastSplit,omitempty"`
}

// Token is one piece of work the case waits for at a node. Every arrival at a waiting node gets
// a fresh id, so a late or repeated report about work already done cannot be applied to the
// work that followed it.
type Token struct {
	ID   int    `json:"id"`
	Node string `json:"node"`
	// Scopes are the parallel branches the token is inside, outermost first.
	Scopes []Scope `json:"scopes,omitempty"`
	// Path lists the waiting nodes this line of work passed, in order, within its innermost
	// scope; Return may send the work back to any of them.
	Path []string `json:"path,omitempty"`
	// Since is when the work began.
	Since time.Time `json:"since"`
}

// Scope is one parallel branch: the split node, which time it was entered (Instance) and the
// index of the branch among the split's edges.
type Scope struct {
	Split    string `json:"split"`
	Instance int    `json:"instance"`
	Branch   int    `json:"branch"`
}

// Join is an open parallel split: its branches meet at node Join, and Arrived lists the
// branches that are already there. Scopes and Path are those of the work before the split,
// restored when every branch has arrived.
type Join struct {
	Split    string   `json:"split"`
	Instance int      `json:"instance"`
	Join     string   `json:"join"`
	Branches int      `json:"branches"`
	Arrived  []int    `json:"arrived,omitempty"`
	Scopes   []Scope  `json:"scopes,omitempty"`
	Path     []string `json:"path,omitempty"`
}

// Wait is one thing the case waits for: the work at a node and since when.
type Wait struct {
	Token int
	Node  string
	Since time.Time
}

// outcomeNames are the Chinese words for outcomes in messages people see.
var outcomeNames = map[string]string{
	"accept": "受理", "not-accept": "不予受理", "approve": "通过", "deny": "不通过", "": "完成",
	"pass": "通过", "fail": "不通过", "handover": "转人工", "return": "退回",
}

// Start begins a case: it places a token at the start node and advances through the automatic
// nodes until every line of work waits for the outside world or the case concludes.
// The error is runtime.EINVALID for a graph without a start and runtime.EINTERNAL when the
// graph cannot be followed (a cycle of automatic nodes, a node with no way on).
func Start(g *definitions.Graph, vars rules.Vars, at time.Time) (State, []Effect, error) {
	if g == nil || g.Nodes[g.Start] == nil {
		return State{}, nil, runtime.Errorf(runtime.EINVALID, "流程没有开始节点，无法启动")
	}
	r := newRun(g, State{}, vars, at)
	if err := r.advance(cursor{node: g.Start}); err != nil {
		return State{}, nil, err
	}
	return r.s, r.effects, nil
}

// Complete applies the outside world's report that the work at token is done with outcome
// ("accept", "not-accept", "approve", "deny", or "" for a timer, certificate or delivery), and
// advances the case as far as it goes without the outside world.
// The error is runtime.ECONFLICT when the case has concluded or the token's work is already
// done or cancelled, runtime.EINVALID for a token that never existed or an outcome the node
// does not have, and runtime.EINTERNAL when the graph cannot be followed. On error s is as it
// was.
func Complete(g *definitions.Graph, s State, token int, outcome string, vars rules.Vars, at time.Time) (State, []Effect, error) {
	t, n, err := find(g, s, token)
	if err != nil {
		return s, nil, err
	}
	if allowed := definitions.NodeOutcomes(n); !slices.Contains(allowed, outcome) {
		return s, nil, runtime.Errorf(runtime.EINVALID, "「%s」环节的办理结果只能是%s，不能是 %q", n.Name, outcomeList(allowed), outcome)
	}
	edges := g.Next(n.ID, outcome)
	if len(edges) == 0 {
		return s, nil, runtime.Errorf(runtime.EINVALID, "「%s」环节没有办理结果为「%s」的去向", n.Name, outcomeNames[outcome])
	}
	r := newRun(g, s.clone(), vars, at)
	r.s.remove(token)
	c := cursor{scopes: t.Scopes, path: append(slices.Clip(t.Path), n.ID)}
	if err := r.advance(r.follow(c, n.ID, edges[0], outcome)); err != nil {
		return s, nil, err
	}
	return r.s, r.effects, nil
}

// Return sends the work at token back to an earlier node on its path (退回): a task or
// acceptance node it passed within the same parallel branch. It cancels the current task and
// creates the earlier node's task again.
// The error is runtime.ECONFLICT when the case has concluded, the token's work is done, or the
// work is not a person's task, and runtime.EINVALID when to is not on the token's path.
func Return(g *definitions.Graph, s State, token int, to string, at time.Time) (State, []Effect, error) {
	t, n, err := find(g, s, token)
	if err != nil {
		return s, nil, err
	}
	if !n.IsPersonal() {
		return s, nil, runtime.Errorf(runtime.ECONFLICT, "「%s」环节不是人工办理环节，不能退回", n.Name)
	}
	i := slices.Index(t.Path, to)
	target := g.Nodes[to]
	if i < 0 || target == nil || !target.IsPersonal() {
		return s, nil, runtime.Errorf(runtime.EINVALID, "只能退回到本环节之前办理过的受理或审批环节（同一并联分支内），%q 不是", to)
	}
	r := newRun(g, s.clone(), nil, at)
	r.s.remove(token)
	r.emit(CancelTask{Token: token, Node: n.ID})
	r.emit(Moved{From: n.ID, To: to, Outcome: "return", Name: "退回"})
	r.rest(cursor{node: to, scopes: t.Scopes, path: slices.Clip(t.Path[:i])})
	return r.s, r.effects, nil
}

// Waiting lists what the case currently waits for, in token order; nothing once it concluded.
func Waiting(s State) []Wait {
	out := make([]Wait, len(s.Tokens))
	for i, t := range s.Tokens {
		out[i] = Wait{Token: t.ID, Node: t.Node, Since: t.Since}
	}
	return out
}

// find looks up the work at token, refusing a concluded case and unknown tokens.
func find(g *definitions.Graph, s State, token int) (Token, *definitions.Node, error) {
	if s.Concluded {
		return Token{}, nil, runtime.Errorf(runtime.ECONFLICT, "办件已办结（%s），不能再办理", resultNames[s.Result])
	}
	i := slices.IndexFunc(s.Tokens, func(t Token) bool { return t.ID == token })
	if i < 0 {
		if token > 0 && token <= s.LastToken {
			return Token{}, nil, runtime.Errorf(runtime.ECONFLICT, "待办 %d 已办理或已撤销", token)
		}
		return Token{}, nil, runtime.Errorf(runtime.EINVALID, "没有待办 %d", token)
	}
	t := s.Tokens[i]
	n := g.Nodes[t.Node]
	if n == nil {
		return Token{}, nil, runtime.Errorf(runtime.EINTERNAL, "待办 %d 所在的节点 %s 不在流程中", token, t.Node)
	}
	return t, n, nil
}

var resultNames = map[string]string{"approved": "准予", "denied": "不予许可", "not-accepted": "不予受理"}

func outcomeList(outcomes []string) string {
	s := ""
	for i, o := range outcomes {
		if i > 0 {
			s += "、"
		}
		if o == "" {
			s += "（空，表示完成）"
		} else {
			s += o + "（" + outcomeNames[o] + "）"
		}
	}
	return s
}

// WithTaskData returns s with the form data a person recorded at node (s itself is unchanged).
func WithTaskData(s State, node string, data json.RawMessage) State {
	c := s.clone()
	c.Data[node] = data
	return c
}

// TaskData is the `tasks` of expressions: each recorded task form, decoded, by node id. State
// that cannot be read has none.
func TaskData(workflow json.RawMessage) map[string]any {
	out := map[string]any{}
	var s struct {
		Data map[string]json.RawMessage `json:"data"`
	}
	if json.Unmarshal(workflow, &s) != nil {
		return out
	}
	for node, raw := range s.Data {
		var v any
		if json.Unmarshal(raw, &v) == nil {
			out[node] = v
		}
	}
	return out
}

// Decision is the `case.decision` of expressions: "approve" or "deny" once the case concluded
// approved or denied, "" before and otherwise.
func Decision(workflow json.RawMessage) string {
	var s struct {
		Concluded bool   `json:"concluded"`
		Result    string `json:"result"`
	}
	if json.Unmarshal(workflow, &s) != nil || !s.Concluded {
		return ""
	}
	return map[string]string{"approved": "approve", "denied": "deny"}[s.Result]
}

// clone copies s deeply enough that a step may change the copy freely.
func (s State) clone() State {
	c := s
	c.Data = maps.Clone(s.Data)
	if c.Data == nil {
		c.Data = map[string]json.RawMessage{}
	}
	c.Tokens = slices.Clone(s.Tokens)
	c.Joins = slices.Clone(s.Joins)
	for i := range c.Joins {
		c.Joins[i].Arrived = slices.Clone(c.Joins[i].Arrived)
	}
	return c
}

func (s *State) remove(token int) {
	s.Tokens = slices.DeleteFunc(s.Tokens, func(t Token) bool { return t.ID == token })
}
