package store

// Accounts: password credentials, browser sessions, sign-in lockout, password reset codes and
// the account audit log. The web layer (runtime/web/account) decides policy — who may register,
// which password is strong enough, what a page says — and keeps its word here.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"golang.org/x/crypto/argon2"
	"gorm.io/gorm"
)

// Password hashes are Argon2id (RFC 9106) with a random 16-byte salt per hash, stored as a PHC
// string — "$argon2id$v=19$m=65536,t=1,p=2$<salt>$<key>" — so that every hash carries the
// parameters it was made with and hashes made with older parameters still verify (and are
// upgraded at the next successful sign-in).
//
// m=64 MiB is the memory of RFC 9106's second recommended option: the memory is what makes
// guessing expensive on GPUs and ASICs, which have plenty of cores but little fast memory per
// core. t=1 pass, as RFC 9106's first option, because with Argon2id more memory buys more than
// more passes for the same time, and one pass over 64 MiB already costs about 120 ms on the
// two-core production machine — the most a sign-in should wait; t=3 costs about 300 ms. p=2
// lanes uses both cores of that machine for one hash. Hashing is limited to GOMAXPROCS (at
// least two) at a time (hashSlots), so a burst of sign-ins queues instead of allocating 64 MiB
// each: the memory for hashing stays at 128 MiB on that machine.
const (
	argonMemory  = 64 * 1024 // KiB
	argonTime    = 1
	argonThreads = 2
	argonKeyLen  = 32
	argonSaltLen = 16
)

// hashSlots bounds how many password hashes run at once.
var hashSlots = make(chan struct{}, max(2, goruntime.GOMAXPROCS(0)))

var phc = base64.RawStdEncoding

// passwordHash is a parsed PHC string.
type passwordHash struct {
	memory  uint32
	time    uint32
	threads uint8
	salt    []byte
	key     []byte
}

func (h passwordHash) String() string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.memory, h.time, h.threads,
		phc.EncodeToString(h.salt), phc.EncodeToString(h.key))
}

// current reports whether h was made with today's parameters.
func (h passwordHash) current() bool {
	return h.memory == argonMemory && h.time == argonTime && h.threads == argonThreads && len(h.key) == argonKeyLen
}

var errBadHash = errors.New("store: not an argon2id PHC string")

func parsePasswordHash(s string) (passwordHash, error) {
	var h passwordHash
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return h, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &h.memory, &h.time, &h.threads); err != nil {
		return h, errBadHash
	}
	var err1, err2 error
	h.salt, err1 = phc.DecodeString(parts[4])
	h.key, err2 = phc.DecodeString(parts[5])
	// Bounds, so that a tampered row cannot make a sign-in allocate gigabytes or spin.
	if err1 != nil || err2 != nil || h.memory < 8 || h.memory > 1<<20 || h.time < 1 || h.time > 10 ||
		h.threads < 1 || len(h.salt) < 8 || len(h.key) < 16 || len(h.key) > 64 {
		return h, errBadHash
	}
	return h, nil
}

// derive computes the Argon2id key of password with h's salt and parameters, waiting for a
// hash slot first.
func derive(ctx context.Context, password string, h passwordHash, keyLen int) ([]byte, error) {
	select {
	case hashSlots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-hashSlots }()
	return argon2.IDKey([]byte(password), h.salt, h.time, h.memory, h.threads, uint32(keyLen)), nil
}

// HashPassword returns the Argon2id PHC string of password with a new random salt. It costs
// about 120 ms of two cores and 64 MiB, so callers run it before opening a unit of work, never
// inside one (on SQLite that would hold up every other writer).
func HashPassword(ctx context.Context, password string) (string, error) {
	if password == "" {
		return "", runtime.Invalid("密码不能为空", runtime.FieldError{Pointer: "/password", Message: "请输入密码"})
	}
	h := passwordHash{memory: argonMemory, time: argonTime, threads: argonThreads, salt: make([]byte, argonSaltLen)}
	rand.Read(h.salt)
	key, err := derive(ctx, password, h, argonKeyLen)
	if err != nil {
		return "", err
	}
	h.key = key
	return h.String(), nil
}

