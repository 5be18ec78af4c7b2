package runtime

import (
	"context"
	"encoding/json"
	"time"
)

// ThemeVersion is one published version of a theme's definition (一件事): its files by path
// relative to the bundle root, as MatterVersion keeps a matter's.
type ThemeVersion struct {
	Slug        string
	Version     int
	ContentHash string
	Files       map[string][]byte
	CreatedAt   time.Time
}

// The states of a theme case.
const (
	ThemeSubmitted = "submitted" // 已申报，待综合受理
	ThemeAccepted  = "accepted"  // 已综合受理，成员事项办理中
	ThemeConcluded = "concluded" // 全部成员事项已办结
)

// ThemeStatusNames are the Chinese names of a theme case's states.
var ThemeStatusNames = map[string]string{ThemeSubmitted: "待综合受理", ThemeAccepted: "办理中", ThemeConcluded: "已办结"}

// The states of one member of a theme case.
const (
	MemberWaiting = "waiting" // waits for its predecessors (前置事项)
	MemberStarted = "started" // its member case runs
	MemberStopped = "stopped" // never started: a predecessor did not conclude approved
	MemberDone    = "done"    // its member case concluded; Result says how
)

// ThemeCase is a theme's application (主件): one number and query code for the applicant, and
// the members, each with its member case (子件) once started.
type ThemeCase struct {
	ID           int64
	Number       string
	QueryCode    string
	Theme        string
	ThemeVersion int
	ApplicantID  int64
	Channel      string
	Status       string
	// Result is the combined result once concluded: approved (every member approved), partly
	// or denied.
	Result string
	// Form is the combined form; Materials the service's records of the shared materials.
	Form        json.RawMessage
	Materials   json.RawMessage
	Members     []ThemeMemberCase
	SubmittedAt time.Time
	AcceptedAt  *time.Time
	ConcludedAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Revision    int
}

// ThemeMemberCase is one member of a theme case: its state and, once started, its case.
type ThemeMemberCase struct {
	Member        string `json:"member"`
	Matter        string `json:"matter"`
	MatterVersion int    `json:"matterVersion,omitempty"`
	State         string `json:"state"`
	// Result is the member case's result once done: approved, denied or not-accepted.
	Result     string `json:"result,omitempty"`
	CaseID     int64  `json:"caseId,omitempty"`
	CaseNumber string `json:"caseNumber,omitempty"`
	// Reason says why a member stopped or how it concluded, for the applicant.
	Reason string `json:"reason,omitempty"`
	// Form is the member's form as the mappings produced it; Sources where each field came
	// from (provenance); Materials the member's material records. A waiting member starts
	// from them.
	Form      json.RawMessage `json:"form,omitempty"`
	Sources   json.RawMessage `json:"sources,omitempty"`
	Materials json.RawMessage `json:"materials,omitempty"`
	// Certificates are the numbers of the certificates the member case issued.
	Certificates []string `json:"certificates,omitempty"`
}

// ThemeStore keeps themes' versions and reads theme cases.
type ThemeStore interface {
	// PublishThemeVersion makes files the newest published version of a theme; files identical
	// to the newest version return it unchanged. EINVALID without a slug or files; ECONFLICT
	// when two publish at once.
	PublishThemeVersion(ctx context.Context, slug string, files map[string][]byte) (*ThemeVersion, error)
	// LatestTheme returns the newest version of a theme; ENOTFOUND if there is none.
	LatestTheme(ctx context.Context, slug string) (*ThemeVersion, error)
	// ThemeVersion returns one version of a theme; ENOTFOUND if there is none.
	ThemeVersion(ctx context.Context, slug string, version int) (*ThemeVersion, error)
	// ListLatestThemes returns the newest version of every theme, by slug.
	ListLatestThemes(ctx context.Context) ([]*ThemeVersion, error)
	// GetThemeCase returns a theme case by number; ENOTFOUND if there is none.
	GetThemeCase(ctx context.Context, number string) (*ThemeCase, error)
	// ListThemeCases returns the theme cases q selects, newest first.
	ListThemeCases(ctx context.Context, q ThemeCaseQuery) ([]*ThemeCase, error)
	// ThemeCaseOfMember returns the theme case a member case belongs to; ENOTFOUND when the
	// case is no theme's member.
	ThemeCaseOfMember(ctx context.Context, caseID int64) (*ThemeCase, error)
}

