package account

import (
	"net/http"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/service"
)

// eventNames are the types as the audit log page shows them, in the order its filter lists them.
var eventNames = map[string]string{
	service.EventRegister: "注册", service.EventSignIn: "登录", service.EventSignOut: "退出", service.EventSignInFailed: "登录失败",
	service.EventLocked: "锁定", service.EventSignInRefused: "停用账户登录", service.EventPasswordChanged: "修改密码",
	service.EventPasswordChangeFailed: "修改密码失败", service.EventResetCodeSent: "发送重置验证码", service.EventResetFailed: "重置验证码错误",
	service.EventPasswordReset: "重置密码", service.EventUserDisabled: "停用账户", service.EventUserEnabled: "启用账户", service.EventRolesChanged: "修改角色",
}

var eventOrder = []string{service.EventRegister, service.EventSignIn, service.EventSignOut, service.EventSignInFailed, service.EventLocked, service.EventSignInRefused,
	service.EventPasswordChanged, service.EventPasswordChangeFailed, service.EventResetCodeSent, service.EventResetFailed, service.EventPasswordReset,
	service.EventUserDisabled, service.EventUserEnabled, service.EventRolesChanged}

// Record appends an entry about the signed-in user's action to the account audit log, with
// the request's client address: other pages use it for the actions that belong there (an
// administrator's change made elsewhere, say). userID is the account concerned.
func (a *Accounts) Record(r *http.Request, typ string, userID int64, detail string) error {
	e := runtime.AccountEvent{Type: typ, UserID: userID, IP: a.opts.ClientIP(r), Detail: detail}
	if u := a.User(r); u != nil && u.ID != userID {
		e.ActorID = u.ID
	}
	return a.svc.Record(r.Context(), e)
}
