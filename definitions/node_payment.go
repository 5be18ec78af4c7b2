package definitions

// paymentNode waits until the case's fees are paid (the payment platform's callback); a case
// with nothing to pay, or already paid, passes at once. Its clock rule says whether the
// promised limit stops while it waits.
type paymentNode struct{}

var _ nodeKind = paymentNode{}

func init() { nodeKinds["payment"] = paymentNode{} }

func (paymentNode) outcomes() []string { return nil }
func (paymentNode) required() []string { return nil }
func (paymentNode) waits() bool        { return true }

func (paymentNode) check(w *workflowCheck, at string, n *Node) {
	w.singleExit(at, n)
	if len(w.matter.Fees.Items) == 0 {
		w.c.r.add(at, "事项没有收费项目（fees.json），不需要等待缴费节点")
	}
}

// StopsClock tells whether the promised limit stops while the payment node n waits.
func (n *Node) StopsClock() bool { return n.Type == "payment" && n.Clock == "stops" }

// checkPaymentBeforeCertificates proves that no certificate marked afterPayment can be reached
// from the start without passing a payment node.
func (w *workflowCheck) checkPaymentBeforeCertificates(index map[string]int) {
	reached := w.graph.reachable(func(n *Node) bool { return n.Type == "payment" })
	for id, n := range w.graph.Nodes {
		if n.Type == "certificate" && n.AfterPayment && reached[id] {
			w.c.r.add(pointerOf(index, id), "制证节点 %s 要求缴费后制证，但有不经过缴费节点（payment）就能到达它的路径", id)
		}
	}
}
