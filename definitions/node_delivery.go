package definitions

// deliveryNode gets the result to the applicant (送达): pickup, post or electronic.
type deliveryNode struct{}

var _ nodeKind = deliveryNode{}

func init() { nodeKinds["delivery"] = deliveryNode{} }

func (deliveryNode) outcomes() []string { return nil }
func (deliveryNode) required() []string { return nil }

func (deliveryNode) check(w *workflowCheck, at string, n *Node) { w.singleExit(at, n) }
