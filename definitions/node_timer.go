package definitions

// timerNode waits a number of working or natural days (a publicity period, 公示) before going on.
type timerNode struct{}

var _ nodeKind = timerNode{}

func init() { nodeKinds["timer"] = timerNode{} }

func (timerNode) outcomes() []string { return nil }
func (timerNode) required() []string { return nil }
func (timerNode) waits() bool        { return true }

func (timerNode) check(w *workflowCheck, at string, n *Node) {
	w.singleExit(at, n)
	if n.WaitDays.IsZero() {
		w.c.r.add(at+"/waitDays", "定时节点必须写明等待时长 waitDays")
	}
}
