package definitions

import "fmt"

// parallelNode splits the case into branches that run at once (并联审批); they meet again at
// its join node.
type parallelNode struct{}

var _ nodeKind = parallelNode{}

func init() { nodeKinds["parallel"] = parallelNode{} }

func (parallelNode) outcomes() []string { return nil }
func (parallelNode) required() []string { return nil }
func (parallelNode) waits() bool        { return false }

func (parallelNode) check(w *workflowCheck, at string, n *Node) {
	out := w.graph.Out[n.ID]
	if len(out) < 2 {
		w.c.r.add(at, "并行节点至少要有两个分支，实际有 %d 个", len(out))
	}
	if n.Join == "" {
		w.c.r.add(at+"/join", "并行节点必须指定汇聚节点 join")
		return
	}
	join, ok := w.graph.Nodes[n.Join]
	if !ok || join.Type != "join" {
		w.c.r.add(at+"/join", "汇聚节点 %s 不存在或不是 join 类型", n.Join)
		return
	}
	for _, e := range out {
		if stray := w.branchEscape(e.To, n.Join, map[string]bool{}); stray != "" {
			w.c.r.add(at, "并行分支 %s 没有汇聚到 %s：经 %s 离开了分支", e.To, n.Join, stray)
		}
	}
}

// branchEscape follows every path from id and returns the first node where a path leaves the
// branch without reaching join (an approving end, another join), or "" when every path meets
// at join or refuses the case.
// Nested parallel nodes are stepped over to their own join.
func (w *workflowCheck) branchEscape(id, join string, seen map[string]bool) string {
	if id == join || seen[id] {
		return ""
	}
	seen[id] = true
	n, ok := w.graph.Nodes[id]
	if !ok {
		return ""
	}
	if n.Type == "end" {
		// A branch may conclude the whole case with a refusal (one department denies, the
		// others are cancelled); it may not approve the case past the join.
		if n.Result == "approved" {
			return fmt.Sprintf("结束节点 %s（准予）", id)
		}
		return ""
	}
	if n.Type == "parallel" && n.Join != "" {
		return w.branchEscape(n.Join, join, seen)
	}
	if n.Type == "join" {
		return fmt.Sprintf("另一个汇聚节点 %s", id)
	}
	for _, e := range w.graph.Out[id] {
		if stray := w.branchEscape(e.To, join, seen); stray != "" {
			return stray
		}
	}
	return ""
}