// ThemeCaseQuery selects theme cases; empty fields select everything.
type ThemeCaseQuery struct {
	ApplicantID int64
	Status      string
	Limit       int // default 50, at most 500
}

// ThemeTx creates and changes theme cases inside the unit of work that creates or moves their
// member cases.
type ThemeTx interface {
	// CreateThemeCase stores tc and returns it with ID, Number, QueryCode, the times and
	// Revision set. EINVALID without a theme, version or applicant.
	CreateThemeCase(tc ThemeCase) (*ThemeCase, error)
	// GetThemeCase returns a theme case by number; ENOTFOUND if there is none.
	GetThemeCase(number string) (*ThemeCase, error)
	// ThemeCaseOfMember returns the theme case a member case belongs to; ENOTFOUND when the
	// case is no theme's member.
	ThemeCaseOfMember(caseID int64) (*ThemeCase, error)
	// UpdateThemeCase stores tc's status, result, members and dates if tc.Revision is still
	// the stored one, then increments it; ECONFLICT otherwise, ENOTFOUND without the case.
	UpdateThemeCase(tc *ThemeCase) error
}

// ThemeSummary is a theme as the portal lists it.
type ThemeSummary struct {
	Slug           string   `json:"slug"`
	Name           string   `json:"name"`
	OrgName        string   `json:"orgName"`
	ServiceObjects []string `json:"serviceObjects"`
	// TotalDays is the theme's time limit in working days.
	TotalDays int      `json:"totalDays"`
	Members   []string `json:"members"`
	Version   int      `json:"version"`
}

// ThemeGuide is the guide of a theme (一件事办事指南): its members, the materials once each,
// the conditions, the total time and the combined form.
type ThemeGuide struct {
	ThemeSummary
	Guide        string                `json:"guide"`
	Conditions   []string              `json:"conditions"`
	Delivery     string                `json:"delivery"`
	MemberGuides []ThemeMemberGuide    `json:"memberGuides"`
	Materials    []ThemeGuideMaterial  `json:"materials"`
	Dependencies []ThemeGuideDependant `json:"dependencies"`
	Form         json.RawMessage       `json:"form"`
	FormUI       json.RawMessage       `json:"formUi"`
}

// ThemeMemberGuide is one member as the guide shows it.
type ThemeMemberGuide struct {
	Member            string `json:"member"`
	Matter            string `json:"matter"`
	Name              string `json:"name"`
	OrgName           string `json:"orgName"`
	PromisedLimitDays int    `json:"promisedLimitDays"`
	ResultName        string `json:"resultName"`
}

// ThemeGuideMaterial is one material of a theme, asked once: uploads have an id the
// application names its files by.
type ThemeGuideMaterial struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Requirement string   `json:"requirement"`
	Source      string   `json:"source"`
	FileTypes   []string `json:"fileTypes,omitempty"`
	MaxSizeMB   int      `json:"maxSizeMB,omitempty"`
	Shared      bool     `json:"shared"`
	Members     []string `json:"members"`
}

// ThemeGuideDependant is a 前后置 rule as the guide explains it.
type ThemeGuideDependant struct {
	Before string `json:"before"`
	After  string `json:"after"`
	// Provides names what the predecessor's certificate provides.
	Provides string `json:"provides,omitempty"`
}

// SubmitTheme is an application for a theme: the combined form and the files of its materials
// (shared ones by their id, a member's own as <member>.<material>).
type SubmitTheme struct {
	Theme     string          `json:"theme" jsonschema:"required,minLength=1,description=主题标识（slug）"`
	Form      json.RawMessage `json:"form" jsonschema:"type=object,description=一表（按主题的 form.schema.json）"`
	Channel   string          `json:"channel,omitempty" jsonschema:"enum=online,enum=window,description=渠道：online 网上申报（默认）或 window 窗口"`
	Materials []MaterialFiles `json:"materials,omitempty" jsonschema:"description=先上传的材料文件（POST /api/v1/files 返回的 ref）"`
}

