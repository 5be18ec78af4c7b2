package runtime

import (
	"context"
	"encoding/json"
	"io"
	"time"
)

// MatterSummary is a matter as the portal lists it.
type MatterSummary struct {
	Slug              string   `json:"slug"`
	Name              string   `json:"name"`
	Type              string   `json:"type"`
	OrgCode           string   `json:"orgCode"`
	OrgName           string   `json:"orgName"`
	ServiceObjects    []string `json:"serviceObjects"`
	PromisedLimitDays int      `json:"promisedLimitDays"`
	ApprovalMode      string   `json:"approvalMode"`
	Version           int      `json:"version"`
}

// MatterFilter narrows the matter list: Query matches names and keywords loosely.
type MatterFilter struct {
	Query         string
	ServiceObject string
	OrgCode       string
}

// Guide is everything a citizen reads before applying (办事指南), from the published version.
type Guide struct {
	MatterSummary
	Catalog   json.RawMessage `json:"catalog"`
	Materials json.RawMessage `json:"materials"`
	Fees      json.RawMessage `json:"fees"`
	Steps     []GuideStep     `json:"steps"`
	Form      json.RawMessage `json:"form"`
	FormUI    json.RawMessage `json:"formUi"`
}

// GuideStep is one step of the flow as the guide shows it.
type GuideStep struct {
	Node      string `json:"node"`
	Name      string `json:"name"`
	Type      string `json:"type"`
	LimitDays int    `json:"limitDays,omitempty"`
	// LimitCount is "natural" when LimitDays counts calendar days, "" for working days.
	LimitCount string `json:"limitCount,omitempty"`
}

// MatterService serves the published matters.
type MatterService interface {
	ListMatters(ctx context.Context, f MatterFilter) ([]MatterSummary, error)
	// MatterGuide returns ENOTFOUND for an unknown or unpublished matter.
	MatterGuide(ctx context.Context, slug string) (*Guide, error)
}

// SubmitCase is an application: the form, and the materials provided or deferred (容缺).
//
// The jsonschema tags say, for the API's document, what the service requires.
type SubmitCase struct {
	Matter  string          `json:"matter" jsonschema:"required,minLength=1,description=事项编号（slug）"`
	Form    json.RawMessage `json:"form" jsonschema:"type=object,description=申请表数据（JSON 对象，按事项的 form.schema.json；草稿可不完整）"`
	Channel string          `json:"channel,omitempty" jsonschema:"enum=online,enum=window,description=渠道：online 网上申报（默认）或 window 窗口"`
	// Deferred lists deferrable materials the applicant will supply later.
	Deferred []string `json:"deferred,omitempty" jsonschema:"description=容缺：以后补交的材料编号"`
	// Draft saves without submitting: no validation beyond well-formed JSON.
	Draft bool `json:"draft,omitempty" jsonschema:"description=只保存草稿，不提交"`
	// Materials attach files uploaded beforehand (POST /api/v1/files), so that a whole
	// application is one request and one write.
	Materials []MaterialFiles `json:"materials,omitempty" jsonschema:"description=先上传的材料文件（POST /api/v1/files 返回的 ref）"`
	// IdempotencyKey makes a retried request return the case the first one created.
	IdempotencyKey string `json:"-"`
}

// MaterialFiles are the files of one material, by the signed references the upload returned.
type MaterialFiles struct {
	ID    string   `json:"id" jsonschema:"required,minLength=1,description=材料编号"`
	Files []string `json:"files" jsonschema:"required,description=上传时返回的 ref"`
}

// UploadedFile is a file kept before its case exists. Ref is what a submission names it by: it
// is signed for the uploader, so that nobody else can attach it.
type UploadedFile struct {
	Ref       string `json:"ref"`
	Name      string `json:"name"`
	MediaType string `json:"mediaType"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"`
}

// FileService keeps files for applications not yet created.
type FileService interface {
	UploadFile(ctx context.Context, u *User, filename string, r io.Reader) (*UploadedFile, error)
}

