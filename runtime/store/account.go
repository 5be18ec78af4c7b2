package store

// Accounts: users' password hashes, browser sessions, lockout counters, password reset codes
// and the account audit log, persisted for the account service (runtime/service), which
// decides everything about them: how passwords are hashed, when a session or a code expires,
// when an account is locked out.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"gorm.io/gorm"
)

var _ runtime.AccountStore = (*DB)(nil)

// accountTx is a unit of work as the account service sees it.
type accountTx struct{ tx *Tx }

var _ runtime.AccountTx = accountTx{}

func (a accountTx) Enqueue(m runtime.OutboxMessage) error {
	_, err := a.tx.Enqueue(m)
	return err
}

// WriteAccounts runs fn in one unit of work.
func (db *DB) WriteAccounts(ctx context.Context, fn func(runtime.AccountTx) error) error {
	return db.Write(ctx, func(tx *Tx) error { return fn(accountTx{tx}) })
}

type passwordRow struct {
	UserID    int64 `gorm:"primaryKey;autoIncrement:false"`
	Hash      string
	UpdatedAt time.Time
}

func (passwordRow) TableName() string { return "passwords" }

// PasswordHash returns the stored hash of a user's password; not_found when they have none.
func (db *DB) PasswordHash(ctx context.Context, userID int64) (string, error) {
	var stored []string
	err := db.read(ctx, func(tx *Tx) error {
		return wrap(tx.g.Model(&passwordRow{}).Where("user_id = ?", userID).Limit(1).Pluck("hash", &stored).Error, "get password")
	})
	if err != nil {
		return "", err
	}
	if len(stored) == 0 {
		return "", notFound("该账户没有密码")
	}
	return stored[0], nil
}

func (a accountTx) SetPasswordHash(userID int64, hash string) error {
	tx := a.tx
	err := tx.g.Exec(`INSERT INTO passwords (user_id, hash, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at`,
		userID, hash, tx.now).Error
	if isForeignKey(err) {
		return notFound("用户不存在")
	}
	if err != nil {
		return wrap(err, "set password")
	}
	if err := tx.deleteUserSessions(userID); err != nil {
		return err
	}
	return a.DeleteResetCode(userID)
}

func (a accountTx) ReplacePasswordHash(userID int64, old, hash string) error {
	return wrap(a.tx.g.Exec("UPDATE passwords SET hash = ?, updated_at = ? WHERE user_id = ? AND hash = ?",
		hash, a.tx.now, userID, old).Error, "replace password hash")
}

// loginColumn is the users column besides mobile that an account of kind signs in with.
func loginColumn(kind string) string {
	if kind == "enterprise" {
		return "uscc"
	}
	return "id_number"
}

// FindAccount returns the user of kind who has a password and signs in with login.
func (db *DB) FindAccount(ctx context.Context, kind, login string) (u *runtime.User, err error) {
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

func (a accountTx) AccountHolders(kind, key string) ([]runtime.AccountHolder, error) {
	tx := a.tx
	if tx.db.dialect == dialectPostgres {
		if err := tx.g.Exec("SELECT pg_advisory_xact_lock(?)", accountLock).Error; err != nil {
			return nil, wrap(err, "account holders")
		}
	}
	var rows []struct {
		ID       int64
		Password bool
	}
	err := tx.g.Raw(`SELECT u.id, p.user_id IS NOT NULL AS password FROM users u
		LEFT JOIN passwords p ON p.user_id = u.id
		WHERE u.kind = ? AND u.`+loginColumn(kind)+` = ? ORDER BY u.id`, kind, key).Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "account holders")
	}
	out := make([]runtime.AccountHolder, len(rows))
	for i, r := range rows {
		u, err := tx.user(r.ID)
		if err != nil {
			return nil, err
		}
		out[i] = runtime.AccountHolder{User: u, HasPassword: r.Password}
	}
	return out, nil
}

func (a accountTx) MobileTaken(kind, mobile string, except int64) (bool, error) {
	var taken int64
	err := a.tx.g.Raw(`SELECT COUNT(*) FROM users u JOIN passwords p ON p.user_id = u.id
		WHERE u.kind = ? AND u.mobile = ? AND u.id <> ?`, kind, mobile, except).Scan(&taken).Error
	return taken > 0, wrap(err, "mobile taken")
}

func (a accountTx) ClaimUser(id int64, mobile, legalIDNumber string) error {
	set := map[string]any{"mobile": mobile}
	if legalIDNumber != "" {
		set["id_number"] = legalIDNumber
	}
	res := a.tx.g.Model(&userRow{}).Where("id = ?", id).Updates(set)
	if res.Error != nil {
		return wrap(res.Error, "claim user")
	}
	if res.RowsAffected == 0 {
		return notFound("用户不存在")
	}
	return nil
}

func (a accountTx) User(id int64) (*runtime.User, error) { return a.tx.user(id) }

func (a accountTx) CreateUser(u runtime.User) (*runtime.User, error) { return a.tx.createUser(u) }

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