// ThemeCaseView is a theme case as its applicant and the staff see it.
type ThemeCaseView struct {
	Number      string            `json:"number"`
	QueryCode   string            `json:"queryCode,omitempty"`
	Theme       string            `json:"theme"`
	ThemeName   string            `json:"themeName"`
	Status      string            `json:"status"`
	StatusName  string            `json:"statusName"`
	Result      string            `json:"result,omitempty"`
	Delivery    string            `json:"delivery"`
	TotalDays   int               `json:"totalDays"`
	Members     []ThemeMemberView `json:"members"`
	SubmittedAt time.Time         `json:"submittedAt"`
	AcceptedAt  *time.Time        `json:"acceptedAt,omitempty"`
	ConcludedAt *time.Time        `json:"concludedAt,omitempty"`
}

// ThemeMemberView is one member of a theme case: its state and its case's.
type ThemeMemberView struct {
	Member            string     `json:"member"`
	Matter            string     `json:"matter"`
	MatterName        string     `json:"matterName"`
	MatterVersion     int        `json:"matterVersion"`
	OrgName           string     `json:"orgName"`
	PromisedLimitDays int        `json:"promisedLimitDays"`
	State             string     `json:"state"`
	StateName         string     `json:"stateName"`
	Before            []string   `json:"before,omitempty"`
	CaseNumber        string     `json:"caseNumber,omitempty"`
	CaseStatus        Status     `json:"caseStatus,omitempty"`
	CaseStatusName    string     `json:"caseStatusName,omitempty"`
	DueAt             *time.Time `json:"dueAt,omitempty"`
	Reason            string     `json:"reason,omitempty"`
	Certificates      []string   `json:"certificates,omitempty"`
}

// MemberOf is what a member case's staff see of its theme: the theme case and where each field
// of the member's form came from (provenance).
type MemberOf struct {
	ThemeCase string                 `json:"themeCase"`
	Theme     string                 `json:"theme"`
	ThemeName string                 `json:"themeName"`
	Member    string                 `json:"member"`
	Sources   map[string]FieldSource `json:"sources"`
}

// FieldSource is where one field of a member case came from: a field of the combined form (From,
// with its Label), an expression, or a predecessor's certificate.
type FieldSource struct {
	From        string `json:"from,omitempty"`
	Label       string `json:"label,omitempty"`
	Expr        string `json:"expr,omitempty"`
	Certificate string `json:"certificate,omitempty"`
}

// ThemeService serves themes and their cases.
type ThemeService interface {
	ListThemes(ctx context.Context, query string) ([]ThemeSummary, error)
	// ThemeGuide returns ENOTFOUND for an unknown theme.
	ThemeGuide(ctx context.Context, slug string) (*ThemeGuide, error)
	// SubmitTheme validates the combined form and the shared materials once and starts every
	// member that may start; EINVALID with the pointers of what is wrong.
	SubmitTheme(ctx context.Context, u *User, req SubmitTheme) (*ThemeCaseView, error)
	// GetThemeCase returns ENOTFOUND to anyone but the applicant and the staff.
	GetThemeCase(ctx context.Context, u *User, number string) (*ThemeCaseView, error)
	// ThemeCases lists the applicant's theme cases, or, for the window staff, the theme cases
	// awaiting acceptance.
	ThemeCases(ctx context.Context, u *User) ([]ThemeCaseView, error)
	// AcceptTheme is the window's one acceptance (综合受理) of every started member; ECONFLICT
	// when the theme case is not awaiting acceptance, EFORBIDDEN to anyone but the window.
	AcceptTheme(ctx context.Context, u *User, number string, a TaskAction) (*ThemeCaseView, error)
	// MemberOf returns ENOTFOUND when the case is no theme's member or the user may not see it.
	MemberOf(ctx context.Context, u *User, caseNumber string) (*MemberOf, error)
}
