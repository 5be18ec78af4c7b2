// Package webtest runs the server-rendered pages over a real tongban for tests: a SQLite store,
// the service with the example matters and demo users, the outside-system simulators, a
// stand-in for the accounts (a user chosen by a request header, a CSRF token per user), and a
// client that posts forms the way a browser without JavaScript does.
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
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/xuchang-gov/tongban/connectors/httpconn"
	"github.com/xuchang-gov/tongban/connectors/registry"
	"github.com/xuchang-gov/tongban/connectors/simulate"
	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/examples"
	"github.com/xuchang-gov/tongban/printing/excel"
	"github.com/xuchang-gov/tongban/printing/pdf"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/blob"
	"github.com/xuchang-gov/tongban/runtime/service"
	"github.com/xuchang-gov/tongban/runtime/store/storetest"
	"github.com/xuchang-gov/tongban/runtime/web/form"
	"github.com/xuchang-gov/tongban/runtime/web/page"
	"github.com/xuchang-gov/tongban/runtime/web/site"
)

// UserHeader names the demo user a test request acts as (by name, or org/role for staff).
const UserHeader = "X-Test-User"

// Demo users of service.SeedDemo.
const (
	Citizen    = "张伟"
	Elder      = "王桂英"
	Enterprise = "许昌瑞祥置业有限公司"
)

// Env is a running tongban with its pages served by handler.
type Env struct {
	T     testing.TB
	Svc   *service.Service
	Srv   *httptest.Server
	Auth  *Auth
	Plans *Plans
	creds []service.Credential
	users sync.Map
}

// New starts a tongban on SQLite with the examples published, the demo users, printing, and
// the simulators behind the lookups; handler serves the pages under test.
func New(t testing.TB, handler func(e *Env) http.Handler) *Env {
	t.Helper()
	ctx := context.Background()
	db := storetest.OpenSQLite(t)
	blobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	lookups := new(service.Lookups)
	svc := service.New(db, blobs, nil, service.WithLookups(lookups),
		service.WithRender(func(w io.Writer, tpl *definitions.CompiledPrint, vars rules.Vars, at time.Time) error {
			return pdf.Render(w, tpl, vars, pdf.Options{CreatedAt: at})
		}),
		service.WithTables(func(sheet string, headers []string, widths []float64) (service.Table, error) {
			return excel.NewTable(sheet, headers, widths)
		}))
	if _, problems, err := svc.Import(ctx, examples.Bundle, true); err != nil || len(problems) > 0 {
		t.Fatalf("import: %v %v", err, problems)
	}
	if err := svc.LoadOrgs(ctx); err != nil {
		t.Fatal(err)
	}
	creds, err := svc.SeedDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ConnectSimulators(t, svc, lookups)
	e := &Env{T: t, Svc: svc, creds: creds, Plans: NewPlans(t)}
	e.Auth = &Auth{env: e}
	e.Srv = httptest.NewServer(handler(e))
	t.Cleanup(e.Srv.Close)
	return e
}

// ConnectSimulators connects lookups, the service's, to the outside-system simulators, served
// on a real local port, as `tongban serve --demo` does, and returns them (to set faults on).
// Every failed lookup is unavailable here; `serve` tells a register's "no such record" apart.
func ConnectSimulators(t testing.TB, svc *service.Service, lookups *service.Lookups) *simulate.Local {
	sims, err := simulate.StartLocal(simulate.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sims.Close() })
	b, err := svc.NewestBundle(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	reg, err := registry.New(b.Connectors, httpconn.Options{Getenv: sims.Getenv(os.Getenv)}, sims.URL)
	if err != nil {
		t.Fatal(err)
	}
	lookups.Connect(func(ctx context.Context, connector, key string) (any, error) {
		v, err := reg.Lookup(ctx, connector, key)
		if err != nil {
			return nil, runtime.Errorf(runtime.EUNAVAILABLE, "%s", httpconn.Message(err))
		}
		return v, nil
	})
	return sims
}

// User returns the demo user by name, or staff by "org/role".
func (e *Env) User(who string) *runtime.User {
	e.T.Helper()
	if u, ok := e.users.Load(who); ok {
		return u.(*runtime.User)
	}
	org, role, staff := strings.Cut(who, "/")
	for _, c := range e.creds {
		if (!staff && c.Name == who) || (staff && c.Org == org && len(c.Roles) == 1 && c.Roles[0] == role) {
			u, err := e.Svc.Authenticate(context.Background(), c.Token)
			if err != nil {
				e.T.Fatal(err)
			}
			e.users.Store(who, u)
			return u
		}
	}
	e.T.Fatalf("no demo user %s", who)
	return nil
}

// Auth stands in for the accounts: the user named by the X-Test-User header, and a CSRF token
// derived from it (a test has one session per user).
type Auth struct{ env *Env }

var _ site.Auth = (*Auth)(nil)

func (a *Auth) User(r *http.Request) *runtime.User {
	who := r.Header.Get(UserHeader)
	if who == "" {
		return nil
	}
	return a.env.User(who)
}

func (a *Auth) CSRFToken(r *http.Request) string {
	if who := r.Header.Get(UserHeader); who != "" {
		return "csrf:" + url.QueryEscape(who)
	}
	return "csrf:visitor"
}

func (a *Auth) CheckCSRF(r *http.Request) error {
	if got := r.PostFormValue(site.CSRFField); got == "" || got != a.CSRFToken(r) {
		return runtime.Errorf(runtime.EFORBIDDEN, "页面已过期或请求来源不明（CSRF 校验未通过）")
	}
	return nil
}

// Plans compiles the examples, as the service does for its published versions.
type Plans struct{ plan *definitions.Plan }

var _ page.Plans = (*Plans)(nil)

// NewPlans loads and compiles the example bundle.
func NewPlans(t testing.TB) *Plans {
	b, problems := definitions.Load(examples.Bundle)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	plan, problems := definitions.Compile(b)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	return &Plans{plan: plan}
}

// MatterPlan gives the one version the fixture bundle has, whatever version is asked for.
func (p *Plans) MatterPlan(ctx context.Context, slug string, version int) (*definitions.MatterPlan, int, error) {
	mp := p.plan.Matter(slug)
	if mp == nil {
		return nil, 0, runtime.Errorf(runtime.ENOTFOUND, "事项 %s 不存在或尚未发布", slug)
	}
	return mp, 1, nil
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
	req, _ := http.NewRequest("GET", e.Srv.URL+path, nil)
	return e.do(who, req)
}

// Post posts a form as who, with its CSRF token unless values has one (or an empty one).
func (e *Env) Post(who, path string, values url.Values) *Page {
	values = e.withCSRF(who, values)
	req, _ := http.NewRequest("POST", e.Srv.URL+path, strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(who, req)
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
	req, _ := http.NewRequest("POST", e.Srv.URL+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return e.do(who, req)
}

func (e *Env) withCSRF(who string, values url.Values) url.Values {
	out := url.Values{}
	for k, v := range values {
		out[k] = v
	}
	if _, ok := out[site.CSRFField]; !ok {
		token := "csrf:visitor"
		if who != "" {
			token = "csrf:" + url.QueryEscape(who)
		}
		out.Set(site.CSRFField, token)
	}
	return out
}

var client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (e *Env) do(who string, req *http.Request) *Page {
	e.T.Helper()
	if who != "" {
		req.Header.Set(UserHeader, who)
	}
	resp, err := client.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return &Page{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Header: resp.Header, Body: string(body)}
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
	mp, _, err := e.Plans.MatterPlan(context.Background(), slug, 0)
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
