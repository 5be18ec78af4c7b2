package definitions

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/xuchang-gov/tongban/definitions/rules"
)

// Graph is a checked workflow: nodes by id and each node's outgoing edges with their
// conditions compiled.
type Graph struct {
	Start string
	Nodes map[string]*Node
	Out   map[string][]CompiledEdge
	// Rules holds each auto node's compiled rules, in order, and Messages their message
	// templates, by the same index.
	Rules    map[string][]*rules.Program
	Messages map[string][]*rules.Template
	// Post holds the compiled post leg of each delivery node that has one.
	Post map[string]*CompiledPost
	// AssigneeOrg holds the orgFrom expression of each node whose org is computed from the case.
	AssigneeOrg map[string]*rules.Program
}

// CompiledPost is a delivery node's post leg ready to run.
type CompiledPost struct {
	When, Name, Mobile, Address *rules.Program
}

// CompiledEdge is an edge ready to follow; When is nil for unconditional edges.
type CompiledEdge struct {
	Edge
	When *rules.Program
}

// Next returns the edges leaving node id for an outcome ("" for nodes without outcomes).
func (g *Graph) Next(id, outcome string) []CompiledEdge {
	var out []CompiledEdge
	for _, e := range g.Out[id] {
		if e.On == outcome {
			out = append(out, e)
		}
	}
	return out
}

// nodeKind is one type of workflow node: which outcomes its edges may be labelled with, and the
// checks specific to it. Kinds register themselves in nodeKinds, one file each.
type nodeKind interface {
	// outcomes lists the labels its outgoing edges use; nil means unlabelled edges.
	outcomes() []string
	// required lists the outcomes that must have an edge.
	required() []string
	// waits tells whether the node rests until the outside world (a person, a department
	// system, a timer) reports its work done, rather than being passed by the engine itself.
	waits() bool
	check(w *workflowCheck, at string, n *Node)
}

var nodeKinds = map[string]nodeKind{}

// kindOf is the kind of node n: its type's, except that an auto node in assisted mode waits
// for a person.
func kindOf(n *Node) nodeKind {
	if n.Type == "auto" && n.RuleMode() == "assisted" {
		return assistedNode{}
	}
	return nodeKinds[n.Type]
}

// RuleMode is how an auto node decides: "auto" (the rules alone) or "assisted" (a person, who
// sees the rules' results).
func (n *Node) RuleMode() string {
	if n.Mode == "" {
		return "auto"
	}
	return n.Mode
}

// IsPersonal tells whether a person works at the node: acceptance, task and assisted nodes.
func (n *Node) IsPersonal() bool {
	return n.Type == "acceptance" || n.Type == "task" || (n.Type == "auto" && n.RuleMode() == "assisted")
}

// NodeWaits tells whether node n waits for the outside world; the engine passes the others on
// its own.
func NodeWaits(n *Node) bool {
	k := kindOf(n)
	return k != nil && k.waits()
}

// NodeOutcomes lists the outcomes the outside world may report when the work at node n is done:
// its edges' labels, or "" (plain completion) for a node whose edges have none; nil for a node
// that does not wait. The slice is the caller's own.
func NodeOutcomes(n *Node) []string {
	if !NodeWaits(n) {
		return nil
	}
	if o := kindOf(n).outcomes(); o != nil {
		return slices.Clone(o)
	}
	return []string{""}
}

// NodeKindInfo is a kind of node as editors need it: the outcomes its edges may carry (none:
// its edges carry none), those that must have an edge, whether it waits for the outside world
// and whether a person works there.
type NodeKindInfo struct {
	Outcomes []string `json:"outcomes"`
	Required []string `json:"required"`
	Waits    bool     `json:"waits"`
	Personal bool     `json:"personal"`
}

// AssistedKind is the key of NodeKinds for an auto node in assisted mode.
const AssistedKind = "assisted"

// NodeKinds is the registry of node kinds as a table by node type, with AssistedKind for an auto
// node in assisted mode. The format schema publishes it, so the studio learns from it which
// edges a node may have.
func NodeKinds() map[string]NodeKindInfo {
	out := map[string]NodeKindInfo{}
	add := func(key string, n *Node) {
		k := kindOf(n)
		out[key] = NodeKindInfo{Outcomes: nonNilStrings(k.outcomes()), Required: nonNilStrings(k.required()), Waits: k.waits(), Personal: n.IsPersonal()}
	}
	for t := range nodeKinds {
		add(t, &Node{Type: t})
	}
	add(AssistedKind, &Node{Type: "auto", Mode: "assisted"})
	return out
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}

