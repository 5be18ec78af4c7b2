// Package webtest runs the server-rendered pages over the real program for tests: apptest
// starts tongban as `tongban serve --demo` builds it (the example matters, the demo users, the
// simulators behind the registers), each demo user signs in once through the account pages
// with a cookie jar of their own, and a client posts forms the way a browser without
// JavaScript does, with the CSRF token the pages carry.
package webtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
	"github.com/xuchang-gov/tongban/examples"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/service"
	"github.com/xuchang-gov/tongban/runtime/web/form"
	"github.com/xuchang-gov/tongban/runtime/web/page"
	"github.com/xuchang-gov/tongban/runtime/web/site"
)

// Demo users of service.SeedDemo.
const (
	Citizen    = "张伟"
	Elder      = "王桂英"
	Enterprise = "许昌瑞祥置业有限公司"
)

// Env is a running tongban, its pages reached by browsers of the demo users.
type Env struct {
	*apptest.Server
	browsers sync.Map // who → *browser
	users    sync.Map // who → *runtime.User
}

// New starts the real program on a fresh data folder with the demo data, as serve does; opts
// add to the service's options, such as a clock.
func New(t testing.TB, opts ...service.Option) *Env {
	t.Helper()
	return &Env{Server: apptest.Start(t, app.Config{}, opts...)}
}

// User returns the demo user by name, or staff by "org/role", as the service knows them.
func (e *Env) User(who string) *runtime.User {
	e.T.Helper()
	if u, ok := e.users.Load(who); ok {
		return u.(*runtime.User)
	}
	u, err := e.Service.Authenticate(context.Background(), e.Token(who))
	if err != nil {
		e.T.Fatal(err)
	}
	e.users.Store(who, u)
	return u
}

// browser is one person's browser: its cookies (the session, or a visitor's CSRF cookie) and
// the CSRF token its pages carry.
type browser struct {
	client *http.Client
	csrf   string
}

