package definitions

// certificateNode issues the certificate (制证) from a print template of the matter.
type certificateNode struct{}

var _ nodeKind = certificateNode{}

func init() { nodeKinds["certificate"] = certificateNode{} }

func (certificateNode) outcomes() []string { return nil }
func (certificateNode) required() []string { return nil }
func (certificateNode) waits() bool        { return true }

func (certificateNode) check(w *workflowCheck, at string, n *Node) {
	w.singleExit(at, n)
	t, ok := w.matter.Prints[n.Template]
	switch {
	case n.Template == "":
		w.c.r.add(at+"/template", "制证节点必须指定证照模板 template")
	case !ok:
		w.c.r.add(at+"/template", "模板 %s 不存在（应为 %s/%s.json）", n.Template, PrintDir, n.Template)
	case t.Kind != "certificate":
		w.c.r.add(at+"/template", "模板 %s 是 %s，制证节点需要证照模板（certificate）", n.Template, t.Kind)
	}
}