// ResumableUploadService takes large materials in pieces that survive interruptions (the tus
// protocol of the API): it checks an upload before any byte is sent and attaches the finished
// file to the case as an upload of the material.
type ResumableUploadService interface {
	// CheckUpload refuses, before any byte, what attaching the file would refuse for the case,
	// the material and the declared size.
	CheckUpload(ctx context.Context, u *User, number, material string, size int64, declaredSHA string) error
	// AttachUploadedFile records the finished file on the material after checking that its
	// SHA-256 is declaredSHA.
	AttachUploadedFile(ctx context.Context, u *User, number, material, filename string, r io.Reader, declaredSHA string) (*MaterialFile, error)
	// UploadStagingDir is the folder where uploads wait until they are complete.
	UploadStagingDir() (string, error)
}

// MaterialStatus is one material as it stands on a case.
type MaterialStatus struct {
	ID       string         `json:"id"`
	Name     string         `json:"name"`
	Required bool           `json:"required"`
	Deferred bool           `json:"deferred"`
	DueAt    *time.Time     `json:"dueAt,omitempty"`
	Files    []MaterialFile `json:"files"`
	// License is the e-license that satisfied the material, or why none could be fetched.
	License *MaterialLicense `json:"license,omitempty"`
	// Via says how an e-license material was provided: "e-license" fetched from the library,
	// "fallback-upload" uploaded instead because the library did not give it (the material
	// declares that fallback), "received" checked on paper at the window, "deferred" to come
	// later (容缺); absent otherwise.
	Via string `json:"via,omitempty"`
}

// MaterialLicense records which e-license satisfied a material: number, version and hash.
type MaterialLicense struct {
	Number  string `json:"number,omitempty"`
	Type    string `json:"type"`
	Version int    `json:"version,omitempty"`
	Hash    string `json:"hash,omitempty"`
	Problem string `json:"problem,omitempty"`
}

// MaterialFile is one stored file of a material.
type MaterialFile struct {
	Name      string    `json:"name"`
	MediaType string    `json:"mediaType"`
	Size      int64     `json:"size"`
	SHA256    string    `json:"sha256"`
	At        time.Time `json:"at"`
}

// FeeLine is one computed fee.
type FeeLine struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	Kind   string  `json:"kind"`
	Amount float64 `json:"amount"`
}

// Deadline is how the case stands against its promised limit.
type Deadline struct {
	DueAt         *time.Time `json:"dueAt,omitempty"`
	RemainingDays int        `json:"remainingDays"`
	// Warning is "normal", "yellow" (one working day or less left) or "red" (overdue).
	Warning string `json:"warning"`
	Stopped bool   `json:"stopped"`
	// StoppedSince is when the clock stopped (补正 handed to the applicant, 特别程序 begun).
	StoppedSince *time.Time `json:"stoppedSince,omitempty"`
	// Provisional is set when the count reaches a year the holiday calendar has no schedule
	// for (only the holidays fixed by law are known there): staff see the deadline as 暂定.
	Provisional bool `json:"provisional"`
	// Concluded is set once the case is concluded: the limit no longer runs.
	Concluded bool `json:"concluded,omitempty"`
}

// CaseView is a case with what its viewer needs to see of it.
type CaseView struct {
	Number        string `json:"number"`
	QueryCode     string `json:"queryCode,omitempty"`
	Matter        string `json:"matter"`
	MatterName    string `json:"matterName"`
	MatterVersion int    `json:"matterVersion"`
	Status        Status `json:"status"`
	StatusName    string `json:"statusName"`
	Channel       string `json:"channel"`
	// WindowOrg is the org whose window accepted the case (a cross-district case's is not
	// the implementing org); OrgCode is the implementing org.
	WindowOrg string           `json:"windowOrg,omitempty"`
	OrgCode   string           `json:"orgCode"`
	Form      json.RawMessage  `json:"form"`
	Materials []MaterialStatus `json:"materials"`
	Fees      []FeeLine        `json:"fees"`
	FeeTotal  float64          `json:"feeTotal"`
	FeePaidAt *time.Time       `json:"feePaidAt,omitempty"`
	// FeeDue tells that the fees are to be paid now: accepted, with a total, not yet paid.
	FeeDue      bool        `json:"feeDue,omitempty"`
	Tasks       []TaskView  `json:"tasks"`
	Deadline    Deadline    `json:"deadline"`
	SubmittedAt *time.Time  `json:"submittedAt,omitempty"`
	ConcludedAt *time.Time  `json:"concludedAt,omitempty"`
	Evaluation  *Evaluation `json:"evaluation,omitempty"`
	// Documents are what the case may print now (GET …/notices/{name}): the shared notices of
	// its status and the matter's own documents its status, step and conditions allow.
	Documents []Document `json:"documents"`
}

