package definitions

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/definitions/rules"
)

// alwaysFalse tells whether p is a condition that refers to nothing of the case (no form,
// applicant, parameter, value or helper) and is false: a rule that can never hold, an edge that
// can never be taken. Expressions naming anything are left to run time.
func alwaysFalse(p *rules.Program) bool {
	if p == nil {
		return false
	}
	if names, err := rules.Names(p.Source()); err != nil || len(names) > 0 {
		return false
	}
	ok, err := p.Bool(rules.Vars{})
	return err == nil && !ok
}

// checkOutcomes proves that the workflow can end approved: a matter whose every path ends
// denied or not accepted has an outcome no case can reach.
func (w *workflowCheck) checkOutcomes() {
	reached := w.graph.reachable(func(*Node) bool { return false })
	for id, n := range w.graph.Nodes {
		if n.Type == "end" && n.Result == "approved" && reached[id] {
			return
		}
	}
	w.c.r.add("/nodes", "流程走不到准予办结：没有能从开始节点到达的 result 为 approved 的结束节点")
}

// checkDeferredBeforeCertificates finds certificate nodes the case can reach straight from
// submission, with no step that waits on the way, while a required 容缺 material with a
// follow-up is still to come: the run time would refuse every such certificate.
func (w *workflowCheck) checkDeferredBeforeCertificates(index map[string]int) {
	var pending []string
	for _, m := range w.matter.Materials.Materials {
		if m.Deferrable && m.FollowUp != nil && m.Requirement != "optional" {
			pending = append(pending, m.Name)
		}
	}
	if len(pending) == 0 {
		return
	}
	reached := w.graph.reachable(func(n *Node) bool { return kindOf(n).waits() })
	for id, n := range w.graph.Nodes {
		if n.Type == "certificate" && !n.IssueWithDeferred && reached[id] {
			w.c.r.add(pointerOf(index, id), "制证节点 %s 在容缺材料「%s」补交之前就能到达（之前没有等待的环节），补交前不会制证：写 issueWithDeferred，或在制证前加入办理环节",
				id, strings.Join(pending, "」「"))
		}
	}
}

// Warnings are what validate points out without refusing a bundle, as of today: a promised
// limit that runs into a year the holiday calendar does not hold yet, and a step whose title
// says 自然日 while its days count working days.
func (p *Plan) Warnings(today time.Time) Problems {
	var out Problems
	for _, mp := range p.Matters() {
		m := mp.Def
		if d := Days(m.Matter.PromisedLimitDays); !d.IsZero() {
			if due := d.After(p.Calendar, today); !p.Calendar.CoversDays(today, due) {
				out = append(out, Problem{File: m.file(MatterFile), Pointer: "/promisedLimitDays",
					Message: fmt.Sprintf("警告：承诺时限%s自今天起到 %s，工作日历没有 %d 年的放假安排，期限将标为暂定", d, due.Format("2006-01-02"), due.Year())})
			}
		}
		for i, n := range m.Workflow.Nodes {
			for field, d := range map[string]Duration{"/waitDays": n.WaitDays, "/limitDays": n.LimitDays} {
				if !d.IsZero() && !d.IsNatural() && strings.Contains(n.Name, "自然日") {
					out = append(out, Problem{File: m.file(WorkflowFile), Pointer: fmt.Sprintf("/nodes/%d%s", i, field),
						Message: fmt.Sprintf("警告：节点「%s」的名称写的是自然日，时长却按工作日计（%s）；自然日请写 {\"days\": %d, \"count\": \"natural\"}", n.Name, d, d.Days)})
				}
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Problem) int { return strings.Compare(a.File+a.Pointer, b.File+b.Pointer) })
	return out
}

// CalendarNotice is how many days ahead of today the holiday calendar should reach.
const CalendarNotice = 60

// CalendarWarning is, as of today, the warning that the holiday calendar lacks the holidays of
// a year that deadlines within CalendarNotice days run into, at the calendar file to import;
// ok is false when the calendar reaches far enough.
func (p *Plan) CalendarWarning(today time.Time) (w Problem, ok bool) {
	y := p.Calendar.UncoveredWithin(today, CalendarNotice)
	if y == 0 {
		return Problem{}, false
	}
	return Problem{File: fmt.Sprintf("%s/%d.json", CalendarDir, y),
		Message: fmt.Sprintf("警告：工作日历没有 %d 年的放假安排（%d 天内用到），请导入 %s/%d.json；在此之前，跨入该年的期限标为暂定，只按法定节日计算", y, CalendarNotice, CalendarDir, y)}, true
}
