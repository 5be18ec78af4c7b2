// Package runtime holds the domain of the running platform: cases (办件), their audit trail,
// tasks and users, the storage ports the service layer and the connectors depend on (ports.go),
// the service interfaces the HTTP layer calls, and the one error type every layer returns. Its
// subpackages implement it: engine (the workflow interpreter, no I/O), store (the ports in gorm
// on SQLite and PostgreSQL), service (use cases), httpapi (the JSON API).
package runtime

import (
	"encoding/json"
	"time"
)

// Status is where a case stands in its lifecycle.
type Status string

// The lifecycle of a case (DESIGN.md, runtime semantics).
const (
	StatusDraft        Status = "draft"        // 草稿
	StatusSubmitted    Status = "submitted"    // 已提交（网上申报）
	StatusPreReviewed  Status = "pre-reviewed" // 已预审
	StatusAccepted     Status = "accepted"     // 已受理
	StatusNotAccepted  Status = "not-accepted" // 不予受理
	StatusCorrection   Status = "correction"   // 补齐补正（计时暂停）
	StatusInApproval   Status = "in-approval"  // 审批中
	StatusApproved     Status = "approved"     // 准予许可
	StatusDenied       Status = "denied"       // 不予许可
	StatusCertificated Status = "certificate-issued"
	StatusDelivered    Status = "delivered"
	StatusArchived     Status = "archived"
)

// StatusNames are the Chinese names users see.
var StatusNames = map[Status]string{
	StatusDraft: "草稿", StatusSubmitted: "已提交", StatusPreReviewed: "已预审", StatusAccepted: "已受理",
	StatusNotAccepted: "不予受理", StatusCorrection: "补齐补正", StatusInApproval: "审批中",
	StatusApproved: "准予许可", StatusDenied: "不予许可", StatusCertificated: "已制证",
	StatusDelivered: "已送达", StatusArchived: "已归档",
}

// ChannelNames are the Chinese names of the channels a case comes in through.
var ChannelNames = map[string]string{"online": "网上申报", "window": "窗口受理", "cross-region": "跨域通办", "kiosk": "自助终端"}

// Case is one application and everything that happens to it (办件).
type Case struct {
	ID int64
	// Number is what people read and quote (办件编号); QueryCode lets anyone look up progress.
	Number    string
	QueryCode string
	// Matter and MatterVersion pin the case to the published definition it started on.
	Matter        string
	MatterVersion int
	ApplicantID   int64
	Channel       string // "online", "window" or "cross-region" (跨域通办)
	// WindowOrg is the org whose window accepted the case: the matter's own for a window case,
	// another's for a cross-district one; "" online.
	WindowOrg    string
	Status       Status
	Form         json.RawMessage
	OrgCode      string
	DivisionCode string
	// Workflow is the engine's state, opaque to everyone else.
	Workflow json.RawMessage
	// Materials and Fees are the service's records of the case's materials and computed fees.
	Materials json.RawMessage
	Fees      json.RawMessage
	FeeTotal  float64
	// FeePaidAt is when the payment platform confirmed the fees paid.
	FeePaidAt   *time.Time
	SubmittedAt *time.Time
	AcceptedAt  *time.Time
	ConcludedAt *time.Time
	// DueAt is the promised deadline; StoppedAt is set while the clock is stopped (补正, 特别程序).
	DueAt     *time.Time
	StoppedAt *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
	// Revision increases with every change; updates compare it to refuse lost updates.
	Revision int
}

// Event is one entry of a case's append-only audit trail. Hash chains each event to the one
// before it (PrevHash), so that changing or removing an entry is detectable.
type Event struct {
	CaseID   int64           `json:"caseId"`
	Seq      int             `json:"seq"`
	Type     string          `json:"type"`
	Actor    string          `json:"actor"`
	At       time.Time       `json:"at"`
	Data     json.RawMessage `json:"data"`
	PrevHash string          `json:"prevHash"`
	Hash     string          `json:"hash"`
}