// dummyHash is verified against when an account has no password, so that "no such account"
// takes as long as "wrong password" and sign-in timing does not tell which accounts exist.
var dummyHash = sync.OnceValue(func() passwordHash {
	s, _ := HashPassword(context.Background(), "tongban: no such account")
	h, _ := parsePasswordHash(s)
	return h
})

type passwordRow struct {
	UserID    int64 `gorm:"primaryKey;autoIncrement:false"`
	Hash      string
	UpdatedAt time.Time
}

func (passwordRow) TableName() string { return "passwords" }

// SetPassword hashes password and makes it the user's, replacing any other. Like every change
// of password it ends all the user's sessions and cancels a pending reset code: the caller
// starts a new session for the browser that made the change. not_found for an unknown user.
func (db *DB) SetPassword(ctx context.Context, userID int64, password string) error {
	hash, err := HashPassword(ctx, password)
	if err != nil {
		return err
	}
	return db.Write(ctx, func(tx *Tx) error { return tx.SetPasswordHash(userID, hash) })
}

// SetPasswordHash is SetPassword inside a unit of work, with a hash made by HashPassword.
func (tx *Tx) SetPasswordHash(userID int64, hash string) error {
	if _, err := parsePasswordHash(hash); err != nil {
		return err
	}
	err := tx.g.Exec(`INSERT INTO passwords (user_id, hash, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at`,
		userID, hash, tx.now).Error
	if isForeignKey(err) {
		return notFound("用户不存在")
	}
	if err != nil {
		return wrap(err, "set password")
	}
	if err := tx.DeleteUserSessions(userID); err != nil {
		return err
	}
	return wrap(tx.g.Exec("DELETE FROM reset_codes WHERE user_id = ?", userID).Error, "set password")
}

// CheckPassword returns nil when password is the user's, and unauthorized when it is not or
// the user has no password. The comparison takes the same time whatever the mismatch, and an
// account without a password costs the same hash as one with. A hash made with older
// parameters is replaced by one made with today's. It does not look at whether the user is
// disabled or locked out: the caller does.
func (db *DB) CheckPassword(ctx context.Context, userID int64, password string) error {
	var stored []string
	err := db.read(ctx, func(tx *Tx) error {
		return wrap(tx.g.Model(&passwordRow{}).Where("user_id = ?", userID).Limit(1).Pluck("hash", &stored).Error, "check password")
	})
	if err != nil {
		return err
	}
	h, perr := dummyHash(), errBadHash
	if len(stored) == 1 {
		if p, err := parsePasswordHash(stored[0]); err == nil {
			h, perr = p, nil
		}
	}
	key, err := derive(ctx, password, h, len(h.key))
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(key, h.key) != 1 || perr != nil {
		return runtime.Errorf(runtime.EUNAUTHORIZED, "账户或密码错误")
	}
	if !h.current() {
		hash, err := HashPassword(ctx, password)
		if err != nil {
			return err
		}
		return db.Write(ctx, func(tx *Tx) error {
			return wrap(tx.g.Exec("UPDATE passwords SET hash = ? WHERE user_id = ? AND hash = ?", hash, userID, stored[0]).Error, "upgrade password hash")
		})
	}
	return nil
}

// loginColumn is the users column besides mobile that an account of kind signs in with.
func loginColumn(kind string) string {
	if kind == "enterprise" {
		return "uscc"
	}
	return "id_number"
}

