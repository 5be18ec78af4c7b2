package engine

import (
	"fmt"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
)

// Effect is something a step asks the service layer to do or to record, in the order the step
// produced it. The concrete types below are all there is.
type Effect interface {
	// Kind names the effect, for logs and for storing effects in the outbox.
	Kind() string
	// String is the effect as one readable trace line (lines, for AutoDecision).
	String() string
	effect()
}

var (
	_ Effect = CreateTask{}
	_ Effect = CancelTask{}
	_ Effect = CallConnector{}
	_ Effect = StartTimer{}
	_ Effect = IssueCertificate{}
	_ Effect = AwaitDelivery{}
	_ Effect = AwaitPayment{}
	_ Effect = AutoDecision{}
	_ Effect = ConditionError{}
	_ Effect = Moved{}
	_ Effect = Conclude{}
)

// CreateTask asks for a person's work at an acceptance, task or assisted node. Org "" means the
// matter's implementing org; OrgFrom, when set, is the expression the service computes the org
// from, with Fallback when no org matches. Escalation, when set, says whom to warn once the
// task runs over.
type CreateTask struct {
	Token      int
	Node       string
	Name       string
	Org        string
	OrgFrom    string
	Fallback   string
	Role       string
	Limit      definitions.Duration
	Escalation *definitions.Escalation
}

// CancelTask withdraws the open work at a token: a person's task, or the wait for a connector,
// timer, certificate or delivery at that node.
type CancelTask struct {
	Token int
	Node  string
}

// CallConnector pushes the case to a department system; its callback completes the token with
// approve or deny.
type CallConnector struct {
	Token     int
	Node      string
	Connector string
}

// StartTimer waits Wait (working or natural days), then the token completes with "".
type StartTimer struct {
	Token int
	Node  string
	Wait  definitions.Duration
}

// IssueCertificate renders the certificate from print template Template (制证); once issued
// the token completes with "". ValidYears 0 means no expiry.
type IssueCertificate struct {
	Token      int
	Node       string
	Template   string
	ValidYears int
}

// AwaitDelivery waits for confirmation that the result reached the applicant (送达); then the
// token completes with "".
type AwaitDelivery struct {
	Token int
	Node  string
}

// AwaitPayment waits until the case's fees are paid; then the token completes with "".
// StopsClock says the promised limit stops meanwhile.
type AwaitPayment struct {
	Token      int
	Node       string
	StopsClock bool
}

// AutoDecision is the record of a rule node's decision (智能秒批): every rule's result, the
// outcome (pass, fail or handover), why it was handed over to a person, and when. At an
// assisted node the outcome is "assisted", Advice is what the rules alone would decide, and
// Token is the person's task the record advises. The service records the inputs beside it.
type AutoDecision struct {
	Node    string
	Token   int
	Rules   []RuleResult
	Outcome string
	Advice  string
	Reason  string
	At      time.Time
}

// RuleResult is one rule of an auto decision. Message is the rule's explanation when it does
// not hold; Error says why it could not be decided.
type RuleResult struct {
	ID      string
	Name    string
	Passed  bool
	Error   string
	Message string
}

// ConditionError records an exclusive edge whose condition failed to run: it counted as false.
type ConditionError struct {
	Node  string
	To    string
	Name  string
	Error string
}

// Moved records the case moving along an edge, for the audit trail. Outcome is the result the
// source node finished with, "" for nodes without outcomes; Name is the edge's name.
type Moved struct {
	From    string
	To      string
	Outcome string
	Name    string
}

// Conclude says the case has its result (办结): approved, denied or not-accepted.
type Conclude struct {
	Result string
}

func (CreateTask) Kind() string       { return "create-task" }
func (CancelTask) Kind() string       { return "cancel-task" }
func (CallConnector) Kind() string    { return "call-connector" }
func (StartTimer) Kind() string       { return "start-timer" }
func (IssueCertificate) Kind() string { return "issue-certificate" }
func (AwaitDelivery) Kind() string    { return "await-delivery" }
func (AwaitPayment) Kind() string     { return "await-payment" }
func (AutoDecision) Kind() string     { return "auto-decision" }
func (ConditionError) Kind() string   { return "condition-error" }
func (Moved) Kind() string            { return "moved" }
func (Conclude) Kind() string         { return "conclude" }

