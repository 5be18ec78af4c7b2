package engine

import (
	"slices"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime"
)

// run is one step in progress: the state being built and the effects so far.
type run struct {
	g       *definitions.Graph
	s       State
	vars    rules.Vars
	at      time.Time
	effects []Effect
	steps   int
}

// cursor is a line of work moving through automatic nodes, not yet resting anywhere.
type cursor struct {
	node   string
	scopes []Scope
	path   []string
}

func newRun(g *definitions.Graph, s State, vars rules.Vars, at time.Time) *run {
	if _, ok := vars["now"]; !ok {
		withNow := make(rules.Vars, len(vars)+1)
		for k, v := range vars {
			withNow[k] = v
		}
		withNow["now"] = at
		vars = withNow
	}
	return &run{g: g, s: s, vars: vars, at: at}
}

func (r *run) emit(e Effect) { r.effects = append(r.effects, e) }

// follow records the move along e and returns the cursor at its far end.
func (r *run) follow(c cursor, from string, e definitions.CompiledEdge, outcome string) cursor {
	r.emit(Moved{From: from, To: e.To, Outcome: outcome, Name: e.Name})
	return cursor{node: e.To, scopes: c.scopes, path: c.path}
}

// advance moves cursors through automatic nodes until each rests at a node that waits for the
// outside world, or the case concludes. Branches of a split are followed one after the other,
// in edge order.
func (r *run) advance(start cursor) error {
	stack := []cursor{start}
	for len(stack) > 0 && !r.s.Concluded {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := r.g.Nodes[c.node]
		if n == nil {
			return runtime.Errorf(runtime.EINTERNAL, "流程中没有节点 %s", c.node)
		}
		if definitions.NodeWaits(n) {
			r.rest(c)
			continue
		}
		if r.steps++; r.steps > MaxAutoSteps {
			return runtime.Errorf(runtime.EINTERNAL, "流程在自动节点之间循环（经过 %d 个自动节点仍未停下，最后在 %s），请检查流程定义", MaxAutoSteps, n.ID)
		}
		var next []cursor
		var err error
		switch n.Type {
		case "start":
			next, err = r.single(c, n)
		case "exclusive":
			next, err = r.exclusive(c, n)
		case "parallel":
			next, err = r.split(c, n)
		case "join":
			next, err = r.join(c, n)
		case "auto":
			next, err = r.auto(c, n)
		case "end":
			r.conclude(n)
		default:
			err = runtime.Errorf(runtime.EINTERNAL, "节点 %s 的类型 %s 无法执行", n.ID, n.Type)
		}
		if err != nil {
			return err
		}
		for i := len(next) - 1; i >= 0; i-- {
			stack = append(stack, next[i])
		}
	}
	return nil
}

// rest makes c wait at its node: a new token and the effect that asks for the work.
func (r *run) rest(c cursor) {
	n := r.g.Nodes[c.node]
	r.s.LastToken++
	id := r.s.LastToken
	r.s.Tokens = append(r.s.Tokens, Token{ID: id, Node: n.ID, Scopes: c.scopes, Path: c.path, Since: r.at})
	switch {
	case n.IsPersonal():
		if n.Type == "auto" {
			d := r.decide(n, id)
			d.Advice, d.Outcome, d.Reason = d.advice(), "assisted", "辅助审批：规则结果供办理人参考，由办理人决定"
			r.emit(d)
		}
		t := CreateTask{Token: id, Node: n.ID, Name: n.Name, Limit: n.LimitDays, Escalation: n.Escalation}
		if a := n.Assignee; a != nil {
			t.Org, t.Role, t.OrgFrom, t.Fallback = a.Org, a.Role, a.OrgFrom, a.Fallback
		}
		r.emit(t)
	case n.Type == "connector":
		r.emit(CallConnector{Token: id, Node: n.ID, Connector: n.Connector})
	case n.Type == "timer":
		r.emit(StartTimer{Token: id, Node: n.ID, Wait: n.WaitDays})
	case n.Type == "certificate":
		r.emit(IssueCertificate{Token: id, Node: n.ID, Template: n.Template, ValidYears: n.ValidYears})
	case n.Type == "payment":
		r.emit(AwaitPayment{Token: id, Node: n.ID, StopsClock: n.StopsClock()})
	case n.Type == "delivery":
		r.emit(AwaitDelivery{Token: id, Node: n.ID})
	}
}

