package runtime

import (
	"context"
	"encoding/json"
	"io"
	"time"
)

// The design-time contract: what the studio and scripts ask of the designer service over
// /api/v1/design/ (designer/API.md shows each route with examples). designer.Service
// implements DesignService; the HTTP layer only decodes, calls it and encodes.

// Draft states: being edited, waiting for a publisher, or sent back by one with a comment.
const (
	DraftEditing   = "editing"
	DraftRequested = "requested"
	DraftReturned  = "returned"
)

// Severities of a design problem: an error keeps a draft from being published; a warning
// needs the publisher's acknowledgement.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// UserRef names a user in what the studio shows: who edits, who changed a draft.
type UserRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// DraftInfo is the state of a matter's open draft without its files.
type DraftInfo struct {
	// Version is the number the draft will be published as; Base the published version it was
	// opened from (0 for a new matter).
	Version  int    `json:"version"`
	Base     int    `json:"base"`
	Revision int    `json:"revision"`
	Status   string `json:"status"`
	// Comment is the publisher's when the draft was sent back, the analyst's when asked for
	// publication.
	Comment   string    `json:"comment,omitempty"`
	OpenedBy  UserRef   `json:"openedBy"`
	OpenedAt  time.Time `json:"openedAt"`
	UpdatedBy UserRef   `json:"updatedBy"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// DesignMatter is one matter of the studio's list: its catalog name and org, its newest
// published version (0 when it has none) and its draft, if one is open.
type DesignMatter struct {
	Slug      string     `json:"slug"`
	Name      string     `json:"name"`
	OrgCode   string     `json:"orgCode"`
	OrgName   string     `json:"orgName"`
	Published int        `json:"published"`
	Draft     *DraftInfo `json:"draft" jsonschema:"nullable"`
}

// DraftView is a draft with its files: each file of the matter folder by its name there
// (matter.json, form.schema.json, print/notice.json), as text exactly as last saved.
type DraftView struct {
	Slug string `json:"slug"`
	DraftInfo
	Files map[string]string `json:"files"`
	// Images are the draft's print pictures (print/<name>.png, .jpg: backgrounds of the
	// pre-printed paper), by name; not text, they are not among Files.
	Images []string `json:"images,omitempty"`
}

// SavedFile is the answer to a file saved into a draft: the draft's new revision.
type SavedFile struct {
	Name      string    `json:"name"`
	Revision  int       `json:"revision"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// NewMatter asks for a new matter: from scratch (From empty) or as a copy of the newest
// published version (or the draft) of From.
type NewMatter struct {
	Slug string `json:"slug"`
	From string `json:"from,omitempty"`
	// Name and OrgCode fill matter.json of a matter made from scratch.
	Name    string `json:"name,omitempty"`
	OrgCode string `json:"orgCode,omitempty"`
}

// DesignProblem is one problem of a draft, as `tongban validate` prints it: the file within
// the matter folder, the JSON pointer inside it, for expressions the line and column (1-based)
// and a snippet with a caret.
type DesignProblem struct {
	File     string `json:"file"`
	Pointer  string `json:"pointer"`
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
	Snippet  string `json:"snippet,omitempty"`
}

// CheckResult is every problem of a draft, errors first, then by file and pointer.
type CheckResult struct {
	Revision int             `json:"revision"`
	Errors   int             `json:"errors"`
	Warnings int             `json:"warnings"`
	Problems []DesignProblem `json:"problems"`
}

// ExpressionCheck is one expression to check where it stands in a draft: the file and the
// JSON pointer of the expression's place decide its environment and the type it must have.
type ExpressionCheck struct {
	Slug    string `json:"slug"`
	File    string `json:"file"`
	Pointer string `json:"pointer"`
	Source  string `json:"source"`
	// Files are the studio's unsaved files, by name as in the draft view: they stand in for the
	// saved ones for this check, so that an expression naming a field added since the last save
	// (or standing in a place added since) is checked as the analyst sees the draft.
	Files map[string]string `json:"files,omitempty"`
}

// ExpressionResult is an expression's type, or its error at line:col.
type ExpressionResult struct {
	OK bool `json:"ok"`
	// Type is the expression's type as the checker infers it ("bool", "float", "string", …).
	Type    string `json:"type,omitempty"`
	Message string `json:"message,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Snippet string `json:"snippet,omitempty"`
}

// CatalogImported is what an import of the Excel catalog changed: the matters whose draft got
// the row's matter.json (a draft opened where none was), and how many rows said what their
// matter already says.
type CatalogImported struct {
	Updated   []string `json:"updated"`
	Unchanged int      `json:"unchanged"`
}

// ExpressionVocabulary is what an expression may name besides the draft's own form fields,
// parameters and values, for the studio's completion and help: the domain helpers and the
// built-ins (the same table as the README's) and the fields of applicant, case and a material.
type ExpressionVocabulary struct {
	Helpers   []ExpressionHelper `json:"helpers"`
	Builtins  []ExpressionHelper `json:"builtins"`
	Variables []ExpressionName   `json:"variables"`
}

// ExpressionHelper documents one function or operator: how it is called, what it does, and an
// example with its result.
type ExpressionHelper struct {
	Name        string `json:"name"`
	Signature   string `json:"signature"`
	Description string `json:"description"`
	Example     string `json:"example"`
	Result      string `json:"result"`
}

// ExpressionName is one name an expression may use ("applicant.idNumber", "now") and its type.
type ExpressionName struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description"`
}

// Preview looks: the citizen portal, the clerk's workbench, the hall's kiosk.
const (
	LookPortal    = "portal"
	LookWorkbench = "workbench"
	LookKiosk     = "kiosk"
)

// PreviewRequest asks for the draft's application form as a page: in which look, filled with
// the draft's sample.json or with Form, or empty.
type PreviewRequest struct {
	Look   string          `json:"look,omitempty"`
	Sample bool            `json:"sample,omitempty"`
	Form   json.RawMessage `json:"form,omitempty"`
}

// TryRequest is a dry run of a submission against the draft: Form is the application data
// (the draft's sample.json when absent), Applicant who applies (a person by default),
// Deferred the materials left for later (容缺), Provided the materials to count as supplied
// (all that apply when absent).
type TryRequest struct {
	Form      json.RawMessage `json:"form,omitempty"`
	Applicant *TryApplicant   `json:"applicant,omitempty"`
	Deferred  []string        `json:"deferred,omitempty"`
	Provided  []string        `json:"provided,omitempty"`
	Channel   string          `json:"channel,omitempty"`
}

// TryApplicant is the applicant of a dry run.
type TryApplicant struct {
	Kind         string `json:"kind"` // "person" or "enterprise"
	Name         string `json:"name,omitempty"`
	IDNumber     string `json:"idNumber,omitempty"`
	USCC         string `json:"uscc,omitempty"`
	Mobile       string `json:"mobile,omitempty"`
	DivisionCode string `json:"divisionCode,omitempty"`
}

// TryResult is what a submission would meet: nothing of it is stored.
type TryResult struct {
	// Valid is false when the form does not pass the schema; Errors say where.
	Valid     bool            `json:"valid"`
	Errors    []FieldError    `json:"errors"`
	Materials []TryMaterial   `json:"materials"`
	Fees      []FeeLine       `json:"fees"`
	FeeTotal  float64         `json:"feeTotal"`
	Rules     []TryRule       `json:"rules"`
	Steps     []TryStep       `json:"steps"`
	Problems  []DesignProblem `json:"problems,omitempty"`
}

// TryMaterial is one material of the matter and whether it applies to this application.
type TryMaterial struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Applies  bool   `json:"applies"`
	Required bool   `json:"required"`
	Source   string `json:"source,omitempty"`
	// Deferrable says 容缺 is allowed for it.
	Deferrable bool   `json:"deferrable,omitempty"`
	Reason     string `json:"reason,omitempty"`
}

