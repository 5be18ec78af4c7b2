package account_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/runtime/service"
)

// TestErrorsAnnounced: a refused sign-in or registration opens with an error summary whose
// links lead to the fields (static/site.js focuses it), and a reason that is not about one
// field is an alert.
func TestErrorsAnnounced(t *testing.T) {
	h := newHarness(t)
	h.person("张伟", 31, "13803741234", goodPassword)
	for _, c := range []struct {
		name         string
		page, action string
		form         url.Values
		links        []string // the summary's links, in order; none: no summary
		alert        string
	}{
		{"empty sign-in", "/account/login", "/account/login", url.Values{"kind": {"person"}},
			[]string{`<a href="#f-login">证件号码或手机号码：请填写证件号码或手机号码</a>`, `<a href="#f-password">密码：请输入密码</a>`}, ""},
		{"wrong password", "/account/login", "/account/login", url.Values{"kind": {"person"}, "login": {idNumber(31)}, "password": {"Wrong#password1"}},
			nil, "账户或密码错误"},
		{"registration", "/account/register", "/account/register", personForm("张", badIDNumber(2), "1380374", goodPassword, "other"),
			[]string{`href="#f-idNumber"`, `href="#f-mobile"`, `href="#f-password2"`}, "请修改标出的问题后再提交"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := h.browser().submit(c.page, c.action, c.form)
			summary := regexp.MustCompile(`(?s)<div class="error-summary" id="error-summary" tabindex="-1"[^>]*data-error-summary>.*?</div>`).FindString(r.Body)
			if len(c.links) == 0 && summary != "" {
				t.Errorf("an error summary without field errors:\n%s", summary)
			}
			at := 0
			for _, l := range c.links {
				i := strings.Index(summary[at:], l)
				if i < 0 {
					t.Fatalf("the summary lacks %s (in order):\n%s", l, r.Body)
				}
				at += i
			}
			if got := problem(r.Body); !strings.Contains(got, c.alert) {
				t.Errorf("the alert says %q, want %q", got, c.alert)
			}
		})
	}
}

// TestSessionExtend: a signed-in page tells the script how long the session lives without a
// request; posting to /account/session (延长登录) keeps it alive past the idle timeout; a
// session that has run out is not extended.
func TestSessionExtend(t *testing.T) {
	h := newHarness(t)
	h.person("张伟", 31, "13803741234", goodPassword)
	b := h.browser()
	b.login("person", idNumber(31), goodPassword)
	idle := h.svc.IdleTimeout()
	if idle <= 0 || idle >= service.SessionIdle {
		t.Fatalf("IdleTimeout %v, want a little under %v", idle, service.SessionIdle)
	}
	page := b.get("/account/")
	if want := `data-session-idle="` + strconv.Itoa(int(idle/time.Second)) + `"`; !strings.Contains(page.Body, want) {
		t.Fatalf("the page lacks %s", want)
	}
	mustContain(t, page.Body, `role="alertdialog"`, "延长登录")
	if visitor := h.browser().get("/account/login"); strings.Contains(visitor.Body, "data-session-idle") {
		t.Fatal("a visitor's page warns of a session")
	}
	extend := func() int {
		return b.postRaw("/account/session", url.Values{}, "X-CSRF-Token", b.csrf).Status
	}
	for range 3 {
		h.clock.Add(idle - time.Minute)
		if got := extend(); got != http.StatusNoContent {
			t.Fatalf("extending: %d", got)
		}
	}
	if !b.signedIn() {
		t.Fatalf("signed out after extending three times %v apart", idle-time.Minute)
	}
	h.clock.Add(service.SessionIdle + time.Second)
	if got := extend(); got == http.StatusNoContent {
		t.Fatal("an expired session was extended")
	}
}
