package app_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"testing"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
	"github.com/xuchang-gov/tongban/runtime/service"
)

// signedIn is a browser signed in to the pages as a demo staff member, with the CSRF token
// of its session.
func signedIn(t *testing.T, srv *apptest.Server, who string) (*http.Client, string) {
	t.Helper()
	c, csrf := browser(t, srv, "/account/login")
	form := url.Values{"kind": {"staff"}, "login": {srv.Credential(who).Mobile}, "password": {service.DemoPassword}, "_csrf": {csrf}}
	if status := post(t, c, srv.URL+"/account/login", form); status != http.StatusSeeOther {
		t.Fatalf("%s signs in: status %d", who, status)
	}
	return browserOf(t, srv, c, "/admin/users")
}

// browserOf opens page with c and returns c with the page's CSRF token.
func browserOf(t *testing.T, srv *apptest.Server, c *http.Client, page string) (*http.Client, string) {
	t.Helper()
	resp, err := c.Get(srv.URL + page)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	m := csrfField.FindStringSubmatch(readAll(resp))
	if m == nil {
		t.Fatalf("%s (status %d) has no CSRF token", page, resp.StatusCode)
	}
	return c, html.UnescapeString(m[1])
}

// TestAdminsActInTheirSubtree: a district's administrator disables a clerk of a district
// department but not one of a city department, nor a citizen; the city's administrator may.
func TestAdminsActInTheirSubtree(t *testing.T) {
	srv := apptest.Start(t, app.Config{})
	id := func(who string) int64 {
		u, err := srv.Accounts.FindAccount(context.Background(), "staff", srv.Credential(who).Mobile)
		if who == "张伟" {
			u, err = srv.Accounts.FindAccount(context.Background(), "person", srv.Credential(who).IDNumber)
		}
		if err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	tests := []struct {
		admin, target string
		status        int
	}{
		{"wd-gov/admin", "xc-amr/clerk", http.StatusForbidden},
		{"wd-gov/admin", "张伟", http.StatusForbidden},
		{"wd-gov/admin", "wd-amr/clerk", http.StatusSeeOther},
		{"xc-gov/admin", "xc-amr/clerk", http.StatusSeeOther},
		{"xc-gov/admin", "wd-civil/clerk", http.StatusSeeOther},
	}
	for _, tc := range tests {
		t.Run(tc.admin+" disables "+tc.target, func(t *testing.T) {
			c, csrf := signedIn(t, srv, tc.admin)
			status := post(t, c, fmt.Sprintf("%s/admin/users/%d/disable", srv.URL, id(tc.target)), url.Values{"_csrf": {csrf}})
			if status != tc.status {
				t.Errorf("status %d, want %d", status, tc.status)
			}
			u, err := srv.Accounts.GetUser(context.Background(), id(tc.target))
			if err != nil {
				t.Fatal(err)
			}
			if u.Disabled != (tc.status == http.StatusSeeOther) {
				t.Errorf("disabled %v after status %d", u.Disabled, status)
			}
		})
	}
}