// NormalizeLogin is how sign-in names are compared: without surrounding space, with the
// check letter X of an ID number and the letters of a credit code in upper case.
func NormalizeLogin(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// FindAccount returns the user of kind ("person", "enterprise" or "staff") who has a password
// and signs in with login: their ID number (person, staff) or credit code (enterprise), or their
// mobile number. not_found when there is none; conflict when the mobile number belongs to
// several accounts of that kind, which then sign in with their ID number or credit code.
func (db *DB) FindAccount(ctx context.Context, kind, login string) (u *runtime.User, err error) {
	login = NormalizeLogin(login)
	err = db.read(ctx, func(tx *Tx) error {
		if login == "" {
			return notFound("账户不存在")
		}
		var ids []int64
		err := tx.g.Raw(`SELECT u.id FROM users u JOIN passwords p ON p.user_id = u.id
			WHERE u.kind = ? AND (u.`+loginColumn(kind)+` = ? OR u.mobile = ?) ORDER BY u.id LIMIT 2`, kind, login, login).
			Scan(&ids).Error
		switch {
		case err != nil:
			return wrap(err, "find account")
		case len(ids) == 0:
			return notFound("账户不存在")
		case len(ids) > 1:
			return conflict("该手机号码对应多个账户，请使用证件号码登录")
		}
		u, err = tx.user(ids[0])
		return err
	})
	return u, err
}

// accountLock serialises registrations on PostgreSQL, where two at once could otherwise both
// find an ID number free; SQLite's one writer already does.
const accountLock = 7_146_002_025

// RegisterAccount gives u — a person (IDNumber) or an enterprise (USCC, with its legal
// representative's ID number in IDNumber) — a password and returns the user.
//
// A user of that kind and number who has no password yet (an applicant first served at a
// window) becomes the account: their mobile number is updated, and for a person the name must
// match. It returns conflict, with the field, when the ID number or credit code already has an
// account or the mobile number belongs to another account of the same kind, and invalid when a
// person's name does not match the one on record.
func (db *DB) RegisterAccount(ctx context.Context, u runtime.User, password string) (out *runtime.User, err error) {
	if u.Kind != "person" && u.Kind != "enterprise" {
		return nil, runtime.Invalid("只能注册个人或法人账户", runtime.FieldError{Pointer: "/kind", Message: "账户类型无效"})
	}
	key, keyPointer, keyName := u.IDNumber, "/idNumber", "身份证号"
	if u.Kind == "enterprise" {
		key, keyPointer, keyName = u.USCC, "/uscc", "统一社会信用代码"
	}
	if key == "" || u.Name == "" {
		return nil, runtime.Invalid("账户信息不完整", runtime.FieldError{Pointer: keyPointer, Message: "请填写" + keyName})
	}
	hash, err := HashPassword(ctx, password)
	if err != nil {
		return nil, err
	}
	err = db.Write(ctx, func(tx *Tx) error {
		if tx.db.dialect == dialectPostgres {
			if err := tx.g.Exec("SELECT pg_advisory_xact_lock(?)", accountLock).Error; err != nil {
				return wrap(err, "register")
			}
		}
		var rows []struct {
			ID       int64
			Name     string
			Password bool
		}
		err := tx.g.Raw(`SELECT u.id, u.name, p.user_id IS NOT NULL AS password FROM users u
			LEFT JOIN passwords p ON p.user_id = u.id
			WHERE u.kind = ? AND u.`+loginColumn(u.Kind)+` = ? ORDER BY u.id`, u.Kind, key).Scan(&rows).Error
		if err != nil {
			return wrap(err, "register")
		}
		var existing int64
		for _, r := range rows {
			if r.Password {
				return &runtime.Error{Code: runtime.ECONFLICT, Message: "该" + keyName + "已注册",
					Fields: []runtime.FieldError{{Pointer: keyPointer, Message: "该" + keyName + "已注册，请直接登录或找回密码"}}}
			}
		}
		if len(rows) > 0 {
			existing = rows[0].ID
			if u.Kind == "person" && rows[0].Name != u.Name {
				return runtime.Invalid("姓名与身份证号不一致",
					runtime.FieldError{Pointer: "/name", Message: "姓名与登记的身份证号信息不一致"})
			}
		}
		if u.Mobile != "" {
			var taken int64
			err := tx.g.Raw(`SELECT COUNT(*) FROM users u JOIN passwords p ON p.user_id = u.id
				WHERE u.kind = ? AND u.mobile = ? AND u.id <> ?`, u.Kind, u.Mobile, existing).Scan(&taken).Error
			if err != nil {
				return wrap(err, "register")
			}
			if taken > 0 {
				return &runtime.Error{Code: runtime.ECONFLICT, Message: "该手机号码已被其他账户使用",
					Fields: []runtime.FieldError{{Pointer: "/mobile", Message: "该手机号码已被其他账户使用"}}}
			}
		}
		id := existing
		if existing != 0 {
			set := map[string]any{"mobile": u.Mobile}
			if u.Kind == "enterprise" && u.IDNumber != "" {
				set["id_number"] = u.IDNumber
			}
			if err := tx.g.Model(&userRow{}).Where("id = ?", existing).Updates(set).Error; err != nil {
				return wrap(err, "register")
			}
		} else {
			row := userRow{Name: u.Name, Kind: u.Kind, IDNumber: u.IDNumber, USCC: u.USCC, Mobile: u.Mobile,
				Roles: string(runtime.RoleApplicant), DivisionCode: u.DivisionCode, CreatedAt: tx.now}
			if err := tx.g.Create(&row).Error; err != nil {
				return wrap(err, "register")
			}
			id = row.ID
		}
		if err := tx.SetPasswordHash(id, hash); err != nil {
			return err
		}
		out, err = tx.user(id)
		return err
	})
	return out, err
}

// Session lifetimes. A session ends after SessionIdle without a request or SessionLifetime
// after sign-in, whichever comes first. The last-seen time is written at most once every
// sessionTouch, so that browsing does not cost a write per request; the idle timeout is
// therefore exact to within that minute.
const (
	SessionIdle     = 30 * time.Minute
	SessionLifetime = 12 * time.Hour
	sessionTouch    = time.Minute
)

// Session is a signed-in browser. ID is the secret the browser holds in its cookie: it is
// returned once, by CreateSession, and only its SHA-256 is stored.
type Session struct {
	ID         string
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

type sessionRow struct {
	IDHash     string `gorm:"primaryKey"`
	UserID     int64
	IP         string `gorm:"column:ip"`
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

func (sessionRow) TableName() string { return "sessions" }

func sessionHash(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// CreateSession starts a session for a user, signed in from ip, with a new random 256-bit ID.
func (db *DB) CreateSession(ctx context.Context, userID int64, ip string) (s *Session, err error) {
	err = db.Write(ctx, func(tx *Tx) (err error) {
		s, err = tx.CreateSession(userID, ip)
		return err
	})
	return s, err
}

// CreateSession is DB.CreateSession inside a unit of work.
func (tx *Tx) CreateSession(userID int64, ip string) (*Session, error) {
	b := make([]byte, 32)
	rand.Read(b)
	s := &Session{ID: base64.RawURLEncoding.EncodeToString(b), UserID: userID, CreatedAt: tx.now, LastSeenAt: tx.now,
		ExpiresAt: tx.now.Add(SessionLifetime)}
	err := tx.g.Create(&sessionRow{IDHash: sessionHash(s.ID), UserID: userID, IP: ip, CreatedAt: s.CreatedAt,
		LastSeenAt: s.LastSeenAt, ExpiresAt: s.ExpiresAt}).Error
	if isForeignKey(err) {
		return nil, notFound("用户不存在")
	}
	if err != nil {
		return nil, wrap(err, "create session")
	}
	return s, nil
}

// SessionUser returns the user a session belongs to and notes that the session was used. It
// returns unauthorized for a session that is unknown, idle for SessionIdle, older than
// SessionLifetime, or whose user is disabled; an expired session is deleted.
func (db *DB) SessionUser(ctx context.Context, id string) (u *runtime.User, err error) {
	denied := runtime.Errorf(runtime.EUNAUTHORIZED, "登录已过期，请重新登录")
	if id == "" || len(id) > 128 {
		return nil, denied
	}
	h := sessionHash(id)
	var row sessionRow
	var expired bool
	err = db.read(ctx, func(tx *Tx) error {
		var rows []sessionRow
		if err := tx.g.Where("id_hash = ?", h).Limit(1).Find(&rows).Error; err != nil {
			return wrap(err, "get session")
		}
		if len(rows) == 0 {
			return denied
		}
		row = rows[0]
		if !tx.now.Before(row.ExpiresAt) || !tx.now.Before(row.LastSeenAt.Add(SessionIdle)) {
			expired = true
			return denied
		}
		if u, err = tx.user(row.UserID); err != nil {
			return err
		}
		if u.Disabled {
			return denied
		}
		return nil
	})
	switch {
	case expired:
		if err := db.DeleteSession(ctx, id); err != nil {
			return nil, err
		}
		return nil, denied
	case err != nil:
		return nil, err
	case db.now().Sub(row.LastSeenAt) >= sessionTouch:
		err := db.Write(ctx, func(tx *Tx) error {
			return wrap(tx.g.Exec("UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", tx.now, h).Error, "touch session")
		})
		if err != nil {
			return nil, err
		}
	}
	return u, nil
}

// DeleteSession ends a session; ending an unknown one does nothing.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	return db.Write(ctx, func(tx *Tx) error {
		return wrap(tx.g.Exec("DELETE FROM sessions WHERE id_hash = ?", sessionHash(id)).Error, "delete session")
	})
}

// DeleteUserSessions ends every session of a user: they must sign in again everywhere.
func (tx *Tx) DeleteUserSessions(userID int64) error {
	return wrap(tx.g.Exec("DELETE FROM sessions WHERE user_id = ?", userID).Error, "delete sessions")
}

// Lockout: MaxLoginFailures failed sign-ins for one subject within LockoutPeriod of the first
// lock that subject out for LockoutPeriod. Subjects are accounts (UserSubject) and client
// addresses (IPSubject); the web layer may name others, such as a login that matches no
// account, so that guessing at unknown names is limited the same way.
const (
	MaxLoginFailures = 5
	LockoutPeriod    = 15 * time.Minute
)

// UserSubject names an account's lockout counter.
func UserSubject(userID int64) string { return "user:" + strconv.FormatInt(userID, 10) }

// IPSubject names a client address's lockout counter.
func IPSubject(ip string) string { return "ip:" + ip }

type loginFailureRow struct {
	Subject     string `gorm:"primaryKey"`
	Failures    int
	WindowStart time.Time
	LockedUntil *time.Time
}

func (loginFailureRow) TableName() string { return "login_failures" }

// RecordLoginFailure counts a failed sign-in of subject and returns when the subject is locked
// until — the zero time while it is not.
func (db *DB) RecordLoginFailure(ctx context.Context, subject string) (until time.Time, err error) {
	err = db.Write(ctx, func(tx *Tx) (err error) {
		until, err = tx.RecordLoginFailure(subject)
		return err
	})
	return until, err
}

// RecordLoginFailure is DB.RecordLoginFailure inside a unit of work.
func (tx *Tx) RecordLoginFailure(subject string) (time.Time, error) {
	var rows []loginFailureRow
	if err := tx.g.Where("subject = ?", subject).Limit(1).Find(&rows).Error; err != nil {
		return time.Time{}, wrap(err, "record login failure")
	}
	r := loginFailureRow{Subject: subject, WindowStart: tx.now}
	if len(rows) == 1 {
		r = rows[0]
		if r.LockedUntil != nil && tx.now.Before(*r.LockedUntil) {
			return r.LockedUntil.UTC(), nil // a failure while locked neither counts nor extends
		}
		if r.LockedUntil != nil || !tx.now.Before(r.WindowStart.Add(LockoutPeriod)) {
			r = loginFailureRow{Subject: subject, WindowStart: tx.now}
		}
	}
	r.Failures++
	if r.Failures >= MaxLoginFailures {
		until := tx.now.Add(LockoutPeriod)
		r.LockedUntil = &until
	}
	err := tx.g.Exec(`INSERT INTO login_failures (subject, failures, window_start, locked_until) VALUES (?, ?, ?, ?)
		ON CONFLICT (subject) DO UPDATE SET failures = excluded.failures, window_start = excluded.window_start,
		locked_until = excluded.locked_until`, r.Subject, r.Failures, r.WindowStart, r.LockedUntil).Error
	if err != nil {
		return time.Time{}, wrap(err, "record login failure")
	}
	if r.LockedUntil == nil {
		return time.Time{}, nil
	}
	return r.LockedUntil.UTC(), nil
}

// ResetFailures forgets a subject's failed sign-ins, after a successful one.
func (db *DB) ResetFailures(ctx context.Context, subject string) error {
	return db.Write(ctx, func(tx *Tx) error { return tx.ResetFailures(subject) })
}

// ResetFailures is DB.ResetFailures inside a unit of work.
func (tx *Tx) ResetFailures(subject string) error {
	return wrap(tx.g.Exec("DELETE FROM login_failures WHERE subject = ?", subject).Error, "reset login failures")
}

// Locked returns when subject is locked out until, or the zero time when it is not.
func (db *DB) Locked(ctx context.Context, subject string) (until time.Time, err error) {
	err = db.read(ctx, func(tx *Tx) error {
		var rows []loginFailureRow
		if err := tx.g.Where("subject = ?", subject).Limit(1).Find(&rows).Error; err != nil {
			return wrap(err, "get lockout")
		}
		if len(rows) == 1 && rows[0].LockedUntil != nil && tx.now.Before(*rows[0].LockedUntil) {
			until = rows[0].LockedUntil.UTC()
		}
		return nil
	})
	return until, err
}

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

type resetCodeRow struct {
	UserID    int64 `gorm:"primaryKey;autoIncrement:false"`
	CodeHash  string
	Tries     int
	CreatedAt time.Time
	ExpiresAt time.Time
}

func (resetCodeRow) TableName() string { return "reset_codes" }

func resetCodeHash(userID int64, code string) string {
	sum := sha256.Sum256([]byte("tongban reset code\x00" + strconv.FormatInt(userID, 10) + "\x00" + code))
	return hex.EncodeToString(sum[:])
}

// CreateResetCode makes a new reset code for a user, replacing any earlier one, and returns it
// for the caller to send. conflict when the previous code is younger than ResetCodeInterval;
// not_found for an unknown user.
func (db *DB) CreateResetCode(ctx context.Context, userID int64) (code string, err error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	code = fmt.Sprintf("%06d", n.Int64())
	err = db.Write(ctx, func(tx *Tx) error {
		var rows []resetCodeRow
		if err := tx.g.Where("user_id = ?", userID).Limit(1).Find(&rows).Error; err != nil {
			return wrap(err, "create reset code")
		}
		if len(rows) == 1 && tx.now.Before(rows[0].CreatedAt.Add(ResetCodeInterval)) {
			return conflict("验证码已发送，请稍后再试")
		}
		err := tx.g.Exec(`INSERT INTO reset_codes (user_id, code_hash, tries, created_at, expires_at) VALUES (?, ?, 0, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET code_hash = excluded.code_hash, tries = 0,
			created_at = excluded.created_at, expires_at = excluded.expires_at`,
			userID, resetCodeHash(userID, code), tx.now, tx.now.Add(ResetCodeLifetime)).Error
		if isForeignKey(err) {
			return notFound("用户不存在")
		}
		return wrap(err, "create reset code")
	})
	if err != nil {
		return "", err
	}
	return code, nil
}

// UseResetCode sets a user's password to newPassword if code is their current reset code. The
// code is used up; like SetPassword it ends the user's sessions, and it lifts the account's
// lockout, since the user has just proved they hold the account's phone. A wrong code counts
// against the code's tries, and the code is gone after the last: invalid, with a message
// saying how many tries are left, for a wrong, expired or used-up code.
func (db *DB) UseResetCode(ctx context.Context, userID int64, code, newPassword string) error {
	hash, err := HashPassword(ctx, newPassword)
	if err != nil {
		return err
	}
	invalid := func(msg string) error {
		return runtime.Invalid(msg, runtime.FieldError{Pointer: "/code", Message: msg})
	}
	var outcome error
	err = db.Write(ctx, func(tx *Tx) error {
		var rows []resetCodeRow
		if err := tx.g.Where("user_id = ?", userID).Limit(1).Find(&rows).Error; err != nil {
			return wrap(err, "use reset code")
		}
		if len(rows) == 0 || !tx.now.Before(rows[0].ExpiresAt) {
			outcome = invalid("验证码无效或已过期，请重新获取")
			return wrap(tx.g.Exec("DELETE FROM reset_codes WHERE user_id = ?", userID).Error, "use reset code")
		}
		r := rows[0]
		if subtle.ConstantTimeCompare([]byte(resetCodeHash(userID, code)), []byte(r.CodeHash)) != 1 {
			r.Tries++
			if r.Tries >= ResetCodeTries {
				outcome = invalid("验证码错误次数过多，请重新获取")
				return wrap(tx.g.Exec("DELETE FROM reset_codes WHERE user_id = ?", userID).Error, "use reset code")
			}
			outcome = invalid(fmt.Sprintf("验证码错误，还可尝试 %d 次", ResetCodeTries-r.Tries))
			return wrap(tx.g.Exec("UPDATE reset_codes SET tries = ? WHERE user_id = ?", r.Tries, userID).Error, "use reset code")
		}
		if err := tx.SetPasswordHash(userID, hash); err != nil { // also deletes the code
			return err
		}
		return tx.ResetFailures(UserSubject(userID))
	})
	if err != nil {
		return err
	}
	return outcome
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

// RecordAccountEvent appends an entry to the account audit log.
func (db *DB) RecordAccountEvent(ctx context.Context, e AccountEvent) error {
	return db.Write(ctx, func(tx *Tx) error { return tx.RecordAccountEvent(e) })
}

// RecordAccountEvent is DB.RecordAccountEvent inside a unit of work.
func (tx *Tx) RecordAccountEvent(e AccountEvent) error {
	if e.Type == "" {
		return runtime.Invalid("缺少事件类型", runtime.FieldError{Pointer: "/type", Message: "缺少事件类型"})
	}
	nullable := func(id int64) *int64 {
		if id == 0 {
			return nil
		}
		return &id
	}
	err := tx.g.Exec(`INSERT INTO account_events (at, type, user_id, actor_id, login, ip, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		tx.now, e.Type, nullable(e.UserID), nullable(e.ActorID), e.Login, e.IP, e.Detail).Error
	if isForeignKey(err) {
		return notFound("用户不存在")
	}
	return wrap(err, "record account event")
}

// AccountEventFilter selects audit log entries, newest first.
type AccountEventFilter struct {
	UserID        int64  // entries about this account (0: all)
	Type          string // entries of this type ("": all)
	Offset, Limit int    // Limit defaults to 50, at most 500
}

// ListAccountEvents returns a page of the account audit log, newest first, and how many
// entries the filter selects in all.
func (db *DB) ListAccountEvents(ctx context.Context, f AccountEventFilter) (events []AccountEvent, total int, err error) {
	offset, limit := page(f.Offset, f.Limit)
	where, args := "1 = 1", []any{}
	if f.UserID != 0 {
		where, args = where+" AND e.user_id = ?", append(args, f.UserID)
	}
	if f.Type != "" {
		where, args = where+" AND e.type = ?", append(args, f.Type)
	}
	err = db.read(ctx, func(tx *Tx) error {
		var n int64
		if err := tx.g.Raw("SELECT COUNT(*) FROM account_events e WHERE "+where, args...).Scan(&n).Error; err != nil {
			return wrap(err, "count account events")
		}
		total = int(n)
		var rows []struct {
			ID        int64
			At        time.Time
			Type      string
			UserID    *int64
			ActorID   *int64
			Login     string
			IP        string `gorm:"column:ip"`
			Detail    string
			UserName  *string
			ActorName *string
		}
		err := tx.g.Raw(`SELECT e.id, e.at, e.type, e.user_id, e.actor_id, e.login, e.ip, e.detail,
			u.name AS user_name, a.name AS actor_name
			FROM account_events e LEFT JOIN users u ON u.id = e.user_id LEFT JOIN users a ON a.id = e.actor_id
			WHERE `+where+` ORDER BY e.id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...).Scan(&rows).Error
		if err != nil {
			return wrap(err, "list account events")
		}
		events = make([]AccountEvent, len(rows))
		for i, r := range rows {
			e := AccountEvent{ID: r.ID, At: r.At.UTC(), Type: r.Type, Login: r.Login, IP: r.IP, Detail: r.Detail}
			if r.UserID != nil {
				e.UserID = *r.UserID
			}
			if r.ActorID != nil {
				e.ActorID = *r.ActorID
			}
			if r.UserName != nil {
				e.UserName = *r.UserName
			}
			if r.ActorName != nil {
				e.ActorName = *r.ActorName
			}
			events[i] = e
		}
		return nil
	})
	return events, total, err
}

