package service

import (
	"context"
	"fmt"
	"slices"

	"github.com/xuchang-gov/tongban/definitions/cn"
	"github.com/xuchang-gov/tongban/runtime"
)

// verifyText is the text of a verification code.
const verifyText = "您正在用本人身份注册许昌市政务服务网账户，实名核验验证码 %s，%d 分钟内有效。如非本人操作，说明有人在用您的身份信息注册，请勿将验证码告诉他人。"

// errRepUnverified refuses an enterprise whose legal representative has no verified account.
var errRepUnverified = runtime.Invalid("法定代表人尚未实名核验", runtime.FieldError{Pointer: "/legalIdNumber",
	Message: "法人账户须由法定代表人本人激活：请法定代表人先用本人身份证号注册个人账户并完成实名核验，再激活法人账户"})

// codeTarget checks a registration against the registers and says where its verification code
// goes: for a person the mobile number the population register holds ("" when none, or with no
// register connected); for an enterprise its legal representative's verified personal account's,
// without which it is refused.
func (a *Accounts) codeTarget(ctx context.Context, reg Registration) (string, error) {
	var id Identity
	if a.verify != nil {
		var err error
		if id, err = a.verify(ctx, reg); err != nil {
			return "", err
		}
	}
	if reg.Kind == "enterprise" {
		return a.repMobile(ctx, reg.IDNumber)
	}
	if !cn.ValidMobile(id.Mobile) {
		return "", nil
	}
	return id.Mobile, nil
}

// repMobile is the mobile number of the verified personal account of the legal representative
// with idNumber; invalid when there is none.
func (a *Accounts) repMobile(ctx context.Context, idNumber string) (string, error) {
	rep, err := a.store.FindAccount(ctx, "person", idNumber)
	switch {
	case runtime.ErrorCode(err) == runtime.ENOTFOUND:
		return "", errRepUnverified
	case err != nil:
		return "", err
	case rep.Unverified || rep.Disabled || rep.IDNumber != idNumber || !cn.ValidMobile(rep.Mobile):
		return "", errRepUnverified
	}
	return rep.Mobile, nil
}

// verificationTarget is where u's verification code goes now: codeTarget of what the account
// was registered with.
func (a *Accounts) verificationTarget(ctx context.Context, u *runtime.User) (string, error) {
	if !u.Unverified {
		return "", nil
	}
	if u.Kind == "enterprise" {
		return a.repMobile(ctx, u.IDNumber)
	}
	return a.codeTarget(ctx, Registration{Kind: "person", Name: u.Name, IDNumber: u.IDNumber})
}

// textVerifyCode texts a verification code for the user to mobile in the unit of work tx.
func (a *Accounts) textVerifyCode(tx runtime.AccountTx, userID int64, mobile, ip string) error {
	return a.textCode(tx, userID, mobile, ip, EventVerifyCodeSent, verifyText)
}

// VerificationTarget says, masked, where an unverified account's verification code is texted:
// the register's mobile number for a person, the legal representative's for an enterprise; ""
// when there is none and the account is verified at a window.
func (a *Accounts) VerificationTarget(ctx context.Context, u *runtime.User) (string, error) {
	to, err := a.verificationTarget(ctx, u)
	if to == "" || err != nil {
		return "", err
	}
	return MaskIdentifier(to), nil
}

// SendVerifyCode texts u a new verification code, at most one every ResetCodeInterval and
// MaxLoginFailures within LockoutPeriod (silently: the page says the same). invalid when the
// account has nowhere to text one: it is verified at a window.
func (a *Accounts) SendVerifyCode(ctx context.Context, u *runtime.User, ip string) error {
	to, err := a.verificationTarget(ctx, u)
	switch {
	case err != nil:
		return err
	case !u.Unverified:
		return nil
	case to == "":
		return runtime.Errorf(runtime.EINVALID, "人口库中没有您的手机号码，无法短信核验，请携带身份证到政务服务窗口核验")
	}
	return a.store.WriteAccounts(ctx, func(tx runtime.AccountTx) error { return a.textVerifyCode(tx, u.ID, to, ip) })
}

