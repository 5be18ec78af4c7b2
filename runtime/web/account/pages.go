package account

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/service"
)

// maxFormBytes bounds a posted account form: a few short fields.
const maxFormBytes = 64 << 10

func (a *Accounts) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /account/{$}", a.signedIn(a.home))
	m.HandleFunc("GET /account/register", a.registerForm)
	m.HandleFunc("POST /account/register", a.posted(a.register))
	m.HandleFunc("GET /account/verify", a.signedIn(a.verifyForm))
	m.HandleFunc("POST /account/verify", a.posted(a.signedIn(a.verify)))
	m.HandleFunc("GET /account/login", a.loginForm)
	m.HandleFunc("POST /account/login", a.posted(a.login))
	m.HandleFunc("POST /account/logout", a.posted(a.logout))
	m.HandleFunc("POST /account/session", a.posted(a.extend))
	m.HandleFunc("GET /account/reset", a.resetForm)
	m.HandleFunc("POST /account/reset", a.posted(a.reset))
	m.HandleFunc("GET /account/password", a.signedIn(a.passwordForm))
	m.HandleFunc("POST /account/password", a.posted(a.signedIn(a.changePassword)))
	a.adminRoutes(m)
	notFound := func(w http.ResponseWriter, r *http.Request) {
		a.fail(w, r, runtime.Errorf(runtime.ENOTFOUND, "页面不存在"))
	}
	m.HandleFunc("/account/", notFound)
	m.HandleFunc("/admin/", notFound)
	a.mux = m
}

// posted parses a posted form within maxFormBytes and refuses it with a 403 page unless it
// carries the session's CSRF token.
func (a *Accounts) posted(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			a.fail(w, r, runtime.Errorf(runtime.EINVALID, "提交的内容无法识别"))
			return
		}
		if err := a.CheckCSRF(r); err != nil {
			a.fail(w, r, err)
			return
		}
		h(w, r)
	}
}

// signedIn runs h for a signed-in user and sends visitors to sign in first.
func (a *Accounts) signedIn(h func(w http.ResponseWriter, r *http.Request, u *runtime.User)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u := a.User(r)
		if u == nil {
			http.Redirect(w, r, loginURL(r), http.StatusSeeOther)
			return
		}
		h(w, r, u)
	}
}

// notices are the messages a page shows after a redirect, chosen by its msg parameter.
var notices = map[string]string{
	"registered":       "注册成功，已为您登录。",
	"unverified":       "注册成功，已为您登录。请完成实名核验后再申办。",
	"verified":         "实名核验已完成，现在可以在网上申办了。",
	"password-changed": "密码已修改，您在其他设备上的登录已全部退出。",
	"signed-out":       "您已安全退出。",
	"reset":            "密码已重置，请使用新密码登录。",
	"disabled":         "账户已停用，该用户的登录已全部退出。",
	"enabled":          "账户已启用。",
	"roles":            "角色已保存。",
}

func notice(r *http.Request) string { return notices[r.URL.Query().Get("msg")] }

// timeLeft says in whole minutes, rounded up, how long until t.
func (a *Accounts) timeLeft(t time.Time) string {
	return fmt.Sprintf("%d 分钟", max(1, int(math.Ceil(t.Sub(a.svc.Now()).Minutes()))))
}

// accountKind is the kind of account a form names: person unless enterprise or staff.
func accountKind(s string) string {
	if s == "enterprise" || s == "staff" {
		return s
	}
	return "person"
}

type kindOption struct {
	Value, Label string
	Checked      bool
}

func kindOptions(kind string, kinds ...string) []kindOption {
	out := make([]kindOption, len(kinds))
	for i, k := range kinds {
		out[i] = kindOption{Value: k, Label: kindNames[k], Checked: k == kind}
	}
	return out
}

func (a *Accounts) home(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	a.render(w, r, http.StatusOK, "home", view{Title: "我的账户", Notice: notice(r), Data: u})
}

// Registration.