// workflowCheck carries what the node kinds need while a workflow is checked.
type workflowCheck struct {
	bundle *Bundle
	matter *MatterDef
	graph  *Graph
	c      compiler
}

func (w *workflowCheck) checkAssignee(at string, a *Assignee) {
	if a == nil {
		w.c.r.add(at, "此类节点必须指定办理人 assignee（机构+岗位）")
		return
	}
	w.checkRole(at, "/org", a.Org, a.Role)
}

// checkPersonAssignee checks the assignee of a person's step, whose org may be computed from
// the case (orgFrom) with a checked fallback.
func (w *workflowCheck) checkPersonAssignee(at string, n *Node) {
	a := n.Assignee
	if a == nil || (a.OrgFrom == "" && a.Fallback == "") {
		w.checkAssignee(at, a)
		return
	}
	switch {
	case a.OrgFrom == "":
		w.c.r.add(at+"/fallback", "只有按办件确定机构（orgFrom）时才有 fallback")
	case a.Org != "":
		w.c.r.add(at+"/org", "org 和 orgFrom 只能写一个")
	case a.Fallback == "":
		w.c.r.add(at+"/fallback", "按办件确定机构时必须写明找不到时的机构 fallback")
	}
	if a.OrgFrom != "" {
		w.graph.AssigneeOrg[n.ID] = w.c.compile(at+"/orgFrom", a.OrgFrom, rules.String)
	}
	if a.Fallback != "" {
		w.checkRole(at, "/fallback", a.Fallback, a.Role)
	}
}

// checkRole checks that org code ("" for the implementing org), named at at+field, exists and
// has the role.
func (w *workflowCheck) checkRole(at, field, code, role string) {
	if code == "" {
		code = w.matter.Matter.Org.Code
	}
	org := w.bundle.Org(code)
	switch {
	case org == nil:
		w.c.r.add(at+field, "机构 %s 不在 %s 中", code, OrgsFile)
	case !slices.Contains(org.Roles, role):
		w.c.r.add(at+"/role", "机构 %s（%s）没有岗位 %s（已有：%s）", org.Code, org.Name, role, strings.Join(org.Roles, "、"))
	}
}

