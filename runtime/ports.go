package runtime

import (
	"context"
	"time"
)

// The ports of the runtime's storage. runtime/store implements them on SQLite and PostgreSQL;
// the service layer and the connectors depend on them, never on the store, so that the rules
// of a case do not know which database keeps it. Errors are *Error where the caller can act on
// them (the codes each method names below); any other error is internal.

// Store is the runtime's storage: units of work that change several things together, and the
// reads and single writes that need none.
type Store interface {
	// WithTx runs fn as one atomic unit of work and commits it when fn returns nil; an error
	// from fn (or a panic) undoes all of fn's writes and is returned. fn must use tx, not the
	// Store, and must not keep tx past its return.
	WithTx(ctx context.Context, fn func(tx Tx) error) error

	CaseStore
	EventStore
	TaskStore
	CertificateStore
	MatterStore
	AccountStore
	UserStore
	MessageStore
	OutboxStore
	DesignStore
	AnalyticsStore
	AuditStore
	ThemeStore
	AppointmentStore
	TicketStore
	DashboardStore
}

// Tx is one unit of work: everything done through it commits together or not at all. Its
// reads see its own writes. A Tx is used by one goroutine and carries the context of its
// WithTx.
type Tx interface {
	// Context is the context the unit of work runs with.
	Context() context.Context
	// AfterCommit has fn run once the unit of work is committed and durable — never if it is
	// rolled back — before WithTx returns. It is for work too slow to hold the writer for that
	// must follow the commit, such as rendering a document.
	AfterCommit(fn func())

	CaseTx
	EventTx
	TaskTx
	CertificateTx
	UserTx
	MessageTx
	OutboxTx
	ThemeTx
}

// NewCase is a case to create together with what starts it: its first audit events, the tasks
// the workflow opens and the messages to other systems, all in one transaction.
type NewCase struct {
	// Case is the case as the service built it. The store assigns ID, Number, QueryCode (unless
	// set), CreatedAt, UpdatedAt and Revision.
	Case Case
	// IdempotencyKey, if set, makes the creation happen at most once per applicant and key: a
	// retry with the same key returns the case the first attempt created.
	IdempotencyKey string
	// RequestHash identifies the request the key is sent with: a key used again with another
	// hash is refused (EKEYREUSED) rather than answered with the first request's case.
	RequestHash string
	// Start, if set, is called with the case numbered but not yet written (its ID is 0), and
	// may change it: a submission starts its workflow here, so that the case is written once,
	// in the state the workflow leaves it. It must not write rows that refer to the case.
	Start  func(c *Case) error
	Events []Event
	Tasks  []Task
	Outbox []OutboxMessage
}

// CaseQuery selects cases from the store. Empty fields select everything.
type CaseQuery struct {
	ApplicantID int64
	// OrgCodes selects the cases of these orgs and the cases their windows accepted.
	OrgCodes []string
	Status   []Status
	Matter   string
	Offset   int
	Limit    int // default 50, at most 500
}

// TaskQuery selects tasks from the store. Empty fields select everything; a person's to-do
// list is OrgCodes and Roles from their user, Status open (to claim) or ClaimedBy them.
type TaskQuery struct {
	CaseID    int64
	Kinds     []TaskKind
	OrgCodes  []string
	Roles     []string
	Status    []TaskStatus
	ClaimedBy int64
	Offset    int
	Limit     int // default 50, at most 500
}

// CaseStore reads cases and their ratings.
type CaseStore interface {
	// GetCase returns a case by ID; ENOTFOUND if there is none.
	GetCase(ctx context.Context, id int64) (*Case, error)
	// GetCaseByNumber returns a case by its number (办件编号); ENOTFOUND if there is none.
	GetCaseByNumber(ctx context.Context, number string) (*Case, error)
	// ListCases returns the cases q selects, newest first, and how many there are in all.
	ListCases(ctx context.Context, q CaseQuery) ([]*Case, int, error)
	// GetEvaluation returns the rating of a case; ENOTFOUND when there is none.
	GetEvaluation(ctx context.Context, caseID int64) (*Evaluation, error)
}

