package definitions

// taskNode is a person's step (审查, 审核, 决定): the assignee approves or denies with an opinion.
type taskNode struct{}

var _ nodeKind = taskNode{}

func init() { nodeKinds["task"] = taskNode{} }

func (taskNode) outcomes() []string { return []string{"approve", "deny"} }
func (taskNode) required() []string { return []string{"approve"} }
func (taskNode) waits() bool        { return true }

func (taskNode) check(w *workflowCheck, at string, n *Node) {
	w.checkPersonAssignee(at+"/assignee", n)
}
