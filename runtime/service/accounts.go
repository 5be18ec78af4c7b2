package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
)

// Accounts carries out the account use cases — registration, sign-in and sign-out, lockout,
// password change and reset, administrators' changes of roles and status, the account audit
// log — and holds every rule about them; its store only keeps what it decides. It is separate
// from Service so that the pages can be served from it alone, and the command line and the
// demo seeding create users through the same CreateUser. It is safe for concurrent use.
type Accounts struct {
	store   runtime.AccountStore
	now     func() time.Time
	logger  *slog.Logger
	enqueue Enqueue
	verify  IdentityCheck
	orgs    func() []definitions.OrgUnit
	idle    time.Duration
	touch   time.Duration
}

// Enqueue puts a message for a connector on the outbox inside the unit of work tx.
type Enqueue func(tx runtime.AccountTx, topic string, payload json.RawMessage) error

// AccountOptions are what the account service depends on besides its store. Every field may
// be left zero.
type AccountOptions struct {
	// Now is the clock sessions, lockouts and reset codes are timed by; nil is time.Now.
	Now func() time.Time
	// Logger receives what a person should look into; nil is slog.Default().
	Logger *slog.Logger
	// Enqueue sends the account's texts through the SMS gateway connector, in the unit of work
	// that decides to send them; nil queues them on the store's outbox (tests read them instead).
	Enqueue Enqueue
	// Verify checks a registration against the population or legal-person database before the
	// account is created (RegisterCheck); nil accepts every registration.
	Verify IdentityCheck
	// Orgs lists the orgs and their workflow roles, which role changes are checked against;
	// nil accepts any well-formed org code and role names.
	Orgs func() []definitions.OrgUnit
	// SessionIdle is how long a session lives without a request; 0 is SessionIdle.
	SessionIdle time.Duration
}

// NewAccounts returns the account service on a store.
func NewAccounts(store runtime.AccountStore, o AccountOptions) *Accounts {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.SessionIdle <= 0 {
		o.SessionIdle = SessionIdle
	}
	if o.Enqueue == nil {
		o.Enqueue = func(tx runtime.AccountTx, topic string, payload json.RawMessage) error {
			return tx.Enqueue(runtime.OutboxMessage{Topic: topic, Payload: payload})
		}
	}
	return &Accounts{store: store, now: o.Now, logger: o.Logger, enqueue: o.Enqueue, verify: o.Verify, orgs: o.Orgs,
		idle: o.SessionIdle, touch: min(sessionTouch, o.SessionIdle/10)}
}

// IdleTimeout is how long a session surely lives after a request: its idle timeout less the
// slack of the last-seen time, which is written at most once a minute. The pages warn before
// it runs out and offer to extend the session.
func (a *Accounts) IdleTimeout() time.Duration { return a.idle - a.touch }

// Now is the time by the account service's clock, which the pages tell time left by.
func (a *Accounts) Now() time.Time { return a.now() }

// Orgs lists the orgs role changes are checked against; nil when any is accepted.
func (a *Accounts) Orgs() []definitions.OrgUnit {
	if a.orgs == nil {
		return nil
	}
	return a.orgs()
}

// The types of the account audit log's entries (runtime.AccountEvent.Type).
const (
	EventRegister             = "register"
	EventSignIn               = "sign-in"
	EventSignOut              = "sign-out"
	EventSignInFailed         = "sign-in-failed"
	EventLocked               = "locked"
	EventSignInRefused        = "sign-in-refused" // right password, disabled account
	EventPasswordChanged      = "password-changed"
	EventPasswordChangeFailed = "password-change-failed"
	EventResetCodeSent        = "reset-code-sent"
	EventResetFailed          = "reset-failed"
	EventPasswordReset        = "password-reset"
	EventUserDisabled         = "user-disabled"
	EventUserEnabled          = "user-enabled"
	EventRolesChanged         = "roles-changed"
	EventVerifyCodeSent       = "verify-code-sent"
	EventVerifyFailed         = "verify-failed"
	EventVerified             = "verified"
)

// Session lifetimes. A session ends after SessionIdle (AccountOptions.SessionIdle) without a
// request or SessionLifetime after sign-in, whichever comes first. The last-seen time is
// written at most once every sessionTouch (a tenth of a shorter idle timeout), so that browsing
// does not cost a write per request; the idle timeout is therefore exact to within that minute.
const (
	SessionIdle     = 30 * time.Minute
	SessionLifetime = 12 * time.Hour
	sessionTouch    = time.Minute
)

// Lockout: MaxLoginFailures failed sign-ins for one subject within LockoutPeriod of the first
// lock that subject out for LockoutPeriod. Subjects are accounts, client addresses, and sign-in
// names that match no account, so that guessing at unknown names is limited the same way.
const (
	MaxLoginFailures = 5
	LockoutPeriod    = 15 * time.Minute
)