// CaseTx creates and changes cases inside a unit of work.
type CaseTx interface {
	// GetCase returns a case by ID; ENOTFOUND if there is none.
	GetCase(id int64) (*Case, error)
	// GetCaseByNumber returns a case by its number; ENOTFOUND if there is none.
	GetCaseByNumber(number string) (*Case, error)
	// CreateCase creates nc's case with its events, tasks and outbox messages, and returns it
	// with created true. With an idempotency key already used by the same applicant it creates
	// nothing and returns the case the key made, with created false. It returns EINVALID for a
	// malformed case, ENOTFOUND when the case names a matter version that does not exist,
	// ECONFLICT when the key was used for another matter and EKEYREUSED when it was used with
	// another request hash.
	CreateCase(nc NewCase) (c *Case, created bool, err error)
	// UpdateCase stores c's changeable fields — status, form, workflow state, org and division,
	// fee total and the dates — if c.Revision is still the stored revision, then increments
	// c.Revision and sets c.UpdatedAt. It returns ECONFLICT if someone else changed the case
	// since c was read, ENOTFOUND if there is no such case. If the unit of work fails later, c
	// has already been changed: read the case again before retrying.
	UpdateCase(c *Case) error
	// NextInSequence takes the next number of a named counter, so that a rolled-back unit of
	// work leaves no gap (license numbers).
	NextInSequence(name string) (int64, error)
	// SaveEvaluation records the applicant's rating of a case; a case is rated once (ECONFLICT
	// after).
	SaveEvaluation(caseID, userID int64, e Evaluation) error
}

// EventStore reads and appends the audit trail of cases.
type EventStore interface {
	// AppendEvents adds events to the end of a case's audit trail in a unit of work of their
	// own; see EventTx.
	AppendEvents(ctx context.Context, caseID int64, events []Event) ([]Event, error)
	// ListEvents returns a case's audit trail in order.
	ListEvents(ctx context.Context, caseID int64) ([]Event, error)
	// CaseTrail reads together what the public progress lookup shows of a case: the case
	// without its form, workflow state, materials and fees, its applicant's name ("" when the
	// case has none) and the type, time and data of its events of the given types, in order.
	// ENOTFOUND if there is no such case.
	CaseTrail(ctx context.Context, number string, eventTypes []string) (c *Case, applicant string, events []Event, err error)
}

// EventTx appends to the audit trail inside a unit of work.
type EventTx interface {
	// AppendEvents adds events to the end of a case's audit trail and returns them as stored.
	// The store assigns CaseID, Seq (continuing the trail without gaps), PrevHash and Hash, and
	// At where it is zero. It returns ENOTFOUND if there is no such case and EINVALID for an
	// event without a type or with data that is not JSON.
	AppendEvents(caseID int64, events []Event) ([]Event, error)
}

// TaskStore reads tasks.
type TaskStore interface {
	// ListTasks returns the tasks q selects, oldest first (the order people should work in),
	// and how many there are in all.
	ListTasks(ctx context.Context, q TaskQuery) ([]*Task, int, error)
	// DueTimers returns up to n open timer and escalation tasks due by now, oldest first.
	DueTimers(ctx context.Context, now time.Time, n int) ([]*Task, error)
}

// TaskTx opens, hands out and closes tasks inside a unit of work.
type TaskTx interface {
	// CreateTasks opens tasks and returns them with IDs. Each needs a case, a node, and for a
	// person's work an org and a role; the store sets Status open and CreatedAt. EINVALID for a
	// task missing one, ENOTFOUND when its case does not exist.
	CreateTasks(tasks []Task) ([]*Task, error)
	// GetTask returns a task by ID; ENOTFOUND if there is none.
	GetTask(id int64) (*Task, error)
	// OpenTasks returns a case's tasks that are open or claimed, oldest first.
	OpenTasks(caseID int64) ([]*Task, error)
	// ClaimTask gives an open task to a user who holds the task's role in the task's org. Of
	// several users claiming one task at once exactly one wins; the others get ECONFLICT.
	// Claiming a task one already holds returns it. It returns EFORBIDDEN if the user lacks the
	// role (or is disabled) and ENOTFOUND if there is no such task.
	ClaimTask(taskID, userID int64) (*Task, error)
	// CompleteTask closes a task the user has claimed, with the outcome and the opinion they
	// wrote. It returns ECONFLICT if the task is not claimed by this user (or is already done)
	// and ENOTFOUND if there is no such task.
	CompleteTask(taskID, userID int64, outcome, opinion string) (*Task, error)
	// CloseTask marks one open task done with an outcome; ECONFLICT when it is no longer open
	// (another instance got there first).
	CloseTask(id int64, outcome string) error
	// CancelToken withdraws the open work of a case at one engine token.
	CancelToken(caseID int64, token int) error
	// FinishToken marks the open work at an engine token done with an outcome: a timer that ran
	// out, a callback that answered. It returns ECONFLICT when there is no open work at the
	// token, so that two instances firing the same timer complete it once.
	FinishToken(caseID int64, token int, outcome string) error
	// HandOverTask passes a task claimed by one user to another who holds the task's role in
	// its org (转办); to 0 puts it back in the pool for anyone of the role (释放). ECONFLICT when
	// the task is not claimed by from; EFORBIDDEN when to lacks the role.
	HandOverTask(taskID, from, to int64) (*Task, error)
}