func (CreateTask) effect()       {}
func (CancelTask) effect()       {}
func (CallConnector) effect()    {}
func (StartTimer) effect()       {}
func (IssueCertificate) effect() {}
func (AwaitDelivery) effect()    {}
func (AwaitPayment) effect()     {}
func (AutoDecision) effect()     {}
func (ConditionError) effect()   {}
func (Moved) effect()            {}
func (Conclude) effect()         {}

func (e CreateTask) String() string {
	var b strings.Builder
	org := e.Org
	if e.OrgFrom != "" {
		org = "orgFrom(" + e.OrgFrom + ")|" + e.Fallback
	}
	fmt.Fprintf(&b, "create-task #%d %s「%s」 %s", e.Token, e.Node, e.Name, assignee(org, e.Role))
	if !e.Limit.IsZero() {
		fmt.Fprintf(&b, " limit=%s", days(e.Limit))
	}
	if x := e.Escalation; x != nil {
		fmt.Fprintf(&b, " escalate=%s→%s", days(x.AfterDays), assignee(x.To.Org, x.To.Role))
	}
	return b.String()
}

func assignee(org, role string) string {
	if org == "" {
		return role
	}
	return org + "/" + role
}

func (e CancelTask) String() string { return fmt.Sprintf("cancel-task #%d %s", e.Token, e.Node) }

func (e CallConnector) String() string {
	return fmt.Sprintf("call-connector #%d %s connector=%s", e.Token, e.Node, e.Connector)
}

func (e StartTimer) String() string {
	return fmt.Sprintf("start-timer #%d %s wait=%s", e.Token, e.Node, days(e.Wait))
}

// days writes a duration in a trace: 5d for working days, 7nd for natural days.
func days(d definitions.Duration) string {
	if d.IsNatural() {
		return fmt.Sprintf("%dnd", d.Days)
	}
	return fmt.Sprintf("%dd", d.Days)
}

func (e IssueCertificate) String() string {
	return fmt.Sprintf("issue-certificate #%d %s template=%s validYears=%d", e.Token, e.Node, e.Template, e.ValidYears)
}

func (e AwaitDelivery) String() string { return fmt.Sprintf("await-delivery #%d %s", e.Token, e.Node) }

func (e AwaitPayment) String() string {
	s := fmt.Sprintf("await-payment #%d %s", e.Token, e.Node)
	if e.StopsClock {
		s += " clock=stops"
	}
	return s
}

func (e AutoDecision) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "auto-decision %s → %s at %s", e.Node, e.Outcome, e.At.Format(time.RFC3339))
	if e.Advice != "" {
		fmt.Fprintf(&b, " #%d advice=%s", e.Token, e.Advice)
	}
	if e.Reason != "" {
		fmt.Fprintf(&b, " (%s)", e.Reason)
	}
	for _, r := range e.Rules {
		switch {
		case r.Error != "":
			fmt.Fprintf(&b, "\n  ! %s %s: %s", r.ID, r.Name, r.Error)
		case r.Passed:
			fmt.Fprintf(&b, "\n  ✓ %s %s", r.ID, r.Name)
		default:
			fmt.Fprintf(&b, "\n  ✗ %s %s: %s", r.ID, r.Name, r.Message)
		}
	}
	return b.String()
}

func (e ConditionError) String() string {
	return fmt.Sprintf("condition-error %s → %s「%s」: %s", e.Node, e.To, e.Name, e.Error)
}

func (e Moved) String() string {
	s := fmt.Sprintf("moved %s → %s", e.From, e.To)
	if e.Outcome != "" {
		s += " on " + e.Outcome
	}
	if e.Name != "" {
		s += "「" + e.Name + "」"
	}
	return s
}

func (e Conclude) String() string { return "conclude " + e.Result }
