package account_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/service"
)

func personForm(name, id, mobile, password, confirm string) url.Values {
	return url.Values{"kind": {"person"}, "name": {name}, "idNumber": {id}, "mobile": {mobile},
		"password": {password}, "password2": {confirm}}
}

func TestRegister(t *testing.T) {
	enterprise := func(mod func(url.Values)) url.Values {
		v := url.Values{"kind": {"enterprise"}, "name": {"许昌瑞祥置业有限公司"}, "uscc": {uscc("91411003MA9KXY7Q8")},
			"legalName": {"王建国"}, "legalIdNumber": {idNumber(51)}, "mobile": {"18637401234"},
			"password": {goodPassword}, "password2": {goodPassword}}
		if mod != nil {
			mod(v)
		}
		return v
	}
	tests := []struct {
		name  string
		form  url.Values
		field string // the field whose error is expected; "" for success
		want  string // part of the message beside it
	}{
		{"person", personForm("张伟", idNumber(31), "13803741234", goodPassword, goodPassword), "", ""},
		{"person with lower-case x", personForm("张伟", strings.ToLower(idNumber(31)), "13803741234", goodPassword, goodPassword), "", ""},
		{"enterprise by its legal representative", enterprise(nil), "", ""},
		{"enterprise whose legal representative has no account", enterprise(func(v url.Values) { v.Set("legalIdNumber", idNumber(52)) }),
			"legalIdNumber", "法人账户须由法定代表人本人激活"},
		{"bad ID checksum", personForm("张伟", badIDNumber(31), "13803741234", goodPassword, goodPassword), "idNumber", "校验不通过"},
		{"short ID number", personForm("张伟", "41100219860512", "13803741234", goodPassword, goodPassword), "idNumber", "应为 18 位"},
		{"no name", personForm("", idNumber(31), "13803741234", goodPassword, goodPassword), "name", "请填写真实姓名"},
		{"bad mobile", personForm("张伟", idNumber(31), "1380374123", goodPassword, goodPassword), "mobile", "11 位手机号码"},
		{"confirmation differs", personForm("张伟", idNumber(31), "13803741234", goodPassword, goodPassword+"x"), "password2", "两次输入的密码不一致"},
		{"weak password", personForm("张伟", idNumber(31), "13803741234", "password", "password"), "password", "至少需要 10 位"},
		{"password holds the ID number", personForm("张伟", idNumber(31), "13803741234", "Ab!"+idNumber(31), "Ab!"+idNumber(31)), "password", "不能包含证件号码"},
		{"enterprise bad USCC checksum", enterprise(func(v url.Values) { v.Set("uscc", "91411003MA9KXY7Q80") }), "uscc", "校验不通过"},
		{"enterprise bad legal representative ID", enterprise(func(v url.Values) { v.Set("legalIdNumber", badIDNumber(51)) }), "legalIdNumber", "校验不通过"},
		{"enterprise without legal representative", enterprise(func(v url.Values) { v.Del("legalName") }), "legalName", "请填写法定代表人姓名"},
		{"script in the name", personForm(`<script>alert(1)</script>`, idNumber(31), "13803741234", goodPassword, goodPassword), "name", "姓名只能包含"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			b := h.browser()
			page := "/account/register"
			users := 0
			if tc.form.Get("kind") == "enterprise" {
				page += "?kind=enterprise"
				// The legal representative's own account, verified.
				h.person("王建国", 51, "13700370051", goodPassword)
				users = 1
			}
			r := b.submit(page, "/account/register", tc.form)
			if tc.field == "" {
				// Registered and signed in, but not yet verified: the harness's register (none)
				// holds no mobile number for a person, who is sent to a window; an enterprise's
				// code goes to its legal representative.
				if r.Status != http.StatusSeeOther || r.Location != "/account/verify?msg=unverified" {
					t.Fatalf("status %d, location %q, problem %q\n%s", r.Status, r.Location, problem(r.Body), r.Body)
				}
				verify := b.get(r.Location)
				mustContain(t, verify.Body, "注册成功", "实名核验")
				if tc.form.Get("kind") == "enterprise" {
					mustContain(t, verify.Body, "验证码已发送到 137****0051")
					if code := h.lastCode("13700370051"); code == "" {
						t.Fatal("no code texted to the legal representative")
					}
				} else {
					mustContain(t, verify.Body, "请携带本人身份证到任一政务服务窗口")
				}
				home := b.get("/account/")
				mustContain(t, home.Body, tc.form.Get("name"), "未核验，暂不能申办")
				login := idNumber(31)
				if tc.form.Get("kind") == "enterprise" {
					login = tc.form.Get("uscc")
				}
				u, err := h.db.FindAccount(ctx, tc.form.Get("kind"), login)
				if err != nil || u.Mobile != tc.form.Get("mobile") {
					t.Fatalf("account %+v, %v", u, err)
				}
				if len(h.events(service.EventRegister)) != 1 || len(h.events(service.EventSignIn)) != 1 {
					t.Fatal("registration and sign-in not both recorded")
				}
				return
			}
			if r.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400\n%s", r.Status, r.Body)
			}
			if got := fieldError(r.Body, tc.field); !strings.Contains(got, tc.want) {
				t.Fatalf("beside %s: %q, want %q\n%s", tc.field, got, tc.want, r.Body)
			}
			if n := h.userCount(); n != users {
				t.Fatalf("%d users stored after a refused registration", n-users)
			}
			if strings.Contains(r.Body, "<script>alert") {
				t.Fatal("the name was echoed as markup")
			}
			if strings.Contains(r.Body, `value="`+goodPassword) {
				t.Fatal("the password was echoed back")
			}
		})
	}
}