// VerifyAccount marks u verified if code is the verification code texted to them (see
// useCode): they have proved they hold the mobile number the register has for them.
func (a *Accounts) VerifyAccount(ctx context.Context, u *runtime.User, code, ip string) error {
	if !u.Unverified {
		return nil
	}
	return a.useCode(ctx, u.ID, code, ip, EventVerifyFailed, func(tx runtime.AccountTx) error {
		if err := tx.SetUserVerified(u.ID, true); err != nil {
			return err
		}
		if err := tx.DeleteResetCode(u.ID); err != nil {
			return err
		}
		return tx.RecordAccountEvent(runtime.AccountEvent{Type: EventVerified, UserID: u.ID, IP: ip, Detail: "短信验证码核验"})
	})
}

// UnverifiedAccount returns the account of kind ("person" or "enterprise") and key (ID number
// or credit code) that is waiting to be verified; not_found when there is none.
func (a *Accounts) UnverifiedAccount(ctx context.Context, kind, key string) (*runtime.User, error) {
	u, err := a.store.FindAccount(ctx, kind, NormalizeLogin(key))
	if err != nil {
		return nil, err
	}
	if !u.Unverified || (u.IDNumber != NormalizeLogin(key) && u.USCC != NormalizeLogin(key)) {
		return nil, runtime.Errorf(runtime.ENOTFOUND, "没有待核验的账户")
	}
	return u, nil
}

// VerifyAtWindow marks an unverified account verified by a clerk who has checked its holder's
// identity document in person, with the mobile number the holder gives there (which the account
// then has), and records who did it. forbidden for staff without a window role; invalid for a
// malformed mobile number; conflict for one another account has; not_found for an account that
// is not waiting to be verified.
func (a *Accounts) VerifyAtWindow(ctx context.Context, clerk *runtime.User, userID int64, mobile, ip string) error {
	// Those who accept cases at a window, and check identity documents there.
	if clerk == nil || clerk.Kind != "staff" || clerk.Disabled || !slices.Contains(clerk.Roles, runtime.RoleClerk) {
		return runtime.Errorf(runtime.EFORBIDDEN, "只有窗口受理人员可以核验账户")
	}
	if !cn.ValidMobile(mobile) {
		return runtime.Invalid("手机号码不正确", runtime.FieldError{Pointer: "/mobile", Message: "请填写申请人本人的 11 位手机号码"})
	}
	return a.store.WriteAccounts(ctx, func(tx runtime.AccountTx) error {
		u, err := tx.User(userID)
		if err != nil {
			return err
		}
		if !u.Unverified || (u.Kind != "person" && u.Kind != "enterprise") {
			return runtime.Errorf(runtime.ENOTFOUND, "没有待核验的账户")
		}
		taken, err := tx.MobileTaken(u.Kind, mobile, u.ID)
		if err != nil {
			return err
		}
		if taken {
			return &runtime.Error{Code: runtime.ECONFLICT, Message: "该手机号码已被其他账户使用",
				Fields: []runtime.FieldError{{Pointer: "/mobile", Message: "该手机号码已被其他账户使用"}}}
		}
		if err := tx.ClaimUser(u.ID, mobile, ""); err != nil {
			return err
		}
		if err := tx.SetUserVerified(u.ID, true); err != nil {
			return err
		}
		if err := tx.DeleteResetCode(u.ID); err != nil {
			return err
		}
		return tx.RecordAccountEvent(runtime.AccountEvent{Type: EventVerified, UserID: u.ID, ActorID: clerk.ID, IP: ip,
			Detail: fmt.Sprintf("窗口核验（%s），手机号码 %s", clerk.OrgCode, MaskIdentifier(mobile))})
	})
}
