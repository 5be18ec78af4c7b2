package definitions

// startNode is where every case begins.
type startNode struct{}

var _ nodeKind = startNode{}

func init() { nodeKinds["start"] = startNode{} }

func (startNode) outcomes() []string { return nil }
func (startNode) required() []string { return nil }
func (startNode) waits() bool        { return false }

func (startNode) check(w *workflowCheck, at string, n *Node) {
	w.singleExit(at, n)
	for _, edges := range w.graph.Out {
		for _, e := range edges {
			if e.To == n.ID {
				w.c.r.add(at, "开始节点不能有进入的连线（来自 %s）", e.From)
			}
		}
	}
}

// singleExit is the check of nodes that simply pass the case on: exactly one way out.
func (w *workflowCheck) singleExit(at string, n *Node) {
	if len(w.graph.Out[n.ID]) > 1 {
		w.c.r.add(at, "%s 节点只能有一条出口连线，实际有 %d 条", n.Type, len(w.graph.Out[n.ID]))
	}
}