func TestRegisterTwice(t *testing.T) {
	h := newHarness(t)
	h.person("张伟", 31, "13803741234", goodPassword)
	tests := []struct {
		name, id, mobile, field, want string
	}{
		{"same ID number", idNumber(31), "13903745678", "idNumber", "该身份证号已注册"},
		{"same mobile", idNumber(42), "13803741234", "mobile", "已被其他账户使用"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := h.browser().submit("/account/register", "/account/register", personForm("李秀兰", tc.id, tc.mobile, goodPassword, goodPassword))
			if r.Status != http.StatusConflict || !strings.Contains(fieldError(r.Body, tc.field), tc.want) {
				t.Fatalf("status %d, beside %s %q\n%s", r.Status, tc.field, fieldError(r.Body, tc.field), r.Body)
			}
			if n := h.userCount(); n != 1 {
				t.Fatalf("%d users", n)
			}
		})
	}
}

func TestRegisterClaimsWindowApplicant(t *testing.T) {
	h := newHarness(t)
	// Served at a window before registering: a user without a password.
	first, err := h.db.CreateUser(ctx, runtime.User{Name: "王桂英", Kind: "person", IDNumber: idNumber(12)})
	if err != nil {
		t.Fatal(err)
	}
	r := h.browser().submit("/account/register", "/account/register", personForm("王桂英", idNumber(12), "13903745678", goodPassword, goodPassword))
	if r.Status != http.StatusSeeOther {
		t.Fatalf("status %d\n%s", r.Status, r.Body)
	}
	u, err := h.db.FindAccount(ctx, "person", "13903745678")
	if err != nil || u.ID != first.ID || h.userCount() != 1 {
		t.Fatalf("account %+v (%v), want user %d to become the account", u, err, first.ID)
	}
}

func TestRegisterVerify(t *testing.T) {
	var asked []service.Registration
	h := newHarness(t, withVerify(func(_ context.Context, reg service.Registration) (service.Identity, error) {
		asked = append(asked, reg)
		return service.Identity{}, runtime.Invalid("身份信息核验未通过", runtime.FieldError{Pointer: "/name", Message: "姓名与人口库登记的不一致"})
	}))
	r := h.browser().submit("/account/register", "/account/register", personForm("张伟", idNumber(31), "13803741234", goodPassword, goodPassword))
	if r.Status != http.StatusBadRequest || fieldError(r.Body, "name") != "姓名与人口库登记的不一致" {
		t.Fatalf("status %d, beside the name %q", r.Status, fieldError(r.Body, "name"))
	}
	if len(asked) != 1 || asked[0].IDNumber != idNumber(31) || asked[0].Kind != "person" || h.userCount() != 0 {
		t.Fatalf("asked %+v, %d users", asked, h.userCount())
	}
}

// TestRegisterVerifyUnavailable: a register that does not answer refuses the registration on
// the form itself, with the retry message and the typed values kept, and stores nothing.
func TestRegisterVerifyUnavailable(t *testing.T) {
	h := newHarness(t, withVerify(func(context.Context, service.Registration) (service.Identity, error) {
		return service.Identity{}, runtime.Errorf(runtime.EUNAVAILABLE, "暂时无法核验身份，请稍后再试")
	}))
	r := h.browser().submit("/account/register", "/account/register", personForm("张伟", idNumber(31), "13803741234", goodPassword, goodPassword))
	if r.Status != http.StatusServiceUnavailable || problem(r.Body) != "暂时无法核验身份，请稍后再试" {
		t.Fatalf("status %d, problem %q\n%s", r.Status, problem(r.Body), r.Body)
	}
	mustContain(t, r.Body, `value="张伟"`, `value="`+idNumber(31)+`"`)
	if h.userCount() != 0 {
		t.Fatalf("%d users after a refused registration", h.userCount())
	}
}