func compileWorkflow(b *Bundle, m *MatterDef, c compiler) *Graph {
	g := &Graph{Nodes: map[string]*Node{}, Out: map[string][]CompiledEdge{}, Rules: map[string][]*rules.Program{}, Messages: map[string][]*rules.Template{}, Post: map[string]*CompiledPost{}, AssigneeOrg: map[string]*rules.Program{}}
	w := &workflowCheck{bundle: b, matter: m, graph: g, c: c}
	wf := &m.Workflow
	index := map[string]int{}
	for i := range wf.Nodes {
		n := &wf.Nodes[i]
		at := fmt.Sprintf("/nodes/%d", i)
		if _, dup := g.Nodes[n.ID]; dup {
			c.r.add(at+"/id", "节点标识 %s 重复", n.ID)
			continue
		}
		g.Nodes[n.ID], index[n.ID] = n, i
		if n.Type == "start" {
			if g.Start != "" {
				c.r.add(at, "流程只能有一个开始节点（已有 %s）", g.Start)
			}
			g.Start = n.ID
		}
		for j, mat := range n.Materials {
			if !slices.ContainsFunc(m.Materials.Materials, func(x Material) bool { return x.ID == mat }) {
				c.r.add(fmt.Sprintf("%s/materials/%d", at, j), "材料 %s 不在 materials.json 中", mat)
			}
		}
		if n.Clock != "" && n.Type != "payment" {
			c.r.add(at+"/clock", "只有缴费节点（payment）有计时规则 clock")
		}
		if n.AfterPayment && n.Type != "certificate" {
			c.r.add(at+"/afterPayment", "只有制证节点可以要求缴费后制证 afterPayment")
		}
		if n.IssueWithDeferred && n.Type != "certificate" {
			c.r.add(at+"/issueWithDeferred", "只有制证节点有 issueWithDeferred")
		}
		if n.Mode != "" && n.Type != "auto" {
			c.r.add(at+"/mode", "只有规则节点（auto）有方式 mode")
		}
		if n.Escalation != nil {
			w.checkAssignee(at+"/escalation/to", &n.Escalation.To)
		}
		if promised := m.Matter.PromisedLimitDays; n.LimitDays.Days > promised && !n.LimitDays.IsNatural() {
			c.r.add(at+"/limitDays", "环节时限 %d 个工作日超过了承诺时限 %d 个工作日", n.LimitDays.Days, promised)
		}
	}
	if g.Start == "" {
		c.r.add("/nodes", "流程必须有一个开始节点（type 为 start）")
		return nil
	}
	for i, e := range wf.Edges {
		at := fmt.Sprintf("/edges/%d", i)
		from, okFrom := g.Nodes[e.From]
		if !okFrom {
			c.r.add(at+"/from", "节点 %s 不存在", e.From)
		}
		if _, ok := g.Nodes[e.To]; !ok {
			c.r.add(at+"/to", "节点 %s 不存在", e.To)
		}
		if !okFrom {
			continue
		}
		ce := CompiledEdge{Edge: e}
		if e.When != "" {
			if from.Type != "exclusive" {
				c.r.add(at+"/when", "只有条件分支（exclusive）节点的连线可以有条件 when")
			} else {
				ce.When = c.compile(at+"/when", e.When, rules.Bool)
				if alwaysFalse(ce.When) {
					c.r.add(at+"/when", "条件恒不成立（不取决于办件的任何数据），这条连线永远走不到")
				}
			}
		}
		kind := kindOf(from)
		if e.On != "" && len(g.Next(e.From, e.On)) > 0 {
			c.r.add(at+"/on", "节点 %s 已有结果为 %s 的连线，同一结果只能有一条", e.From, e.On)
		}
		if e.On != "" && !slices.Contains(kind.outcomes(), e.On) {
			c.r.add(at+"/on", "%s 节点的结果只能是：%s", from.Type, outcomeList(kind.outcomes()))
		}
		if e.On == "" && kind.outcomes() != nil {
			c.r.add(at+"/on", "从 %s 节点出发的连线必须写明结果 on（%s）", from.Type, outcomeList(kind.outcomes()))
		}
		g.Out[e.From] = append(g.Out[e.From], ce)
	}
	for _, n := range wf.Nodes {
		at := fmt.Sprintf("/nodes/%d", index[n.ID])
		kind := kindOf(&wf.Nodes[index[n.ID]])
		for _, o := range kind.required() {
			if len(g.Next(n.ID, o)) == 0 {
				c.r.add(at, "%s 节点缺少结果为 %s 的连线", n.Type, o)
			}
		}
		if n.Type != "end" && len(g.Out[n.ID]) == 0 {
			c.r.add(at, "节点 %s 没有出口，流程走不到结束", n.ID)
		}
		kind.check(w, at, &wf.Nodes[index[n.ID]])
	}
	if wf.Layout != nil {
		for _, id := range slices.Sorted(maps.Keys(wf.Layout.Nodes)) {
			if _, ok := g.Nodes[id]; !ok {
				c.r.add("/layout/nodes/"+escapePointer(id), "布局中的节点 %s 不在流程中", id)
			}
		}
	}
	checkReachability(g, index, c.r)
	w.checkPaymentBeforeCertificates(index)
	w.checkDeferredBeforeCertificates(index)
	w.checkOutcomes()
	return g
}

// reachable is the set of nodes reachable from the start, not going on past the nodes stop
// holds for (they are reached, but not left).
func (g *Graph) reachable(stop func(*Node) bool) map[string]bool {
	reached := map[string]bool{}
	var visit func(id string)
	visit = func(id string) {
		if reached[id] {
			return
		}
		reached[id] = true
		if n := g.Nodes[id]; n == nil || stop(n) {
			return
		}
		for _, e := range g.Out[id] {
			visit(e.To)
		}
	}
	visit(g.Start)
	return reached
}

func pointerOf(index map[string]int, id string) string { return fmt.Sprintf("/nodes/%d", index[id]) }

func outcomeList(o []string) string {
	if len(o) == 0 {
		return "（无）"
	}
	return strings.Join(o, "、")
}

// checkReachability proves that every node can be reached from the start and that an end can
// be reached from every node.
func checkReachability(g *Graph, index map[string]int, r reporter) {
	reached := g.reachable(func(*Node) bool { return false })
	reachesEnd := map[string]bool{}
	for changed := true; changed; {
		changed = false
		for id, n := range g.Nodes {
			if reachesEnd[id] {
				continue
			}
			if n.Type == "end" || slices.ContainsFunc(g.Out[id], func(e CompiledEdge) bool { return reachesEnd[e.To] }) {
				reachesEnd[id], changed = true, true
			}
		}
	}
	for id := range g.Nodes {
		at := fmt.Sprintf("/nodes/%d", index[id])
		if !reached[id] {
			r.add(at, "节点 %s 从开始节点无法到达", id)
		}
		if !reachesEnd[id] {
			r.add(at, "从节点 %s 出发无法到达结束节点", id)
		}
	}
}
