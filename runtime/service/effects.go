package service

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/engine"
)

// move is one change of a case being prepared inside a unit of work: the engine's new state
// and everything its effects ask for, written together when the unit of work commits.
type move struct {
	svc *Service
	tx  runtime.Tx
	c   *runtime.Case
	// from is the status the case had before the move.
	from  runtime.Status
	plan  *definitions.Plan
	mp    *definitions.MatterPlan
	state engine.State
	vars  rules.Vars
	at    time.Time
	actor string
	// applicant is the case's applicant when the move already has it (a submission), so that
	// notifying them reads nothing; nil otherwise.
	applicant *runtime.User
	tasks     []runtime.Task
	created   []*runtime.Task // the tasks as written, with their IDs
	events    []runtime.Event
	outbox    []runtime.OutboxMessage
	// cancelled lists the tokens whose open tasks are withdrawn.
	cancelled []int
	// certificates are issued by the move, saved once the case row is written.
	certificates []issuedCertificate
	// window, for a member case of a theme, is where its acceptance step goes: the theme's one
	// window (综合受理) rather than the member's own.
	window *definitions.ThemeWindow
	// result is set when the move concludes the case: approved, denied or not-accepted.
	result string
}

type issuedCertificate struct {
	cert Certificate
	vars rules.Vars
}

// begin readies m for an attempt at moving c, starting with events: a unit of work that
// PostgreSQL makes retry runs again from the top, and must not find the failed attempt's
// effects in m.
func (m *move) begin(c *runtime.Case, events ...runtime.Event) {
	m.c, m.events = c, events
	m.tasks, m.created, m.outbox, m.cancelled, m.certificates, m.result = nil, nil, nil, nil, nil, ""
}

// orderPost queues a logistics order when the delivery node posts the result (邮政快递) and
// the bundle connects a logistics platform; its tracking callbacks complete the delivery.
func (m *move) orderPost(node string, token int) error {
	post := m.mp.Workflow.Post[node]
	if post == nil || !pushes(m.plan, LogisticsConnector) {
		return nil
	}
	if ok, err := post.When.Bool(m.vars); err != nil || !ok {
		return nil
	}
	receiver := map[string]any{}
	for key, p := range map[string]*rules.Program{"name": post.Name, "mobile": post.Mobile, "address": post.Address} {
		v, err := p.Run(m.vars)
		if err != nil {
			return fmt.Errorf("delivery %s: %s: %w", node, key, err)
		}
		receiver[key] = v
	}
	orderNo := fmt.Sprintf("%s-%d", m.c.Number, token)
	order, _ := json.Marshal(map[string]any{"orderNo": orderNo, "case": m.c.Number, "receiver": receiver})
	m.outbox = append(m.outbox, runtime.OutboxMessage{Topic: runtime.PushTopic(LogisticsConnector), Payload: order,
		IdempotencyKey: "post:" + orderNo})
	m.record("post-ordered", map[string]any{"node": node, "orderNo": orderNo, "receiver": receiver})
	return nil
}

// reason is the opinion of the last task completed in this move, for notifications.
func (m *move) reason() string {
	for i := len(m.events) - 1; i >= 0; i-- {
		if m.events[i].Type == "task-completed" {
			var d struct{ Opinion string }
			json.Unmarshal(m.events[i].Data, &d)
			return d.Opinion
		}
	}
	return ""
}

func (m *move) record(typ string, data any) {
	m.events = append(m.events, event(typ, m.actor, m.at, data))
}

