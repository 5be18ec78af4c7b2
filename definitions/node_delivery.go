package definitions

import "github.com/xuchang-gov/tongban/definitions/rules"

// deliveryNode gets the result to the applicant (送达): pickup, post or electronic.
type deliveryNode struct{}

var _ nodeKind = deliveryNode{}

func init() { nodeKinds["delivery"] = deliveryNode{} }

func (deliveryNode) outcomes() []string { return nil }
func (deliveryNode) required() []string { return nil }
func (deliveryNode) waits() bool        { return true }

func (deliveryNode) check(w *workflowCheck, at string, n *Node) {
	w.singleExit(at, n)
	if p := n.Post; p != nil {
		w.graph.Post[n.ID] = &CompiledPost{
			When:    w.c.compile(at+"/post/when", p.When, rules.Bool),
			Name:    w.c.compile(at+"/post/name", p.Name, rules.String),
			Mobile:  w.c.compile(at+"/post/mobile", p.Mobile, rules.String),
			Address: w.c.compile(at+"/post/address", p.Address, rules.String),
		}
	}
}
