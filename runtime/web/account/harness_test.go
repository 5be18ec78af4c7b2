package account_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/definitions/cn"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/service"
	"github.com/xuchang-gov/tongban/runtime/store"
	"github.com/xuchang-gov/tongban/runtime/store/storetest"
	"github.com/xuchang-gov/tongban/runtime/web/account"
)

var ctx = context.Background()

// openStore opens the store of each harness: SQLite, or PostgreSQL within TestPostgres.
var openStore = func(t testing.TB, opts ...store.Option) *store.DB { return storetest.OpenSQLite(t, opts...) }

// clock is the injectable clock the store and the pages share.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// sms is a text the accounts sent.
type sms struct{ Mobile, Text string }

// harness is a real HTTP server with the accounts mounted as the portal would mount them, on
// a fresh SQLite store, with the clock and the SMS gateway in the test's hands.
type harness struct {
	t     *testing.T
	db    *store.DB
	clock *clock
	srv   *httptest.Server
	svc   *service.Accounts
	acc   *account.Accounts

	mu   sync.Mutex
	sent []sms
	// units counts the units of work the store has committed.
	units atomic.Int64
}

// harnessConfig is how a harness builds the account service and its pages.
type harnessConfig struct {
	service service.AccountOptions
	pages   account.Options
	tls     bool
	outbox  bool
}

type harnessOption func(*harnessConfig)

// withTLS serves over TLS with Options.Secure.
func withTLS() harnessOption {
	return func(c *harnessConfig) { c.pages.Secure, c.tls = true, true }
}

// withVerify checks registrations with verify.
func withVerify(verify service.IdentityCheck) harnessOption {
	return func(c *harnessConfig) { c.service.Verify = verify }
}

// withOutbox queues texts on the store's outbox instead of keeping them in the harness.
func withOutbox() harnessOption {
	return func(c *harnessConfig) { c.outbox = true }
}

func newHarness(t *testing.T, opts ...harnessOption) *harness {
	t.Helper()
	h := &harness{t: t, clock: &clock{t: time.Date(2025, 3, 10, 1, 0, 0, 0, time.UTC)}}
	h.db = openStore(t, store.WithHooks(store.Hooks{Commit: func(units int, _ time.Duration) { h.units.Add(int64(units)) }}))
	h.db.Now = h.clock.Now
	c := harnessConfig{
		service: service.AccountOptions{
			Now: h.clock.Now,
			Enqueue: func(_ runtime.AccountTx, _ string, payload json.RawMessage) error {
				var text struct{ Mobile, Content string }
				if err := json.Unmarshal(payload, &text); err != nil {
					return err
				}
				h.mu.Lock()
				defer h.mu.Unlock()
				h.sent = append(h.sent, sms{text.Mobile, text.Content})
				return nil
			},
		},
		pages: account.Options{
			// Tests play clients at several addresses with a header.
			ClientIP: func(r *http.Request) string {
				if ip := r.Header.Get("X-Test-IP"); ip != "" {
					return ip
				}
				host, _, _ := net.SplitHostPort(r.RemoteAddr)
				return host
			},
		},
	}
	for _, opt := range opts {
		opt(&c)
	}
	tls := c.tls
	if c.outbox {
		c.service.Enqueue = nil
	}
	h.svc = service.NewAccounts(h.db, c.service)
	h.acc = account.New(h.svc, c.pages)
	mux := http.NewServeMux()
	mux.Handle("/account/", h.acc)
	mux.Handle("/admin/", h.acc)
	// A stand-in for a portal page that needs a signed-in user.
	mux.Handle("GET /cases", h.acc.RequireUser(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "我的办件：%s", html.EscapeString(h.acc.User(r).Name))
	})))
	if tls {
		h.srv = httptest.NewTLSServer(h.acc.Middleware(mux))
	} else {
		h.srv = httptest.NewServer(h.acc.Middleware(mux))
	}
	t.Cleanup(h.srv.Close)
	return h
}

// texts returns the SMS sent so far.
func (h *harness) texts() []sms {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]sms(nil), h.sent...)
}

var codePattern = regexp.MustCompile(`验证码 (\d{6})`)

// lastCode returns the reset code in the last text to mobile.
func (h *harness) lastCode(mobile string) string {
	h.t.Helper()
	texts := h.texts()
	for i := len(texts) - 1; i >= 0; i-- {
		if texts[i].Mobile == mobile {
			if m := codePattern.FindStringSubmatch(texts[i].Text); m != nil {
				return m[1]
			}
		}
	}
	h.t.Fatalf("no reset code texted to %s; texts: %v", mobile, texts)
	return ""
}

