package definitions

// acceptanceNode is 受理: a clerk accepts the application or refuses it (不予受理); asking for
// correction (补齐补正) keeps the case at this node with the clock stopped.
type acceptanceNode struct{}

var _ nodeKind = acceptanceNode{}

func init() { nodeKinds["acceptance"] = acceptanceNode{} }

func (acceptanceNode) outcomes() []string { return []string{"accept", "not-accept"} }
func (acceptanceNode) required() []string { return []string{"accept"} }
func (acceptanceNode) waits() bool        { return true }

func (acceptanceNode) check(w *workflowCheck, at string, n *Node) {
	w.checkPersonAssignee(at+"/assignee", n)
}
