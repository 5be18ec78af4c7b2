package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/service"
)

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]*)"`)

// browser is a client with its own cookies that does not follow redirects, and the CSRF token
// of the page it opened.
func browser(t *testing.T, srv *apptest.Server, page string) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return browserOf(t, srv, c, page)
}

func readAll(resp *http.Response) string {
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// TestSignInLockoutUnderConcurrency: fifty sign-ins at once for one account, forty-nine with
// wrong passwords and one right, check at most five passwords: no more than five failures are
// recorded, the rest are refused as locked out, and the account is locked or signed in.
func TestSignInLockoutUnderConcurrency(t *testing.T) {
	srv := apptest.Start(t, app.Config{})
	who := srv.Credential("李秀兰")
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for i := range 50 {
		c, csrf := browser(t, srv, "/account/login")
		password := "wrong-password-1"
		if i == 25 {
			password = service.DemoPassword
		}
		form := url.Values{"kind": {"person"}, "login": {who.IDNumber}, "password": {password}, "_csrf": {csrf}}
		wg.Go(func() {
			resp, err := c.PostForm(srv.URL+"/account/login", form)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			mu.Lock()
			defer mu.Unlock()
			statuses[resp.StatusCode]++
		})
	}
	wg.Wait()
	_, failed, err := srv.Store.ListAccountEvents(context.Background(), runtime.AccountEventFilter{Type: service.EventSignInFailed})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("answers %v, %d failures recorded", statuses, failed)
	if failed > service.MaxLoginFailures || statuses[http.StatusUnauthorized] > service.MaxLoginFailures {
		t.Errorf("%d wrong passwords were checked (answers %v), want at most %d", failed, statuses, service.MaxLoginFailures)
	}
	if statuses[http.StatusTooManyRequests] < 50-service.MaxLoginFailures-1 {
		t.Errorf("answers %v: the attempts past the limit were not refused as locked out", statuses)
	}
	if got := statuses[http.StatusSeeOther] + statuses[http.StatusTooManyRequests] + statuses[http.StatusUnauthorized]; got != 50 {
		t.Errorf("answers %v: each should be signed in, locked out or a wrong password", statuses)
	}
}

// post sends a form from c, with headers, and returns the status.
func post(t *testing.T, c *http.Client, u string, form url.Values, headers ...string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestResetCodesPerAddress: an address asks for reset codes at most five times in the
// period, for accounts that exist or not alike; the sixth is refused (429), and no code is sent.
func TestResetCodesPerAddress(t *testing.T) {
	srv := apptest.Start(t, app.Config{})
	c, csrf := browser(t, srv, "/account/reset")
	logins := []string{srv.Credential("张伟").IDNumber, "411002198001010000", srv.Credential("李秀兰").IDNumber}
	for i := range service.MaxLoginFailures + 1 {
		want := http.StatusOK
		if i == service.MaxLoginFailures {
			want = http.StatusTooManyRequests
		}
		form := url.Values{"kind": {"person"}, "login": {logins[i%len(logins)]}, "_csrf": {csrf}}
		if status := post(t, c, srv.URL+"/account/reset", form); status != want {
			t.Errorf("request %d: status %d, want %d", i+1, status, want)
		}
	}
}

// TestTrustedProxy: X-Forwarded-For tells the client's address only when it comes from a
// trusted proxy: behind one, clients are locked out each on their own; without one, the header
// does not let a locked-out client start afresh.
func TestTrustedProxy(t *testing.T) {
	loopback := netip.MustParsePrefix("127.0.0.0/8")
	tests := []struct {
		name    string
		proxies []netip.Prefix
		next    int // the status of a sign-in from another forwarded address
	}{
		{"behind a trusted proxy", []netip.Prefix{loopback}, http.StatusUnauthorized},
		{"no proxy trusted", nil, http.StatusTooManyRequests},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := apptest.Start(t, app.Config{TrustedProxies: tc.proxies})
			c, csrf := browser(t, srv, "/account/login")
			signIn := func(login, from string) int {
				form := url.Values{"kind": {"person"}, "login": {login}, "password": {"wrong-password-1"}, "_csrf": {csrf}}
				return post(t, c, srv.URL+"/account/login", form, "X-Forwarded-For", "198.51.100.1, "+from)
			}
			for i := range service.MaxLoginFailures {
				signIn(fmt.Sprintf("41100219800101%04d", i), "203.0.113.7")
			}
			if status := signIn("411002198001019999", "203.0.113.7"); status != http.StatusTooManyRequests {
				t.Errorf("the locked-out address: status %d, want 429", status)
			}
			if status := signIn("411002198001018888", "203.0.113.8"); status != tc.next {
				t.Errorf("another forwarded address: status %d, want %d", status, tc.next)
			}
		})
	}
}

// TestSecureCookies: --secure-cookies (or an https public address) gives the pages' cookies
// the Secure flag and the __Host- prefix.
func TestSecureCookies(t *testing.T) {
	for _, secure := range []bool{false, true} {
		srv := apptest.Start(t, app.Config{SecureCookies: secure})
		resp, err := http.Get(srv.URL + "/account/login")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cookies := resp.Cookies()
		if len(cookies) == 0 {
			t.Fatal("the sign-in page sets no cookie")
		}
		for _, c := range cookies {
			if strings.HasPrefix(c.Name, "__Host-") != secure || c.Secure != secure {
				t.Errorf("secure %v: cookie %s Secure=%v", secure, c.Name, c.Secure)
			}
		}
	}
}