var (
	passwordField  = field{Name: "password", Label: "设置密码", Type: "password", Autocomplete: "new-password", MaxLength: service.MaxPasswordLength, Help: PasswordHelp}
	password2Field = field{Name: "password2", Label: "确认密码", Type: "password", Autocomplete: "new-password", MaxLength: service.MaxPasswordLength}
	mobileField    = field{Name: "mobile", Label: "手机号码", Type: "tel", InputMode: "numeric", Autocomplete: "tel", MaxLength: 11,
		Help: "用于登录和接收验证码；人口库登记有您的手机号码的，核验验证码发到登记的号码，账户以该号码为准"}

	personFields = []field{
		{Name: "name", Label: "真实姓名", Autocomplete: "name", MaxLength: 50},
		{Name: "idNumber", Label: "身份证号", Autocomplete: "username", MaxLength: 18, Help: "18 位居民身份证号码，末位可能是 X"},
		mobileField, passwordField, password2Field,
	}
	enterpriseFields = []field{
		{Name: "name", Label: "企业名称", Autocomplete: "organization", MaxLength: 100, Help: "与营业执照上的名称一致"},
		{Name: "uscc", Label: "统一社会信用代码", Autocomplete: "username", MaxLength: 18, Help: "营业执照上的 18 位代码"},
		{Name: "legalName", Label: "法定代表人姓名", MaxLength: 50},
		{Name: "legalIdNumber", Label: "法定代表人身份证号", MaxLength: 18},
		{Name: "mobile", Label: "企业联系手机号码", Type: "tel", InputMode: "numeric", Autocomplete: "tel", MaxLength: 11, Help: "用于登录；激活的验证码发到法定代表人个人账户的手机号码"},
		passwordField, password2Field,
	}
)

type registerData struct {
	Kind   string
	Fields []fieldView
}

func (a *Accounts) showRegister(w http.ResponseWriter, r *http.Request, status int, kind string, f *form, problem string) {
	fields := personFields
	if kind == "enterprise" {
		fields = enterpriseFields
	}
	title := map[string]string{"person": "个人注册", "enterprise": "法人注册"}[kind]
	a.render(w, r, status, "register", view{Title: title, Problem: problem, Data: registerData{Kind: kind, Fields: f.view(fields...)}})
}

func (a *Accounts) registerForm(w http.ResponseWriter, r *http.Request) {
	kind := "person"
	if r.URL.Query().Get("kind") == "enterprise" {
		kind = "enterprise"
	}
	a.showRegister(w, r, http.StatusOK, kind, newForm(), "")
}

