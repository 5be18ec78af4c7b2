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
		{"right legal representative", false, "enterprise", enterpriseForm(entity.LegalRepresentative, entity.LegalRepresentativeIDNumber),
			http.StatusSeeOther, "", ""},
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
