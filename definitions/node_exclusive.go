package definitions

import "fmt"

// exclusiveNode takes the first edge whose condition holds, or the default edge (情形分支).
type exclusiveNode struct{}

var _ nodeKind = exclusiveNode{}

func init() { nodeKinds["exclusive"] = exclusiveNode{} }

func (exclusiveNode) outcomes() []string { return nil }
func (exclusiveNode) required() []string { return nil }
func (exclusiveNode) waits() bool        { return false }

func (exclusiveNode) check(w *workflowCheck, at string, n *Node) {
	out := w.graph.Out[n.ID]
	if len(out) < 2 {
		w.c.r.add(at, "条件分支至少要有两条连线，实际有 %d 条", len(out))
	}
	defaults := 0
	for _, e := range out {
		switch {
		case e.Default && e.Edge.When != "":
			w.c.r.add(at, "到 %s 的默认分支不能再有条件 when", e.To)
		case e.Default:
			defaults++
		case e.Edge.When == "":
			w.c.r.add(at, "到 %s 的连线缺少条件 when（或标为默认分支 default）", e.To)
		}
	}
	if defaults != 1 {
		w.c.r.add(at, "条件分支必须有且只有一条默认分支（default），实际有 %s", fmt.Sprint(defaults))
	}
}
