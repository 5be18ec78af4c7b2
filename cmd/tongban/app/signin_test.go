package app_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
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
	resp, err := c.Get(srv.URL + page)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindStringSubmatch(string(body))
	if m == nil {
		t.Fatalf("%s has no CSRF token", page)
	}
	return c, html.UnescapeString(m[1])
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
