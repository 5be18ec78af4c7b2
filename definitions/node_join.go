package definitions

// joinNode waits until every branch of its parallel node has arrived.
type joinNode struct{}

var _ nodeKind = joinNode{}

func init() { nodeKinds["join"] = joinNode{} }

func (joinNode) outcomes() []string { return nil }
func (joinNode) required() []string { return nil }
func (joinNode) waits() bool        { return false }

func (joinNode) check(w *workflowCheck, at string, n *Node) {
	w.singleExit(at, n)
	for _, other := range w.graph.Nodes {
		if other.Type == "parallel" && other.Join == n.ID {
			return
		}
	}
	w.c.r.add(at, "汇聚节点 %s 不属于任何并行节点（并行节点的 join 应指向它）", n.ID)
}
