package definitions

import (
	"fmt"

	"github.com/xuchang-gov/tongban/definitions/rules"
)

// autoNode is 智能秒批: rules decide without a person. All rules hold → pass; any fails →
// fail (or handover when there is no fail edge); any error → handover (智能转人工).
type autoNode struct{}

// assistedNode is an auto node in assisted mode (辅助审批): the rules run and their results are
// recorded, then a person sees each result and the computed values and decides.
type assistedNode struct{}

var (
	_ nodeKind = autoNode{}
	_ nodeKind = assistedNode{}
)

func init() { nodeKinds["auto"] = autoNode{} }

func (autoNode) outcomes() []string { return []string{"pass", "fail", "handover"} }
func (autoNode) required() []string { return []string{"pass", "handover"} }
func (autoNode) waits() bool        { return false }

func (autoNode) check(w *workflowCheck, at string, n *Node) {
	if n.Assignee != nil {
		w.c.r.add(at+"/assignee", "智能秒批节点由规则决定，没有办理人；要由人决定请设 mode 为 assisted")
	}
	w.checkRules(at, n)
}

func (assistedNode) outcomes() []string { return []string{"approve", "deny"} }
func (assistedNode) required() []string { return []string{"approve"} }
func (assistedNode) waits() bool        { return true }

func (assistedNode) check(w *workflowCheck, at string, n *Node) {
	w.checkPersonAssignee(at+"/assignee", n)
	w.checkRules(at, n)
}

// checkRules compiles the rules of an auto node: each condition and its message template.
func (w *workflowCheck) checkRules(at string, n *Node) {
	if len(n.Rules) == 0 {
		w.c.r.add(at+"/rules", "规则节点至少要有一条规则")
	}
	seen := map[string]bool{}
	for i, rule := range n.Rules {
		rat := fmt.Sprintf("%s/rules/%d", at, i)
		if seen[rule.ID] {
			w.c.r.add(rat+"/id", "规则标识 %s 重复", rule.ID)
		}
		seen[rule.ID] = true
		p := w.c.compile(rat+"/condition", rule.Condition, rules.Bool)
		if alwaysFalse(p) {
			w.c.r.add(rat+"/condition", "规则「%s」恒不成立（不取决于办件的任何数据），这个规则节点永远不能通过", rule.Name)
		}
		w.graph.Rules[n.ID] = append(w.graph.Rules[n.ID], p)
		w.graph.Messages[n.ID] = append(w.graph.Messages[n.ID], w.c.template(rat+"/message", rule.Message))
	}
}