// Document is a document a case may print: its template name and title.
type Document struct {
	Name  string `json:"name"`
	Title string `json:"title"`
}

// TaskView is a task as a worklist shows it.
type TaskView struct {
	ID         int64      `json:"id"`
	CaseNumber string     `json:"caseNumber"`
	MatterName string     `json:"matterName"`
	Kind       TaskKind   `json:"kind"`
	Node       string     `json:"node"`
	Name       string     `json:"name"`
	OrgCode    string     `json:"orgCode"`
	OrgName    string     `json:"orgName,omitempty"`
	Role       string     `json:"role"`
	Status     TaskStatus `json:"status"`
	ClaimedBy  int64      `json:"claimedBy,omitempty"`
	Outcome    string     `json:"outcome,omitempty"`
	Opinion    string     `json:"opinion,omitempty"`
	CreatedAt  time.Time  `json:"createdAt"`
	DueAt      *time.Time `json:"dueAt,omitempty"`
	// Review is, at an assisted step (辅助审批), the rules' record the person decides on: each
	// rule's result and message, the parameters and computed values, and the rules' advice.
	Review json.RawMessage `json:"review,omitempty"`
}

// CaseFilter narrows a case list.
type CaseFilter struct {
	Status Status
	Matter string
	Offset int
	Limit  int
}

// Progress is what anyone with the case number and query code may see, without an account.
type Progress struct {
	Number     string          `json:"number"`
	MatterName string          `json:"matterName"`
	Status     Status          `json:"status"`
	StatusName string          `json:"statusName"`
	Steps      []ProgressStep  `json:"steps"`
	Deadline   Deadline        `json:"deadline"`
	Applicant  string          `json:"applicant"`
	Extra      json.RawMessage `json:"-"`
}

// ProgressStep is one event of the public timeline.
type ProgressStep struct {
	At   time.Time `json:"at"`
	Name string    `json:"name"`
}

// Evaluation is the applicant's rating of the service (好差评).
type Evaluation struct {
	Score   int       `json:"score"`
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at"`
}

// TaskAction completes, returns or hands back a task.
type TaskAction struct {
	// Outcome is one of the node's outcomes: accept, not-accept, approve, deny.
	Outcome string `json:"outcome"`
	Opinion string `json:"opinion"`
	// To is the earlier node a return sends the case back to.
	To string `json:"to,omitempty"`
	// User is who a hand-over passes the task to; 0 puts it back in the pool.
	User int64 `json:"user,omitempty"`
	// Data is the task's own form (办理表单), when its node has one.
	Data json.RawMessage `json:"data,omitempty"`
}