// UserFilter selects users for the administrators' list.
type UserFilter struct {
	// Query matches a part of the name, or a whole ID number, credit code or mobile number.
	Query         string
	Kind          string // "person", "enterprise", "staff" or "" for all
	Offset, Limit int    // Limit defaults to 50, at most 500
}

// ListUsers returns a page of users in the order they were created, and how many the filter
// selects in all.
func (db *DB) ListUsers(ctx context.Context, f UserFilter) (users []*runtime.User, total int, err error) {
	offset, limit := page(f.Offset, f.Limit)
	err = db.read(ctx, func(tx *Tx) error {
		q := tx.g.Model(&userRow{})
		if f.Kind != "" {
			q = q.Where("kind = ?", f.Kind)
		}
		if s := strings.TrimSpace(f.Query); s != "" {
			like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s) + "%"
			n := NormalizeLogin(s)
			q = q.Where(`name LIKE ? ESCAPE '\' OR id_number = ? OR uscc = ? OR mobile = ?`, like, n, n, n)
		}
		q = q.Session(&gorm.Session{}) // reusable for the count and the page
		var n int64
		if err := q.Count(&n).Error; err != nil {
			return wrap(err, "count users")
		}
		total = int(n)
		var ids []int64
		if err := q.Order("id").Offset(offset).Limit(limit).Pluck("id", &ids).Error; err != nil {
			return wrap(err, "list users")
		}
		users = make([]*runtime.User, 0, len(ids))
		for _, id := range ids {
			u, err := tx.user(id)
			if err != nil {
				return err
			}
			users = append(users, u)
		}
		return nil
	})
	return users, total, err
}