// apply carries out the engine's effects. Certificates are issued at once, and the engine is
// stepped on, so that one call leaves the case waiting for people or the outside world only.
func (m *move) apply(effects []engine.Effect) error {
	for len(effects) > 0 {
		e := effects[0]
		effects = effects[1:]
		switch e := e.(type) {
		case engine.CreateTask:
			org, role := e.Org, e.Role
			if org == "" {
				org = m.mp.Def.Matter.Org.Code
			}
			if m.window != nil && m.mp.Workflow.Nodes[e.Node].Type == "acceptance" {
				org, role = m.window.Org, m.window.Role
			}
			created := map[string]any{"node": e.Node, "name": e.Name, "role": role, "token": e.Token}
			if p := m.mp.Workflow.AssigneeOrg[e.Node]; p != nil {
				org = m.assigneeOrg(e.Node, p, role, created)
			}
			created["org"] = org
			t := runtime.Task{CaseID: m.c.ID, Kind: runtime.TaskPerson, Token: e.Token, Node: e.Node, Name: e.Name,
				OrgCode: org, Role: role, Status: runtime.TaskOpen, CreatedAt: m.at}
			if !e.Limit.IsZero() {
				due := dueAfter(m.plan.Calendar, m.at, e.Limit)
				t.DueAt = &due
			}
			m.tasks = append(m.tasks, t)
			m.record("task-created", created)
			if esc := e.Escalation; esc != nil {
				to := esc.To.Org
				if to == "" {
					to = m.mp.Def.Matter.Org.Code
				}
				due := dueAfter(m.plan.Calendar, m.at, esc.AfterDays)
				m.tasks = append(m.tasks, runtime.Task{CaseID: m.c.ID, Kind: runtime.TaskEscalation, Token: e.Token, Node: e.Node,
					Name: "督办：" + e.Name, OrgCode: to, Role: esc.To.Role, Status: runtime.TaskOpen, CreatedAt: m.at, DueAt: &due})
			}
		case engine.CancelTask:
			m.cancelled = append(m.cancelled, e.Token)
			m.record("task-cancelled", map[string]any{"node": e.Node, "token": e.Token})
		case engine.CallConnector:
			m.tasks = append(m.tasks, runtime.Task{CaseID: m.c.ID, Kind: runtime.TaskConnector, Token: e.Token, Node: e.Node,
				Name: m.mp.Workflow.Nodes[e.Node].Name, Status: runtime.TaskOpen, CreatedAt: m.at})
			payload, _ := json.Marshal(map[string]any{"case": m.c.Number, "node": e.Node, "token": e.Token, "connector": e.Connector})
			m.outbox = append(m.outbox, runtime.OutboxMessage{Topic: runtime.PushTopic(e.Connector), Payload: payload,
				IdempotencyKey: fmt.Sprintf("case:%s:token:%d", m.c.Number, e.Token)})
			m.record("connector-called", map[string]any{"node": e.Node, "connector": e.Connector, "token": e.Token})
		case engine.StartTimer:
			due := dueAfter(m.plan.Calendar, m.at, e.Wait)
			m.tasks = append(m.tasks, runtime.Task{CaseID: m.c.ID, Kind: runtime.TaskTimer, Token: e.Token, Node: e.Node,
				Name: m.mp.Workflow.Nodes[e.Node].Name, Status: runtime.TaskOpen, CreatedAt: m.at, DueAt: &due})
			m.record("timer-started", map[string]any{"node": e.Node, "until": due, "token": e.Token})
		case engine.IssueCertificate:
			more, err := m.issueCertificate(e)
			if err != nil {
				return err
			}
			effects = append(more, effects...)
		case engine.AwaitDelivery:
			m.tasks = append(m.tasks, runtime.Task{CaseID: m.c.ID, Kind: runtime.TaskDelivery, Token: e.Token, Node: e.Node,
				Name: m.mp.Workflow.Nodes[e.Node].Name, OrgCode: m.mp.Def.Matter.Org.Code, Role: "clerk",
				Status: runtime.TaskOpen, CreatedAt: m.at})
			m.record("delivery-awaited", map[string]any{"node": e.Node, "token": e.Token})
			if err := m.orderPost(e.Node, e.Token); err != nil {
				return err
			}
		case engine.AwaitPayment:
			more, err := m.awaitPayment(e)
			if err != nil {
				return err
			}
			effects = append(more, effects...)
		case engine.AutoDecision:
			// The values are computed again from the same variables, for the record: m.vars
			// holds them by name only.
			_, values := m.mp.Evaluate(m.vars)
			m.record("auto-decision", map[string]any{
				"node": e.Node, "token": e.Token, "outcome": e.Outcome, "advice": e.Advice, "reason": e.Reason,
				"rules": e.Rules, "values": values, "at": e.At,
				"inputs": map[string]any{"form": m.vars["form"], "applicant": m.vars["applicant"], "materials": m.vars["materials"], "now": m.vars["now"]},
			})
		case engine.ConditionError:
			m.record("condition-error", e)
		case engine.Moved:
			m.record("moved", e)
			if err := m.onMoved(e); err != nil {
				return err
			}
		case engine.Conclude:
			m.conclude(e.Result)
		}
	}
	raw, err := json.Marshal(m.state)
	m.c.Workflow = raw
	return err
}