// CertificateStore reads and revokes issued certificates.
type CertificateStore interface {
	// GetCertificate returns a certificate by number; ENOTFOUND if there is none.
	GetCertificate(ctx context.Context, number string) (*Certificate, error)
	// CertificatesOfCase returns the certificates issued for a case, oldest first.
	CertificatesOfCase(ctx context.Context, caseID int64) ([]*Certificate, error)
	// CertificatesWithoutDocument lists up to limit certificates issued before cutoff whose
	// document has not been rendered yet, oldest first.
	CertificatesWithoutDocument(ctx context.Context, cutoff time.Time, limit int) ([]*Certificate, error)
	// RevokeCertificate marks a valid certificate revoked with the reason; ECONFLICT if it is
	// not valid, ENOTFOUND if there is no such certificate.
	RevokeCertificate(ctx context.Context, number, reason string) error
}

// CertificateTx records issued certificates inside a unit of work.
type CertificateTx interface {
	// SaveCertificate records an issued certificate inside the unit of work that issues it;
	// ECONFLICT when its number is taken.
	SaveCertificate(c Certificate) error
	// SetCertificateDocument records the rendered document of a certificate issued without
	// one, and reports whether it did: false when another has recorded one first.
	SetCertificateDocument(number, document string) (bool, error)
}

// MatterStore keeps the versions of matters' definitions.
type MatterStore interface {
	// SaveDraft stores files as the draft of slug: the one version after the newest published
	// one that may still change. Saving again replaces the draft's files. EINVALID for files
	// that are not a matter folder.
	SaveDraft(ctx context.Context, slug string, files map[string][]byte) (*MatterVersion, error)
	// PublishMatterVersion makes files the newest published version of slug and returns it.
	// The draft, if there is one, becomes that version; otherwise a new number is taken.
	// Publishing files identical to the newest published version returns that version
	// unchanged. Concurrent publishes of one slug may fail with ECONFLICT.
	PublishMatterVersion(ctx context.Context, slug string, files map[string][]byte) (*MatterVersion, error)
	// MatterVersion returns one version of slug, draft or published; ENOTFOUND if there is none.
	MatterVersion(ctx context.Context, slug string, version int) (*MatterVersion, error)
	// LatestPublished returns the newest published version of slug; ENOTFOUND if there is none.
	LatestPublished(ctx context.Context, slug string) (*MatterVersion, error)
	// LatestPublishedVersion returns only the number of a matter's newest published version,
	// for the hot path that needs no files; ENOTFOUND if there is none.
	LatestPublishedVersion(ctx context.Context, slug string) (int, error)
	// LatestPublishedRefs lists the newest published version of every matter, by slug, without
	// their files: the hot path of the matter list.
	LatestPublishedRefs(ctx context.Context) ([]VersionRef, error)
	// ListLatestPublished returns the newest published version of every matter, by slug: what
	// a starting instance compiles.
	ListLatestPublished(ctx context.Context) ([]*MatterVersion, error)
}

// UserStore finds users by what identifies them outside the pages; the accounts themselves
// (AccountStore) are the account service's.
type UserStore interface {
	// CreateUser stores a user and their workflow roles (OrgRoles) in their org, and returns
	// the user with ID and CreatedAt; EINVALID for a user without what every user needs.
	CreateUser(ctx context.Context, u User) (*User, error)
	// UserByIdentity finds an applicant by ID number (a person) or credit code (an
	// enterprise); ENOTFOUND if there is none.
	UserByIdentity(ctx context.Context, kind, idNumber, uscc string) (*User, error)
	// UserByToken returns the user a token belongs to. It returns EUNAUTHORIZED for a token
	// that is unknown, revoked or expired, or whose user is disabled.
	UserByToken(ctx context.Context, token string) (*User, error)
}

// UserTx reads users inside a unit of work.
type UserTx interface {
	// GetUser returns a user by ID; ENOTFOUND if there is none.
	GetUser(id int64) (*User, error)
}

// MessageStore keeps consultations and complaints (咨询投诉).
type MessageStore interface {
	// CreateMessage stores a message addressed to the org orgCode.
	CreateMessage(ctx context.Context, m Message, orgCode string) (*Message, error)
	// MessagesOf lists the messages one user asked, newest first.
	MessagesOf(ctx context.Context, userID int64, limit int) ([]Message, error)
	// MessagesFor lists the messages addressed to an org, unanswered first, then newest.
	MessagesFor(ctx context.Context, orgCode string, limit int) ([]Message, error)
}

// MessageTx answers messages inside a unit of work.
type MessageTx interface {
	// AnswerMessage records the answer of a message addressed to orgCode; ENOTFOUND when there
	// is no such message for that org, ECONFLICT when it was answered already.
	AnswerMessage(id int64, orgCode string, answer string, by int64, at time.Time) (*Message, error)
}

