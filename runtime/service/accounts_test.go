package service_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/cn"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/service"
	"github.com/xuchang-gov/tongban/runtime/store"
	"github.com/xuchang-gov/tongban/runtime/store/storetest"
)

const accountPassword = "Xuchang#2025ok"

// accounts is the account service on a real SQLite store, with a clock the test moves and
// the texts it sent.
type accounts struct {
	t   *testing.T
	db  *store.DB
	acc *service.Accounts

	mu    sync.Mutex
	now   time.Time
	texts []string
}

func newAccounts(t *testing.T, o service.AccountOptions) *accounts {
	a := &accounts{t: t, db: storetest.OpenSQLite(t), now: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}
	a.db.Now = a.clock
	o.Now = a.clock
	o.Enqueue = func(_ runtime.AccountTx, topic string, payload json.RawMessage) error {
		if topic != runtime.PushTopic("sms-gateway") {
			t.Errorf("text sent to topic %q", topic)
		}
		var p struct{ Content string }
		json.Unmarshal(payload, &p)
		a.mu.Lock()
		defer a.mu.Unlock()
		a.texts = append(a.texts, p.Content)
		return nil
	}
	a.acc = service.NewAccounts(a.db, o)
	return a
}

func (a *accounts) clock() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.now
}

func (a *accounts) advance(d time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.now = a.now.Add(d)
}

func personID(seq int) string {
	return cn.MakeIDNumber("411002", time.Date(1986, 5, 12, 0, 0, 0, 0, time.UTC), seq)
}

// user creates a user through the service, with the test password.
func (a *accounts) user(u runtime.User) *runtime.User {
	a.t.Helper()
	created, err := a.acc.CreateUser(ctx, service.NewUser{User: u, Password: accountPassword})
	if err != nil {
		a.t.Fatal(err)
	}
	return created
}

func (a *accounts) events(typ string) []runtime.AccountEvent {
	a.t.Helper()
	evs, _, err := a.db.ListAccountEvents(ctx, runtime.AccountEventFilter{Type: typ})
	if err != nil {
		a.t.Fatal(err)
	}
	return evs
}

// lockedOut returns the lockout err carries, nil if none.
func lockedOut(err error) *service.LockedOut {
	var l *service.LockedOut
	if errors.As(err, &l) {
		return l
	}
	return nil
}