// assigneeOrg resolves the org of a step whose assignee's org is computed from the case
// (orgFrom) against the version's orgs.json, falling back to the assignee's fallback org when
// the expression fails or names no org with the role; record says which happened.
func (m *move) assigneeOrg(node string, orgFrom *rules.Program, role string, record map[string]any) string {
	fallback := m.mp.Workflow.Nodes[node].Assignee.Fallback
	v, err := orgFrom.Run(m.vars)
	value, _ := v.(string)
	record["orgFrom"] = value
	if err != nil {
		record["orgFromError"] = err.Error()
	} else if o := m.plan.Bundle.ResolveOrg(value, role); o != nil {
		return o.Code
	}
	record["fallback"] = true
	return fallback
}

// onMoved keeps the case's status in step with where the workflow is.
func (m *move) onMoved(e engine.Moved) error {
	if e.Outcome == "accept" {
		at := m.at
		m.c.AcceptedAt = &at
		due := dueAfter(m.plan.Calendar, m.at, definitions.Days(m.mp.Def.Matter.PromisedLimitDays))
		m.c.DueAt = &due
		m.c.Status = runtime.StatusInApproval
		m.record("accepted", map[string]any{"dueAt": due})
		if err := m.followDeferred(true); err != nil {
			return err
		}
	}
	from := m.mp.Workflow.Nodes[e.From]
	if from != nil && from.Type == "delivery" {
		m.c.Status = runtime.StatusDelivered
	}
	if from != nil && from.StopsClock() && m.c.StoppedAt != nil {
		days := restartClock(m.c, m.plan.Calendar, m.at)
		m.record("clock-resumed", map[string]any{"node": from.ID, "reason": "fee-paid", "stoppedDays": days, "dueAt": m.c.DueAt})
	}
	return nil
}

func (m *move) conclude(result string) {
	m.result = result
	at := m.at
	m.c.ConcludedAt = &at
	switch result {
	case "approved":
		if m.c.Status != runtime.StatusCertificated && m.c.Status != runtime.StatusDelivered {
			m.c.Status = runtime.StatusApproved
		}
	case "denied":
		m.c.Status = runtime.StatusDenied
	case "not-accepted":
		m.c.Status = runtime.StatusNotAccepted
	}
	if m.c.AcceptedAt == nil && result != "not-accepted" {
		m.c.AcceptedAt = &at
	}
	m.record("concluded", map[string]any{"result": result})
}

// awaitPayment waits at a payment node for the payment platform's confirmation, stopping the
// clock when the node says so. A case with nothing to pay, or paid already, passes at once.
func (m *move) awaitPayment(e engine.AwaitPayment) ([]engine.Effect, error) {
	if m.c.FeeTotal == 0 || m.c.FeePaidAt != nil {
		m.record("payment-not-awaited", map[string]any{"node": e.Node, "token": e.Token, "total": m.c.FeeTotal, "paidAt": m.c.FeePaidAt})
		return m.stepOn(e.Token)
	}
	m.tasks = append(m.tasks, runtime.Task{CaseID: m.c.ID, Kind: runtime.TaskPayment, Token: e.Token, Node: e.Node,
		Name: m.mp.Workflow.Nodes[e.Node].Name, Status: runtime.TaskOpen, CreatedAt: m.at})
	m.record("payment-awaited", map[string]any{"node": e.Node, "token": e.Token, "total": m.c.FeeTotal, "stopsClock": e.StopsClock})
	if e.StopsClock && m.c.StoppedAt == nil && m.c.DueAt != nil {
		at := m.at
		m.c.StoppedAt = &at
		m.record("clock-stopped", map[string]any{"node": e.Node, "reason": "awaiting-payment"})
	}
	return nil, nil
}

// stepOn completes the work at token within the move, for work the move itself finished.
func (m *move) stepOn(token int) ([]engine.Effect, error) {
	state, effects, err := engine.Complete(m.mp.Workflow, m.state, token, "", m.vars, m.at)
	if err != nil {
		return nil, err
	}
	m.state = state
	return effects, nil
}

