package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
)

type userRow struct {
	ID           int64 `gorm:"primaryKey"`
	Name         string
	Kind         string
	IDNumber     string `gorm:"column:id_number"`
	USCC         string `gorm:"column:uscc"`
	Mobile       string
	OrgCode      string
	Roles        string // comma-separated platform roles
	DivisionCode string
	Disabled     bool
	Unverified   bool
	CreatedAt    time.Time
}

func (userRow) TableName() string { return "users" }

type userOrgRoleRow struct {
	UserID  int64  `gorm:"primaryKey;autoIncrement:false"`
	OrgCode string `gorm:"primaryKey"`
	Role    string `gorm:"primaryKey"`
}

func (userOrgRoleRow) TableName() string { return "user_org_roles" }

type apiTokenRow struct {
	TokenHash string `gorm:"primaryKey"`
	UserID    int64
	Name      string
	CreatedAt time.Time
	ExpiresAt *time.Time
}

func (apiTokenRow) TableName() string { return "api_tokens" }

// user reads a user with their workflow roles in their org.
func (tx *Tx) user(id int64) (*runtime.User, error) {
	var rows []userRow
	if err := tx.g.Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return nil, wrap(err, "get user")
	}
	if len(rows) == 0 {
		return nil, notFound("用户不存在")
	}
	r := rows[0]
	u := &runtime.User{ID: r.ID, Name: r.Name, Kind: r.Kind, IDNumber: r.IDNumber, USCC: r.USCC, Mobile: r.Mobile,
		OrgCode: r.OrgCode, DivisionCode: r.DivisionCode, Disabled: r.Disabled, Unverified: r.Unverified, CreatedAt: r.CreatedAt.UTC()}
	for _, s := range strings.Split(r.Roles, ",") {
		if s != "" {
			u.Roles = append(u.Roles, runtime.Role(s))
		}
	}
	var roles []string
	err := tx.g.Model(&userOrgRoleRow{}).Where("user_id = ? AND org_code = ?", id, r.OrgCode).Order("role").Pluck("role", &roles).Error
	if err != nil {
		return nil, wrap(err, "get user roles")
	}
	if len(roles) > 0 {
		u.OrgRoles = roles
	}
	return u, nil
}

// CreateUser stores a user and their workflow roles (OrgRoles) in their org, and returns the
// user with ID and CreatedAt.
func (db *DB) CreateUser(ctx context.Context, u runtime.User) (out *runtime.User, err error) {
	err = db.Write(ctx, func(tx *Tx) (err error) {
		out, err = tx.createUser(u)
		return err
	})
	return out, err
}

// createUser is CreateUser inside a unit of work.
func (tx *Tx) createUser(u runtime.User) (*runtime.User, error) {
	var fields []runtime.FieldError
	if u.Name == "" {
		fields = append(fields, runtime.FieldError{Pointer: "/name", Message: "缺少姓名或名称"})
	}
	if u.Kind == "" {
		fields = append(fields, runtime.FieldError{Pointer: "/kind", Message: "缺少用户类型"})
	}
	if len(u.OrgRoles) > 0 && u.OrgCode == "" {
		fields = append(fields, runtime.FieldError{Pointer: "/orgCode", Message: "有机构角色的用户必须属于一个机构"})
	}
	if fields != nil {
		return nil, runtime.Invalid("用户信息不完整", fields...)
	}
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	row := userRow{Name: u.Name, Kind: u.Kind, IDNumber: u.IDNumber, USCC: u.USCC, Mobile: u.Mobile,
		OrgCode: u.OrgCode, Roles: strings.Join(roles, ","), DivisionCode: u.DivisionCode, Disabled: u.Disabled,
		Unverified: u.Unverified, CreatedAt: tx.now}
	if err := tx.g.Create(&row).Error; err != nil {
		return nil, wrap(err, "insert user")
	}
	if err := tx.insertOrgRoles(row.ID, u.OrgCode, u.OrgRoles); err != nil {
		return nil, err
	}
	return tx.user(row.ID)
}