// register creates a citizen's account, or activates an enterprise's by its legal
// representative, and signs them in.
func (a *Accounts) register(w http.ResponseWriter, r *http.Request) {
	kind := "person"
	fields := personFields
	if r.PostFormValue("kind") == "enterprise" {
		kind, fields = "enterprise", enterpriseFields
	}
	f := newForm()
	f.read(r, fields...)
	for _, name := range []string{"idNumber", "uscc", "legalIdNumber"} {
		if v, ok := f.values[name]; ok {
			f.values[name] = strings.ToUpper(v)
		}
	}
	reg := service.Registration{Kind: kind, Name: f.get("name"), Mobile: f.get("mobile")}
	if kind == "person" {
		reg.IDNumber = f.get("idNumber")
		f.check("name", personNameProblem(reg.Name))
		f.check("idNumber", idNumberProblem(reg.IDNumber))
	} else {
		reg.USCC, reg.LegalName, reg.IDNumber = f.get("uscc"), f.get("legalName"), f.get("legalIdNumber")
		f.check("name", orgNameProblem(reg.Name))
		f.check("uscc", usccProblem(reg.USCC))
		if reg.LegalName == "" {
			f.check("legalName", "请填写法定代表人姓名")
		}
		f.check("legalName", personNameProblem(reg.LegalName))
		f.check("legalIdNumber", idNumberProblem(reg.IDNumber))
	}
	f.check("mobile", mobileProblem(reg.Mobile))
	password := f.get("password")
	f.check("password", service.PasswordProblem(password, reg.IDNumber, reg.USCC, reg.Mobile))
	if f.get("password2") != password {
		f.check("password2", "两次输入的密码不一致")
	}
	if !f.ok() {
		a.showRegister(w, r, http.StatusBadRequest, kind, f, "请修改标出的问题后再提交")
		return
	}
	u, session, err := a.svc.Register(r.Context(), reg, password, a.opts.ClientIP(r), stateOf(r).sessionID)
	if err != nil {
		a.formFailed(w, r, err, f, func(status int, problem string) { a.showRegister(w, r, status, kind, f, problem) })
		return
	}
	a.setSession(w, session)
	if u.Unverified {
		http.Redirect(w, r, "/account/verify?msg=unverified", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/account/?msg=registered", http.StatusSeeOther)
}

// formFailed shows a form again with a domain error's messages beside its fields, or the
// error page for errors that are not about the form. An outside system that did not answer
// shows the form again too, with its message on top, so that what was typed is kept for the
// retry the message asks for.
func (a *Accounts) formFailed(w http.ResponseWriter, r *http.Request, err error, f *form, show func(status int, problem string)) {
	switch code := runtime.ErrorCode(err); code {
	case runtime.EINVALID, runtime.ECONFLICT:
		problem := f.absorb(err)
		if problem == "" {
			problem = "请修改标出的问题后再提交"
		}
		show(runtime.HTTPStatus(code), problem)
	case runtime.EUNAVAILABLE:
		show(runtime.HTTPStatus(code), runtime.ErrorMessage(err))
	default:
		a.fail(w, r, err)
	}
}

// Sign-in and sign-out.

var loginFields = []field{
	{Name: "login", Label: "证件号码或手机号码", Autocomplete: "username", MaxLength: 18,
		Help: "个人和工作人员填写身份证号，法人填写统一社会信用代码，也可填写登记的手机号码"},
	{Name: "password", Label: "密码", Type: "password", Autocomplete: "current-password", MaxLength: service.MaxPasswordLength},
}

type loginData struct {
	Kinds  []kindOption
	Fields []fieldView
	Next   string
}

func (a *Accounts) showLogin(w http.ResponseWriter, r *http.Request, status int, kind, next string, f *form, problem string) {
	a.render(w, r, status, "login", view{Title: "登录", Notice: notice(r), Problem: problem, Data: loginData{
		Kinds: kindOptions(kind, "person", "enterprise", "staff"), Fields: f.view(loginFields...), Next: next}})
}

func (a *Accounts) loginForm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	next, kind := localPath(q.Get("next")), q.Get("kind")
	if kind == "" && staffPages(next) {
		kind = "staff"
	}
	a.showLogin(w, r, http.StatusOK, accountKind(kind), next, newForm(), "")
}

// staffPages tells whether a path is one of the pages only staff use (workbench, admin,
// studio), whose sign-in therefore starts on 工作人员.
func staffPages(path string) bool {
	for _, p := range []string{"/work/", "/admin/", "/designer/"} {
		if strings.HasPrefix(path, p) || path == strings.TrimSuffix(p, "/") {
			return true
		}
	}
	return false
}

// loginProblem says what is wrong with a sign-in name, or "": no account has one longer than
// an ID number, so longer ones are refused before they reach the lockout counters.
func loginProblem(login string) string {
	switch {
	case login == "":
		return "请填写证件号码或手机号码"
	case utf8.RuneCountInString(login) > 18:
		return "证件号码或手机号码不正确"
	}
	return ""
}

// login signs a user in with their ID number, credit code or mobile number and password; the
// service locks out the account and the address after too many failures.
func (a *Accounts) login(w http.ResponseWriter, r *http.Request) {
	kind, next := accountKind(r.PostFormValue("kind")), localPath(r.PostFormValue("next"))
	f := newForm()
	f.read(r, loginFields...)
	show := func(status int, problem string) { a.showLogin(w, r, status, kind, next, f, problem) }
	f.check("login", loginProblem(f.get("login")))
	if f.get("password") == "" {
		f.check("password", "请输入密码")
	}
	if !f.ok() {
		show(http.StatusBadRequest, "")
		return
	}
	_, session, err := a.svc.SignIn(r.Context(), service.SignIn{Kind: kind, Login: f.get("login"), Password: f.get("password"),
		IP: a.opts.ClientIP(r), Replaces: stateOf(r).sessionID})
	var locked *service.LockedOut
	switch code := runtime.ErrorCode(err); {
	case errors.As(err, &locked) && locked.Address:
		show(http.StatusTooManyRequests, "您所在网络的登录失败次数过多，请 "+a.timeLeft(locked.Until)+"后再试")
	case locked != nil:
		show(http.StatusTooManyRequests, "登录失败次数过多，账户已锁定，请 "+a.timeLeft(locked.Until)+"后再试，或通过“忘记密码”重置密码")
	case code == runtime.ECONFLICT:
		f.check("login", runtime.ErrorMessage(err))
		show(http.StatusConflict, "")
	case code == runtime.EUNAUTHORIZED, code == runtime.EFORBIDDEN:
		show(runtime.HTTPStatus(code), runtime.ErrorMessage(err))
	case err != nil:
		a.fail(w, r, err)
	default:
		a.setSession(w, session)
		http.Redirect(w, r, next, http.StatusSeeOther)
	}
}

// setSession gives the browser its new session's cookie.
func (a *Accounts) setSession(w http.ResponseWriter, s *runtime.Session) {
	http.SetCookie(w, a.cookie(a.sessionCookie, s.ID))
}

// extend keeps a signed-in session alive: the page's 延长登录 (static/site.js) posts here, and
// Middleware has noted the request as the session's last use. A session already expired gets
// 401, so that the page can say so instead of following a redirect to the sign-in form.
func (a *Accounts) extend(w http.ResponseWriter, r *http.Request) {
	if a.User(r) == nil {
		http.Error(w, "登录已过期，请重新登录", http.StatusUnauthorized)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

func (a *Accounts) logout(w http.ResponseWriter, r *http.Request) {
	if st := stateOf(r); st.sessionID != "" {
		if err := a.svc.SignOut(r.Context(), st.sessionID, st.user.ID, a.opts.ClientIP(r)); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	a.clearCookie(w, a.sessionCookie)
	http.Redirect(w, r, "/account/login?msg=signed-out", http.StatusSeeOther)
}

// Password reset by SMS code.

var (
	resetLoginField = field{Name: "login", Label: "证件号码或手机号码", Autocomplete: "username", MaxLength: 18,
		Help: "个人填写身份证号，法人填写统一社会信用代码，也可填写登记的手机号码"}
	resetFields = []field{
		{Name: "code", Label: "短信验证码", InputMode: "numeric", Autocomplete: "one-time-code", MaxLength: 6,
			Help: "发送到账户登记手机号码的 6 位数字"},
		{Name: "password", Label: "新密码", Type: "password", Autocomplete: "new-password", MaxLength: service.MaxPasswordLength, Help: PasswordHelp},
		{Name: "password2", Label: "确认新密码", Type: "password", Autocomplete: "new-password", MaxLength: service.MaxPasswordLength},
	}
)

type resetData struct {
	Step   string // "request" or "code"
	Kinds  []kindOption
	Kind   string
	Login  string
	Fields []fieldView
}

func (a *Accounts) showReset(w http.ResponseWriter, r *http.Request, status int, step, kind string, f *form, notice, problem string) {
	d := resetData{Step: step, Kind: kind, Kinds: kindOptions(kind, "person", "enterprise", "staff"), Login: f.get("login")}
	if step == "request" {
		d.Fields = f.view(resetLoginField)
	} else {
		d.Fields = f.view(resetFields...)
	}
	a.render(w, r, status, "reset", view{Title: "找回密码", Notice: notice, Problem: problem, Data: d})
}

func (a *Accounts) resetForm(w http.ResponseWriter, r *http.Request) {
	a.showReset(w, r, http.StatusOK, "request", accountKind(r.URL.Query().Get("kind")), newForm(), "", "")
}

// codeSentNotice is shown whether or not the account exists, so that the page does not tell.
const codeSentNotice = "如果该账户存在并登记了手机号码，验证码已发送到该号码，10 分钟内有效。"

// reset serves both steps: "send" texts a code to the account's mobile number, "reset" sets
// the new password with it.
func (a *Accounts) reset(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	kind := accountKind(r.PostFormValue("kind"))
	f := newForm()
	f.read(r, resetLoginField)
	login := service.NormalizeLogin(f.get("login"))
	if problem := loginProblem(login); problem != "" {
		f.check("login", problem)
		a.showReset(w, r, http.StatusBadRequest, "request", kind, f, "", "")
		return
	}
	u, err := a.svc.FindAccount(ctx, kind, login)
	if code := runtime.ErrorCode(err); code == runtime.ECONFLICT {
		f.check("login", runtime.ErrorMessage(err))
		a.showReset(w, r, http.StatusConflict, "request", kind, f, "", "")
		return
	} else if code != "" && code != runtime.ENOTFOUND {
		a.fail(w, r, err)
		return
	}
	if r.PostFormValue("step") != "reset" {
		var locked *service.LockedOut
		if err := a.svc.SendResetCode(ctx, u, a.opts.ClientIP(r)); errors.As(err, &locked) {
			a.showReset(w, r, http.StatusTooManyRequests, "request", kind, f, "", "您所在网络获取验证码的次数过多，请 "+a.timeLeft(locked.Until)+"后再试")
			return
		} else if err != nil {
			a.fail(w, r, err)
			return
		}
		a.showReset(w, r, http.StatusOK, "code", kind, f, codeSentNotice, "")
		return
	}

	f.read(r, resetFields...)
	show := func(status int, problem string) { a.showReset(w, r, status, "code", kind, f, "", problem) }
	ip := a.opts.ClientIP(r)
	var locked *service.LockedOut
	if err := a.svc.AddressLocked(ctx, ip); errors.As(err, &locked) {
		show(http.StatusTooManyRequests, "您所在网络的尝试次数过多，请 "+a.timeLeft(locked.Until)+"后再试")
		return
	} else if err != nil {
		a.fail(w, r, err)
		return
	}
	code, password := f.get("code"), f.get("password")
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		f.check("code", "请输入 6 位数字验证码")
	}
	if u != nil {
		f.check("password", service.PasswordProblem(password, u.IDNumber, u.USCC, u.Mobile))
	} else {
		f.check("password", service.PasswordProblem(password, login))
	}
	if f.get("password2") != password {
		f.check("password2", "两次输入的密码不一致")
	}
	if !f.ok() {
		show(http.StatusBadRequest, "请修改标出的问题后再提交")
		return
	}
	err = a.svc.ResetPassword(ctx, u, code, password, ip)
	if runtime.ErrorCode(err) == runtime.EINVALID {
		f.absorb(err)
		show(http.StatusBadRequest, "")
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/account/login?msg=reset&kind="+kind, http.StatusSeeOther)
}

// Password change.

var passwordFields = []field{
	{Name: "current", Label: "当前密码", Type: "password", Autocomplete: "current-password", MaxLength: service.MaxPasswordLength},
	{Name: "password", Label: "新密码", Type: "password", Autocomplete: "new-password", MaxLength: service.MaxPasswordLength, Help: PasswordHelp},
	{Name: "password2", Label: "确认新密码", Type: "password", Autocomplete: "new-password", MaxLength: service.MaxPasswordLength},
}

func (a *Accounts) showPassword(w http.ResponseWriter, r *http.Request, status int, f *form, problem string) {
	a.render(w, r, status, "password", view{Title: "修改密码", Problem: problem, Data: f.view(passwordFields...)})
}

func (a *Accounts) passwordForm(w http.ResponseWriter, r *http.Request, _ *runtime.User) {
	a.showPassword(w, r, http.StatusOK, newForm(), "")
}

// changePassword sets a new password after checking the current one. A wrong current password
// counts as a failed sign-in, so that a borrowed session cannot be used to guess it. Every
// session of the user ends; this browser gets a new one.
func (a *Accounts) changePassword(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	ctx := r.Context()
	f := newForm()
	f.read(r, passwordFields...)
	var locked *service.LockedOut
	if err := a.svc.AccountLocked(ctx, u.ID); errors.As(err, &locked) {
		a.showPassword(w, r, http.StatusTooManyRequests, f, "尝试次数过多，请 "+a.timeLeft(locked.Until)+"后再试")
		return
	} else if err != nil {
		a.fail(w, r, err)
		return
	}
	current, password := f.get("current"), f.get("password")
	if current == "" {
		f.check("current", "请输入当前密码")
	}
	f.check("password", service.PasswordProblem(password, u.IDNumber, u.USCC, u.Mobile))
	if password != "" && password == current {
		f.check("password", "新密码不能与当前密码相同")
	}
	if f.get("password2") != password {
		f.check("password2", "两次输入的密码不一致")
	}
	if !f.ok() {
		a.showPassword(w, r, http.StatusBadRequest, f, "请修改标出的问题后再提交")
		return
	}
	session, err := a.svc.ChangePassword(ctx, u, current, password, a.opts.ClientIP(r))
	switch {
	case errors.As(err, &locked):
		f.absorb(err)
		a.showPassword(w, r, http.StatusTooManyRequests, f, "尝试次数过多，请 "+a.timeLeft(locked.Until)+"后再试")
		return
	case runtime.ErrorCode(err) == runtime.EINVALID:
		f.absorb(err)
		a.showPassword(w, r, http.StatusBadRequest, f, "")
		return
	case err != nil:
		a.fail(w, r, err)
		return
	}
	a.setSession(w, session)
	http.Redirect(w, r, "/account/?msg=password-changed", http.StatusSeeOther)
}