func TestPasswordPolicy(t *testing.T) {
	id := idNumber(31)
	tests := []struct {
		name, password string
		want           string // "" when accepted
	}{
		{"nine characters", "Short#1ab", "至少需要 10 位"},
		{"one class", "alllowercaseletters", "至少三类"},
		{"lower and digits", "lowercase12345", "至少三类"},
		{"upper and digits", "UPPERCASE12345", "至少三类"},
		{"ten characters, three classes", "Short#1abc", ""},
		{"lower, upper, symbol", "Lower-and-Upper", ""},
		{"lower, digit, symbol", "lower#123456", ""},
		{"upper, lower, digit", "Xuchang2025x", ""},
		{"Han characters count as symbols", "许昌市政务服务Ab12", ""},
		{"holds the ID number", "Ab#" + id, "不能包含证件号码"},
		{"holds the ID number in lower case", "Ab#" + strings.ToLower(id), "不能包含证件号码"},
		{"holds the mobile number", "Ab#13803741234", "不能包含证件号码或手机号码"},
		{"129 characters", strings.Repeat("Ab1#", 32) + "x", "不能超过 128 位"},
		{"128 characters", strings.Repeat("Ab1#", 32), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := service.PasswordProblem(tc.password, id, "13803741234")
			if got == "" != (tc.want == "") || !strings.Contains(got, tc.want) {
				t.Fatalf("PasswordProblem = %q, want %q", got, tc.want)
			}
			if tc.want == "" {
				return
			}
			// The registration page says the same beside the field.
			h := newHarness(t)
			r := h.browser().submit("/account/register", "/account/register",
				personForm("张伟", id, "13803741234", tc.password, tc.password))
			if msg := fieldError(r.Body, "password"); msg != got {
				t.Fatalf("beside the password: %q, want %q", msg, got)
			}
		})
	}
}

func TestLogin(t *testing.T) {
	h := newHarness(t)
	h.person("张伟", 31, "13803741234", goodPassword)
	if _, err := h.svc.CreateUser(ctx, service.NewUser{User: runtime.User{Name: "许昌瑞祥置业有限公司", Kind: "enterprise",
		USCC: uscc("91411003MA9KXY7Q8"), IDNumber: idNumber(31), Mobile: "13803741234", Roles: []runtime.Role{runtime.RoleApplicant}},
		Password: goodPassword}); err != nil {
		t.Fatal(err)
	}
	h.staff("赵敏", 77, "13700000077", runtime.RoleClerk)
	tests := []struct {
		name, kind, login, password string
		status                      int
		want                        string // the name shown when signed in, or the message
	}{
		{"person by ID number", "person", idNumber(31), goodPassword, http.StatusSeeOther, "张伟"},
		{"person by ID number in lower case", "person", strings.ToLower(idNumber(31)), goodPassword, http.StatusSeeOther, "张伟"},
		{"person by mobile", "person", "13803741234", goodPassword, http.StatusSeeOther, "张伟"},
		{"enterprise by credit code", "enterprise", uscc("91411003MA9KXY7Q8"), goodPassword, http.StatusSeeOther, "许昌瑞祥置业有限公司"},
		{"enterprise by the same mobile", "enterprise", "13803741234", goodPassword, http.StatusSeeOther, "许昌瑞祥置业有限公司"},
		{"staff by ID number", "staff", idNumber(77), goodPassword, http.StatusSeeOther, "赵敏"},
		{"wrong password", "person", idNumber(31), goodPassword + "x", http.StatusUnauthorized, "账户或密码错误"},
		{"unknown account says the same", "person", idNumber(99), goodPassword, http.StatusUnauthorized, "账户或密码错误"},
		{"wrong kind", "staff", idNumber(31), goodPassword, http.StatusUnauthorized, "账户或密码错误"},
		{"empty password", "person", idNumber(31), "", http.StatusBadRequest, "请输入密码"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := h.browser().from("10.0.0." + string(rune('1'+i))) // keep the per-address counter out of it
			r := b.login(tc.kind, tc.login, tc.password)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d\n%s", r.Status, tc.status, r.Body)
			}
			if tc.status == http.StatusSeeOther {
				if r.Location != "/account/" {
					t.Fatalf("sent to %q", r.Location)
				}
				mustContain(t, b.get("/account/").Body, tc.want)
				return
			}
			if !strings.Contains(problem(r.Body)+fieldError(r.Body, "password"), tc.want) {
				t.Fatalf("message %q, want %q\n%s", problem(r.Body), tc.want, r.Body)
			}
			if b.signedIn() {
				t.Fatal("signed in after a failed sign-in")
			}
		})
	}
}