// CaseHead is where a case's audit trail ends: how many events it has and the hash of the last
// ("" when it has none). The case row keeps it, written with every append, so that a trail
// whose tail is gone no longer matches its case.
type CaseHead struct {
	CaseID int64  `json:"c"`
	Number string `json:"n"`
	Count  int    `json:"k"`
	Head   string `json:"h"`
}

// AuditCheckpoint is a signed record of every case's head at one time: a case deleted whole,
// or a trail cut back behind the store's back together with its case row, no longer matches
// the newest checkpoint. MAC is keyed by the platform's secret, which the database does not
// hold.
type AuditCheckpoint struct {
	ID    int64
	At    time.Time
	Heads []CaseHead
	MAC   string
}

// TaskStatus is where a person's work item stands.
type TaskStatus string

const (
	TaskOpen      TaskStatus = "open"
	TaskClaimed   TaskStatus = "claimed"
	TaskDone      TaskStatus = "done"
	TaskCancelled TaskStatus = "cancelled"
)

// TaskKind says who or what a task waits for.
type TaskKind string

const (
	TaskPerson      TaskKind = "person"      // a person with a role in an org
	TaskTimer       TaskKind = "timer"       // the clock: done when DueAt passes
	TaskConnector   TaskKind = "connector"   // an outside system's callback
	TaskCertificate TaskKind = "certificate" // issuing the certificate
	TaskDelivery    TaskKind = "delivery"    // confirmation that the result reached the applicant
	TaskPayment     TaskKind = "payment"     // the payment platform's confirmation that the fees are paid
	// TaskEscalation watches a person's task: if it is still open at DueAt, the supervisor
	// named by OrgCode and Role is warned (超时督办).
	TaskEscalation TaskKind = "escalation"
	// TaskDeferReminder and TaskDeferDeadline follow a deferred (容缺) material, named by Node:
	// at DueAt the applicant is reminded, or the material's declared overdue rule applies.
	TaskDeferReminder TaskKind = "defer-reminder"
	TaskDeferDeadline TaskKind = "defer-deadline"
)

// Task is work a case waits for at one workflow token: a person's acceptance, review or
// decision, a timer, a department system's answer.
type Task struct {
	ID     int64
	CaseID int64
	Kind   TaskKind
	// Token is the engine token the task belongs to; completing the task completes the token.
	Token     int
	Node      string
	Name      string
	OrgCode   string
	Role      string
	ClaimedBy int64
	Status    TaskStatus
	Outcome   string
	Opinion   string
	CreatedAt time.Time
	DueAt     *time.Time
	DoneAt    *time.Time
}

// Role is what a user may do.
type Role string

const (
	RoleApplicant Role = "applicant"
	RoleClerk     Role = "clerk"
	RoleApprover  Role = "approver"
	RoleAnalyst   Role = "analyst"
	// RolePublisher (事项审核) publishes what analysts prepared, or sends it back.
	RolePublisher Role = "publisher"
	RoleAdmin     Role = "admin"
	RoleAuditor   Role = "auditor"
)

// User is an applicant or a member of staff. Staff belong to an org and hold workflow roles
// there (the roles named in orgs.json: clerk, reviewer, decider...).
type User struct {
	ID           int64
	Name         string
	Kind         string // "person", "enterprise" or "staff"
	IDNumber     string
	USCC         string
	Mobile       string
	OrgCode      string
	Roles        []Role
	OrgRoles     []string
	DivisionCode string
	Disabled     bool
	// Unverified marks an account registered online whose holder has not yet proved their
	// identity (an SMS code to the register's mobile number, or a clerk at a window): it may
	// browse but not apply.
	Unverified bool
	CreatedAt  time.Time
}

// OrgRoleNames are the Chinese names users see of the workflow roles staff hold in an org; the
// pages and the demo staff's names both read them.
var OrgRoleNames = map[string]string{
	"clerk": "窗口受理", "reviewer": "审查", "checker": "审核", "decider": "决定", "inspector": "现场核查",
	"certifier": "制证", "supervisor": "督办", "admin": "管理员", "investigator": "入户调查",
}