// SetUserDisabled disables or enables a user. Disabling ends the user's sessions; their API
// tokens stop working too (UserByToken refuses disabled users). not_found for an unknown user.
func (tx *Tx) SetUserDisabled(userID int64, disabled bool) error {
	res := tx.g.Exec("UPDATE users SET disabled = ? WHERE id = ?", disabled, userID)
	if res.Error != nil {
		return wrap(res.Error, "set user disabled")
	}
	if res.RowsAffected == 0 {
		return notFound("用户不存在")
	}
	if disabled {
		return tx.DeleteUserSessions(userID)
	}
	return nil
}

// SetUserRoles replaces a user's platform roles, their org and their workflow roles in that
// org. A user with workflow roles must belong to an org. not_found for an unknown user.
func (tx *Tx) SetUserRoles(userID int64, roles []runtime.Role, orgCode string, orgRoles []string) error {
	if len(orgRoles) > 0 && orgCode == "" {
		return runtime.Invalid("有机构角色的用户必须属于一个机构",
			runtime.FieldError{Pointer: "/orgCode", Message: "有机构角色的用户必须属于一个机构"})
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	res := tx.g.Exec("UPDATE users SET roles = ?, org_code = ? WHERE id = ?", strings.Join(names, ","), orgCode, userID)
	if res.Error != nil {
		return wrap(res.Error, "set user roles")
	}
	if res.RowsAffected == 0 {
		return notFound("用户不存在")
	}
	if err := tx.g.Exec("DELETE FROM user_org_roles WHERE user_id = ?", userID).Error; err != nil {
		return wrap(err, "set user roles")
	}
	for _, role := range orgRoles {
		err := tx.g.Exec(`INSERT INTO user_org_roles (user_id, org_code, role) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			userID, orgCode, role).Error
		if err != nil {
			return wrap(err, "set user roles")
		}
	}
	return nil
}

// User returns a user inside a unit of work; not_found if there is none.
func (tx *Tx) User(id int64) (*runtime.User, error) { return tx.user(id) }

// SweepAccounts deletes what has expired: sessions past their idle or absolute timeout, reset
// codes past their lifetime, lockout counters whose window and lock are over. Nothing depends
// on it for correctness — expired rows are refused when read — it keeps the tables small; run
// it every hour or so. It returns how many rows it deleted.
func (db *DB) SweepAccounts(ctx context.Context) (deleted int64, err error) {
	err = db.Write(ctx, func(tx *Tx) error {
		deleted = 0
		for _, s := range []struct {
			sql  string
			args []any
		}{
			{"DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?", []any{tx.now, tx.now.Add(-SessionIdle)}},
			{"DELETE FROM reset_codes WHERE expires_at <= ?", []any{tx.now}},
			{"DELETE FROM login_failures WHERE window_start <= ? AND (locked_until IS NULL OR locked_until <= ?)",
				[]any{tx.now.Add(-LockoutPeriod), tx.now}},
		} {
			res := tx.g.Exec(s.sql, s.args...)
			if res.Error != nil {
				return wrap(res.Error, "sweep accounts")
			}
			deleted += res.RowsAffected
		}
		return nil
	})
	return deleted, err
}