// CaseService runs cases. Methods return EINVALID with fields for bad input, ENOTFOUND for
// cases the user may not see (never revealing that they exist), EFORBIDDEN for actions the
// user may not take, ECONFLICT when the case moved meanwhile.
type CaseService interface {
	SubmitCase(ctx context.Context, u *User, req SubmitCase) (*CaseView, error)
	// SubmitDraft submits a saved draft, optionally replacing its form first.
	SubmitDraft(ctx context.Context, u *User, number string, form json.RawMessage, deferred []string) (*CaseView, error)
	SaveDraft(ctx context.Context, u *User, number string, form json.RawMessage) (*CaseView, error)
	GetCase(ctx context.Context, u *User, number string) (*CaseView, error)
	ListCases(ctx context.Context, u *User, f CaseFilter) ([]CaseView, int, error)
	CaseEvents(ctx context.Context, u *User, number string) ([]Event, error)
	UploadMaterial(ctx context.Context, u *User, number, material, filename string, r io.Reader) (*MaterialFile, error)
	// OpenMaterialFile opens the index-th file of a material of a case the user may see, and
	// records that they opened it; ENOTFOUND otherwise.
	OpenMaterialFile(ctx context.Context, u *User, number, material string, index int) (*MaterialFile, io.ReadCloser, error)
	Progress(ctx context.Context, number, queryCode string) (*Progress, error)
	Evaluate(ctx context.Context, u *User, number string, e Evaluation) error
	// RequestCorrection stops the clock and asks the applicant for the listed materials.
	RequestCorrection(ctx context.Context, u *User, number string, opinion string, materials []string) (*CaseView, error)
	// ResumeCorrection is the applicant's answer: the clock runs again.
	ResumeCorrection(ctx context.Context, u *User, number string, form json.RawMessage) (*CaseView, error)
	// Accept is the acceptance decision (受理 with outcome accept, 不予受理 with not-accept) on the
	// case's open acceptance step, by a clerk of its org.
	Accept(ctx context.Context, u *User, number string, a TaskAction) (*CaseView, error)
	// PreReview records the first check of an online submission (预审) before acceptance.
	PreReview(ctx context.Context, u *User, number string, a TaskAction) (*CaseView, error)
	// PayOnline returns the payment platform's page where the applicant pays the case's fees
	// (去缴费); ECONFLICT when nothing is due, EUNAVAILABLE without a payment platform.
	PayOnline(ctx context.Context, u *User, number string) (string, error)
	// ConfirmPayment records the fees paid in person at the window, with the receipt number.
	ConfirmPayment(ctx context.Context, u *User, number, receipt string) (*CaseView, error)
	// Escalate is a supervisor's 督办 of a running case within their scope: recorded on its
	// audit trail with the note. EFORBIDDEN for anyone but a supervisor, ECONFLICT for a
	// concluded case, EINVALID without a note.
	Escalate(ctx context.Context, u *User, number, note string) (*CaseView, error)
	// Archive closes a concluded case for the records (归档).
	Archive(ctx context.Context, u *User, number string) (*CaseView, error)
	// SpecialProcedure starts (特别程序: hearing, expert review, site inspection…) or, with an
	// empty kind, ends a procedure outside the time limit: the clock stops while it runs.
	SpecialProcedure(ctx context.Context, u *User, number string, p SpecialProcedure) (*CaseView, error)
}

// SpecialProcedure is a procedure whose time does not count against the limit (特别程序).
type SpecialProcedure struct {
	// Kind is hearing (听证), expert-review (专家评审), inspection (现场勘验), testing (检验检测),
	// or "" to end the running procedure.
	Kind   string `json:"kind" jsonschema:"enum=,enum=hearing,enum=expert-review,enum=inspection,enum=testing,enum=appraisal,description=hearing 听证、expert-review 专家评审、inspection 现场勘验、testing 检验检测、appraisal 鉴定；空为结束正在进行的特别程序"`
	Reason string `json:"reason" jsonschema:"description=理由（启动时必填）"`
}

// Message is a consultation (咨询) or complaint (投诉) from the public about a matter, and
// the staff's answer.
type Message struct {
	ID int64 `json:"id"`
	// Kind is consultation or complaint.
	Kind string `json:"kind"`
	// Matter is the slug of the matter asked about; it decides which org answers.
	Matter string `json:"matter"`
	// CaseNumber ties a complaint to one of the asker's cases; optional.
	CaseNumber string     `json:"caseNumber,omitempty"`
	Body       string     `json:"body"`
	AskedBy    int64      `json:"askedBy"`
	AskedAt    time.Time  `json:"askedAt"`
	Answer     string     `json:"answer,omitempty"`
	AnsweredBy int64      `json:"answeredBy,omitempty"`
	AnsweredAt *time.Time `json:"answeredAt,omitempty"`
}