// TryRule is one automatic rule's result with its trace.
type TryRule struct {
	Node    string          `json:"node"`
	ID      string          `json:"id"`
	Name    string          `json:"name,omitempty"`
	Outcome string          `json:"outcome"`
	Trace   json.RawMessage `json:"trace,omitempty"`
	Error   string          `json:"error,omitempty"`
}

// TryStep is a workflow step the case would reach first, with who it waits for.
type TryStep struct {
	Node    string `json:"node"`
	Name    string `json:"name"`
	Type    string `json:"type"`
	OrgCode string `json:"orgCode,omitempty"`
	Role    string `json:"role,omitempty"`
}

// DraftAction is an analyst's publication request or a publisher's send-back, with a comment.
type DraftAction struct {
	Comment string `json:"comment,omitempty"`
}

// PublishRequest publishes the draft; warnings need Acknowledge.
type PublishRequest struct {
	Acknowledge bool   `json:"acknowledge,omitempty"`
	Comment     string `json:"comment,omitempty"`
}

// RollbackRequest publishes the files of an old version as a new version.
type RollbackRequest struct {
	Version int    `json:"version"`
	Comment string `json:"comment,omitempty"`
}

// VersionInfo is one stored version of a matter.
type VersionInfo struct {
	Version     int        `json:"version"`
	Status      string     `json:"status"`
	ContentHash string     `json:"contentHash"`
	CreatedAt   time.Time  `json:"createdAt"`
	PublishedAt *time.Time `json:"publishedAt,omitempty"`
	PublishedBy *UserRef   `json:"publishedBy,omitempty"`
}

