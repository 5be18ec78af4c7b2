package definitions

import (
	"fmt"
	"slices"
	"strings"

	"github.com/xuchang-gov/tongban/definitions/rules"
)

// CaseStatuses are the statuses of a case a document may be declared for, as the runtime names
// them (a draft has no documents); the format schema lists them as the enum of a document's
// statuses.
var CaseStatuses = []string{"submitted", "pre-reviewed", "accepted", "not-accepted", "correction", "in-approval", "approved", "denied", "certificate-issued", "delivered", "archived"}

// concludedStatuses are the statuses of a case that waits at no node any more.
var concludedStatuses = []string{"not-accepted", "denied", "archived"}

// SharedNotice is one of the notices every matter has (the shared templates of print/), and the
// statuses of a case in which it exists.
type SharedNotice struct {
	Name, Title, Code string
	Statuses          []string
	// Charged marks the notice that exists only for a case with fees to pay.
	Charged bool
}

// SharedNotices are the five notices of every case, by template name.
var SharedNotices = []SharedNotice{
	{"acceptance-notice", "受理通知书", "SL", []string{"in-approval", "approved", "certificate-issued", "delivered", "denied", "archived"}, false},
	{"material-handover-list", "材料交接清单", "JJ", []string{"submitted", "pre-reviewed", "correction", "in-approval", "approved", "certificate-issued", "delivered", "denied", "archived"}, false},
	{"correction-notice", "补齐补正告知书", "BZ", []string{"correction"}, false},
	{"not-accepted-notice", "不予受理通知书", "BSL", []string{"not-accepted"}, false},
	{"fee-payment-notice", "缴费通知单", "JF", []string{"submitted", "pre-reviewed", "in-approval", "approved", "certificate-issued", "delivered"}, true},
}

// SharedNoticeNamed is the shared notice of that template name, or nil.
func SharedNoticeNamed(name string) *SharedNotice {
	if i := slices.IndexFunc(SharedNotices, func(n SharedNotice) bool { return n.Name == name }); i >= 0 {
		return &SharedNotices[i]
	}
	return nil
}

// MatterDocument is a document of the matter's own beyond the shared notices (a 公示表, a
// 不予确认通知书): a print template in the matter's folder, printable through the same notices
// endpoint in the statuses it is declared for, while the case waits at one of AtNodes when
// they are given, and when Condition holds.
type MatterDocument struct {
	// Template is the print template, print/<template>.json in the matter's folder; its title is
	// the document's title.
	Template string   `json:"template" jsonschema:"title=文书模板,pattern=^[a-z][a-z0-9-]*$,description=本事项 print/ 下的模板名（不含 .json），模板的 title 即文书名称"`
	Statuses []string `json:"statuses" jsonschema:"title=办件状态,minItems=1,uniqueItems=true,description=办件处于这些状态时才有这份文书"`
	// AtNodes, when given, limit the document to a case waiting at one of these workflow nodes
	// (a 公示表 only during the 公示 timer).
	AtNodes []string `json:"atNodes,omitempty" jsonschema:"title=办件停留的环节,uniqueItems=true,description=写了时，办件正停留在这些流程节点之一（如公示期的 timer 节点）才有这份文书"`
	// Condition is an expression over the case that must hold as well.
	Condition string `json:"condition,omitempty" jsonschema:"title=显示条件（表达式）"`
	// Code is the letters after the case number in the document's number (notice.number).
	Code string `json:"code,omitempty" jsonschema:"title=文书编号代码,pattern=^[A-Z]+$,maxLength=8,description=文书编号为 办件编号-代码，如 GS；不写则为办件编号"`
}

// CompiledDocument is a matter document ready to print: its template and condition compiled.
type CompiledDocument struct {
	MatterDocument
	Title     string
	Print     *CompiledPrint
	Condition *rules.Program
}

// Document is the matter document of that template name, or nil.
func (mp *MatterPlan) Document(name string) *CompiledDocument {
	if i := slices.IndexFunc(mp.Documents, func(d CompiledDocument) bool { return d.Template == name }); i >= 0 {
		return &mp.Documents[i]
	}
	return nil
}

// compileDocuments checks the matter's own documents in matter.json (the format schema checks
// their statuses): each names a template of its folder that is no certificate and no shared
// notice, once; nodes of the workflow the case can wait at; a yes/no condition. The templates
// are compiled already.
func compileDocuments(b *Bundle, m *MatterDef, mp *MatterPlan, c compiler) {
	seen := map[string]bool{}
	for i, d := range m.Matter.Documents {
		at := fmt.Sprintf("/documents/%d", i)
		cd := CompiledDocument{MatterDocument: d}
		t := m.Prints[d.Template]
		switch {
		case seen[d.Template]:
			c.r.add(at+"/template", "文书 %s 重复", d.Template)
		case SharedNoticeNamed(d.Template) != nil || b.Prints[d.Template] != nil:
			c.r.add(at+"/template", "%s 是所有事项共用的文书，本事项的文书另起模板名", d.Template)
		case t == nil:
			c.r.add(at+"/template", "模板 %s 不在本事项的 %s/ 中", d.Template, PrintDir)
		case t.Kind == "certificate":
			c.r.add(at+"/template", "模板 %s 是证照（kind: certificate），由制证节点出具，不能作为文书打印", d.Template)
		default:
			cd.Title, cd.Print = t.Title, mp.Prints[d.Template]
		}
		seen[d.Template] = true
		for j, id := range d.AtNodes {
			n := mp.Workflow.Nodes[id]
			switch {
			case n == nil:
				c.r.add(fmt.Sprintf("%s/atNodes/%d", at, j), "流程中没有节点 %s", id)
			case !NodeWaits(n):
				c.r.add(fmt.Sprintf("%s/atNodes/%d", at, j), "办件不会停留在 %s 节点 %s", n.Type, id)
			}
		}
		if len(d.AtNodes) > 0 && !slices.ContainsFunc(d.Statuses, func(s string) bool { return !slices.Contains(concludedStatuses, s) }) {
			c.r.add(at+"/atNodes", "办件已办结（%s）时不会停留在流程节点，这份文书永远不会出现", strings.Join(d.Statuses, "、"))
		}
		if d.Condition != "" {
			cd.Condition = c.compile(at+"/condition", d.Condition, rules.Bool)
		}
		mp.Documents = append(mp.Documents, cd)
	}
}