// OutboxStore lets a person see and replay the outbox's dead letters.
type OutboxStore interface {
	// ListDeadLetters returns the messages that ran out of attempts, oldest first.
	ListDeadLetters(ctx context.Context, offset, limit int) ([]*OutboxMessage, error)
	// Replay makes a dead letter due now with a fresh count of attempts. It returns ECONFLICT
	// if the message is not dead and ENOTFOUND if there is no such message.
	Replay(ctx context.Context, id int64) error
}

// OutboxTx exchanges messages with other systems inside the unit of work of the change they
// belong to.
type OutboxTx interface {
	// Enqueue stores a message for delivery, in the transaction of the change it announces,
	// and returns its ID. A key enqueued again returns the first message's ID.
	Enqueue(m OutboxMessage) (int64, error)
	// RecordInbound notes an inbound message (a callback) by its id inside the unit of work
	// that applies it, and reports whether it was seen before: applied at most once, even when
	// the sender repeats it or two instances receive it together.
	RecordInbound(id, connector string) (duplicate bool, err error)
}

// DraftState is a matter's open draft as the studio edits it: the draft version's files (by
// path relative to the bundle root, as a version keeps them) with who opened and last changed
// it, its revision and where it stands (DraftEditing, DraftRequested, DraftReturned).
type DraftState struct {
	Slug string
	// Version is the number the draft takes when published; Base the published version it was
	// opened from, 0 for a new matter.
	Version   int
	Base      int
	Revision  int
	Status    string
	Comment   string
	OpenedBy  UserRef
	OpenedAt  time.Time
	UpdatedBy UserRef
	UpdatedAt time.Time
	Files     map[string][]byte
}

// AuditStore checks the audit trails and keeps the signed checkpoints of their heads.
type AuditStore interface {
	// CaseHeads returns every case's head as its row records it, in case ID order, read at
	// one instant.
	CaseHeads(ctx context.Context) ([]CaseHead, error)
	// VerifyChain recomputes the hash chain of a case's audit trail and compares its end with
	// the head the case row records and, when since.Count > 0, its event since.Count with
	// since.Head (a checkpoint's). It returns nil when all hold, an internal error saying where
	// the trail broke when one does not, and ENOTFOUND if the case does not exist.
	VerifyChain(ctx context.Context, caseID int64, since CaseHead) error
	// SaveCheckpoint stores a checkpoint and returns it with its ID, keeping the newest few.
	SaveCheckpoint(ctx context.Context, cp AuditCheckpoint) (AuditCheckpoint, error)
	// LatestCheckpoint returns the newest checkpoint; ENOTFOUND when there is none.
	LatestCheckpoint(ctx context.Context) (*AuditCheckpoint, error)
}

// DesignStore keeps the studio's drafts and the design audit trail; the drafts are the draft
// versions of MatterStore, with who edits them.
type DesignStore interface {
	// Drafts lists every open draft, by slug, without files.
	Drafts(ctx context.Context) ([]*DraftState, error)
	// Draft returns the open draft of slug with its files; ENOTFOUND when none is open.
	Draft(ctx context.Context, slug string) (*DraftState, error)
	// MatterVersions lists every version of slug, newest first, without files.
	MatterVersions(ctx context.Context, slug string) ([]*MatterVersion, error)
	// DesignEvents returns slug's design audit trail, newest first, at most limit entries
	// (default 50, at most 500).
	DesignEvents(ctx context.Context, slug string, limit int) ([]DesignEvent, error)
	// WriteDesign runs fn as one unit of work: all its writes commit together, or none when
	// fn returns an error, which WriteDesign returns.
	WriteDesign(ctx context.Context, fn func(DesignTx) error) error
}

// DesignTx changes drafts, publishes them and records the design audit trail in one unit of
// work.
type DesignTx interface {
	// Draft returns the open draft of slug with its files; ENOTFOUND when none is open.
	Draft(slug string) (*DraftState, error)
	// CreateDraft opens d as the draft of d.Slug at revision 1, by d.OpenedBy, and returns it
	// with Version, Revision and the times set. ECONFLICT when a draft is open already;
	// EINVALID without files.
	CreateDraft(d DraftState) (*DraftState, error)
	// UpdateDraft stores d's files, status and comment, by d.UpdatedBy, if d.Revision is still
	// the stored revision; then it increments d.Revision and sets d.UpdatedAt. ECONFLICT when
	// someone changed the draft since d was read, ENOTFOUND when no draft is open.
	UpdateDraft(d *DraftState) error
	// DeleteDraft closes the open draft of slug without publishing it; ENOTFOUND when none is.
	DeleteDraft(slug string) error
	// Publish makes files the newest published version of slug, as
	// MatterStore.PublishMatterVersion does, and closes the open draft.
	Publish(slug string, files map[string][]byte) (*MatterVersion, error)
	// RecordDesignEvent appends e to the design audit trail and returns its ID; EINVALID
	// without a slug or type.
	RecordDesignEvent(e DesignEvent) (int64, error)
}