func TestLoginReturnsToThePage(t *testing.T) {
	h := newHarness(t)
	h.person("张伟", 31, "13803741234", goodPassword)
	tests := []struct{ next, want string }{
		{"/cases?page=2", "/cases?page=2"},
		{"https://evil.example/", "/account/"},
		{"//evil.example/", "/account/"},
		{"/\\evil.example", "/account/"},
	}
	for _, tc := range tests {
		t.Run(tc.next, func(t *testing.T) {
			b := h.browser()
			b.get("/account/login?next=" + url.QueryEscape(tc.next))
			r := b.postRaw("/account/login", url.Values{"_csrf": {b.csrf}, "kind": {"person"}, "login": {idNumber(31)},
				"password": {goodPassword}, "next": {tc.next}})
			if r.Status != http.StatusSeeOther || r.Location != tc.want {
				t.Fatalf("status %d, location %q, want %q", r.Status, r.Location, tc.want)
			}
		})
	}
	// A page that needs a user sends a visitor to sign in, and back.
	r := h.browser().get("/cases?page=2")
	if r.Status != http.StatusSeeOther || r.Location != "/account/login?next="+url.QueryEscape("/cases?page=2") {
		t.Fatalf("status %d, location %q", r.Status, r.Location)
	}
}

func TestSessionCookie(t *testing.T) {
	tests := []struct {
		name   string
		opts   []harnessOption
		cookie string
		secure bool
	}{
		{"plain HTTP", nil, "tb_session", false},
		{"TLS", []harnessOption{withTLS()}, "__Host-tb_session", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.opts...)
			h.person("张伟", 31, "13803741234", goodPassword)
			b := h.browser()
			r := b.login("person", idNumber(31), goodPassword)
			if r.Status != http.StatusSeeOther {
				t.Fatalf("status %d\n%s", r.Status, r.Body)
			}
			var set string
			for _, c := range r.Header.Values("Set-Cookie") {
				if strings.HasPrefix(c, tc.cookie+"=") {
					set = c
				}
			}
			if set == "" {
				t.Fatalf("no %s cookie in %q", tc.cookie, r.Header.Values("Set-Cookie"))
			}
			attrs := strings.Split(set, "; ")
			value := strings.TrimPrefix(attrs[0], tc.cookie+"=")
			if len(value) != 43 { // 32 random bytes, base64url
				t.Errorf("session ID %q is not 256 bits", value)
			}
			has := func(a string) bool {
				for _, x := range attrs[1:] {
					if strings.EqualFold(x, a) || strings.HasPrefix(strings.ToLower(x), strings.ToLower(a)+"=") {
						return true
					}
				}
				return false
			}
			for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
				if !has(want) {
					t.Errorf("cookie %q lacks %s", set, want)
				}
			}
			if has("Secure") != tc.secure {
				t.Errorf("cookie %q: Secure = %v, want %v", set, has("Secure"), tc.secure)
			}
			if has("Expires") || has("Max-Age") || has("Domain") {
				t.Errorf("cookie %q is not a browser-session cookie for this host only", set)
			}
			if !b.signedIn() {
				t.Fatal("the cookie does not sign the browser in")
			}
		})
	}
}

