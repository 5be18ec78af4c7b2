package main

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
	"github.com/xuchang-gov/tongban/connectors/simulate"
	"github.com/xuchang-gov/tongban/definitions/cn"
	"github.com/xuchang-gov/tongban/runtime"
)

// TestRegistrationChecksRegisters builds the server as serve --demo does, with the population and
// legal-person simulators on a real port, and registers through the account pages: a name
// the population database does not give for the ID number is refused beside the name, the
// right one is accepted; an enterprise's legal representative must match the legal-person
// database; with the population database down, registration is refused with the retry
// message. A refused registration stores no account.
func TestRegistrationChecksRegisters(t *testing.T) {
	ctx := context.Background()
	srv := apptest.Start(t, app.Config{})
	sims, db := srv.Simulators, srv.Store

	born := time.Date(1988, 4, 17, 0, 0, 0, 0, time.UTC)
	resident := cn.MakeIDNumber("411002", born, 246)
	person, err := simulate.LookupPerson(resident, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	firm := cn.MakeUSCC("91411081MA3XK2P05")
	entity, err := simulate.LookupEnterprise(firm, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	const password = "Xc-register-2026"
	personForm := func(name, id, mobile string) url.Values {
		return url.Values{"kind": {"person"}, "name": {name}, "idNumber": {id}, "mobile": {mobile},
			"password": {password}, "password2": {password}}
	}
	enterpriseForm := func(legalName, legalID string) url.Values {
		return url.Values{"kind": {"enterprise"}, "name": {entity.Name}, "uscc": {firm}, "legalName": {legalName},
			"legalIdNumber": {legalID}, "mobile": {"18637405555"}, "password": {password}, "password2": {password}}
	}

	tests := []struct {
		name       string
		down       bool // the population database answers every request 503
		kind       string
		form       url.Values
		status     int
		field, msg string // the message beside a field, or with field "" the one on top
	}{
		{"wrong name", false, "person", personForm("刘晓燕", resident, "13937410001"),
			http.StatusBadRequest, "name", "姓名与身份证号码不符，请核对"},
		{"ID number unknown to the register", false, "person", personForm("刘晓燕", cn.MakeIDNumber("110101", born, 246), "13937410002"),
			http.StatusBadRequest, "idNumber", "人口库中查无此身份证号码，请核对"},
		{"wrong legal representative", false, "enterprise", enterpriseForm(entity.LegalRepresentative, resident),
			http.StatusBadRequest, "legalIdNumber", "法定代表人身份证号码与法人库登记的不符，请核对"},
		{"right legal representative without a verified account", false, "enterprise", enterpriseForm(entity.LegalRepresentative, entity.LegalRepresentativeIDNumber),
			http.StatusBadRequest, "legalIdNumber", "法人账户须由法定代表人本人激活：请法定代表人先用本人身份证号注册个人账户并完成实名核验，再激活法人账户"},
		{"right name", false, "person", personForm(person.Name, resident, "13937410003"),
			http.StatusSeeOther, "", ""},
		// Last: the failures open the connector's circuit breaker.
		{"population database down", true, "person", personForm(person.Name, cn.MakeIDNumber("411002", born, 247), "13937410004"),
			http.StatusServiceUnavailable, "", "暂时无法核验身份，请稍后再试"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.down {
				sims.SetFaults(simulate.Population, simulate.Faults{Down: true})
			}
			status, body := register(t, srv.URL, tc.form)
			if status != tc.status {
				t.Fatalf("status %d, want %d\n%s", status, tc.status, body)
			}
			if got := shownMessage(body, tc.field); got != tc.msg {
				t.Errorf("message %q, want %q", got, tc.msg)
			}
			login := tc.form.Get("idNumber")
			if tc.kind == "enterprise" {
				login = firm
			}
			_, err := db.FindAccount(ctx, tc.kind, login)
			if stored := err == nil; stored != (tc.status == http.StatusSeeOther) {
				t.Errorf("account stored: %v, want %v", stored, !stored)
			}
		})
	}
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]*)"`)

// register opens the registration page in a fresh browser and posts form with its CSRF token.
func register(t *testing.T, base string, form url.Values) (int, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	_, page := send(t, c, http.MethodGet, base+"/account/register", nil)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the registration page has no CSRF token:\n%s", page)
	}
	form.Set("_csrf", html.UnescapeString(m[1]))
	return send(t, c, http.MethodPost, base+"/account/register", form)
}

