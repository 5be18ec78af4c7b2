package runtime

import (
	"context"
	"time"
)

// RoleNames are the Chinese names users see of the platform roles.
var RoleNames = map[Role]string{
	RoleApplicant: "申请人", RoleClerk: "窗口人员", RoleApprover: "审批人员",
	RoleAnalyst: "事项梳理人员", RolePublisher: "事项审核人员", RoleAdmin: "系统管理员", RoleAuditor: "审计人员",
}

// KindNames are the Chinese names users see of the kinds of user.
var KindNames = map[string]string{"person": "个人", "enterprise": "法人", "staff": "工作人员"}

// Session is a signed-in browser. ID is the secret the browser holds in its cookie: it is
// known only to the unit of work that created the session; the store keeps a hash of it.
type Session struct {
	ID         string
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// LoginFailures is the lockout counter of one subject (an account, a client address, a
// sign-in name that matched no account): how many failures since WindowStart, and until when
// the subject is locked out (zero when it is not). A subject without failures has the zero
// counter.
type LoginFailures struct {
	Subject     string
	Failures    int
	WindowStart time.Time
	LockedUntil time.Time
}

// ResetCode is a user's pending password reset code: a hash of the code bound to the user,
// how many wrong guesses it has had, and when it was made and stops working.
type ResetCode struct {
	UserID    int64
	CodeHash  string
	Tries     int
	CreatedAt time.Time
	ExpiresAt time.Time
}

// AccountHolder is a user who holds, or may claim, the account of an ID number or credit code,
// and whether they have a password yet (an applicant first served at a window has none).
type AccountHolder struct {
	User        *User
	HasPassword bool
}

// AccountEvent is one entry of the account audit log: a sign-in, a sign-out, a failure, a
// lockout, a password change, an administrator's action. Entries are never changed or removed.
type AccountEvent struct {
	ID   int64
	At   time.Time
	Type string
	// UserID is the account concerned, 0 when the sign-in name matched none; ActorID is who
	// acted when that is someone else (an administrator).
	UserID  int64
	ActorID int64
	// Login is what was typed as the sign-in name when it matched no account, partly masked.
	Login  string
	IP     string
	Detail string
	// UserName and ActorName are filled in by ListAccountEvents.
	UserName  string
	ActorName string
}

// AccountEventFilter selects audit log entries, newest first.
type AccountEventFilter struct {
	UserID        int64  // entries about this account (0: all)
	Type          string // entries of this type ("": all)
	Offset, Limit int    // Limit defaults to 50, at most 500
}

// UserFilter selects users for the administrators' list.
type UserFilter struct {
	// Query matches a part of the name, or a whole ID number, credit code or mobile number.
	Query         string
	Kind          string // "person", "enterprise", "staff" or "" for all
	Offset, Limit int    // Limit defaults to 50, at most 500
}

// AccountSweep says what has expired, for AccountStore.SweepAccounts: sessions that end at or
// before Now or were last seen at or before IdleSince, reset codes that end at or before Now,
// and lockout counters whose window started at or before WindowsBefore and whose lock (if
// any) is over by Now.
type AccountSweep struct {
	Now, IdleSince, WindowsBefore time.Time
}

// AccountStore persists accounts: users, password hashes, sessions, lockout counters, reset
// codes, API tokens and the account audit log. It decides nothing — hashing, timeouts and
// lockout are the account service's — except that a unit of work is atomic.
type AccountStore interface {
	// GetUser returns a user; not_found if there is none.
	GetUser(ctx context.Context, id int64) (*User, error)
	// FindAccount returns the user of kind ("person", "enterprise" or "staff") who has a
	// password and signs in with login, already normalised: their ID number (person, staff)
	// or credit code (enterprise), or their mobile number. not_found when there is none;
	// conflict when the mobile number belongs to several accounts of that kind.
	FindAccount(ctx context.Context, kind, login string) (*User, error)
	// FindUser returns the first user with that name and kind in that org ("" for
	// applicants); not_found if there is none.
	FindUser(ctx context.Context, name, kind, orgCode string) (*User, error)
	// ListUsers returns a page of users in the order they were created, and how many the
	// filter selects in all.
	ListUsers(ctx context.Context, f UserFilter) ([]*User, int, error)
	// ListAccountEvents returns a page of the audit log, newest first, and how many entries
	// the filter selects in all.
	ListAccountEvents(ctx context.Context, f AccountEventFilter) ([]AccountEvent, int, error)
	// PasswordHash returns the stored hash of a user's password; not_found when they have none.
	PasswordHash(ctx context.Context, userID int64) (string, error)
	// Session returns the session whose ID is id, with its user; not_found if there is none.
	Session(ctx context.Context, id string) (*Session, *User, error)
	// LoginFailures returns a subject's lockout counter (the zero counter when it has none).
	LoginFailures(ctx context.Context, subject string) (LoginFailures, error)
	// CreateToken makes an API token for a user and returns it, once; a nil expiresAt never
	// expires. not_found for an unknown user.
	CreateToken(ctx context.Context, userID int64, name string, expiresAt *time.Time) (string, error)
	// SweepAccounts deletes what s says has expired and returns how many rows it deleted.
	SweepAccounts(ctx context.Context, s AccountSweep) (int64, error)
	// WriteAccounts runs fn in one unit of work: everything fn writes is committed together,
	// or nothing when fn returns an error, which WriteAccounts returns.
	WriteAccounts(ctx context.Context, fn func(AccountTx) error) error
}

// AccountTx is what one unit of work of the AccountStore can read and write.
type AccountTx interface {
	// User returns a user; not_found if there is none.
	User(id int64) (*User, error)
	// CreateUser stores a user with their workflow roles (OrgRoles) in their org and returns
	// it with ID and CreatedAt; invalid without a name or kind, or with workflow roles and no org.
	CreateUser(u User) (*User, error)
	// AccountHolders lists, oldest first, the users of kind ("person" or "enterprise") whose ID
	// number (person) or credit code (enterprise) is key. It also serialises registrations,
	// so that two at once cannot both find a number free.
	AccountHolders(kind, key string) ([]AccountHolder, error)
	// MobileTaken reports whether another user of kind than except has a password and that
	// mobile number.
	MobileTaken(kind, mobile string, except int64) (bool, error)
	// ClaimUser sets the mobile number of a user who becomes an account, and for an enterprise
	// its legal representative's ID number when given; not_found for an unknown user.
	ClaimUser(id int64, mobile, legalIDNumber string) error
	// SetPasswordHash makes hash the user's password, ends all their sessions and deletes
	// their reset code; not_found for an unknown user.
	SetPasswordHash(userID int64, hash string) error
	// ReplacePasswordHash replaces the user's hash old by hash, and does nothing when the hash
	// is no longer old.
	ReplacePasswordHash(userID int64, old, hash string) error
	// CreateSession starts a session for a user, signed in from ip at at and ending at
	// expiresAt, with a new random secret ID; not_found for an unknown user.
	CreateSession(userID int64, ip string, at, expiresAt time.Time) (*Session, error)
	// TouchSession notes that a session was used at.
	TouchSession(id string, at time.Time) error
	// DeleteSession ends a session; ending an unknown one does nothing.
	DeleteSession(id string) error
	// LoginFailures returns a subject's lockout counter (the zero counter when it has none).
	LoginFailures(subject string) (LoginFailures, error)
	// UpdateLoginFailures changes a subject's lockout counter by update in one atomic step,
	// however many change it at once, and returns the counter as it is then. update says
	// whether to write; it may be asked more than once, each time with the counter as stored.
	UpdateLoginFailures(subject string, update func(LoginFailures) (LoginFailures, bool)) (LoginFailures, error)
	// DeleteLoginFailures forgets a subject's lockout counter.
	DeleteLoginFailures(subject string) error
	// ResetCode returns a user's reset code; not_found if they have none.
	ResetCode(userID int64) (*ResetCode, error)
	// SaveResetCode stores a user's reset code, replacing theirs; not_found for an unknown user.
	SaveResetCode(c ResetCode) error
	// SetResetCodeTries stores how many wrong guesses a user's reset code has had.
	SetResetCodeTries(userID int64, tries int) error
	// DeleteResetCode deletes a user's reset code, if any.
	DeleteResetCode(userID int64) error
	// RecordAccountEvent appends an entry to the audit log; invalid without a type,
	// not_found for an unknown user or actor.
	RecordAccountEvent(e AccountEvent) error
	// SetUserDisabled disables or enables a user; disabling ends their sessions. not_found
	// for an unknown user.
	SetUserDisabled(userID int64, disabled bool) error
	// SetUserRoles replaces a user's platform roles, their org and their workflow roles there;
	// not_found for an unknown user.
	SetUserRoles(userID int64, roles []Role, orgCode string, orgRoles []string) error
	// SetUserVerified marks a user's identity as proved, or not yet; not_found for an
	// unknown user.
	SetUserVerified(userID int64, verified bool) error
	// Enqueue puts a message for another system on the outbox, sent once the unit of work
	// commits; invalid without a topic or with a payload that is not JSON.
	Enqueue(m OutboxMessage) error
}
