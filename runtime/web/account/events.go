package account

import (
	"net/http"

	"github.com/xuchang-gov/tongban/runtime/store"
)

// The types of the account audit log's entries (store.AccountEvent.Type).
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
)

// eventNames are the types as the audit log page shows them, in the order its filter lists them.
var eventNames = map[string]string{
	EventRegister: "注册", EventSignIn: "登录", EventSignOut: "退出", EventSignInFailed: "登录失败",
	EventLocked: "锁定", EventSignInRefused: "停用账户登录", EventPasswordChanged: "修改密码",
	EventPasswordChangeFailed: "修改密码失败", EventResetCodeSent: "发送重置验证码", EventResetFailed: "重置验证码错误",
	EventPasswordReset: "重置密码", EventUserDisabled: "停用账户", EventUserEnabled: "启用账户", EventRolesChanged: "修改角色",
}

var eventOrder = []string{EventRegister, EventSignIn, EventSignOut, EventSignInFailed, EventLocked, EventSignInRefused,
	EventPasswordChanged, EventPasswordChangeFailed, EventResetCodeSent, EventResetFailed, EventPasswordReset,
	EventUserDisabled, EventUserEnabled, EventRolesChanged}

// Record appends an entry about the signed-in user's action to the account audit log, with
// the request's client address: other pages use it for the actions that belong there (an
// administrator's change made elsewhere, say). userID is the account concerned.
func (a *Accounts) Record(r *http.Request, typ string, userID int64, detail string) error {
	e := store.AccountEvent{Type: typ, UserID: userID, IP: a.opts.ClientIP(r), Detail: detail}
	if u := a.User(r); u != nil && u.ID != userID {
		e.ActorID = u.ID
	}
	return a.db.RecordAccountEvent(r.Context(), e)
}