func send(t *testing.T, c *http.Client, method, u string, form url.Values) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// shownMessage is the message beside a field of an account page, or with field "" the one on
// top of it; "" when there is none.
func shownMessage(body, field string) string {
	pattern := `<div class="problem" role="alert">([^<]*)<`
	if field != "" {
		pattern = `id="f-` + field + `-error">([^<]*)<`
	}
	if m := regexp.MustCompile(pattern).FindStringSubmatch(body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

// pageClient is one browser on the account pages and the portal: its own cookies, redirects
// not followed, and the CSRF token of the last page it read.
type pageClient struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

func newPageClient(t *testing.T, base string) *pageClient {
	jar, _ := cookiejar.New(nil)
	return &pageClient{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (p *pageClient) get(path string) (int, string) {
	p.t.Helper()
	status, body := send(p.t, p.c, http.MethodGet, p.base+path, nil)
	if m := csrfField.FindStringSubmatch(body); m != nil {
		p.csrf = html.UnescapeString(m[1])
	}
	return status, body
}

// post reads page for its CSRF token and posts form to action.
func (p *pageClient) post(page, action string, form url.Values) (int, string) {
	p.t.Helper()
	p.get(page)
	form.Set("_csrf", p.csrf)
	return send(p.t, p.c, http.MethodPost, p.base+action, form)
}

// textedCode waits for the SMS gateway simulator to receive a text to mobile holding a code,
// after the first since texts it received, and returns the code of the newest one.
func textedCode(t *testing.T, sims *simulate.Local, mobile string, since int) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		sent := sims.SentSMS()
		for i := len(sent) - 1; i >= since; i-- {
			if m := regexp.MustCompile(`验证码 (\d{6})`).FindStringSubmatch(sent[i].Content); m != nil && sent[i].Mobile == mobile {
				return m[1]
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no code texted to %s", mobile)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRegistrationProvesControlOfTheIdentity registers through the account pages of the real
// program, its texts delivered to the SMS gateway simulator: the code goes to the mobile number
// the population register holds, not the one typed, so someone registering under another
// person's name and ID number gets an account that cannot apply; entered, it verifies the
// account. A resident the register has no number for stays unverified — browsing, not applying,
// told to go to a window — until a clerk verifies them in the workbench, which the account log
// records with the clerk's name. An enterprise is activated only through its legal
// representative's verified account, whose phone gets the code.
func TestRegistrationProvesControlOfTheIdentity(t *testing.T) {
	ctx := context.Background()
	srv := apptest.Start(t, app.Config{})
	runCtx, cancel := context.WithCancel(ctx)
	ran := make(chan struct{})
	go func() { srv.Run(runCtx); close(ran) }()
	t.Cleanup(func() { cancel(); <-ran })
	const password = "Xc-register-2026"
	born := time.Date(1988, 4, 17, 0, 0, 0, 0, time.UTC)
	resident := func(seq int) simulate.Person {
		p, err := simulate.LookupPerson(cn.MakeIDNumber("411002", born, seq), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	registerAs := func(p *pageClient, who simulate.Person, typed string) string {
		t.Helper()
		status, _ := p.post("/account/register", "/account/register", url.Values{"kind": {"person"}, "name": {who.Name},
			"idNumber": {who.IDNumber}, "mobile": {typed}, "password": {password}, "password2": {password}})
		if status != http.StatusSeeOther {
			t.Fatalf("register %s: %d", who.Name, status)
		}
		_, page := p.get("/account/verify?msg=unverified")
		return page
	}
	const applyPage = "/matters/sole-proprietor-registration/apply"
	mayApply := func(p *pageClient) bool {
		t.Helper()
		status, page := p.get(applyPage)
		if status == http.StatusForbidden && !strings.Contains(html.UnescapeString(page), "您的账户尚未完成实名核验，暂不能申办") {
			t.Fatalf("refused without saying why:\n%s", page)
		}
		return status == http.StatusOK
	}

	t.Run("by the code texted to the register's number", func(t *testing.T) {
		who := resident(250)
		p := newPageClient(t, srv.URL)
		page := registerAs(p, who, "13937419999")
		if !strings.Contains(page, "验证码已发送到 "+who.Mobile[:3]+"****"+who.Mobile[7:]) {
			t.Fatalf("the verification page does not name the register's number:\n%s", page)
		}
		if mayApply(p) {
			t.Fatal("an unverified account may apply")
		}
		code := textedCode(t, srv.Simulators, who.Mobile, 0)
		wrong := map[bool]string{true: "000001", false: "000000"}[code == "000000"]
		if status, page := p.post("/account/verify", "/account/verify", url.Values{"step": {"verify"}, "code": {wrong}}); status != http.StatusBadRequest ||
			shownMessage(page, "code") != "验证码错误，还可尝试 4 次" {
			t.Fatalf("wrong code: %d %q", status, shownMessage(page, "code"))
		}
		status, _ := p.post("/account/verify", "/account/verify", url.Values{"step": {"verify"}, "code": {code}})
		if status != http.StatusSeeOther || !mayApply(p) {
			t.Fatalf("verified: %d, may apply %v", status, mayApply(p))
		}
		u, err := srv.Store.FindAccount(ctx, "person", who.IDNumber)
		if err != nil || u.Unverified || u.Mobile != who.Mobile {
			t.Fatalf("account %+v, %v; want verified with the register's number", u, err)
		}
	})

	t.Run("someone else's identity gets nowhere", func(t *testing.T) {
		victim := resident(251)
		const attacker = "13937418888"
		p := newPageClient(t, srv.URL)
		registerAs(p, victim, attacker)
		if mayApply(p) {
			t.Fatal("the impostor may apply")
		}
		textedCode(t, srv.Simulators, victim.Mobile, 0) // the victim's phone is told
		for _, m := range srv.Simulators.SentSMS() {
			if m.Mobile == attacker {
				t.Fatalf("a text went to the number the impostor typed: %s", m.Content)
			}
		}
		if status, _ := p.get("/api/v1/matters/sole-proprietor-registration"); status != http.StatusOK {
			t.Fatalf("browsing the guide: %d", status)
		}
	})

	t.Run("verified at a window when the register has no number", func(t *testing.T) {
		who := resident(241)
		if who.Mobile != "" {
			t.Fatalf("resident 241 has a mobile number on record: %s", who.Mobile)
		}
		p := newPageClient(t, srv.URL)
		page := registerAs(p, who, "13937410241")
		if !strings.Contains(page, "请携带本人身份证到任一政务服务窗口") || strings.Contains(page, `name="code"`) {
			t.Fatalf("the verification page does not send them to a window:\n%s", page)
		}
		if status, page := p.post("/account/verify", "/account/verify", url.Values{"step": {"send"}}); status != http.StatusBadRequest ||
			!strings.Contains(html.UnescapeString(page), "人口库中没有您的手机号码") {
			t.Fatalf("asking for a code: %d", status)
		}
		if mayApply(p) {
			t.Fatal("an unverified account may apply")
		}
		signIn := func(mobile string) *pageClient {
			s := newPageClient(t, srv.URL)
			if status, _ := s.post("/account/login", "/account/login", url.Values{"kind": {"staff"}, "login": {mobile}, "password": {demoPassword}}); status != http.StatusSeeOther {
				t.Fatalf("staff sign-in %s: %d", mobile, status)
			}
			return s
		}
		clerk, decider := signIn(wdClerkMobile), signIn(wdDeciderMobile)
		_, window := clerk.get("/work/window?key=" + who.IDNumber)
		m := regexp.MustCompile(`name="account" value="(\d+)"`).FindStringSubmatch(window)
		if m == nil || !strings.Contains(window, "网上账户待实名核验") {
			t.Fatalf("the window page does not offer to verify the account:\n%s", window)
		}
		form := url.Values{"account": {m[1]}, "key": {who.IDNumber}, "mobile": {"13937410241"}}
		if status, _ := decider.post("/work/", "/work/window/verify", form); status != http.StatusForbidden {
			t.Fatalf("a decider verifying: %d, want 403", status)
		}
		if status, _ := clerk.post("/work/window?key="+who.IDNumber, "/work/window/verify", form); status != http.StatusSeeOther {
			t.Fatalf("the clerk verifying: %d", status)
		}
		if !mayApply(p) {
			t.Fatal("verified at the window, still may not apply")
		}
		events, _, err := srv.Store.ListAccountEvents(ctx, runtime.AccountEventFilter{Type: "verified"})
		if err != nil || len(events) == 0 || events[0].ActorID == 0 || !strings.Contains(events[0].Detail, "窗口核验") {
			t.Fatalf("verification recorded as %+v (%v)", events, err)
		}
	})

	t.Run("an enterprise through its legal representative's verified account", func(t *testing.T) {
		firm := cn.MakeUSCC("91411081MA3XK2P05")
		entity, err := simulate.LookupEnterprise(firm, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		rep, err := simulate.LookupPerson(entity.LegalRepresentativeIDNumber, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		activate := url.Values{"kind": {"enterprise"}, "name": {entity.Name}, "uscc": {firm}, "legalName": {entity.LegalRepresentative},
			"legalIdNumber": {rep.IDNumber}, "mobile": {"18637405555"}, "password": {password}, "password2": {password}}
		firmPage := newPageClient(t, srv.URL)
		status, page := firmPage.post("/account/register?kind=enterprise", "/account/register", activate)
		if status != http.StatusBadRequest || !strings.Contains(shownMessage(page, "legalIdNumber"), "法人账户须由法定代表人本人激活") {
			t.Fatalf("without the representative's account: %d %q", status, shownMessage(page, "legalIdNumber"))
		}
		own := newPageClient(t, srv.URL)
		registerAs(own, rep, rep.Mobile)
		if status, _ := own.post("/account/verify", "/account/verify", url.Values{"step": {"verify"}, "code": {textedCode(t, srv.Simulators, rep.Mobile, 0)}}); status != http.StatusSeeOther {
			t.Fatalf("the representative verifying: %d", status)
		}
		texted := len(srv.Simulators.SentSMS())
		if status, _ := firmPage.post("/account/register?kind=enterprise", "/account/register", activate); status != http.StatusSeeOther {
			t.Fatalf("activating: %d", status)
		}
		if mayApply(firmPage) {
			t.Fatal("an enterprise not yet verified may apply")
		}
		// The next text to the representative is the enterprise's code.
		if status, _ := firmPage.post("/account/verify", "/account/verify", url.Values{"step": {"verify"}, "code": {textedCode(t, srv.Simulators, rep.Mobile, texted)}}); status != http.StatusSeeOther {
			t.Fatalf("the enterprise verifying: %d", status)
		}
		u, err := srv.Store.FindAccount(ctx, "enterprise", firm)
		if err != nil || u.Unverified {
			t.Fatalf("enterprise account %+v, %v", u, err)
		}
	})
}