// TestSignIn plays sequences of sign-ins and checks each answer: wrong passwords count
// against the account and the address, five within the window lock for fifteen minutes, a
// name that matches no account is counted too, a disabled account is refused after the
// password, and a successful sign-in clears the account's counter.
func TestSignIn(t *testing.T) {
	type attempt struct {
		login, password, ip string
		after               time.Duration // the clock moves this much first
		code                string        // the error code; "" for a session
		locked              string        // "account" or "address" for a *LockedOut
	}
	wrong := func(ip string) attempt {
		return attempt{login: personID(1), password: "Wrong#2025pass", ip: ip, code: runtime.EUNAUTHORIZED}
	}
	lockedAccount := attempt{login: personID(1), password: accountPassword, ip: "10.0.0.9", code: runtime.EINTERNAL, locked: "account"}
	right := attempt{login: personID(1), password: accountPassword, ip: "10.0.0.9"}
	tests := []struct {
		name     string
		attempts []attempt
	}{
		{"right password", []attempt{right}},
		{"by mobile number", []attempt{{login: "13803741234", password: accountPassword, ip: "10.0.0.1"}}},
		{"wrong password", []attempt{wrong("10.0.0.1")}},
		{"five failures lock the account from anywhere", []attempt{wrong("10.0.0.1"), wrong("10.0.0.2"), wrong("10.0.0.3"),
			wrong("10.0.0.4"), {login: personID(1), password: "Wrong#2025pass", ip: "10.0.0.5", code: runtime.EINTERNAL, locked: "account"},
			lockedAccount}},
		{"the lock ends after the period", []attempt{wrong("10.0.0.1"), wrong("10.0.0.1"), wrong("10.0.0.1"), wrong("10.0.0.1"),
			{login: personID(1), password: "x", ip: "10.0.0.1", code: runtime.EINTERNAL, locked: "account"},
			{login: personID(1), password: accountPassword, ip: "10.0.0.9", after: service.LockoutPeriod}}},
		{"failures outside the window do not add up", []attempt{wrong("10.0.0.1"), wrong("10.0.0.1"), wrong("10.0.0.1"), wrong("10.0.0.1"),
			{login: personID(1), password: "x", ip: "10.0.0.1", after: service.LockoutPeriod, code: runtime.EUNAUTHORIZED}, right}},
		{"a sign-in clears the counter", []attempt{wrong("10.0.0.1"), wrong("10.0.0.1"), wrong("10.0.0.1"), wrong("10.0.0.1"), right,
			wrong("10.0.0.2"), right}},
		{"unknown names lock the address", []attempt{
			{login: personID(2), password: "x", ip: "10.0.0.7", code: runtime.EUNAUTHORIZED},
			{login: personID(3), password: "x", ip: "10.0.0.7", code: runtime.EUNAUTHORIZED},
			{login: personID(4), password: "x", ip: "10.0.0.7", code: runtime.EUNAUTHORIZED},
			{login: personID(5), password: "x", ip: "10.0.0.7", code: runtime.EUNAUTHORIZED},
			{login: personID(6), password: "x", ip: "10.0.0.7", code: runtime.EINTERNAL, locked: "address"},
			{login: personID(1), password: accountPassword, ip: "10.0.0.7", code: runtime.EINTERNAL, locked: "address"},
			{login: personID(1), password: accountPassword, ip: "10.0.0.8"}}},
		{"disabled account", []attempt{{login: personID(9), password: accountPassword, ip: "10.0.0.1", code: runtime.EFORBIDDEN}}},
		{"mobile number of two accounts", []attempt{{login: "13900000000", password: accountPassword, ip: "10.0.0.1", code: runtime.ECONFLICT}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newAccounts(t, service.AccountOptions{})
			a.user(runtime.User{Name: "张伟", Kind: "person", IDNumber: personID(1), Mobile: "13803741234"})
			a.user(runtime.User{Name: "李娜", Kind: "person", IDNumber: personID(10), Mobile: "13900000000"})
			// A second account with that mobile number, as accounts made before the check could be.
			twin, err := a.acc.CreateUser(ctx, service.NewUser{User: runtime.User{Name: "李雷", Kind: "person", IDNumber: personID(11),
				Mobile: "13900000000"}})
			if err != nil {
				t.Fatal(err)
			}
			if err := a.acc.SetPassword(ctx, twin.ID, accountPassword); err != nil {
				t.Fatal(err)
			}
			off := a.user(runtime.User{Name: "王芳", Kind: "person", IDNumber: personID(9), Mobile: "13700000009"})
			if err := a.db.WriteAccounts(ctx, func(tx runtime.AccountTx) error { return tx.SetUserDisabled(off.ID, true) }); err != nil {
				t.Fatal(err)
			}
			for i, at := range tc.attempts {
				a.advance(at.after)
				u, s, err := a.acc.SignIn(ctx, service.SignIn{Kind: "person", Login: at.login, Password: at.password, IP: at.ip})
				locked := lockedOut(err)
				switch {
				case at.locked != "" && (locked == nil || locked.Address != (at.locked == "address")):
					t.Fatalf("attempt %d: %v, want the %s locked out", i+1, err, at.locked)
				case at.locked != "" && !locked.Until.Equal(a.clock().Add(service.LockoutPeriod)) && i > 0 && tc.attempts[i-1].locked == "":
					t.Fatalf("attempt %d: locked until %v, want %v", i+1, locked.Until, a.clock().Add(service.LockoutPeriod))
				case at.locked == "" && runtime.ErrorCode(err) != at.code:
					t.Fatalf("attempt %d: %v, want code %q", i+1, err, at.code)
				case at.code == "" && (u == nil || s == nil || s.ID == ""):
					t.Fatalf("attempt %d: user %v, session %v", i+1, u, s)
				}
				if at.code == "" {
					if got, err := a.acc.SessionUser(ctx, s.ID); err != nil || got.ID != u.ID {
						t.Fatalf("attempt %d: the session is %v, %v", i+1, got, err)
					}
				}
			}
		})
	}
}

