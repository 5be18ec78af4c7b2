package account

import (
	"errors"
	"net/http"
	"strings"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/service"
)

// verifyFields is the verification page's one field.
var verifyFields = []field{{Name: "code", Label: "短信验证码", InputMode: "numeric", Autocomplete: "one-time-code", MaxLength: 6,
	Help: "发送到人口库登记手机号码（法人为法定代表人账户的手机号码）的 6 位数字"}}

type verifyData struct {
	// SentTo is where the code is texted, masked; "" when the account is verified at a window.
	SentTo string
	Fields []fieldView
}

// showVerify shows the verification page of an unverified account: the code form, or where
// there is nowhere to text one, the way to a window.
func (a *Accounts) showVerify(w http.ResponseWriter, r *http.Request, u *runtime.User, status int, f *form, notice, problem string) {
	to, err := a.svc.VerificationTarget(r.Context(), u)
	if err != nil && runtime.ErrorCode(err) != runtime.EINVALID {
		a.fail(w, r, err)
		return
	}
	a.render(w, r, status, "verify", view{Title: "实名核验", Notice: notice, Problem: problem, Data: verifyData{SentTo: to, Fields: f.view(verifyFields...)}})
}

func (a *Accounts) verifyForm(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	if !u.Unverified {
		http.Redirect(w, r, "/account/", http.StatusSeeOther)
		return
	}
	a.showVerify(w, r, u, http.StatusOK, newForm(), notice(r), "")
}

// verify checks the code typed (step verify) or texts a new one (step send).
func (a *Accounts) verify(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	if !u.Unverified {
		http.Redirect(w, r, "/account/", http.StatusSeeOther)
		return
	}
	ctx, ip := r.Context(), a.opts.ClientIP(r)
	f := newForm()
	if r.PostFormValue("step") == "send" {
		if err := a.svc.SendVerifyCode(ctx, u, ip); err != nil {
			a.formFailed(w, r, err, f, func(status int, problem string) { a.showVerify(w, r, u, status, f, "", problem) })
			return
		}
		a.showVerify(w, r, u, http.StatusOK, f, "验证码已重新发送，10 分钟内有效。", "")
		return
	}
	f.read(r, verifyFields...)
	var locked *service.LockedOut
	if err := a.svc.AddressLocked(ctx, ip); errors.As(err, &locked) {
		a.showVerify(w, r, u, http.StatusTooManyRequests, f, "", "您所在网络的尝试次数过多，请 "+a.timeLeft(locked.Until)+"后再试")
		return
	} else if err != nil {
		a.fail(w, r, err)
		return
	}
	if code := f.get("code"); len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		f.check("code", "请输入 6 位数字验证码")
		a.showVerify(w, r, u, http.StatusBadRequest, f, "", "请修改标出的问题后再提交")
		return
	}
	if err := a.svc.VerifyAccount(ctx, u, f.get("code"), ip); err != nil {
		a.formFailed(w, r, err, f, func(status int, problem string) { a.showVerify(w, r, u, status, f, "", problem) })
		return
	}
	http.Redirect(w, r, "/account/?msg=verified", http.StatusSeeOther)
}