// MessageService takes the public's consultations and complaints and the staff's answers.
// Staff see and answer the messages about their own org's matters.
type MessageService interface {
	Ask(ctx context.Context, u *User, m Message) (*Message, error)
	// MyMessages lists what the user asked, newest first.
	MyMessages(ctx context.Context, u *User) ([]Message, error)
	// OrgMessages lists the staff member's org's messages, unanswered first, then newest.
	OrgMessages(ctx context.Context, u *User) ([]Message, error)
	// AnswerMessage answers a message once; a second answer is a conflict.
	AnswerMessage(ctx context.Context, u *User, id int64, answer string) (*Message, error)
}

// TaskService is the approvers' and clerks' worklist.
type TaskService interface {
	ListTasks(ctx context.Context, u *User, mine bool) ([]TaskView, error)
	ClaimTask(ctx context.Context, u *User, id int64) (*TaskView, error)
	// CompleteTask decides a task; deny and not-accept need the reason in the opinion (EINVALID
	// naming /opinion otherwise), and no opinion may pass 2,000 characters.
	CompleteTask(ctx context.Context, u *User, id int64, a TaskAction) (*CaseView, error)
	// ReturnTask sends the case back to an earlier step, with the reason in the opinion (EINVALID
	// naming /opinion otherwise); ECONFLICT when another user holds the task.
	ReturnTask(ctx context.Context, u *User, id int64, a TaskAction) (*CaseView, error)
	// HandOverTask passes a claimed task to a colleague with the same role, or back to the pool.
	HandOverTask(ctx context.Context, u *User, id int64, a TaskAction) (*TaskView, error)
}

// UserService authenticates API callers.
type UserService interface {
	// Authenticate returns EUNAUTHORIZED for an unknown or disabled token.
	Authenticate(ctx context.Context, token string) (*User, error)
}

// Verification is what anyone scanning a certificate's QR code sees: whether it is valid,
// revoked or expired, and its essential fields with personal data masked.
type Verification struct {
	Number     string              `json:"number"`
	Status     string              `json:"status"` // valid, revoked, expired
	StatusName string              `json:"statusName"`
	Title      string              `json:"title"`
	Holder     string              `json:"holder"`
	Issuer     string              `json:"issuer"`
	IssuedAt   time.Time           `json:"issuedAt"`
	ValidUntil *time.Time          `json:"validUntil,omitempty"`
	RevokedAt  *time.Time          `json:"revokedAt,omitempty"`
	Fields     []VerificationField `json:"fields"`
}

// VerificationField is one printed field of a certificate, masked for the public.
type VerificationField struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// CertificateService serves issued certificates (电子证照).
type CertificateService interface {
	// VerifyCertificate is public: ENOTFOUND for an unknown number.
	VerifyCertificate(ctx context.Context, number string) (*Verification, error)
	// RevokeCertificate is for staff of the issuing org holding the decider role, or admins.
	RevokeCertificate(ctx context.Context, u *User, number, reason string) (*Verification, error)
	// CertificateDocument opens the rendered certificate (PDF) for its holder or staff who may
	// see the case; ENOTFOUND otherwise.
	CertificateDocument(ctx context.Context, u *User, number string) (io.ReadCloser, error)
	// MyLicenses lists an applicant's certificates (我的证照): those issued on their cases, and
	// the e-licenses the library holds for them.
	MyLicenses(ctx context.Context, u *User) (*MyLicenses, error)
}

// MyLicenses is an applicant's certificates. LibraryNote says why the e-license library's could
// not be listed, "" when they were.
type MyLicenses struct {
	Issued      []MyLicense `json:"issued"`
	Library     []MyLicense `json:"library"`
	LibraryNote string      `json:"libraryNote,omitempty"`
}