// single follows the one unlabelled edge of a pass-through node.
func (r *run) single(c cursor, n *definitions.Node) ([]cursor, error) {
	edges := r.g.Next(n.ID, "")
	if len(edges) == 0 {
		return nil, runtime.Errorf(runtime.EINTERNAL, "节点 %s 没有出口", n.ID)
	}
	return []cursor{r.follow(c, n.ID, edges[0], "")}, nil
}

// exclusive takes the first edge whose condition holds, in edge order, else the default edge.
// A condition that fails to run counts as false and is reported, so a broken condition never
// strands the case.
func (r *run) exclusive(c cursor, n *definitions.Node) ([]cursor, error) {
	var fallback *definitions.CompiledEdge
	for i, e := range r.g.Out[n.ID] {
		if e.Default {
			if fallback == nil {
				fallback = &r.g.Out[n.ID][i]
			}
			continue
		}
		if e.When == nil {
			continue
		}
		ok, err := e.When.Bool(r.vars)
		if err != nil {
			r.emit(ConditionError{Node: n.ID, To: e.To, Name: e.Name, Error: err.Error()})
			continue
		}
		if ok {
			return []cursor{r.follow(c, n.ID, e, "")}, nil
		}
	}
	if fallback == nil {
		return nil, runtime.Errorf(runtime.EINTERNAL, "条件分支 %s 没有成立的条件，也没有默认分支", n.ID)
	}
	return []cursor{r.follow(c, n.ID, *fallback, "")}, nil
}

// split starts one branch per edge of a parallel node and opens the join that waits for them.
func (r *run) split(c cursor, n *definitions.Node) ([]cursor, error) {
	edges := r.g.Out[n.ID]
	if n.Join == "" || len(edges) == 0 {
		return nil, runtime.Errorf(runtime.EINTERNAL, "并行节点 %s 没有汇聚节点或分支", n.ID)
	}
	r.s.LastSplit++
	inst := r.s.LastSplit
	r.s.Joins = append(r.s.Joins, Join{Split: n.ID, Instance: inst, Join: n.Join, Branches: len(edges), Scopes: c.scopes, Path: c.path})
	next := make([]cursor, len(edges))
	for i, e := range edges {
		scopes := append(slices.Clip(c.scopes), Scope{Split: n.ID, Instance: inst, Branch: i})
		next[i] = r.follow(cursor{scopes: scopes}, n.ID, e, "")
	}
	return next, nil
}

// join records a branch's arrival; the last one to arrive carries the work on, outside the
// split's scope.
func (r *run) join(c cursor, n *definitions.Node) ([]cursor, error) {
	if len(c.scopes) == 0 {
		return nil, runtime.Errorf(runtime.EINTERNAL, "汇聚节点 %s 被并行分支之外的流程到达", n.ID)
	}
	inner := c.scopes[len(c.scopes)-1]
	j := slices.IndexFunc(r.s.Joins, func(j Join) bool { return j.Split == inner.Split && j.Instance == inner.Instance })
	if j < 0 || r.s.Joins[j].Join != n.ID {
		return nil, runtime.Errorf(runtime.EINTERNAL, "并行节点 %s 的分支到达了不属于它的汇聚节点 %s", inner.Split, n.ID)
	}
	open := &r.s.Joins[j]
	if !slices.Contains(open.Arrived, inner.Branch) {
		open.Arrived = append(open.Arrived, inner.Branch)
		slices.Sort(open.Arrived)
	}
	if len(open.Arrived) < open.Branches {
		return nil, nil
	}
	done := *open
	r.s.Joins = slices.Delete(r.s.Joins, j, j+1)
	return r.single(cursor{scopes: done.Scopes, path: done.Path}, n)
}