func TestCSRF(t *testing.T) {
	h := newHarness(t)
	victim := h.person("张伟", 31, "13803741234", goodPassword)
	h.staff("管理员", 88, "13700000088", runtime.RoleAdmin)
	other := h.browser()
	if r := other.login("person", idNumber(31), goodPassword); r.Status != http.StatusSeeOther {
		t.Fatal("second browser cannot sign in")
	}
	otherToken := other.csrf
	// One browser for each kind of visitor: every refused post leaves it as it was.
	browsers := map[string]*browser{"": h.browser()}
	for who, login := range map[string][2]string{"person": {"person", idNumber(31)}, "admin": {"staff", idNumber(88)}} {
		b := h.browser()
		if r := b.login(login[0], login[1], goodPassword); r.Status != http.StatusSeeOther {
			t.Fatalf("sign-in as %s: %d", who, r.Status)
		}
		browsers[who] = b
	}
	posts := []struct {
		name   string
		who    string // "", "person" or "admin"
		path   string
		form   url.Values
		intact func(t *testing.T, b *browser)
	}{
		{"register", "", "/account/register", personForm("李秀兰", idNumber(42), "15937401234", goodPassword, goodPassword),
			func(t *testing.T, _ *browser) {
				if _, err := h.db.FindAccount(ctx, "person", idNumber(42)); runtime.ErrorCode(err) != runtime.ENOTFOUND {
					t.Fatalf("account created: %v", err)
				}
			}},
		{"login", "", "/account/login", url.Values{"kind": {"person"}, "login": {idNumber(31)}, "password": {goodPassword}},
			func(t *testing.T, b *browser) {
				if b.signedIn() {
					t.Fatal("signed in")
				}
			}},
		{"logout", "person", "/account/logout", url.Values{}, func(t *testing.T, b *browser) {
			if !b.signedIn() {
				t.Fatal("signed out")
			}
		}},
		{"password change", "person", "/account/password", url.Values{"current": {goodPassword}, "password": {"Another#2025x"}, "password2": {"Another#2025x"}},
			func(t *testing.T, _ *browser) {
				if err := h.svc.CheckPassword(ctx, victim.ID, goodPassword); err != nil {
					t.Fatalf("password changed: %v", err)
				}
			}},
		{"admin disables a user", "admin", "/admin/users/1/disable", url.Values{}, func(t *testing.T, _ *browser) {
			if u, _ := h.db.GetUser(ctx, victim.ID); u.Disabled {
				t.Fatal("user disabled")
			}
		}},
	}
	tokens := []struct {
		name  string
		token func(b *browser) (field string, header []string)
	}{
		{"missing", func(*browser) (string, []string) { return "", nil }},
		{"wrong", func(*browser) (string, []string) { return "not-the-token", nil }},
		{"another session's", func(*browser) (string, []string) { return otherToken, nil }},
		{"right token, cross-site", func(b *browser) (string, []string) { return b.csrf, []string{"Sec-Fetch-Site", "cross-site"} }},
		{"right token from another origin", func(b *browser) (string, []string) {
			return b.csrf, []string{"Origin", "https://evil.example"}
		}},
	}
	for _, p := range posts {
		for _, tk := range tokens {
			t.Run(p.name+"/"+tk.name, func(t *testing.T) {
				b := browsers[p.who]
				b.get("/account/login") // a page with a form, for the browser's token
				form := cloneValues(p.form)
				token, header := tk.token(b)
				if token != "" {
					form.Set("_csrf", token)
				}
				r := b.postRaw(p.path, form, header...)
				if r.Status != http.StatusForbidden {
					t.Fatalf("status %d, want 403\n%s", r.Status, r.Body)
				}
				mustContain(t, r.Body, "请求被拒绝", `lang="zh-CN"`)
				if msg := problem(r.Body); !strings.Contains(msg, "刷新") && !strings.Contains(msg, "其他网站") {
					t.Fatalf("message %q", msg)
				}
				p.intact(t, b)
			})
		}
	}
	t.Run("token in the header", func(t *testing.T) {
		b := browsers["person"]
		r := b.postRaw("/account/logout", url.Values{}, "X-CSRF-Token", b.csrf)
		if r.Status != http.StatusSeeOther || b.signedIn() {
			t.Fatalf("status %d", r.Status)
		}
	})
}