// MyLicense is one certificate of the applicant's. CaseNumber is set for a certificate issued
// here, whose PDF the applicant may download.
type MyLicense struct {
	Number     string `json:"number"`
	Title      string `json:"title"`
	Issuer     string `json:"issuer"`
	Status     string `json:"status"`
	IssuedOn   string `json:"issuedOn"`
	ValidUntil string `json:"validUntil,omitempty"`
	CaseNumber string `json:"caseNumber,omitempty"`
	Download   bool   `json:"download,omitempty"`
}

// ExportService writes spreadsheets for staff.
type ExportService interface {
	// ExportCases writes the cases the user may list, filtered, and returns how many.
	ExportCases(ctx context.Context, u *User, f CaseFilter, w io.Writer) (int, error)
	// ExportStatistics writes per-matter counts by status.
	ExportStatistics(ctx context.Context, u *User, w io.Writer) error
}

// DocumentService prints a case's documents.
type DocumentService interface {
	// RenderNotice writes one of the case's documents as PDF and returns its title: a shared
	// notice (acceptance-notice, material-handover-list, correction-notice,
	// not-accepted-notice, fee-payment-notice) or one of the matter's own, by template name.
	// ENOTFOUND for a name that is none of them, ECONFLICT when the case has it not now
	// (CaseView.Documents lists what it has).
	RenderNotice(ctx context.Context, u *User, number, name string, w io.Writer) (string, error)
	// ArchivePackage opens the archive package (zip) of an archived case, for staff.
	ArchivePackage(ctx context.Context, u *User, number string) (io.ReadCloser, error)
}

// Prefilled is a form with empty fields filled from the account and the registers, and notes on
// the lookups that failed.
type Prefilled struct {
	Form  json.RawMessage `json:"form"`
	Notes []FieldError    `json:"notes"`
}

// LookupService asks outside registers on behalf of applicants and clerks.
type LookupService interface {
	// Prefill fills the empty fields of a matter's form (表单预填).
	Prefill(ctx context.Context, u *User, matter string, form json.RawMessage) (*Prefilled, error)
	// LookupFor asks a register through a lookup connector, for staff (受理智能感知).
	LookupFor(ctx context.Context, u *User, connector, key string) (any, error)
}

// DeadLetter is an outbox message that gave up after its retries.
type DeadLetter struct {
	ID        int64           `json:"id"`
	Topic     string          `json:"topic"`
	CaseID    int64           `json:"caseId,omitempty"`
	Attempts  int             `json:"attempts"`
	LastError string          `json:"lastError"`
	CreatedAt time.Time       `json:"createdAt"`
	Payload   json.RawMessage `json:"payload"`
}

// TrialTime is the platform's time in a trial, and whether the clock may be moved (demo and
// test mode only).
type TrialTime struct {
	Now   time.Time `json:"now"`
	Trial bool      `json:"trial"`
}

// TrialClockChange sets the trial clock to At, or moves it on by AdvanceDays and AdvanceHours.
type TrialClockChange struct {
	At           *time.Time `json:"at,omitempty" jsonschema:"description=把平台时间设为此刻"`
	AdvanceDays  int        `json:"advanceDays,omitempty" jsonschema:"description=把平台时间向后拨若干天,minimum=0"`
	AdvanceHours int        `json:"advanceHours,omitempty" jsonschema:"description=把平台时间向后拨若干小时,minimum=0"`
}

// FiredTimers says how many due timers, escalations and 容缺 follow-ups a run handled.
type FiredTimers struct {
	Fired int       `json:"fired"`
	Now   time.Time `json:"now"`
}

// TrialService lets administrators move the platform's time and run due timers at once, for
// trying a matter end to end; refused unless the program runs in demo or test mode.
type TrialService interface {
	TrialTime(ctx context.Context, u *User) (TrialTime, error)
	MoveTrialClock(ctx context.Context, u *User, change TrialClockChange) (TrialTime, error)
	FireTimers(ctx context.Context, u *User) (FiredTimers, error)
}

// OutboxService lets administrators see and replay messages that could not be delivered.
type OutboxService interface {
	ListDeadLetters(ctx context.Context, u *User, offset, limit int) ([]DeadLetter, error)
	ReplayMessage(ctx context.Context, u *User, id int64) error
}