// Diff kinds: what a change touches, by id.
const (
	DiffField     = "field"
	DiffMaterial  = "material"
	DiffFee       = "fee"
	DiffNode      = "node"
	DiffParameter = "parameter"
	DiffCatalog   = "catalog"
	DiffFile      = "file"
)

// MatterDiff is the semantic difference of two versions of a matter: From and To are version
// numbers or "draft".
type MatterDiff struct {
	Slug    string       `json:"slug"`
	From    string       `json:"from"`
	To      string       `json:"to"`
	Changes []DiffChange `json:"changes"`
}

// DiffChange is one thing added, removed or changed: its kind, its id (a field path, a
// material, fee, node or parameter id, a catalog key, a file name), the file it is in, and
// its value before and after (null when added or removed).
type DiffChange struct {
	Kind   string          `json:"kind"`
	ID     string          `json:"id"`
	Change string          `json:"change"` // "added", "removed" or "changed"
	File   string          `json:"file"`
	Before json.RawMessage `json:"before,omitempty"`
	After  json.RawMessage `json:"after,omitempty"`
}

// Published is the answer to a publication or a rollback: the new version.
type Published struct {
	Slug        string    `json:"slug"`
	Version     int       `json:"version"`
	ContentHash string    `json:"contentHash"`
	PublishedAt time.Time `json:"publishedAt"`
	// Unchanged is set when the files were those of the newest version already.
	Unchanged bool `json:"unchanged,omitempty"`
}

// Design event types of the design audit trail.
const (
	DesignDraftOpened  = "draft.opened"
	DesignDraftSaved   = "draft.saved"
	DesignDraftDropped = "draft.discarded"
	DesignRequested    = "publication.requested"
	DesignSentBack     = "publication.sent-back"
	DesignPublished    = "published"
	DesignRolledBack   = "rolled-back"
	DesignCreated      = "matter.created"
	DesignImported     = "matter.imported"
	// DesignSharedChanged is a new version published for a change of the shared definitions.
	DesignSharedChanged = "shared.changed"
)

// DesignEvent is one entry of a matter's design audit trail: who did what when, to which
// files, with the diff summary ("2 个字段新增，1 个收费项目修改").
type DesignEvent struct {
	ID      int64     `json:"id"`
	Slug    string    `json:"slug"`
	Type    string    `json:"type"`
	Actor   UserRef   `json:"actor"`
	At      time.Time `json:"at"`
	Version int       `json:"version,omitempty"`
	Files   []string  `json:"files,omitempty"`
	Summary string    `json:"summary,omitempty"`
	Comment string    `json:"comment,omitempty"`
}

// DesignSession is who the studio is signed in as and what they may do; CSRFToken is the
// token to send in the X-CSRF-Token header with every change (empty for bearer callers).
type DesignSession struct {
	User       UserRef `json:"user"`
	OrgCode    string  `json:"orgCode"`
	Roles      []Role  `json:"roles"`
	CanEdit    bool    `json:"canEdit"`
	CanPublish bool    `json:"canPublish"`
	CSRFToken  string  `json:"csrfToken,omitempty"`
}