func TestLockout(t *testing.T) {
	t.Run("account", func(t *testing.T) {
		h := newHarness(t)
		h.person("张伟", 31, "13803741234", goodPassword)
		for i := 1; i <= service.MaxLoginFailures; i++ {
			// From a new address each time: the account locks, not the address.
			r := h.browser().from("10.1.0."+string(rune('0'+i))).login("person", idNumber(31), "Wrong#password1")
			want, msg := http.StatusUnauthorized, "账户或密码错误"
			if i == service.MaxLoginFailures {
				want, msg = http.StatusTooManyRequests, "账户已锁定，请 15 分钟后再试"
			}
			if r.Status != want || !strings.Contains(problem(r.Body), msg) {
				t.Fatalf("failure %d: status %d, %q; want %d, %q", i, r.Status, problem(r.Body), want, msg)
			}
		}
		b := h.browser().from("10.1.1.1")
		h.clock.Add(5*time.Minute + 30*time.Second)
		r := b.login("person", "13803741234", goodPassword) // the right password, by mobile
		if r.Status != http.StatusTooManyRequests || !strings.Contains(problem(r.Body), "请 10 分钟后再试") {
			t.Fatalf("while locked: status %d, %q", r.Status, problem(r.Body))
		}
		h.clock.Add(9*time.Minute + 30*time.Second)
		if r := b.login("person", idNumber(31), goodPassword); r.Status != http.StatusSeeOther {
			t.Fatalf("after the lock: status %d, %q", r.Status, problem(r.Body))
		}
		if n := len(h.events(service.EventLocked)); n != 1 {
			t.Fatalf("%d lockouts recorded", n)
		}
		if n := len(h.events(service.EventSignInFailed)); n != service.MaxLoginFailures {
			t.Fatalf("%d failures recorded", n)
		}
	})
	t.Run("address", func(t *testing.T) {
		h := newHarness(t)
		h.person("张伟", 31, "13803741234", goodPassword)
		attacker := h.browser().from("192.0.2.7")
		for i := 1; i <= service.MaxLoginFailures; i++ {
			r := attacker.login("person", idNumber(100+i), "Guess#password1") // unknown accounts
			if i == service.MaxLoginFailures && (r.Status != http.StatusTooManyRequests || !strings.Contains(problem(r.Body), "您所在网络")) {
				t.Fatalf("failure %d: status %d, %q", i, r.Status, problem(r.Body))
			}
		}
		if r := attacker.login("person", idNumber(31), goodPassword); r.Status != http.StatusTooManyRequests {
			t.Fatalf("locked address signed in: %d", r.Status)
		}
		if r := h.browser().from("192.0.2.8").login("person", idNumber(31), goodPassword); r.Status != http.StatusSeeOther {
			t.Fatalf("another address: %d, %q", r.Status, problem(r.Body))
		}
		h.clock.Add(service.LockoutPeriod)
		if r := attacker.login("person", idNumber(31), goodPassword); r.Status != http.StatusSeeOther {
			t.Fatalf("after the lock: %d, %q", r.Status, problem(r.Body))
		}
		evs := h.events(service.EventSignInFailed)
		if len(evs) != service.MaxLoginFailures || evs[0].UserID != 0 || !strings.Contains(evs[0].Login, "*") {
			t.Fatalf("failures recorded: %+v", evs)
		}
	})
	t.Run("success resets the count", func(t *testing.T) {
		h := newHarness(t)
		h.person("张伟", 31, "13803741234", goodPassword)
		b := h.browser()
		for range service.MaxLoginFailures - 1 {
			b.from("10.2.0.1").login("person", idNumber(31), "Wrong#password1")
		}
		b.from("10.2.0.2").login("person", idNumber(31), goodPassword)
		if r := h.browser().from("10.2.0.3").login("person", idNumber(31), "Wrong#password1"); r.Status != http.StatusUnauthorized {
			t.Fatalf("locked after one more failure: %d", r.Status)
		}
	})
}