// TestSessionTimeouts: a session ends after its idle time or its lifetime, whichever comes first.
func TestSessionTimeouts(t *testing.T) {
	tests := []struct {
		name  string
		steps []time.Duration // requests this long apart
		alive bool            // after the last
	}{
		{"in use", []time.Duration{service.SessionIdle - time.Minute, service.SessionIdle - time.Minute}, true},
		{"idle", []time.Duration{service.SessionIdle}, false},
		{"past its lifetime", func() []time.Duration {
			var steps []time.Duration
			for range service.SessionLifetime / (20 * time.Minute) {
				steps = append(steps, 20*time.Minute)
			}
			return steps
		}(), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newAccounts(t, service.AccountOptions{})
			a.user(runtime.User{Name: "张伟", Kind: "person", IDNumber: personID(1), Mobile: "13803741234"})
			_, s, err := a.acc.SignIn(ctx, service.SignIn{Kind: "person", Login: personID(1), Password: accountPassword, IP: "10.0.0.1"})
			if err != nil {
				t.Fatal(err)
			}
			for i, step := range tc.steps {
				a.advance(step)
				_, err = a.acc.SessionUser(ctx, s.ID)
				if last := i == len(tc.steps)-1; !last && err != nil {
					t.Fatalf("request %d: %v", i+1, err)
				}
			}
			if alive := err == nil; alive != tc.alive {
				t.Fatalf("alive %v (%v), want %v", alive, err, tc.alive)
			}
		})
	}
}

var resetCode = regexp.MustCompile(`验证码 (\d{6})`)