// WalkRequest is a step-through of the draft's workflow (nothing is stored): the case of Form
// (absent: the draft's sample.json) starts, and each report of the outside world is the next of
// Choices, or, once they run out, the first outcome of the first piece of work waited for
// (accept, approve, or plain completion). Files are the studio's unsaved files by name; they
// stand in for the saved ones.
type WalkRequest struct {
	Files     map[string]string `json:"files,omitempty"`
	Form      json.RawMessage   `json:"form,omitempty"`
	Applicant *TryApplicant     `json:"applicant,omitempty"`
	Choices   []WalkChoice      `json:"choices,omitempty"`
}

// WalkChoice is one report: the work at Node ends with Outcome — one of the node's outcomes,
// "return" (退回, to the earlier node To) or "correction" (补齐补正: the applicant corrects and the
// work at Node begins again).
type WalkChoice struct {
	Node    string `json:"node"`
	Outcome string `json:"outcome"`
	To      string `json:"to,omitempty"`
}

// WalkResult is the course a case would take, step by step, as the engine traces it. Problems
// are the draft's (errors and warnings, with the unsaved files); with an error, or a form that
// does not pass (Errors), there are no steps.
type WalkResult struct {
	Problems []DesignProblem `json:"problems"`
	Errors   []FieldError    `json:"errors"`
	Steps    []WalkStep      `json:"steps"`
	// Result is how the case concluded, "" while it still waits (Waiting) or stopped (Stopped).
	Result  string   `json:"result,omitempty"`
	Waiting []string `json:"waiting"`
	Stopped string   `json:"stopped,omitempty"`
	// Trace is the whole course in the engine's trace format, as the golden traces write it.
	Trace string `json:"trace"`
}

// WalkStep is one report and what followed it. Choices are what could have been reported at
// Node instead (its outcomes, return, correction) and ReturnTo the nodes it could go back to;
// Chosen says the report came from the request, not the default.
type WalkStep struct {
	Action   string       `json:"action"`
	Node     string       `json:"node,omitempty"`
	Token    int          `json:"token,omitempty"`
	Outcome  string       `json:"outcome"`
	To       string       `json:"to,omitempty"`
	Line     string       `json:"line"`
	Choices  []string     `json:"choices,omitempty"`
	ReturnTo []string     `json:"returnTo,omitempty"`
	Chosen   bool         `json:"chosen"`
	Effects  []WalkEffect `json:"effects"`
}

// WalkEffect is one effect of a step: its kind, its trace line, the node it concerns and, for a
// move, the edge taken (From, To, Outcome and Edge, its index in workflow.json's edges).
type WalkEffect struct {
	Kind    string `json:"kind"`
	Line    string `json:"line"`
	Node    string `json:"node,omitempty"`
	From    string `json:"from,omitempty"`
	To      string `json:"to,omitempty"`
	Outcome string `json:"outcome,omitempty"`
	Edge    *int   `json:"edge,omitempty"`
}

// WorkflowOptions is what a draft's workflow may name: the orgs with their roles, the
// implementing org (an assignee without org), and the push connectors.
type WorkflowOptions struct {
	ImplementingOrg string              `json:"implementingOrg"`
	Orgs            []WorkflowOrg       `json:"orgs"`
	Connectors      []WorkflowConnector `json:"connectors"`
}

// WorkflowOrg is one org of orgs.json as an assignee picker shows it.
type WorkflowOrg struct {
	Code   string   `json:"code"`
	Name   string   `json:"name"`
	Parent string   `json:"parent,omitempty"`
	Roles  []string `json:"roles"`
}

// WorkflowConnector is one connector a connector node may push to.
type WorkflowConnector struct {
	Name  string `json:"name"`
	Title string `json:"title"`
}