// browser returns who's browser ("" for a visitor's), signing the demo user in the first time.
func (e *Env) browser(who string) *browser {
	e.T.Helper()
	if b, ok := e.browsers.Load(who); ok {
		return b.(*browser)
	}
	jar, _ := cookiejar.New(nil)
	b := &browser{client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	kind, login := "person", ""
	if who != "" {
		c := e.Credential(who)
		switch kind = c.Kind; kind {
		case "person":
			login = c.IDNumber
		case "enterprise":
			login = c.USCC
		default:
			login = c.Mobile
		}
	}
	p := e.send(b, e.request("GET", "/account/login?kind="+kind, nil))
	b.csrf = p.csrf(e.T)
	if who != "" {
		values := url.Values{"kind": {kind}, "login": {login}, "password": {service.DemoPassword}, "next": {"/account/"}, site.CSRFField: {b.csrf}}
		req := e.request("POST", "/account/login", strings.NewReader(values.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if p := e.send(b, req); p.Status != http.StatusSeeOther || p.Location != "/account/" {
			e.T.Fatalf("%s cannot sign in: status %d, location %q\n%s", who, p.Status, p.Location, excerpt(p.Body))
		}
		// A session has a token of its own.
		b.csrf = e.send(b, e.request("GET", "/account/", nil)).csrf(e.T)
	}
	actual, _ := e.browsers.LoadOrStore(who, b)
	return actual.(*browser)
}

// CSRF is the token the pages carry for who ("" for a visitor).
func (e *Env) CSRF(who string) string { return e.browser(who).csrf }

// Request is a request as who's browser sends it, with its cookies: for a test that serves it
// through e.Handler itself.
func (e *Env) Request(who, method, path string, body io.Reader) *http.Request {
	req := e.request(method, path, body)
	for _, c := range e.browser(who).client.Jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	return req
}

func (e *Env) request(method, path string, body io.Reader) *http.Request {
	e.T.Helper()
	req, err := http.NewRequest(method, e.URL+path, body)
	if err != nil {
		e.T.Fatal(err)
	}
	return req
}

// Page is an answer: its status, where a redirect leads, and the body.
type Page struct {
	Status   int
	Location string
	Header   http.Header
	Body     string
}

// Get asks for a page as who ("" for a visitor).
func (e *Env) Get(who, path string) *Page {
	return e.send(e.browser(who), e.request("GET", path, nil))
}

// Post posts a form as who, with its CSRF token unless values has one (or an empty one).
func (e *Env) Post(who, path string, values url.Values) *Page {
	values = e.withCSRF(who, values)
	req := e.request("POST", path, strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.send(e.browser(who), req)
}

// File is a file chosen in an upload control.
type File struct {
	Field, Name string
	Content     []byte
}

// PostMultipart posts a form with files, as a browser does for enctype multipart/form-data.
func (e *Env) PostMultipart(who, path string, values url.Values, files ...File) *Page {
	values = e.withCSRF(who, values)
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, vs := range values {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	for _, f := range files {
		part, _ := w.CreateFormFile(f.Field, f.Name)
		part.Write(f.Content)
	}
	w.Close()
	req := e.request("POST", path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return e.send(e.browser(who), req)
}

func (e *Env) withCSRF(who string, values url.Values) url.Values {
	out := url.Values{}
	for k, v := range values {
		out[k] = v
	}
	if _, ok := out[site.CSRFField]; !ok {
		out.Set(site.CSRFField, e.CSRF(who))
	}
	return out
}

func (e *Env) send(b *browser, req *http.Request) *Page {
	e.T.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return &Page{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Header: resp.Header, Body: string(body)}
}

// csrf is the CSRF token of the page's forms.
func (p *Page) csrf(t testing.TB) string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(p.Body))
	if err != nil {
		t.Fatal(err)
	}
	n := find(doc, func(n *html.Node) bool {
		return n.Type == html.ElementNode && n.Data == "input" && attr(n, "name") == site.CSRFField
	})
	if p.Status != http.StatusOK || n == nil || attr(n, "value") == "" {
		t.Fatalf("status %d, no CSRF token on the page\n%s", p.Status, excerpt(p.Body))
	}
	return attr(n, "value")
}

// Expect fails the test unless the page has the status.
func (p *Page) Expect(t testing.TB, status int) *Page {
	t.Helper()
	if p.Status != status {
		t.Fatalf("status %d, want %d; location %q\n%s", p.Status, status, p.Location, excerpt(p.Body))
	}
	return p
}

// Contains fails the test unless the body has every piece.
func (p *Page) Contains(t testing.TB, pieces ...string) *Page {
	t.Helper()
	for _, s := range pieces {
		if !strings.Contains(p.Body, s) {
			t.Errorf("page lacks %q\n%s", s, excerpt(p.Body))
		}
	}
	return p
}

// Lacks fails the test if the body has any piece.
func (p *Page) Lacks(t testing.TB, pieces ...string) *Page {
	t.Helper()
	for _, s := range pieces {
		if strings.Contains(p.Body, s) {
			t.Errorf("page has %q", s)
		}
	}
	return p
}

// excerpt is the main part of a page, for failure messages.
func excerpt(body string) string {
	if i := strings.Index(body, `<main`); i >= 0 {
		body = body[i:]
	}
	if len(body) > 6000 {
		body = body[:6000] + "…"
	}
	return body
}

// FormValues reads the form with the given id (or the first form, for "") the way a browser
// builds what it posts: enabled controls with their values, checked choices, selected options.
// Buttons and file controls are left out: the test says which button it presses.
func (p *Page) FormValues(t testing.TB, id string) url.Values {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(p.Body))
	if err != nil {
		t.Fatal(err)
	}
	f := find(doc, func(n *html.Node) bool {
		return n.Type == html.ElementNode && n.Data == "form" && (id == "" || attr(n, "id") == id)
	})
	if f == nil {
		t.Fatalf("no form %q on the page\n%s", id, excerpt(p.Body))
	}
	values := url.Values{}
	var walk func(n *html.Node, disabled bool)
	walk = func(n *html.Node, disabled bool) {
		if n.Type == html.ElementNode && has(n, "disabled") {
			disabled = true
		}
		if n.Type == html.ElementNode && !disabled {
			name := attr(n, "name")
			switch n.Data {
			case "input":
				typ := attr(n, "type")
				switch {
				case name == "" || typ == "file" || typ == "submit" || typ == "button":
				case typ == "radio" || typ == "checkbox":
					if has(n, "checked") {
						values.Add(name, attr(n, "value"))
					}
				default:
					values.Add(name, attr(n, "value"))
				}
			case "textarea":
				text := ""
				if n.FirstChild != nil {
					text = n.FirstChild.Data
				}
				values.Add(name, text)
			case "select":
				for o := n.FirstChild; o != nil; o = o.NextSibling {
					if o.Type == html.ElementNode && has(o, "selected") {
						values.Add(name, attr(o, "value"))
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, disabled)
		}
	}
	walk(f, false)
	return values
}

// Text is the text of the element with the id, or "" when there is none.
func (p *Page) Text(id string) string {
	doc, err := html.Parse(strings.NewReader(p.Body))
	if err != nil {
		return ""
	}
	n := find(doc, func(n *html.Node) bool { return n.Type == html.ElementNode && attr(n, "id") == id })
	if n == nil {
		return ""
	}
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func find(n *html.Node, match func(*html.Node) bool) *html.Node {
	if match(n) {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := find(c, match); f != nil {
			return f
		}
	}
	return nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func has(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// PDF is a small file a material of type pdf accepts.
var PDF = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

// ErrNoCase is returned by CaseNumber for a location that names no case.
var ErrNoCase = errors.New("no case in the location")

// CaseNumber reads the case number from a redirect to /cases/{number}.
func CaseNumber(location string) (string, error) {
	rest, ok := strings.CutPrefix(location, "/cases/")
	if !ok {
		return "", ErrNoCase
	}
	n, _, _ := strings.Cut(rest, "?")
	n, _, _ = strings.Cut(n, "#")
	return url.PathUnescape(n)
}

// FormFor is what a browser posts for a form filled in with data: the matter's form rendered
// over the data and read back.
func (e *Env) FormFor(slug string, data map[string]any) url.Values {
	e.T.Helper()
	mp, _, err := e.Service.MatterPlan(context.Background(), slug, 0)
	if err != nil {
		e.T.Fatal(err)
	}
	out, err := form.RenderHTML(form.Build(mp, data, nil, page.Vars(mp, data, nil, "online", nil, time.Now())))
	if err != nil {
		e.T.Fatal(err)
	}
	return (&Page{Body: "<form>" + string(out) + "</form>"}).FormValues(e.T, "")
}

// Sample is the sample application of an example matter.
func Sample(t testing.TB, slug string) map[string]any {
	raw, err := fs.ReadFile(examples.Bundle, "matters/"+slug+"/sample.json")
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// Merge returns a copy of base with the values of more set over it.
func Merge(base url.Values, more url.Values) url.Values {
	out := url.Values{}
	for k, v := range base {
		out[k] = append([]string(nil), v...)
	}
	for k, v := range more {
		out[k] = append([]string(nil), v...)
	}
	return out
}