func userSubject(userID int64) string { return "user:" + strconv.FormatInt(userID, 10) }

func ipSubject(ip string) string { return "ip:" + ip }

// resetSubject is the counter of the reset codes asked for by subject, apart from its sign-ins.
func resetSubject(subject string) string { return "reset-code:" + subject }

// Password reset codes: six digits sent by SMS, valid for ResetCodeLifetime and
// ResetCodeTries wrong guesses, at most one new code per user every ResetCodeInterval.
//
// Only a SHA-256 of the code, bound to the user, is stored, which keeps codes out of backups
// and query logs; it cannot stop someone who reads the table from trying all million codes.
// What protects a code is its ten minutes and its five tries.
const (
	ResetCodeLifetime = 10 * time.Minute
	ResetCodeTries    = 5
	ResetCodeInterval = time.Minute
)

func resetCodeHash(userID int64, code string) string {
	sum := sha256.Sum256([]byte("tongban reset code\x00" + strconv.FormatInt(userID, 10) + "\x00" + code))
	return hex.EncodeToString(sum[:])
}

// NormalizeLogin is how sign-in names are compared: without surrounding space, with the
// check letter X of an ID number and the letters of a credit code in upper case.
func NormalizeLogin(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// LockedOut is the error of a sign-in, a password change or a reset refused because too many
// attempts failed: until when, and whether it is the client's address that is locked out
// rather than the account. Each page words it in its own way.
type LockedOut struct {
	Until   time.Time
	Address bool
}

func (e *LockedOut) Error() string {
	if e.Address {
		return "account: the address is locked out until " + e.Until.Format(time.RFC3339)
	}
	return "account: the account is locked out until " + e.Until.Format(time.RFC3339)
}

// locked returns a LockedOut when subject is locked out now, and nil when it is not.
func (a *Accounts) locked(ctx context.Context, subject string, address bool) error {
	f, err := a.store.LoginFailures(ctx, subject)
	if err != nil {
		return err
	}
	if a.now().Before(f.LockedUntil) {
		return &LockedOut{Until: f.LockedUntil, Address: address}
	}
	return nil
}

// AccountLocked returns a *LockedOut when the user's account is locked out, nil when it is not.
func (a *Accounts) AccountLocked(ctx context.Context, userID int64) error {
	return a.locked(ctx, userSubject(userID), false)
}

// AddressLocked returns a *LockedOut when the client address ip is locked out, nil when it is not.
func (a *Accounts) AddressLocked(ctx context.Context, ip string) error {
	return a.locked(ctx, ipSubject(ip), true)
}

// countFailure counts a failed attempt of subject at now and returns when the subject is
// locked out until — the zero time while it is not. A failure while locked neither counts nor
// extends the lock; the first failure after a lock or after the window starts a new window.
func countFailure(tx runtime.AccountTx, subject string, now time.Time) (time.Time, error) {
	f, _, err := countAttempt(tx, subject, now)
	return f.LockedUntil, err
}

// countAttempt counts an attempt of subject at now, as countFailure does, in the statement
// that checks the counter, and returns the counter and whether the attempt was counted: it is
// not while the subject is locked out.
func countAttempt(tx runtime.AccountTx, subject string, now time.Time) (runtime.LoginFailures, bool, error) {
	counted := false
	f, err := tx.UpdateLoginFailures(subject, func(f runtime.LoginFailures) (runtime.LoginFailures, bool) {
		if counted = !now.Before(f.LockedUntil); !counted {
			return f, false
		}
		if f.Failures == 0 || !f.LockedUntil.IsZero() || !now.Before(f.WindowStart.Add(LockoutPeriod)) {
			f = runtime.LoginFailures{Subject: subject, WindowStart: now}
		}
		f.Failures++
		if f.Failures >= MaxLoginFailures {
			f.LockedUntil = now.Add(LockoutPeriod)
		}
		return f, true
	})
	return f, counted, err
}

// giveBack takes back an attempt of subject counted by countAttempt whose password was right
// (or never checked): it was not a failure.
func giveBack(tx runtime.AccountTx, subject string) error {
	_, err := tx.UpdateLoginFailures(subject, func(f runtime.LoginFailures) (runtime.LoginFailures, bool) {
		if f.Failures == 0 {
			return f, false
		}
		if f.Failures--; f.Failures < MaxLoginFailures {
			f.LockedUntil = time.Time{}
		}
		return f, true
	})
	return err
}

// errLockedOut rolls back the counting of an attempt refused because one of its subjects is
// locked out.
var errLockedOut = errors.New("locked out")

// reserveAttempt counts a sign-in attempt against the client address and the account before
// its password is checked, each in the statement that checks it, so that however many arrive
// at once no more than MaxLoginFailures passwords are checked per subject and period. It
// returns a *LockedOut, counting nothing, when either is locked out; else the two counters
// with the attempt in them. The attempt that reaches the limit locks the subject out for those
// after it; its own password is still checked.
func (a *Accounts) reserveAttempt(ctx context.Context, ipSubject, subject string) (ip, account runtime.LoginFailures, err error) {
	now := a.now()
	var refused *LockedOut
	err = a.store.WriteAccounts(ctx, func(tx runtime.AccountTx) error {
		var counted bool
		if ip, counted, err = countAttempt(tx, ipSubject, now); err != nil {
			return err
		} else if !counted {
			refused = &LockedOut{Until: ip.LockedUntil, Address: true}
			return errLockedOut
		}
		if account, counted, err = countAttempt(tx, subject, now); err != nil {
			return err
		} else if !counted {
			refused = &LockedOut{Until: account.LockedUntil}
			return errLockedOut
		}
		return nil
	})
	if refused != nil {
		return ip, account, refused
	}
	return ip, account, err
}

// FindAccount returns the account of kind that login (an ID number, credit code or mobile
// number, in any letter case) signs in to. not_found when there is none; conflict when the
// mobile number belongs to several accounts of that kind.
func (a *Accounts) FindAccount(ctx context.Context, kind, login string) (*runtime.User, error) {
	return a.store.FindAccount(ctx, kind, NormalizeLogin(login))
}

// SignIn is a sign-in attempt: the kind of account, what was typed, and where from.
type SignIn struct {
	Kind, Login, Password string
	IP                    string
	// Replaces is the session the browser had, which a sign-in ends, so that a session ID
	// planted before sign-in is worth nothing after.
	Replaces string
}

// SignIn checks a user's sign-in name and password and starts a session for them.
//
// The client address and the account are each locked out for LockoutPeriod after
// MaxLoginFailures failures (a *LockedOut); a name that matches no account is counted under
// that name, and costs the same password hash, so that neither the answer nor its timing tells
// whether an account exists. It returns conflict for a mobile number of several accounts,
// unauthorized for a wrong name or password, and forbidden for a disabled account.
func (a *Accounts) SignIn(ctx context.Context, in SignIn) (*runtime.User, *runtime.Session, error) {
	ipSubject := ipSubject(in.IP)
	if err := a.locked(ctx, ipSubject, true); err != nil {
		return nil, nil, err
	}
	login := NormalizeLogin(in.Login)
	u, err := a.store.FindAccount(ctx, in.Kind, login)
	switch runtime.ErrorCode(err) {
	case "":
	case runtime.ENOTFOUND:
		u = nil
	default:
		return nil, nil, err
	}
	var userID int64
	subject := "login:" + in.Kind + ":" + login
	if u != nil {
		userID, subject = u.ID, userSubject(u.ID)
	}
	ipCount, accountCount, err := a.reserveAttempt(ctx, ipSubject, subject)
	if err != nil {
		return nil, nil, err
	}
	err = a.CheckPassword(ctx, userID, in.Password)
	if runtime.ErrorCode(err) == runtime.EUNAUTHORIZED {
		if err := a.recordFailure(ctx, in, login, userID, ipCount, accountCount); err != nil {
			return nil, nil, err
		}
		return nil, nil, runtime.Errorf(runtime.EUNAUTHORIZED, "账户或密码错误")
	}
	if err == nil && !u.Disabled {
		s, err := a.startSession(ctx, u, in.IP, in.Replaces, subject, ipSubject)
		return u, s, err
	}
	// Not a wrong password: the attempt is given back.
	err = errors.Join(err, a.store.WriteAccounts(ctx, func(tx runtime.AccountTx) error {
		return errors.Join(giveBack(tx, subject), giveBack(tx, ipSubject))
	}))
	if err != nil {
		return nil, nil, err
	}
	// A disabled account.
	if err := a.Record(ctx, runtime.AccountEvent{Type: EventSignInRefused, UserID: u.ID, IP: in.IP}); err != nil {
		return nil, nil, err
	}
	return nil, nil, runtime.Errorf(runtime.EFORBIDDEN, "该账户已停用，请联系系统管理员")
}

// recordFailure records a failed sign-in, counted already (reserveAttempt), and the lockouts
// it started, and returns a *LockedOut for a lockout it started.
func (a *Accounts) recordFailure(ctx context.Context, in SignIn, login string, userID int64, ip, account runtime.LoginFailures) error {
	typed := ""
	if userID == 0 {
		typed = runtime.KindNames[in.Kind] + " " + MaskIdentifier(login)
	}
	// The attempt that reached the limit is the one whose counter's lock came with it.
	accountUntil, ipUntil := lockStarted(account), lockStarted(ip)
	err := a.store.WriteAccounts(ctx, func(tx runtime.AccountTx) (err error) {
		if err := tx.RecordAccountEvent(runtime.AccountEvent{Type: EventSignInFailed, UserID: userID, Login: typed, IP: in.IP}); err != nil {
			return err
		}
		if !accountUntil.IsZero() {
			err := tx.RecordAccountEvent(runtime.AccountEvent{Type: EventLocked, UserID: userID, Login: typed, IP: in.IP,
				Detail: fmt.Sprintf("连续登录失败 %d 次，账户锁定至 %s", MaxLoginFailures, accountUntil.In(runtime.Zone).Format("15:04:05"))})
			if err != nil {
				return err
			}
		}
		if !ipUntil.IsZero() {
			return tx.RecordAccountEvent(runtime.AccountEvent{Type: EventLocked, IP: in.IP,
				Detail: fmt.Sprintf("网络地址 %s 登录失败 %d 次，锁定至 %s", in.IP, MaxLoginFailures, ipUntil.In(runtime.Zone).Format("15:04:05"))})
		}
		return nil
	})
	switch {
	case err != nil:
		return err
	case !accountUntil.IsZero():
		return &LockedOut{Until: accountUntil}
	case !ipUntil.IsZero():
		return &LockedOut{Until: ipUntil, Address: true}
	}
	return nil
}

// lockStarted is when the lock an attempt's counting started ends, or the zero time.
func lockStarted(f runtime.LoginFailures) time.Time {
	if f.Failures == MaxLoginFailures {
		return f.LockedUntil
	}
	return time.Time{}
}

// startSession starts a new session for u — ending the one replaced — clears the lockout
// counter subject, gives back the attempt counted against the address ipSubject, and records
// the sign-in.
func (a *Accounts) startSession(ctx context.Context, u *runtime.User, ip, replaced, subject, ipSubject string) (s *runtime.Session, err error) {
	if replaced != "" {
		if err := a.store.WriteAccounts(ctx, func(tx runtime.AccountTx) error { return tx.DeleteSession(replaced) }); err != nil {
			return nil, err
		}
	}
	now := a.now()
	err = a.store.WriteAccounts(ctx, func(tx runtime.AccountTx) (err error) {
		if s, err = tx.CreateSession(u.ID, ip, now, now.Add(SessionLifetime)); err != nil {
			return err
		}
		if subject != "" {
			if err := tx.DeleteLoginFailures(subject); err != nil {
				return err
			}
		}
		if ipSubject != "" {
			if err := giveBack(tx, ipSubject); err != nil {
				return err
			}
		}
		return tx.RecordAccountEvent(runtime.AccountEvent{Type: EventSignIn, UserID: u.ID, IP: ip})
	})
	return s, err
}

// SessionUser returns the user a session belongs to and notes that the session was used. It
// returns unauthorized for a session that is unknown, idle for SessionIdle, older than
// SessionLifetime, or whose user is disabled; an expired session is deleted.
func (a *Accounts) SessionUser(ctx context.Context, id string) (*runtime.User, error) {
	denied := runtime.Errorf(runtime.EUNAUTHORIZED, "登录已过期，请重新登录")
	if id == "" || len(id) > 128 {
		return nil, denied
	}
	s, u, err := a.store.Session(ctx, id)
	switch runtime.ErrorCode(err) {
	case "":
	case runtime.ENOTFOUND:
		return nil, denied
	default:
		return nil, err
	}
	now := a.now()
	switch {
	case !now.Before(s.ExpiresAt) || !now.Before(s.LastSeenAt.Add(a.idle)):
		if err := a.store.WriteAccounts(ctx, func(tx runtime.AccountTx) error { return tx.DeleteSession(id) }); err != nil {
			return nil, err
		}
		return nil, denied
	case u.Disabled:
		return nil, denied
	case now.Sub(s.LastSeenAt) >= a.touch:
		if err := a.store.WriteAccounts(ctx, func(tx runtime.AccountTx) error { return tx.TouchSession(id, now) }); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// SignOut ends a user's session and records it.
func (a *Accounts) SignOut(ctx context.Context, sessionID string, userID int64, ip string) error {
	return a.store.WriteAccounts(ctx, func(tx runtime.AccountTx) error {
		if err := tx.DeleteSession(sessionID); err != nil {
			return err
		}
		return tx.RecordAccountEvent(runtime.AccountEvent{Type: EventSignOut, UserID: userID, IP: ip})
	})
}

// Sweep deletes what has expired: sessions past their idle or absolute timeout, reset codes
// past their lifetime, lockout counters whose window and lock are over. Nothing depends on it
// for correctness — expired rows are refused when read — it keeps the tables small; run it
// every hour or so. It returns how many rows it deleted.
func (a *Accounts) Sweep(ctx context.Context) (int64, error) {
	now := a.now()
	return a.store.SweepAccounts(ctx, runtime.AccountSweep{Now: now, IdleSince: now.Add(-a.idle),
		WindowsBefore: now.Add(-LockoutPeriod)})
}

// Registration is what someone registering has told us.
type Registration struct {
	Kind string // "person" or "enterprise"
	// Name is the person's real name or the enterprise's name.
	Name string
	// IDNumber is the person's ID number; for an enterprise, its legal representative's.
	IDNumber string
	USCC     string
	// LegalName is the legal representative's name (enterprises only).
	LegalName string
	Mobile    string
}

// IdentityCheck checks a registration against the registers before the account is created,
// and says what they hold of the person. An *runtime.Error with Fields puts its messages
// beside the fields (pointers /name, /idNumber, /uscc, /legalName, /legalIdNumber, /mobile);
// unavailable asks to try again.
type IdentityCheck func(ctx context.Context, reg Registration) (Identity, error)

// Identity is what the registers hold of someone registering.
type Identity struct {
	// Mobile is the mobile number the population register holds for the person, "" when it
	// holds none (and for enterprises).
	Mobile string
}

// Register creates a citizen's account, or activates an enterprise's by its legal
// representative, after the identity check, records it, and starts a session from ip that
// replaces the browser's session replaced. The account is unverified (it may browse, not
// apply) until its holder proves control of the identity with the code Register texts
// (VerifyAccount): for a person to the mobile number the population register holds for them,
// which becomes the account's; for an enterprise to its legal representative's verified
// personal account, without which it is not activated (invalid, /legalIdNumber). A person the
// register holds no number for gets no code and is verified at a window (VerifyAtWindow).
// Besides the identity check's errors it returns those of CreateUser for an account with a
// password.
func (a *Accounts) Register(ctx context.Context, reg Registration, password, ip, replaced string) (*runtime.User, *runtime.Session, error) {
	if reg.Kind != "person" && reg.Kind != "enterprise" {
		return nil, nil, runtime.Invalid("只能注册个人或法人账户", runtime.FieldError{Pointer: "/kind", Message: "账户类型无效"})
	}
	if problem := PasswordProblem(password, reg.IDNumber, reg.USCC, reg.Mobile); problem != "" {
		return nil, nil, runtime.Invalid(problem, runtime.FieldError{Pointer: "/password", Message: problem})
	}
	codeTo, err := a.codeTarget(ctx, reg)
	if err != nil {
		return nil, nil, err
	}
	mobile := reg.Mobile
	if reg.Kind == "person" && codeTo != "" {
		mobile = codeTo
	}
	u, err := a.CreateUser(ctx, NewUser{User: runtime.User{Name: reg.Name, Kind: reg.Kind, IDNumber: reg.IDNumber,
		USCC: reg.USCC, Mobile: mobile, Roles: []runtime.Role{runtime.RoleApplicant}, Unverified: true}, Password: password})
	if err != nil {
		return nil, nil, err
	}
	detail := ""
	if reg.Kind == "enterprise" {
		detail = fmt.Sprintf("法定代表人 %s（%s）激活", reg.LegalName, MaskIdentifier(reg.IDNumber))
	}
	err = a.store.WriteAccounts(ctx, func(tx runtime.AccountTx) error {
		if err := tx.RecordAccountEvent(runtime.AccountEvent{Type: EventRegister, UserID: u.ID, IP: ip, Detail: detail}); err != nil {
			return err
		}
		if codeTo == "" {
			return nil
		}
		return a.textVerifyCode(tx, u.ID, codeTo, ip)
	})
	if err != nil {
		return nil, nil, err
	}
	s, err := a.startSession(ctx, u, ip, replaced, "", "")
	return u, s, err
}

// NewUser is a user to create, for CreateUser.
type NewUser struct {
	runtime.User
	// Password, when given, lets the user sign in to the pages.
	Password string
	// Reuse returns the user with the same name, kind and org, when there is one, instead of
	// creating another, so that seeding again makes no twins.
	Reuse bool

	// hash is Password hashed already, so that a batch of users with one password costs one hash.
	hash string
}

// CreateUser creates a user — the one way users are made, by registration, the command line
// and the demo seeding — and returns it. A person or enterprise given a password becomes an
// account: a user of that kind and number who has no password yet (an applicant first served
// at a window) becomes the account, their mobile number updated, and for a person the name
// must match (invalid). conflict, with the field, when the ID number or credit code already
// has an account, or the mobile number belongs to another account of the same kind.
func (a *Accounts) CreateUser(ctx context.Context, nu NewUser) (*runtime.User, error) {
	if nu.Kind == "staff" {
		// A staff member goes into an org and roles the tree has, as a role change does.
		errs := map[string]string{}
		a.checkPlacement(errs, nu.OrgCode, nu.OrgRoles)
		if err := invalidFields("", errs, "orgCode", "orgRoles"); err != nil {
			return nil, err
		}
	}
	hash := nu.hash
	if hash == "" && nu.Password != "" {
		var err error
		if hash, err = hashPassword(ctx, nu.Password); err != nil {
			return nil, err
		}
	}
	if nu.Reuse {
		u, err := a.store.FindUser(ctx, nu.Name, nu.Kind, nu.OrgCode)
		switch runtime.ErrorCode(err) {
		case "":
			if hash != "" {
				err = a.store.WriteAccounts(ctx, func(tx runtime.AccountTx) error { return tx.SetPasswordHash(u.ID, hash) })
			}
			return u, err
		case runtime.ENOTFOUND:
		default:
			return nil, err
		}
	}
	var out *runtime.User
	err := a.store.WriteAccounts(ctx, func(tx runtime.AccountTx) (err error) {
		if hash != "" && (nu.Kind == "person" || nu.Kind == "enterprise") {
			out, err = claimAccount(tx, nu.User)
		} else {
			out, err = tx.CreateUser(nu.User)
		}
		if err != nil || hash == "" {
			return err
		}
		return tx.SetPasswordHash(out.ID, hash)
	})
	return out, err
}

// claimAccount makes u's account: the user of that kind and number without a password, or a
// new user.
func claimAccount(tx runtime.AccountTx, u runtime.User) (*runtime.User, error) {
	key, keyPointer, keyName := u.IDNumber, "/idNumber", "身份证号"
	if u.Kind == "enterprise" {
		key, keyPointer, keyName = u.USCC, "/uscc", "统一社会信用代码"
	}
	if key == "" || u.Name == "" {
		return nil, runtime.Invalid("账户信息不完整", runtime.FieldError{Pointer: keyPointer, Message: "请填写" + keyName})
	}
	holders, err := tx.AccountHolders(u.Kind, key)
	if err != nil {
		return nil, err
	}
	for _, h := range holders {
		if h.HasPassword {
			return nil, &runtime.Error{Code: runtime.ECONFLICT, Message: "该" + keyName + "已注册",
				Fields: []runtime.FieldError{{Pointer: keyPointer, Message: "该" + keyName + "已注册，请直接登录或找回密码"}}}
		}
	}
	var existing *runtime.User
	if len(holders) > 0 {
		existing = holders[0].User
		if u.Kind == "person" && existing.Name != u.Name {
			return nil, runtime.Invalid("姓名与身份证号不一致",
				runtime.FieldError{Pointer: "/name", Message: "姓名与登记的身份证号信息不一致"})
		}
	}
	if u.Mobile != "" {
		var except int64
		if existing != nil {
			except = existing.ID
		}
		taken, err := tx.MobileTaken(u.Kind, u.Mobile, except)
		if err != nil {
			return nil, err
		}
		if taken {
			return nil, &runtime.Error{Code: runtime.ECONFLICT, Message: "该手机号码已被其他账户使用",
				Fields: []runtime.FieldError{{Pointer: "/mobile", Message: "该手机号码已被其他账户使用"}}}
		}
	}
	if existing == nil {
		return tx.CreateUser(u)
	}
	legalIDNumber := ""
	if u.Kind == "enterprise" {
		legalIDNumber = u.IDNumber
	}
	if err := tx.ClaimUser(existing.ID, u.Mobile, legalIDNumber); err != nil {
		return nil, err
	}
	if u.Unverified {
		if err := tx.SetUserVerified(existing.ID, false); err != nil {
			return nil, err
		}
	}
	return tx.User(existing.ID)
}

// CreateToken makes an API token for a user that never expires, and returns it: it is shown
// once. not_found for an unknown user.
func (a *Accounts) CreateToken(ctx context.Context, userID int64, name string) (string, error) {
	return a.store.CreateToken(ctx, userID, name, nil)
}

// SetPassword gives a user a password, for the command line (staff and the first
// administrator have no other way to get one). invalid for a password the policy refuses;
// not_found for an unknown user. It ends the user's sessions.
func (a *Accounts) SetPassword(ctx context.Context, userID int64, password string) error {
	if problem := PasswordProblem(password); problem != "" {
		return runtime.Invalid("密码不符合要求："+problem, runtime.FieldError{Pointer: "/password", Message: problem})
	}
	hash, err := hashPassword(ctx, password)
	if err != nil {
		return err
	}
	return a.store.WriteAccounts(ctx, func(tx runtime.AccountTx) error { return tx.SetPasswordHash(userID, hash) })
}

// ChangePassword sets a user's new password after checking the current one, ends every
// session of theirs, records it, and returns a new session for the browser that asked. A
// wrong current password is invalid (field /current) and counts as a failed sign-in, so that
// a borrowed session cannot be used to guess it; the failure that locks the account out
// returns a *LockedOut as well.
func (a *Accounts) ChangePassword(ctx context.Context, u *runtime.User, current, password, ip string) (*runtime.Session, error) {
	if problem := PasswordProblem(password, u.IDNumber, u.USCC, u.Mobile); problem != "" {
		return nil, runtime.Invalid(problem, runtime.FieldError{Pointer: "/password", Message: problem})
	}
	err := a.CheckPassword(ctx, u.ID, current)
	if runtime.ErrorCode(err) == runtime.EUNAUTHORIZED {
		now := a.now()
		var until time.Time
		err := a.store.WriteAccounts(ctx, func(tx runtime.AccountTx) (err error) {
			if until, err = countFailure(tx, userSubject(u.ID), now); err != nil {
				return err
			}
			return tx.RecordAccountEvent(runtime.AccountEvent{Type: EventPasswordChangeFailed, UserID: u.ID, IP: ip})
		})
		if err != nil {
			return nil, err
		}
		wrong := runtime.Invalid("当前密码不正确", runtime.FieldError{Pointer: "/current", Message: "当前密码不正确"})
		if !until.IsZero() {
			return nil, errors.Join(wrong, &LockedOut{Until: until})
		}
		return nil, wrong
	}
	if err != nil {
		return nil, err
	}
	hash, err := hashPassword(ctx, password)
	if err != nil {
		return nil, err
	}
	now := a.now()
	var s *runtime.Session
	err = a.store.WriteAccounts(ctx, func(tx runtime.AccountTx) (err error) {
		if err := tx.SetPasswordHash(u.ID, hash); err != nil { // ends every session
			return err
		}
		if s, err = tx.CreateSession(u.ID, ip, now, now.Add(SessionLifetime)); err != nil {
			return err
		}
		return tx.RecordAccountEvent(runtime.AccountEvent{Type: EventPasswordChanged, UserID: u.ID, IP: ip})
	})
	return s, err
}

// SendResetCode texts a new reset code to the user's mobile number and records it. u is nil
// when the name typed matched no account. It is one unit of work either way, which counts the
// request against the client address, so that neither the answer nor its work tells whether
// the account exists; an address that asked MaxLoginFailures times within LockoutPeriod is
// locked out (*LockedOut) for LockoutPeriod. A user without a mobile number or disabled gets
// none, nor does an account not yet verified (its code is the verification's), nor one that was sent MaxLoginFailures codes within LockoutPeriod,
// or one within ResetCodeInterval, silently: the page says the same either way.
func (a *Accounts) SendResetCode(ctx context.Context, u *runtime.User, ip string) error {
	now := a.now()
	var refused *LockedOut
	err := a.store.WriteAccounts(ctx, func(tx runtime.AccountTx) error {
		f, counted, err := countAttempt(tx, resetSubject(ipSubject(ip)), now)
		switch {
		case err != nil:
			return err
		case !counted:
			refused = &LockedOut{Until: f.LockedUntil, Address: true}
			return nil
		case u == nil || u.Mobile == "" || u.Disabled || u.Unverified:
			return nil
		}
		return a.textCode(tx, u.ID, u.Mobile, ip, EventResetCodeSent, "您正在重置许昌市政务服务网账户的密码，验证码 %s，%d 分钟内有效。如非本人操作，请忽略本短信，切勿将验证码告诉他人。")
	})
	if err != nil {
		return err
	}
	if refused != nil {
		return refused
	}
	return nil
}

// textCode texts a new code to mobile for the user in the unit of work tx, in text (with the
// code and its lifetime in minutes), and records event — unless the user was sent one within
// ResetCodeInterval or MaxLoginFailures within LockoutPeriod, when it sends nothing.
func (a *Accounts) textCode(tx runtime.AccountTx, userID int64, mobile, ip, event, text string) error {
	now := a.now()
	prev, err := tx.ResetCode(userID)
	switch runtime.ErrorCode(err) {
	case "":
		if now.Before(prev.CreatedAt.Add(ResetCodeInterval)) {
			return nil
		}
	case runtime.ENOTFOUND:
	default:
		return err
	}
	if _, counted, err := countAttempt(tx, resetSubject(userSubject(userID)), now); err != nil || !counted {
		return err
	}
	code, err := newCode()
	if err != nil {
		return err
	}
	err = tx.SaveResetCode(runtime.ResetCode{UserID: userID, CodeHash: resetCodeHash(userID, code), CreatedAt: now,
		ExpiresAt: now.Add(ResetCodeLifetime)})
	if err != nil {
		return err
	}
	if err := a.sms(tx, mobile, fmt.Sprintf(text, code, int(ResetCodeLifetime/time.Minute))); err != nil {
		return err
	}
	return tx.RecordAccountEvent(runtime.AccountEvent{Type: event, UserID: userID, IP: ip, Detail: "发送至 " + MaskIdentifier(mobile)})
}

// newCode is six random digits: a code texted to prove a mobile number is one's own.
func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// smsGateway is the push connector that sends texts.
const smsGateway = "sms-gateway"

// sms queues a text on the outbox for the SMS gateway connector (payload {"mobile", "content"})
// in the unit of work tx.
func (a *Accounts) sms(tx runtime.AccountTx, mobile, text string) error {
	payload, _ := json.Marshal(map[string]string{"mobile": mobile, "content": text})
	return a.enqueue(tx, runtime.PushTopic(smsGateway), payload)
}

// ResetPassword sets the password of u — the account the reset was asked for, nil when the
// name matched none — to password if code is their current reset code (see useCode). The code
// is used up; the user's sessions end, and the account's lockout is lifted, since the user has
// just proved they hold the account's phone. invalid (field /code) for a wrong, expired or
// used-up code, or an account that is unknown, disabled or not yet verified.
func (a *Accounts) ResetPassword(ctx context.Context, u *runtime.User, code, password, ip string) error {
	if u == nil || u.Disabled || u.Unverified {
		return codeInvalid("验证码无效或已过期，请重新获取")
	}
	if problem := PasswordProblem(password, u.IDNumber, u.USCC, u.Mobile); problem != "" {
		return runtime.Invalid(problem, runtime.FieldError{Pointer: "/password", Message: problem})
	}
	hash, err := hashPassword(ctx, password)
	if err != nil {
		return err
	}
	return a.useCode(ctx, u.ID, code, ip, EventResetFailed, func(tx runtime.AccountTx) error {
		if err := tx.SetPasswordHash(u.ID, hash); err != nil { // also deletes the code
			return err
		}
		if err := tx.DeleteLoginFailures(userSubject(u.ID)); err != nil {
			return err
		}
		return tx.RecordAccountEvent(runtime.AccountEvent{Type: EventPasswordReset, UserID: u.ID, IP: ip})
	})
}

func codeInvalid(msg string) error {
	return runtime.Invalid(msg, runtime.FieldError{Pointer: "/code", Message: msg})
}

// useCode checks code against the user's current code (a reset's or a verification's) in one
// unit of work and runs done in it when it matches. A wrong code counts against the code's
// tries, and the code is gone after the last; it counts against the client address too, so
// that guessing across accounts is bounded, and is recorded as failed. invalid (field /code),
// saying how many tries are left, for a wrong, expired or used-up code.
func (a *Accounts) useCode(ctx context.Context, userID int64, code, ip, failed string, done func(tx runtime.AccountTx) error) error {
	now := a.now()
	var outcome error
	err := a.store.WriteAccounts(ctx, func(tx runtime.AccountTx) error {
		var err error
		rc, err := tx.ResetCode(userID)
		switch {
		case runtime.ErrorCode(err) == runtime.ENOTFOUND || err == nil && !now.Before(rc.ExpiresAt):
			outcome = codeInvalid("验证码无效或已过期，请重新获取")
			err = tx.DeleteResetCode(userID)
		case err != nil:
			return err
		case subtle.ConstantTimeCompare([]byte(resetCodeHash(userID, code)), []byte(rc.CodeHash)) != 1:
			if tries := rc.Tries + 1; tries >= ResetCodeTries {
				outcome = codeInvalid("验证码错误次数过多，请重新获取")
				err = tx.DeleteResetCode(userID)
			} else {
				outcome = codeInvalid(fmt.Sprintf("验证码错误，还可尝试 %d 次", ResetCodeTries-tries))
				err = tx.SetResetCodeTries(userID, tries)
			}
		default:
			return done(tx)
		}
		if err != nil {
			return err
		}
		if _, err := countFailure(tx, ipSubject(ip), now); err != nil {
			return err
		}
		return tx.RecordAccountEvent(runtime.AccountEvent{Type: failed, UserID: userID, IP: ip})
	})
	if err != nil {
		return err
	}
	return outcome
}

// Record appends an entry to the account audit log.
func (a *Accounts) Record(ctx context.Context, e runtime.AccountEvent) error {
	return a.store.WriteAccounts(ctx, func(tx runtime.AccountTx) error { return tx.RecordAccountEvent(e) })
}

// GetUser returns a user; not_found if there is none.
func (a *Accounts) GetUser(ctx context.Context, id int64) (*runtime.User, error) {
	return a.store.GetUser(ctx, id)
}

// ListUsers returns a page of users in the order they were created, and how many the filter
// selects in all.
func (a *Accounts) ListUsers(ctx context.Context, f runtime.UserFilter) ([]*runtime.User, int, error) {
	return a.store.ListUsers(ctx, f)
}

// ListAccountEvents returns a page of the audit log, newest first, and how many entries the
// filter selects in all.
func (a *Accounts) ListAccountEvents(ctx context.Context, f runtime.AccountEventFilter) ([]runtime.AccountEvent, int, error) {
	return a.store.ListAccountEvents(ctx, f)
}