func TestReset(t *testing.T) {
	const mobile = "13803741234"
	newPassword := "Brand-new#2025"
	setup := func(t *testing.T, opts ...harnessOption) (*harness, *runtime.User, *browser) {
		h := newHarness(t, opts...)
		u := h.person("张伟", 31, mobile, goodPassword)
		b := h.browser()
		r := b.submit("/account/reset", "/account/reset", url.Values{"step": {"send"}, "kind": {"person"}, "login": {mobile}})
		if r.Status != http.StatusOK {
			t.Fatalf("request a code: %d\n%s", r.Status, r.Body)
		}
		mustContain(t, r.Body, "验证码已发送", `name="code"`)
		return h, u, b
	}
	resetWith := func(b *browser, code, password string) *resp {
		b.get("/account/reset")
		return b.postRaw("/account/reset", url.Values{"_csrf": {b.csrf}, "step": {"reset"}, "kind": {"person"},
			"login": {mobile}, "code": {code}, "password": {password}, "password2": {password}})
	}
	wrong := func(code string) string {
		if code == "000000" {
			return "000001"
		}
		return "000000"
	}

	t.Run("with the texted code", func(t *testing.T) {
		h, u, b := setup(t)
		elsewhere := h.browser()
		elsewhere.login("person", mobile, goodPassword)
		code := h.lastCode(mobile)
		if r := resetWith(b, wrong(code), newPassword); !strings.Contains(fieldError(r.Body, "code"), "还可尝试 4 次") {
			t.Fatalf("wrong code: %d, %q", r.Status, fieldError(r.Body, "code"))
		}
		r := resetWith(b, code, newPassword)
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/account/login?msg=reset") {
			t.Fatalf("status %d, location %q, %q", r.Status, r.Location, fieldError(r.Body, "code"))
		}
		if err := h.svc.CheckPassword(ctx, u.ID, goodPassword); err == nil {
			t.Fatal("the old password still works")
		}
		if r := h.browser().login("person", mobile, newPassword); r.Status != http.StatusSeeOther {
			t.Fatalf("the new password does not: %d", r.Status)
		}
		if elsewhere.signedIn() {
			t.Fatal("a session from before the reset survived it")
		}
		if r := resetWith(b, code, "Third#password1"); r.Status != http.StatusBadRequest {
			t.Fatalf("the code worked twice: %d", r.Status)
		}
	})
	t.Run("code expires", func(t *testing.T) {
		h, _, b := setup(t)
		code := h.lastCode(mobile)
		h.clock.Add(service.ResetCodeLifetime)
		if r := resetWith(b, code, newPassword); !strings.Contains(fieldError(r.Body, "code"), "无效或已过期") {
			t.Fatalf("expired code: %d, %q", r.Status, fieldError(r.Body, "code"))
		}
	})
	t.Run("five wrong tries use the code up", func(t *testing.T) {
		h, _, b := setup(t)
		code := h.lastCode(mobile)
		var last *resp
		for range service.ResetCodeTries {
			last = resetWith(b.from("10.3.0.1"), wrong(code), newPassword)
		}
		if !strings.Contains(fieldError(last.Body, "code"), "错误次数过多") {
			t.Fatalf("after %d tries: %q", service.ResetCodeTries, fieldError(last.Body, "code"))
		}
		if r := resetWith(b.from("10.3.0.2"), code, newPassword); !strings.Contains(fieldError(r.Body, "code"), "无效或已过期") {
			t.Fatalf("the right code after the tries: %d, %q", r.Status, fieldError(r.Body, "code"))
		}
	})
	t.Run("policy applies", func(t *testing.T) {
		h, u, b := setup(t)
		r := resetWith(b, h.lastCode(mobile), "Ab#"+mobile)
		if !strings.Contains(fieldError(r.Body, "password"), "不能包含") {
			t.Fatalf("%d, %q", r.Status, fieldError(r.Body, "password"))
		}
		if err := h.svc.CheckPassword(ctx, u.ID, goodPassword); err != nil {
			t.Fatal("password changed")
		}
	})
	t.Run("unknown account looks the same and texts nobody", func(t *testing.T) {
		h := newHarness(t)
		r := h.browser().submit("/account/reset", "/account/reset", url.Values{"step": {"send"}, "kind": {"person"}, "login": {"13999999999"}})
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "验证码已发送") || len(h.texts()) != 0 {
			t.Fatalf("status %d, texts %v", r.Status, h.texts())
		}
	})
	t.Run("an unknown account costs the same work", func(t *testing.T) {
		// What a request costs is its units of work, each a commit (an fsync): a code for an
		// account once took four, a name matching none one, which timing told apart.
		h, _, _ := setup(t)
		h.clock.Add(service.ResetCodeInterval)
		units := func(login string) int64 {
			b := h.browser()
			b.get("/account/reset")
			before := h.units.Load()
			r := b.postRaw("/account/reset", url.Values{"_csrf": {b.csrf}, "step": {"send"}, "kind": {"person"}, "login": {login}})
			if r.Status != http.StatusOK || !strings.Contains(r.Body, "验证码已发送") {
				t.Fatalf("%s: %d", login, r.Status)
			}
			return h.units.Load() - before
		}
		texts := len(h.texts())
		known, unknown := units(mobile), units("13999999999")
		if known != 1 || unknown != 1 || len(h.texts()) != texts+1 {
			t.Fatalf("units of work: %d for the account, %d for a name matching none; %d texts sent", known, unknown, len(h.texts())-texts)
		}
	})
	t.Run("one code a minute", func(t *testing.T) {
		h, _, b := setup(t)
		b.submit("/account/reset", "/account/reset", url.Values{"step": {"send"}, "kind": {"person"}, "login": {mobile}})
		if n := len(h.texts()); n != 1 {
			t.Fatalf("%d texts within a minute", n)
		}
		h.clock.Add(service.ResetCodeInterval)
		b.submit("/account/reset", "/account/reset", url.Values{"step": {"send"}, "kind": {"person"}, "login": {mobile}})
		if n := len(h.texts()); n != 2 {
			t.Fatalf("%d texts after a minute", n)
		}
	})
	t.Run("through the outbox", func(t *testing.T) {
		h, _, _ := setup(t, withOutbox())
		msgs, err := h.db.ClaimOutbox(ctx, 10, time.Minute)
		if err != nil || len(msgs) != 1 || msgs[0].Topic != "connector.push.sms-gateway" {
			t.Fatalf("outbox %+v, %v", msgs, err)
		}
		var p struct{ Mobile, Content string }
		json.Unmarshal(msgs[0].Payload, &p)
		if p.Mobile != mobile || !codePattern.MatchString(p.Content) {
			t.Fatalf("payload %s", msgs[0].Payload)
		}
	})
}