// DesignService is the design-time service: drafts, checks, previews, dry runs, publication,
// versions and diffs of matters. Analysts edit drafts of their org subtree's matters and ask
// for publication; publishers publish or send back; admins do both. It returns EFORBIDDEN for
// a user without the role, ENOTFOUND for a matter outside their subtree (as for one that does
// not exist), EINVALID for bad input with the fields concerned, ECONFLICT for a stale revision
// (the message names who saved last), ETOOLARGE for a file over the limit.
type DesignService interface {
	DesignPrintService
	DesignSharedService
	Session(ctx context.Context, u *User) (*DesignSession, error)
	ListMatters(ctx context.Context, u *User) ([]DesignMatter, error)
	NewMatter(ctx context.Context, u *User, req NewMatter) (*DraftView, error)
	// OpenDraft opens a draft from the newest version, or returns the one already open.
	OpenDraft(ctx context.Context, u *User, slug string) (*DraftView, error)
	Draft(ctx context.Context, u *User, slug string) (*DraftView, error)
	// DraftFile returns one file of the draft as saved, and the draft's revision.
	DraftFile(ctx context.Context, u *User, slug, name string) ([]byte, int, error)
	// PutDraftFile replaces one file when revision is the draft's current one.
	PutDraftFile(ctx context.Context, u *User, slug, name string, revision int, content []byte) (*SavedFile, error)
	// DeleteDraftFile removes an optional file (a print template, sample.json).
	DeleteDraftFile(ctx context.Context, u *User, slug, name string, revision int) (*SavedFile, error)
	DiscardDraft(ctx context.Context, u *User, slug string) error
	CheckDraft(ctx context.Context, u *User, slug string) (*CheckResult, error)
	CheckExpression(ctx context.Context, u *User, req ExpressionCheck) (*ExpressionResult, error)
	// Vocabulary lists the helpers, built-ins and context names expressions may use.
	Vocabulary(ctx context.Context, u *User) (*ExpressionVocabulary, error)
	// Preview returns the draft's application form as an HTML page.
	Preview(ctx context.Context, u *User, slug string, req PreviewRequest) ([]byte, error)
	Try(ctx context.Context, u *User, slug string, req TryRequest) (*TryResult, error)
	// Walk steps a case through the draft's workflow with the engine; nothing is stored.
	Walk(ctx context.Context, u *User, slug string, req WalkRequest) (*WalkResult, error)
	// WorkflowOptions lists what the draft's workflow may name: orgs and roles, connectors.
	WorkflowOptions(ctx context.Context, u *User, slug string) (*WorkflowOptions, error)
	RequestPublication(ctx context.Context, u *User, slug string, req DraftAction) (*DraftView, error)
	SendBack(ctx context.Context, u *User, slug string, req DraftAction) (*DraftView, error)
	// Publish returns EINVALID with the problems (Error.Problems) when the draft has an error,
	// or a warning not acknowledged.
	Publish(ctx context.Context, u *User, slug string, req PublishRequest) (*Published, error)
	Versions(ctx context.Context, u *User, slug string) ([]VersionInfo, error)
	// Diff compares two versions; either may be "draft".
	Diff(ctx context.Context, u *User, slug, from, to string) (*MatterDiff, error)
	Rollback(ctx context.Context, u *User, slug string, req RollbackRequest) (*Published, error)
	History(ctx context.Context, u *User, slug string) ([]DesignEvent, error)
	// ExportMatter writes the matter folder of a version ("draft" or a number, "" the newest
	// published) as a zip.
	ExportMatter(ctx context.Context, u *User, slug, version string, w io.Writer) error
	// ImportMatter makes a zip of one matter folder the draft of slug (opening one if need be).
	ImportMatter(ctx context.Context, u *User, slug string, zip []byte) (*DraftView, error)
	// ExportCatalog writes the catalog (4.3.1) of the matters the user may work on as an Excel
	// workbook, the one `tongban catalog export` writes.
	ExportCatalog(ctx context.Context, u *User, w io.Writer) error
	// ImportCatalog writes each row of a catalog workbook into its matter's draft (opening one
	// if need be). A bad cell, a matter outside the user's reach or a problem a row brings in
	// answers EINVALID with a field per cell (pointer "事项目录!F3"), and nothing is written.
	ImportCatalog(ctx context.Context, u *User, workbook []byte) (*CatalogImported, error)
}