func (a accountTx) CreateSession(userID int64, ip string, at, expiresAt time.Time) (*runtime.Session, error) {
	tx := a.tx
	b := make([]byte, 32)
	rand.Read(b)
	s := &runtime.Session{ID: base64.RawURLEncoding.EncodeToString(b), UserID: userID, CreatedAt: at.UTC(),
		LastSeenAt: at.UTC(), ExpiresAt: expiresAt.UTC()}
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

// Session returns the session whose ID is id, with its user; not_found if there is none.
func (db *DB) Session(ctx context.Context, id string) (s *runtime.Session, u *runtime.User, err error) {
	err = db.read(ctx, func(tx *Tx) error {
		var rows []sessionRow
		if err := tx.g.Where("id_hash = ?", sessionHash(id)).Limit(1).Find(&rows).Error; err != nil {
			return wrap(err, "get session")
		}
		if len(rows) == 0 {
			return notFound("登录已过期")
		}
		r := rows[0]
		s = &runtime.Session{ID: id, UserID: r.UserID, CreatedAt: r.CreatedAt.UTC(), LastSeenAt: r.LastSeenAt.UTC(),
			ExpiresAt: r.ExpiresAt.UTC()}
		u, err = tx.user(r.UserID)
		return err
	})
	return s, u, err
}

func (a accountTx) TouchSession(id string, at time.Time) error {
	return wrap(a.tx.g.Exec("UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", at.UTC(), sessionHash(id)).Error, "touch session")
}

func (a accountTx) DeleteSession(id string) error {
	return wrap(a.tx.g.Exec("DELETE FROM sessions WHERE id_hash = ?", sessionHash(id)).Error, "delete session")
}

// deleteUserSessions ends every session of a user: they must sign in again everywhere.
func (tx *Tx) deleteUserSessions(userID int64) error {
	return wrap(tx.g.Exec("DELETE FROM sessions WHERE user_id = ?", userID).Error, "delete sessions")
}

type loginFailureRow struct {
	Subject     string `gorm:"primaryKey"`
	Failures    int
	WindowStart time.Time
	LockedUntil *time.Time
}

func (loginFailureRow) TableName() string { return "login_failures" }

func loginFailures(g *gorm.DB, subject string) (runtime.LoginFailures, error) {
	f, _, err := storedLoginFailures(g, subject)
	return f, err
}

// storedLoginFailures is a subject's lockout counter and whether it has a row.
func storedLoginFailures(g *gorm.DB, subject string) (runtime.LoginFailures, bool, error) {
	var rows []loginFailureRow
	if err := g.Where("subject = ?", subject).Limit(1).Find(&rows).Error; err != nil {
		return runtime.LoginFailures{}, false, wrap(err, "get login failures")
	}
	f := runtime.LoginFailures{Subject: subject}
	if len(rows) == 1 {
		f.Failures, f.WindowStart = rows[0].Failures, rows[0].WindowStart.UTC()
		if rows[0].LockedUntil != nil {
			f.LockedUntil = rows[0].LockedUntil.UTC()
		}
	}
	return f, len(rows) == 1, nil
}

// UpdateLoginFailures changes a subject's counter by update as one atomic step: the row is
// written only where it still holds what update was given — the statement that writes it checks
// it — and update is asked again when another writer came first.
func (a accountTx) UpdateLoginFailures(subject string, update func(runtime.LoginFailures) (runtime.LoginFailures, bool)) (runtime.LoginFailures, error) {
	for {
		cur, exists, err := storedLoginFailures(a.tx.g, subject)
		if err != nil {
			return cur, err
		}
		next, write := update(cur)
		if !write {
			return cur, nil
		}
		var until *time.Time
		if !next.LockedUntil.IsZero() {
			t := next.LockedUntil.UTC()
			until = &t
		}
		var res *gorm.DB
		if exists {
			res = a.tx.g.Exec(`UPDATE login_failures SET failures = ?, window_start = ?, locked_until = ?
				WHERE subject = ? AND failures = ? AND window_start = ?`,
				next.Failures, next.WindowStart.UTC(), until, subject, cur.Failures, cur.WindowStart)
		} else {
			res = a.tx.g.Exec(`INSERT INTO login_failures (subject, failures, window_start, locked_until) VALUES (?, ?, ?, ?)
				ON CONFLICT (subject) DO NOTHING`, subject, next.Failures, next.WindowStart.UTC(), until)
		}
		if res.Error != nil {
			return cur, wrap(res.Error, "update login failures")
		}
		if res.RowsAffected == 1 {
			next.Subject = subject
			return next, nil
		}
	}
}

// LoginFailures returns a subject's lockout counter (the zero counter when it has none).
func (db *DB) LoginFailures(ctx context.Context, subject string) (f runtime.LoginFailures, err error) {
	err = db.read(ctx, func(tx *Tx) (err error) {
		f, err = loginFailures(tx.g, subject)
		return err
	})
	return f, err
}

func (a accountTx) LoginFailures(subject string) (runtime.LoginFailures, error) {
	return loginFailures(a.tx.g, subject)
}

func (a accountTx) DeleteLoginFailures(subject string) error {
	return wrap(a.tx.g.Exec("DELETE FROM login_failures WHERE subject = ?", subject).Error, "delete login failures")
}

type resetCodeRow struct {
	UserID    int64 `gorm:"primaryKey;autoIncrement:false"`
	CodeHash  string
	Tries     int
	CreatedAt time.Time
	ExpiresAt time.Time
}

func (resetCodeRow) TableName() string { return "reset_codes" }

func (a accountTx) ResetCode(userID int64) (*runtime.ResetCode, error) {
	var rows []resetCodeRow
	if err := a.tx.g.Where("user_id = ?", userID).Limit(1).Find(&rows).Error; err != nil {
		return nil, wrap(err, "get reset code")
	}
	if len(rows) == 0 {
		return nil, notFound("没有待用的验证码")
	}
	r := rows[0]
	return &runtime.ResetCode{UserID: r.UserID, CodeHash: r.CodeHash, Tries: r.Tries, CreatedAt: r.CreatedAt.UTC(),
		ExpiresAt: r.ExpiresAt.UTC()}, nil
}

func (a accountTx) SaveResetCode(c runtime.ResetCode) error {
	err := a.tx.g.Exec(`INSERT INTO reset_codes (user_id, code_hash, tries, created_at, expires_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET code_hash = excluded.code_hash, tries = excluded.tries,
		created_at = excluded.created_at, expires_at = excluded.expires_at`,
		c.UserID, c.CodeHash, c.Tries, c.CreatedAt.UTC(), c.ExpiresAt.UTC()).Error
	if isForeignKey(err) {
		return notFound("用户不存在")
	}
	return wrap(err, "save reset code")
}

func (a accountTx) SetResetCodeTries(userID int64, tries int) error {
	return wrap(a.tx.g.Exec("UPDATE reset_codes SET tries = ? WHERE user_id = ?", tries, userID).Error, "set reset code tries")
}

func (a accountTx) DeleteResetCode(userID int64) error {
	return wrap(a.tx.g.Exec("DELETE FROM reset_codes WHERE user_id = ?", userID).Error, "delete reset code")
}

func (a accountTx) RecordAccountEvent(e runtime.AccountEvent) error {
	tx := a.tx
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

// ListAccountEvents returns a page of the account audit log, newest first, and how many
// entries the filter selects in all.
func (db *DB) ListAccountEvents(ctx context.Context, f runtime.AccountEventFilter) (events []runtime.AccountEvent, total int, err error) {
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
		events = make([]runtime.AccountEvent, len(rows))
		for i, r := range rows {
			e := runtime.AccountEvent{ID: r.ID, At: r.At.UTC(), Type: r.Type, Login: r.Login, IP: r.IP, Detail: r.Detail}
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

// ListUsers returns a page of users in the order they were created, and how many the filter
// selects in all.
func (db *DB) ListUsers(ctx context.Context, f runtime.UserFilter) (users []*runtime.User, total int, err error) {
	offset, limit := page(f.Offset, f.Limit)
	err = db.read(ctx, func(tx *Tx) error {
		q := tx.g.Model(&userRow{})
		if f.Kind != "" {
			q = q.Where("kind = ?", f.Kind)
		}
		if s := strings.TrimSpace(f.Query); s != "" {
			like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s) + "%"
			n := strings.ToUpper(s) // identifiers are stored in upper case
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

func (a accountTx) SetUserVerified(userID int64, verified bool) error {
	res := a.tx.g.Exec("UPDATE users SET unverified = ? WHERE id = ?", !verified, userID)
	if res.Error != nil {
		return wrap(res.Error, "set user verified")
	}
	if res.RowsAffected == 0 {
		return notFound("用户不存在")
	}
	return nil
}

func (a accountTx) SetUserDisabled(userID int64, disabled bool) error {
	res := a.tx.g.Exec("UPDATE users SET disabled = ? WHERE id = ?", disabled, userID)
	if res.Error != nil {
		return wrap(res.Error, "set user disabled")
	}
	if res.RowsAffected == 0 {
		return notFound("用户不存在")
	}
	if disabled {
		return a.tx.deleteUserSessions(userID)
	}
	return nil
}

func (a accountTx) SetUserRoles(userID int64, roles []runtime.Role, orgCode string, orgRoles []string) error {
	tx := a.tx
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
	return tx.insertOrgRoles(userID, orgCode, orgRoles)
}

// SweepAccounts deletes what s says has expired and returns how many rows it deleted.
func (db *DB) SweepAccounts(ctx context.Context, s runtime.AccountSweep) (deleted int64, err error) {
	err = db.Write(ctx, func(tx *Tx) error {
		deleted = 0
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{"DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?", []any{s.Now.UTC(), s.IdleSince.UTC()}},
			{"DELETE FROM reset_codes WHERE expires_at <= ?", []any{s.Now.UTC()}},
			{"DELETE FROM login_failures WHERE window_start <= ? AND (locked_until IS NULL OR locked_until <= ?)",
				[]any{s.WindowsBefore.UTC(), s.Now.UTC()}},
		} {
			res := tx.g.Exec(q.sql, q.args...)
			if res.Error != nil {
				return wrap(res.Error, "sweep accounts")
			}
			deleted += res.RowsAffected
		}
		return nil
	})
	return deleted, err
}