func idNumber(seq int) string {
	return cn.MakeIDNumber("411002", time.Date(1986, 5, 12, 0, 0, 0, 0, time.UTC), seq)
}

// badIDNumber is idNumber(seq) with a wrong check character.
func badIDNumber(seq int) string {
	s := idNumber(seq)
	last := s[17]
	for _, c := range "0123456789X" {
		if byte(c) != last {
			return s[:17] + string(c)
		}
	}
	panic("unreachable")
}

func uscc(body string) string { return cn.MakeUSCC(body) }

const goodPassword = "Xuchang#2025ok"

// person registers a citizen through the account service.
func (h *harness) person(name string, seq int, mobile, password string) *runtime.User {
	h.t.Helper()
	u, err := h.svc.CreateUser(ctx, service.NewUser{User: runtime.User{Name: name, Kind: "person", IDNumber: idNumber(seq),
		Mobile: mobile, Roles: []runtime.Role{runtime.RoleApplicant}}, Password: password})
	if err != nil {
		h.t.Fatal(err)
	}
	return u
}

// staff creates a member of staff with a password, as the command line would.
func (h *harness) staff(name string, seq int, mobile string, roles ...runtime.Role) *runtime.User {
	h.t.Helper()
	u, err := h.svc.CreateUser(ctx, service.NewUser{User: runtime.User{Name: name, Kind: "staff", IDNumber: idNumber(seq),
		Mobile: mobile, Roles: roles}, Password: goodPassword})
	if err != nil {
		h.t.Fatal(err)
	}
	return u
}

func (h *harness) userCount() int {
	h.t.Helper()
	_, n, err := h.db.ListUsers(ctx, runtime.UserFilter{})
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

func (h *harness) events(typ string) []runtime.AccountEvent {
	h.t.Helper()
	evs, _, err := h.db.ListAccountEvents(ctx, runtime.AccountEventFilter{Type: typ})
	if err != nil {
		h.t.Fatal(err)
	}
	return evs
}

// browser is one browser: a client with its own cookie jar that does not follow redirects,
// so that tests see them.
type browser struct {
	h    *harness
	c    *http.Client
	ip   string
	csrf string // the token of the last page that had a form
}

func (h *harness) browser() *browser {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Transport: h.srv.Client().Transport, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{h: h, c: c}
}

// from makes the browser's requests come from ip.
func (b *browser) from(ip string) *browser { b.ip = ip; return b }

// resp is an answer as a test looks at it.
type resp struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

var csrfPattern = regexp.MustCompile(`name="_csrf" value="([^"]*)"`)

func (b *browser) do(req *http.Request) *resp {
	b.h.t.Helper()
	if b.ip != "" {
		req.Header.Set("X-Test-IP", b.ip)
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.h.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	r := &resp{Status: res.StatusCode, Body: string(body), Location: res.Header.Get("Location"), Header: res.Header}
	if m := csrfPattern.FindStringSubmatch(r.Body); m != nil {
		b.csrf = html.UnescapeString(m[1])
	}
	return r
}

func (b *browser) get(path string) *resp {
	b.h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.h.srv.URL+path, nil)
	return b.do(req)
}

// postRaw posts form exactly as given.
func (b *browser) postRaw(path string, form url.Values, header ...string) *resp {
	b.h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.h.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return b.do(req)
}

// submit opens the page with the form first, as a person would, and posts the form to action
// with the page's CSRF token.
func (b *browser) submit(page, action string, form url.Values) *resp {
	b.h.t.Helper()
	if r := b.get(page); r.Status != http.StatusOK {
		b.h.t.Fatalf("GET %s: %d\n%s", page, r.Status, r.Body)
	}
	form = cloneValues(form)
	form.Set("_csrf", b.csrf)
	return b.postRaw(action, form)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func (b *browser) login(kind, login, password string) *resp {
	b.h.t.Helper()
	return b.submit("/account/login", "/account/login", url.Values{"kind": {kind}, "login": {login}, "password": {password}})
}

// signedIn reports whether the browser's session is alive, by opening a page that needs it.
func (b *browser) signedIn() bool {
	b.h.t.Helper()
	r := b.get("/cases")
	return r.Status == http.StatusOK
}

// fieldError returns the message shown beside a form field, "" if none.
func fieldError(body, name string) string {
	m := regexp.MustCompile(`id="f-` + regexp.QuoteMeta(name) + `-error">([^<]*)<`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// problem returns the message at the top of a page, "" if none.
func problem(body string) string {
	m := regexp.MustCompile(`<div class="problem" role="alert">([^<]*)<`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func mustContain(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Fatalf("page lacks %q:\n%s", w, body)
		}
	}
}