func TestSessionTimeouts(t *testing.T) {
	h := newHarness(t)
	h.person("张伟", 31, "13803741234", goodPassword)
	t.Run("idle", func(t *testing.T) {
		b := h.browser()
		b.login("person", idNumber(31), goodPassword)
		for _, step := range []time.Duration{29 * time.Minute, 29 * time.Minute} {
			h.clock.Add(step)
			if !b.signedIn() {
				t.Fatalf("signed out after %v idle", step)
			}
		}
		h.clock.Add(service.SessionIdle + time.Second)
		r := b.get("/account/")
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/account/login") {
			t.Fatalf("after %v idle: %d %q", service.SessionIdle, r.Status, r.Location)
		}
		if !strings.Contains(strings.Join(r.Header.Values("Set-Cookie"), "\n"), "tb_session=; Path=/; Max-Age=0") {
			t.Fatalf("the expired cookie is not removed: %q", r.Header.Values("Set-Cookie"))
		}
	})
	t.Run("absolute", func(t *testing.T) {
		b := h.browser()
		b.login("person", idNumber(31), goodPassword)
		for elapsed := time.Duration(0); elapsed < service.SessionLifetime-20*time.Minute; elapsed += 20 * time.Minute {
			h.clock.Add(20 * time.Minute)
			if !b.signedIn() {
				t.Fatalf("signed out while active after %v", elapsed)
			}
		}
		h.clock.Add(20 * time.Minute)
		if n, err := h.svc.Sweep(ctx); err != nil || n == 0 {
			t.Fatalf("SweepAccounts deleted %d rows (%v), want the expired session", n, err)
		}
		if b.signedIn() {
			t.Fatalf("still signed in after %v", service.SessionLifetime)
		}
	})
}

func TestLogoutAndPasswordChange(t *testing.T) {
	h := newHarness(t)
	u := h.person("张伟", 31, "13803741234", goodPassword)
	t.Run("logout", func(t *testing.T) {
		b := h.browser()
		b.login("person", idNumber(31), goodPassword)
		b.get("/account/")
		r := b.postRaw("/account/logout", url.Values{"_csrf": {b.csrf}})
		if r.Status != http.StatusSeeOther || b.signedIn() {
			t.Fatalf("status %d", r.Status)
		}
		if len(h.events(service.EventSignOut)) != 1 {
			t.Fatal("sign-out not recorded")
		}
	})
	t.Run("change", func(t *testing.T) {
		b, elsewhere := h.browser(), h.browser()
		b.login("person", idNumber(31), goodPassword)
		elsewhere.login("person", idNumber(31), goodPassword)
		change := func(current, password string) *resp {
			return b.submit("/account/password", "/account/password", url.Values{"current": {current}, "password": {password}, "password2": {password}})
		}
		if r := change("Not-my#password1", "Another#2025x"); fieldError(r.Body, "current") != "当前密码不正确" {
			t.Fatalf("wrong current password: %d %q", r.Status, fieldError(r.Body, "current"))
		}
		if r := change(goodPassword, "weakpassword"); !strings.Contains(fieldError(r.Body, "password"), "至少三类") {
			t.Fatalf("weak password: %q", fieldError(r.Body, "password"))
		}
		r := change(goodPassword, "Another#2025x")
		if r.Status != http.StatusSeeOther || r.Location != "/account/?msg=password-changed" {
			t.Fatalf("status %d, %q", r.Status, problem(r.Body))
		}
		if !b.signedIn() || elsewhere.signedIn() {
			t.Fatal("want this browser signed in and the other signed out")
		}
		if err := h.svc.CheckPassword(ctx, u.ID, "Another#2025x"); err != nil {
			t.Fatal(err)
		}
		if len(h.events(service.EventPasswordChanged)) != 1 || len(h.events(service.EventPasswordChangeFailed)) != 1 {
			t.Fatal("change and failed change not recorded")
		}
	})
}
