package definitions

// endNode concludes the case with its result.
type endNode struct{}

var _ nodeKind = endNode{}

func init() { nodeKinds["end"] = endNode{} }

func (endNode) outcomes() []string { return nil }
func (endNode) required() []string { return nil }
func (endNode) waits() bool        { return false }

func (endNode) check(w *workflowCheck, at string, n *Node) {
	if n.Result == "" {
		w.c.r.add(at+"/result", "结束节点必须写明办结结果 result（approved、denied 或 not-accepted）")
	}
	if len(w.graph.Out[n.ID]) > 0 {
		w.c.r.add(at, "结束节点不能有出口连线")
	}
}