// auto runs every rule of an auto node (智能秒批) and follows pass, fail or handover.
func (r *run) auto(c cursor, n *definitions.Node) ([]cursor, error) {
	d := r.decide(n, 0)
	r.emit(d)
	edges := r.g.Next(n.ID, d.Outcome)
	if len(edges) == 0 {
		return nil, runtime.Errorf(runtime.EINTERNAL, "秒批节点 %s 没有结果为 %s 的出口", n.ID, d.Outcome)
	}
	return []cursor{r.follow(c, n.ID, edges[0], d.Outcome)}, nil
}

// decide runs every rule of a rule node and says what the rules decide: pass, fail or handover.
// All rules run even after one fails, so the record is complete; a failing rule's message is
// filled in from the case. token is the work the decision advises, 0 at an auto node.
func (r *run) decide(n *definitions.Node, token int) AutoDecision {
	programs, messages := r.g.Rules[n.ID], r.g.Messages[n.ID]
	d := AutoDecision{Node: n.ID, Token: token, At: r.at, Rules: make([]RuleResult, len(n.Rules))}
	failed, broken := false, false
	for i, rule := range n.Rules {
		res := RuleResult{ID: rule.ID, Name: rule.Name}
		var p *rules.Program
		if i < len(programs) {
			p = programs[i]
		}
		switch ok, err := boolOf(p, r.vars); {
		case err != "":
			res.Error, broken = err, true
		case ok:
			res.Passed = true
		default:
			res.Message, failed = message(messages, i, rule.Message, r.vars), true
		}
		d.Rules[i] = res
	}
	switch {
	case len(n.Rules) == 0:
		d.Outcome, d.Reason = "handover", "秒批节点没有规则，转人工办理"
	case broken:
		d.Outcome, d.Reason = "handover", "有规则无法判断（材料无法识别或数据有误），转人工办理"
	case failed && len(r.g.Next(n.ID, "fail")) > 0:
		d.Outcome = "fail"
	case failed:
		d.Outcome, d.Reason = "handover", "有规则不满足，流程未设不通过的去向，转人工办理"
	default:
		d.Outcome = "pass"
	}
	return d
}

// advice is what the rules say, whatever edges the node has: pass, fail, or handover when a
// rule could not be decided.
func (d AutoDecision) advice() string {
	advice := "pass"
	for _, r := range d.Rules {
		switch {
		case r.Error != "":
			return "handover"
		case !r.Passed:
			advice = "fail"
		}
	}
	return advice
}

// message fills in rule i's message template; a template that cannot be filled in shows as
// written, so that the record still says what the rule means.
func message(templates []*rules.Template, i int, source string, vars rules.Vars) string {
	if i >= len(templates) || templates[i] == nil {
		return source
	}
	s, err := templates[i].Render(vars)
	if err != nil {
		return source
	}
	return s
}

func boolOf(p *rules.Program, vars rules.Vars) (bool, string) {
	if p == nil {
		return false, "规则未编译"
	}
	ok, err := p.Bool(vars)
	if err != nil {
		return false, err.Error()
	}
	return ok, ""
}

// conclude ends the case with the end node's result and cancels whatever other work is open,
// such as the tasks of sibling branches when one branch refuses the case.
func (r *run) conclude(n *definitions.Node) {
	for _, t := range r.s.Tokens {
		r.emit(CancelTask{Token: t.ID, Node: t.Node})
	}
	r.s.Tokens, r.s.Joins = nil, nil
	r.s.Concluded, r.s.Result = true, n.Result
	r.emit(Conclude{Result: n.Result})
}