// Certificate is a certificate (证照) issued at a case's certificate node: the e-license record.
type Certificate struct {
	Number     string     `json:"number"`
	Template   string     `json:"template"`
	CaseNumber string     `json:"caseNumber"`
	Matter     string     `json:"matter"`
	Holder     string     `json:"holder"`
	Issuer     string     `json:"issuer"`
	IssuedAt   time.Time  `json:"issuedAt"`
	ValidUntil *time.Time `json:"validUntil,omitempty"`
	// Document is the SHA-256 of the rendered document, when a renderer is configured.
	Document string `json:"document,omitempty"`
}

// Render draws a document from its print template over vars (the printing component: PDF).
// at is the document's date, so that the same data renders the same bytes.
type Render func(w io.Writer, template *definitions.CompiledPrint, vars rules.Vars, at time.Time) error

// CheckPrint lays a document out without drawing it and says, in Chinese, what of vars the
// template cannot print (a character no font has, text that cannot fit its box); "" when it
// prints. err is a failure of the printing component itself.
type CheckPrint func(template *definitions.CompiledPrint, vars rules.Vars) (problem string, err error)

// renderToBlob renders a document and keeps it in the blob store, returning its SHA-256.
func (s *Service) renderToBlob(t *definitions.CompiledPrint, vars rules.Vars, at time.Time) (string, error) {
	s.renderTurns <- struct{}{}
	defer func() { <-s.renderTurns }()
	var buf bytes.Buffer
	if err := s.render(&buf, t, vars, at.In(runtime.Zone)); err != nil {
		return "", err
	}
	ref, err := s.blobs.Put(&buf, 64<<20)
	return ref.SHA256, err
}

// issueCertificate numbers the certificate by the matter's rule, records it (制证) and steps the
// engine past the node. Its document is rendered after the move commits (renderCertificate):
// rendering a PDF takes tens of milliseconds, which the single SQLite writer, running every
// unit of work one after another, must not spend.
func (m *move) issueCertificate(e engine.IssueCertificate) ([]engine.Effect, error) {
	if m.mp.Workflow.Nodes[e.Node].AfterPayment && m.c.FeeTotal > 0 && m.c.FeePaidAt == nil {
		return nil, runtime.Errorf(runtime.ECONFLICT, "办件 %s 尚未缴费，按事项规定缴费后方可制证", m.c.Number)
	}
	if !m.mp.Workflow.Nodes[e.Node].IssueWithDeferred {
		name, err := m.outstandingDeferred()
		if err != nil {
			return nil, err
		}
		if name != "" {
			return nil, runtime.Errorf(runtime.ECONFLICT, "容缺材料「%s」尚未补交，按事项规定补交后方可制证", name)
		}
	}
	matter := m.mp.Def.Matter
	pattern, err := definitions.ParseLicenseNumberPattern(matter.LicenseNumberPattern)
	if err != nil {
		return nil, err
	}
	number := fmt.Sprintf("%s-%d", m.c.Number, e.Token)
	if !pattern.Empty() {
		// The year and date in a license number are the platform zone's.
		at := m.at.In(runtime.Zone)
		seq, err := m.tx.NextInSequence(fmt.Sprintf("license:%s:%d", m.c.Matter, at.Year()))
		if err != nil {
			return nil, err
		}
		number = pattern.Format(matter.Org.DivisionCode, at, seq)
	}
	holder, _ := m.vars["applicant"].(map[string]any)["name"].(string)
	cert := Certificate{Number: number, Template: e.Template, CaseNumber: m.c.Number, Matter: m.c.Matter,
		Holder: holder, Issuer: matter.Org.Name, IssuedAt: m.at}
	if e.ValidYears > 0 {
		until := m.at.AddDate(e.ValidYears, 0, -1)
		cert.ValidUntil = &until
	}
	vars := m.svc.certificateVars(m.vars, cert, m.c.FeeTotal)
	if check := m.svc.checkPrint; check != nil {
		// The document is drawn after the commit; a certificate that could never be drawn is
		// refused now, while the person approving can still correct the case.
		problem, err := check(m.mp.Prints[e.Template], vars)
		if err != nil {
			return nil, err
		}
		if problem != "" {
			return nil, runtime.Errorf(runtime.EINVALID, "办件 %s 暂不能制证：%s。请核对申请内容（可退回申请人补正），或请管理员处理后再办理", m.c.Number, problem)
		}
	}
	m.certificates = append(m.certificates, issuedCertificate{cert, vars})
	m.c.Status = runtime.StatusCertificated
	m.record("certificate-issued", cert)
	return m.stepOn(e.Token)
}
