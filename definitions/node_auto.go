package definitions

import (
	"fmt"

	"github.com/xuchang-gov/tongban/definitions/rules"
)

// autoNode is 智能秒批: rules decide without a person. All rules hold → pass; any fails →
// fail (or handover when there is no fail edge); any error → handover (智能转人工).
type autoNode struct{}

var _ nodeKind = autoNode{}

func init() { nodeKinds["auto"] = autoNode{} }

func (autoNode) outcomes() []string { return []string{"pass", "fail", "handover"} }
func (autoNode) required() []string { return []string{"pass", "handover"} }
func (autoNode) waits() bool        { return false }

func (autoNode) check(w *workflowCheck, at string, n *Node) {
	if len(n.Rules) == 0 {
		w.c.r.add(at+"/rules", "秒批节点至少要有一条规则")
	}
	seen := map[string]bool{}
	for i, rule := range n.Rules {
		rat := fmt.Sprintf("%s/rules/%d", at, i)
		if seen[rule.ID] {
			w.c.r.add(rat+"/id", "规则标识 %s 重复", rule.ID)
		}
		seen[rule.ID] = true
		w.graph.Rules[n.ID] = append(w.graph.Rules[n.ID], w.c.compile(rat+"/condition", rule.Condition, rules.Bool))
	}
}