// insertOrgRoles gives a user workflow roles in an org.
func (tx *Tx) insertOrgRoles(userID int64, orgCode string, roles []string) error {
	for _, role := range roles {
		err := tx.g.Exec(`INSERT INTO user_org_roles (user_id, org_code, role) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			userID, orgCode, role).Error
		if err != nil {
			return wrap(err, "insert user role")
		}
	}
	return nil
}

// GetUser returns a user by ID; not_found if there is none.
func (db *DB) GetUser(ctx context.Context, id int64) (u *runtime.User, err error) {
	err = db.read(ctx, func(tx *Tx) (err error) {
		u, err = tx.user(id)
		return err
	})
	return u, err
}

// tokenPrefix marks tongban's API tokens, so that secret scanners can recognise leaked ones.
const tokenPrefix = "tb_"

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateToken makes an API token for a user and returns it. Only its SHA-256 is stored: the
// token is shown once and cannot be read back. A nil expiresAt never expires.
func (db *DB) CreateToken(ctx context.Context, userID int64, name string, expiresAt *time.Time) (string, error) {
	b := make([]byte, 32)
	rand.Read(b)
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	err := db.Write(ctx, func(tx *Tx) error {
		err := tx.g.Create(&apiTokenRow{TokenHash: tokenHash(token), UserID: userID, Name: name,
			CreatedAt: tx.now, ExpiresAt: storedTime(expiresAt)}).Error
		if isForeignKey(err) {
			return notFound("用户不存在")
		}
		return wrap(err, "insert token")
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// UserByToken returns the user a token belongs to. It returns unauthorized for a token that is
// unknown, revoked or expired, or whose user is disabled.
func (db *DB) UserByToken(ctx context.Context, token string) (u *runtime.User, err error) {
	denied := runtime.Errorf(runtime.EUNAUTHORIZED, "登录凭证无效或已过期，请重新登录")
	if !strings.HasPrefix(token, tokenPrefix) {
		return nil, denied
	}
	err = db.read(ctx, func(tx *Tx) error {
		var rows []apiTokenRow
		if err := tx.g.Where("token_hash = ?", tokenHash(token)).Limit(1).Find(&rows).Error; err != nil {
			return wrap(err, "find token")
		}
		if len(rows) == 0 || rows[0].ExpiresAt != nil && !rows[0].ExpiresAt.After(tx.now) {
			return denied
		}
		u, err = tx.user(rows[0].UserID)
		if err != nil {
			return err
		}
		if u.Disabled {
			return denied
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// RevokeToken deletes a token; revoking an unknown token does nothing.
func (db *DB) RevokeToken(ctx context.Context, token string) error {
	return db.Write(ctx, func(tx *Tx) error {
		return wrap(tx.g.Exec("DELETE FROM api_tokens WHERE token_hash = ?", tokenHash(token)).Error, "revoke token")
	})
}

// FindUser returns the first user with that name and kind in that org ("" for applicants), so
// that seeding the same people twice reuses them; not_found if there is none.
func (db *DB) FindUser(ctx context.Context, name, kind, orgCode string) (u *runtime.User, err error) {
	err = db.read(ctx, func(tx *Tx) error {
		var ids []int64
		if err := tx.g.Model(&userRow{}).Where("name = ? AND kind = ? AND org_code = ?", name, kind, orgCode).
			Order("id").Limit(1).Pluck("id", &ids).Error; err != nil {
			return wrap(err, "find user")
		}
		if len(ids) == 0 {
			return notFound("用户不存在")
		}
		u, err = tx.user(ids[0])
		return err
	})
	return u, err
}

// UserByIdentity finds an applicant by ID number (a person) or credit code (an enterprise);
// not_found if there is none.
func (db *DB) UserByIdentity(ctx context.Context, kind, idNumber, uscc string) (u *runtime.User, err error) {
	column, value := "id_number", idNumber
	if kind == "enterprise" {
		column, value = "uscc", uscc
	}
	err = db.read(ctx, func(tx *Tx) error {
		var ids []int64
		if err := tx.g.Model(&userRow{}).Where("kind = ? AND "+column+" = ?", kind, value).Order("id").Limit(1).Pluck("id", &ids).Error; err != nil {
			return wrap(err, "user by identity")
		}
		if len(ids) == 0 {
			return notFound("用户不存在")
		}
		u, err = tx.user(ids[0])
		return err
	})
	return u, err
}