// TestResetPassword: the code texted resets the password once; wrong codes count down their
// tries and against the address; expired codes, unknown and disabled accounts are refused
// beside the code field; a reset lifts the account's lockout.
func TestResetPassword(t *testing.T) {
	const newPassword = "Brand-new#2025"
	tests := []struct {
		name    string
		prepare func(a *accounts, u *runtime.User) (*runtime.User, string) // the account asked for and the code typed
		message string                                                     // beside /code; "" for a reset
	}{
		{"right code", func(_ *accounts, u *runtime.User) (*runtime.User, string) { return u, "" }, ""},
		{"wrong code", func(_ *accounts, u *runtime.User) (*runtime.User, string) { return u, "000000" }, "验证码错误，还可尝试 4 次"},
		{"expired code", func(a *accounts, u *runtime.User) (*runtime.User, string) {
			a.advance(service.ResetCodeLifetime)
			return u, ""
		}, "验证码无效或已过期，请重新获取"},
		{"tries used up", func(a *accounts, u *runtime.User) (*runtime.User, string) {
			for range service.ResetCodeTries - 1 {
				a.acc.ResetPassword(ctx, u, "000000", newPassword, "10.0.0.2")
			}
			return u, "000000"
		}, "验证码错误次数过多，请重新获取"},
		{"no such account", func(*accounts, *runtime.User) (*runtime.User, string) { return nil, "123456" }, "验证码无效或已过期，请重新获取"},
		{"disabled account", func(_ *accounts, u *runtime.User) (*runtime.User, string) {
			off := *u
			off.Disabled = true
			return &off, ""
		}, "验证码无效或已过期，请重新获取"},
		{"lifts the lockout", func(a *accounts, u *runtime.User) (*runtime.User, string) {
			for range service.MaxLoginFailures {
				a.acc.SignIn(ctx, service.SignIn{Kind: "person", Login: personID(1), Password: "Wrong#2025pass", IP: "10.0.0.3"})
			}
			if lockedOut(a.acc.AccountLocked(ctx, u.ID)) == nil {
				a.t.Fatal("the account is not locked out")
			}
			return u, ""
		}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newAccounts(t, service.AccountOptions{})
			u := a.user(runtime.User{Name: "张伟", Kind: "person", IDNumber: personID(1), Mobile: "13803741234"})
			if err := a.acc.SendResetCode(ctx, u, "10.0.0.1"); err != nil || len(a.texts) != 1 {
				t.Fatalf("texts %v, %v", a.texts, err)
			}
			sent := resetCode.FindStringSubmatch(a.texts[0])[1]
			who, code := tc.prepare(a, u)
			if code == "" {
				code = sent
			}
			err := a.acc.ResetPassword(ctx, who, code, newPassword, "10.0.0.1")
			if tc.message != "" {
				var e *runtime.Error
				if !errors.As(err, &e) || e.Code != runtime.EINVALID || len(e.Fields) != 1 || e.Fields[0].Pointer != "/code" || e.Fields[0].Message != tc.message {
					t.Fatalf("ResetPassword = %v, want %q beside /code", err, tc.message)
				}
				if err := a.acc.CheckPassword(ctx, u.ID, accountPassword); err != nil {
					t.Fatalf("the old password no longer works: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := a.acc.CheckPassword(ctx, u.ID, newPassword); err != nil {
				t.Fatalf("the new password does not work: %v", err)
			}
			if err := a.acc.AccountLocked(ctx, u.ID); err != nil {
				t.Fatalf("still locked out after the reset: %v", err)
			}
			if err := a.acc.ResetPassword(ctx, u, code, "Another#2025x", "10.0.0.1"); runtime.ErrorCode(err) != runtime.EINVALID {
				t.Fatalf("the code worked twice: %v", err)
			}
		})
	}
}

// TestWrongCodesLockTheAddress: wrong reset codes count against the client address.
func TestWrongCodesLockTheAddress(t *testing.T) {
	a := newAccounts(t, service.AccountOptions{})
	u := a.user(runtime.User{Name: "张伟", Kind: "person", IDNumber: personID(1), Mobile: "13803741234"})
	for range service.MaxLoginFailures {
		if err := a.acc.SendResetCode(ctx, u, "10.0.0.1"); err != nil {
			t.Fatal(err)
		}
		a.acc.ResetPassword(ctx, u, "000000", "Brand-new#2025", "10.0.0.1")
		a.advance(service.ResetCodeInterval)
	}
	if l := lockedOut(a.acc.AddressLocked(ctx, "10.0.0.1")); l == nil || !l.Address {
		t.Fatalf("the address is not locked out: %v", l)
	}
	if n := len(a.events(service.EventResetFailed)); n != service.MaxLoginFailures {
		t.Fatalf("%d failed resets recorded", n)
	}
}

// TestChangePassword: the current password must be given; a wrong one counts as a failed
// sign-in, and the failure that locks the account says so as well as the field.
func TestChangePassword(t *testing.T) {
	tests := []struct {
		name     string
		failures int // wrong current passwords before
		current  string
		code     string
		locked   bool
	}{
		{"right current password", 0, accountPassword, "", false},
		{"wrong current password", 0, "Wrong#2025pass", runtime.EINVALID, false},
		{"the fifth wrong one locks", service.MaxLoginFailures - 1, "Wrong#2025pass", runtime.EINVALID, true},
		{"the new password breaks the policy", 0, accountPassword, runtime.EINVALID, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newAccounts(t, service.AccountOptions{})
			u := a.user(runtime.User{Name: "张伟", Kind: "person", IDNumber: personID(1), Mobile: "13803741234"})
			for range tc.failures {
				a.acc.ChangePassword(ctx, u, "Wrong#2025pass", "Brand-new#2025", "10.0.0.1")
			}
			password := "Brand-new#2025"
			if tc.name == "the new password breaks the policy" {
				password = "short"
			}
			s, err := a.acc.ChangePassword(ctx, u, tc.current, password, "10.0.0.1")
			if runtime.ErrorCode(err) != tc.code || (lockedOut(err) != nil) != tc.locked {
				t.Fatalf("ChangePassword = %v, want code %q, locked %v", err, tc.code, tc.locked)
			}
			if tc.code == "" {
				if _, err := a.acc.SessionUser(ctx, s.ID); err != nil {
					t.Fatalf("the new session: %v", err)
				}
				if err := a.acc.CheckPassword(ctx, u.ID, password); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestSetRoles: only administrators change roles, never their own administrator role away,
// and the org and its roles must exist.
func TestSetRoles(t *testing.T) {
	orgs := []definitions.OrgUnit{{Code: "xc-market", Name: "许昌市市场监督管理局", Roles: []string{"clerk", "reviewer"}}}
	tests := []struct {
		name   string
		actor  string // "admin" or "clerk"
		target string // "self" or "clerk"
		change service.RoleChange
		code   string
		field  string // the pointer of the one field error
	}{
		{"admin sets an org role", "admin", "clerk", service.RoleChange{Roles: []runtime.Role{runtime.RoleClerk}, OrgCode: "xc-market",
			OrgRoles: []string{"reviewer"}}, "", ""},
		{"a clerk may not", "clerk", "clerk", service.RoleChange{Roles: []runtime.Role{runtime.RoleAdmin}}, runtime.EFORBIDDEN, ""},
		{"not one's own admin role", "admin", "self", service.RoleChange{Roles: []runtime.Role{runtime.RoleClerk}}, runtime.EINVALID, "/roles"},
		{"badly formed org code", "admin", "clerk", service.RoleChange{OrgCode: "XC Market"}, runtime.EINVALID, "/orgCode"},
		{"org roles without an org", "admin", "clerk", service.RoleChange{OrgRoles: []string{"clerk"}}, runtime.EINVALID, "/orgCode"},
		{"unknown org", "admin", "clerk", service.RoleChange{OrgCode: "xc-tax", OrgRoles: []string{"clerk"}}, runtime.EINVALID, "/orgCode"},
		{"role the org lacks", "admin", "clerk", service.RoleChange{OrgCode: "xc-market", OrgRoles: []string{"decider"}}, runtime.EINVALID, "/orgRoles"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newAccounts(t, service.AccountOptions{Orgs: func() []definitions.OrgUnit { return orgs }})
			users := map[string]*runtime.User{
				"admin": a.user(runtime.User{Name: "管理员", Kind: "staff", Roles: []runtime.Role{runtime.RoleAdmin}}),
				"clerk": a.user(runtime.User{Name: "窗口人员", Kind: "staff", Roles: []runtime.Role{runtime.RoleClerk}}),
			}
			target := users[tc.target]
			if tc.target == "self" {
				target = users[tc.actor]
			}
			err := a.acc.SetRoles(ctx, users[tc.actor], target.ID, tc.change, "10.0.0.1")
			var e *runtime.Error
			errors.As(err, &e)
			switch {
			case runtime.ErrorCode(err) != tc.code:
				t.Fatalf("SetRoles = %v, want code %q", err, tc.code)
			case tc.field != "" && (len(e.Fields) != 1 || e.Fields[0].Pointer != tc.field):
				t.Fatalf("fields %+v, want %s", e.Fields, tc.field)
			}
			got, _ := a.acc.GetUser(ctx, target.ID)
			changed := len(a.events(service.EventRolesChanged)) == 1
			if changed != (tc.code == "") || tc.code == "" && (got.OrgCode != tc.change.OrgCode || len(got.OrgRoles) != len(tc.change.OrgRoles)) {
				t.Fatalf("user %+v, roles-changed recorded: %v", got, changed)
			}
		})
	}
}

// TestRegister: registration asks the identity check first, creates the account or claims a
// window applicant's record, and refuses twins.
func TestRegister(t *testing.T) {
	refuse := func(_ context.Context, reg service.Registration) (service.Identity, error) {
		if reg.Name != "张伟" {
			return service.Identity{}, runtime.Invalid("身份核验未通过", runtime.FieldError{Pointer: "/name", Message: "姓名与身份证号码不符，请核对"})
		}
		return service.Identity{}, nil
	}
	person := func(name, mobile string) service.Registration {
		return service.Registration{Kind: "person", Name: name, IDNumber: personID(1), Mobile: mobile}
	}
	tests := []struct {
		name    string
		window  *runtime.User // an applicant served at a window before
		first   *service.Registration
		reg     service.Registration
		code    string
		pointer string
	}{
		{"checked and created", nil, nil, person("张伟", "13803741234"), "", ""},
		{"refused by the check", nil, nil, person("张卫", "13803741234"), runtime.EINVALID, "/name"},
		{"claims the window applicant", &runtime.User{Name: "张伟", Kind: "person", IDNumber: personID(1)}, nil,
			person("张伟", "13803741234"), "", ""},
		{"twice", nil, &service.Registration{Kind: "person", Name: "张伟", IDNumber: personID(1), Mobile: "13803741234"},
			person("张伟", "13803745555"), runtime.ECONFLICT, "/idNumber"},
		{"a staff account", nil, nil, service.Registration{Kind: "staff", Name: "张伟", IDNumber: personID(1)}, runtime.EINVALID, "/kind"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newAccounts(t, service.AccountOptions{Verify: refuse})
			var window *runtime.User
			if tc.window != nil {
				var err error
				if window, err = a.acc.CreateUser(ctx, service.NewUser{User: *tc.window}); err != nil {
					t.Fatal(err)
				}
			}
			if tc.first != nil {
				if _, _, err := a.acc.Register(ctx, *tc.first, accountPassword, "10.0.0.1", ""); err != nil {
					t.Fatal(err)
				}
			}
			u, s, err := a.acc.Register(ctx, tc.reg, accountPassword, "10.0.0.1", "")
			var e *runtime.Error
			errors.As(err, &e)
			switch {
			case runtime.ErrorCode(err) != tc.code:
				t.Fatalf("Register = %v, want code %q", err, tc.code)
			case tc.pointer != "" && (len(e.Fields) != 1 || e.Fields[0].Pointer != tc.pointer):
				t.Fatalf("fields %+v, want %s", e.Fields, tc.pointer)
			case tc.code != "":
				return
			}
			if window != nil && u.ID != window.ID {
				t.Fatalf("registered as user %d, want the window applicant %d", u.ID, window.ID)
			}
			if got, err := a.acc.SessionUser(ctx, s.ID); err != nil || got.ID != u.ID || got.Mobile != tc.reg.Mobile {
				t.Fatalf("session user %+v, %v", got, err)
			}
			if n := len(a.events(service.EventRegister)); n != 1 {
				t.Fatalf("%d registrations recorded", n)
			}
		})
	}
}

// TestRegisterCheck: the population and legal-person databases decide who may register, and
// a register that does not answer refuses with a request to try again.
func TestRegisterCheck(t *testing.T) {
	records := map[string]any{
		personID(1):           map[string]any{"name": "张伟", "mobile": "13803741234"},
		personID(2):           map[string]any{"name": "李娜", "status": "死亡"},
		"91411003MA9KXY7Q8X0": map[string]any{"name": "许昌瑞祥置业有限公司", "legalRepresentative": "张伟", "legalRepresentativeIdNumber": personID(1)},
	}
	lookup := func(_ context.Context, connector, key string) (any, error) {
		if key == "down" {
			return nil, runtime.Errorf(runtime.EUNAVAILABLE, "人口库无响应")
		}
		if r, ok := records[key]; ok {
			return r, nil
		}
		return nil, runtime.Errorf(runtime.ENOTFOUND, "查无此人")
	}
	enterprise := func(name, legal, legalID string) service.Registration {
		return service.Registration{Kind: "enterprise", Name: name, USCC: "91411003MA9KXY7Q8X0", LegalName: legal, IDNumber: legalID}
	}
	tests := []struct {
		name     string
		lookup   service.Lookup
		reg      service.Registration
		code     string
		pointers []string
	}{
		{"the person's name", lookup, service.Registration{Kind: "person", Name: "张伟", IDNumber: personID(1)}, "", nil},
		{"another name", lookup, service.Registration{Kind: "person", Name: "张卫", IDNumber: personID(1)}, runtime.EINVALID, []string{"/name"}},
		{"unknown ID number", lookup, service.Registration{Kind: "person", Name: "张伟", IDNumber: personID(3)}, runtime.EINVALID, []string{"/idNumber"}},
		{"deceased", lookup, service.Registration{Kind: "person", Name: "李娜", IDNumber: personID(2)}, runtime.EINVALID, []string{"/idNumber"}},
		{"register down", lookup, service.Registration{Kind: "person", Name: "张伟", IDNumber: "down"}, runtime.EUNAVAILABLE, nil},
		{"no register connected", nil, service.Registration{Kind: "person", Name: "张伟", IDNumber: personID(1)}, runtime.EUNAVAILABLE, nil},
		{"the enterprise as registered", lookup, enterprise("许昌瑞祥置业有限公司", "张伟", personID(1)), "", nil},
		{"another legal representative", lookup, enterprise("许昌瑞祥置业有限公司", "李娜", personID(2)), runtime.EINVALID,
			[]string{"/legalName", "/legalIdNumber"}},
		{"unknown credit code", lookup, service.Registration{Kind: "enterprise", Name: "某公司", USCC: "91411003MA9KXY7Q8X1"}, runtime.EINVALID,
			[]string{"/uscc"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			check := service.RegisterCheck(func() service.Lookup { return tc.lookup }, nil)
			id, err := check(ctx, tc.reg)
			if want := map[bool]string{true: "13803741234"}[tc.name == "the person's name"]; id.Mobile != want {
				t.Fatalf("the register's mobile = %q, want %q", id.Mobile, want)
			}
			if runtime.ErrorCode(err) != tc.code {
				t.Fatalf("check = %v, want code %q", err, tc.code)
			}
			var e *runtime.Error
			errors.As(err, &e)
			var pointers []string
			if e != nil {
				for _, f := range e.Fields {
					pointers = append(pointers, f.Pointer)
				}
			}
			if len(pointers) != len(tc.pointers) || len(pointers) > 0 && pointers[0] != tc.pointers[0] {
				t.Fatalf("fields %v, want %v", pointers, tc.pointers)
			}
		})
	}
}
