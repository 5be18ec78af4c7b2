package definitions

// connectorNode pushes the case to a department system and waits for its callback.
type connectorNode struct{}

var _ nodeKind = connectorNode{}

func init() { nodeKinds["connector"] = connectorNode{} }

func (connectorNode) outcomes() []string { return []string{"approve", "deny"} }
func (connectorNode) required() []string { return []string{"approve"} }
func (connectorNode) waits() bool        { return true }

func (connectorNode) check(w *workflowCheck, at string, n *Node) {
	conn := w.bundle.Connector(n.Connector)
	switch {
	case n.Connector == "":
		w.c.r.add(at+"/connector", "连接器节点必须指定连接器 connector")
	case conn == nil:
		w.c.r.add(at+"/connector", "连接器 %s 不在 %s/ 中", n.Connector, ConnectorsDir)
	case conn.Kind != "push":
		w.c.r.add(at+"/connector", "连接器 %s 是 %s 类，流程节点只能用推送类（push）", n.Connector, conn.Kind)
	}
}
