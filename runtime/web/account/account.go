// Package account serves the accounts of tongban's websites, server-rendered in Chinese and
// working without JavaScript: registration of citizens and of enterprises by their legal
// representative, sign-in and sign-out, password reset by an SMS code, password change, and
// the administrators' pages for users, their roles and the account audit log. Its Middleware
// tells every page of the portal and the workbench who is signed in and which CSRF token their
// forms must carry.
//
// The account service (service.Accounts) decides everything about accounts — who may
// register, how strong a password must be, lockout, what is recorded; this package decodes the
// forms, asks the service, and says what each page says.
package account

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/service"
	"github.com/xuchang-gov/tongban/runtime/web/site"
)

// Options configure the accounts.
type Options struct {
	// Secure says the site is served over TLS: cookies are then marked Secure and carry the
	// __Host- prefix, which also keeps other subdomains from setting them.
	Secure bool
	// ClientIP gives the address a request comes from, for the per-address lockout and the
	// audit log. nil takes the host of r.RemoteAddr; behind a reverse proxy, give a function
	// that reads the proxy's header — and only trusts it from the proxy (site.ClientIP).
	ClientIP func(r *http.Request) string
	// Logger receives internal errors, which pages show only as a generic message. nil is
	// slog.Default().
	Logger *slog.Logger
}

// Accounts is the accounts' HTTP side: the pages (ServeHTTP), the Middleware, and what other
// pages ask of it (User, CSRFToken, CheckCSRF). It is safe for concurrent use.
type Accounts struct {
	svc    *service.Accounts
	opts   Options
	mux    *http.ServeMux
	pages  *site.Set
	origin *http.CrossOriginProtection

	sessionCookie, csrfCookie string
}

// New returns the pages of the account service svc.
func New(svc *service.Accounts, opts Options) *Accounts {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.ClientIP == nil {
		opts.ClientIP = site.ClientIP(nil)
	}
	a := &Accounts{svc: svc, opts: opts, origin: http.NewCrossOriginProtection(),
		sessionCookie: "tb_session", csrfCookie: "tb_csrf"}
	if opts.Secure {
		a.sessionCookie, a.csrfCookie = "__Host-tb_session", "__Host-tb_csrf"
	}
	a.pages = parsePages(a, opts.Logger)
	a.routes()
	return a
}

// ServeHTTP serves the accounts' pages: /account/… for everyone and /admin/… for
// administrators, in the site frame (runtime/web/site) whose stylesheet the portal serves
// under /static/. Requests that did not come through Middleware go through it here.
func (a *Accounts) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if stateOf(r) == nil {
		a.Middleware(a.mux).ServeHTTP(w, r)
		return
	}
	a.mux.ServeHTTP(w, r)
}

// state is what Middleware learns about a request.
type state struct {
	user      *runtime.User
	sessionID string // the session cookie's value when it names a live session
	secret    string // what the CSRF token derives from: the session ID, or the visitor cookie
}

type stateKey struct{}

func stateOf(r *http.Request) *state {
	s, _ := r.Context().Value(stateKey{}).(*state)
	return s
}

// Middleware finds the signed-in user from the session cookie and puts them in the request's
// context, for User. A visitor who is not signed in gets a random cookie that their forms'
// CSRF token derives from, so that the sign-in and registration forms are protected too. An
// expired session's cookie is removed. It checks no CSRF token itself: every handler of a
// POST calls CheckCSRF, once it has parsed the form within its own size limit.
func (a *Accounts) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if stateOf(r) != nil {
			next.ServeHTTP(w, r)
			return
		}
		st := &state{}
		if c, err := r.Cookie(a.sessionCookie); err == nil && c.Value != "" {
			u, err := a.svc.SessionUser(r.Context(), c.Value)
			switch runtime.ErrorCode(err) {
			case "":
				st.user, st.sessionID, st.secret = u, c.Value, c.Value
			case runtime.EUNAUTHORIZED:
				a.clearCookie(w, a.sessionCookie)
			default:
				a.fail(w, r, err)
				return
			}
		}
		if st.secret == "" {
			if c, err := r.Cookie(a.csrfCookie); err == nil && len(c.Value) == 43 {
				st.secret = c.Value
			} else {
				st.secret = randomToken()
				http.SetCookie(w, a.cookie(a.csrfCookie, st.secret))
			}
		}
		w.Header().Add("Vary", "Cookie")
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), stateKey{}, st)))
	})
}

// User returns the signed-in user of a request that came through Middleware, or nil.
func (a *Accounts) User(r *http.Request) *runtime.User {
	if st := stateOf(r); st != nil {
		return st.user
	}
	return nil
}

// IdleTimeout is how long a session surely lives after a request (service.Accounts.IdleTimeout):
// the pages warn before it runs out and offer to extend it.
func (a *Accounts) IdleTimeout() time.Duration { return a.svc.IdleTimeout() }

// RequireUser serves next to signed-in users and sends everyone else to the sign-in page,
// which brings them back afterwards.
func (a *Accounts) RequireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.User(r) == nil {
			http.Redirect(w, r, loginURL(r), http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// RequireRole serves next to signed-in users holding one of roles; other users get a 403
// page, visitors the sign-in page.
func (a *Accounts) RequireRole(next http.Handler, roles ...runtime.Role) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := a.User(r)
		switch {
		case u == nil:
			http.Redirect(w, r, loginURL(r), http.StatusSeeOther)
		case !hasRole(u, roles...):
			a.fail(w, r, runtime.Errorf(runtime.EFORBIDDEN, "您没有访问此页面的权限"))
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func hasRole(u *runtime.User, roles ...runtime.Role) bool {
	for _, r := range roles {
		if slices.Contains(u.Roles, r) {
			return true
		}
	}
	return false
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// cookie is a cookie of the accounts: for the whole site, out of scripts' reach, not sent on
// cross-site subrequests or posts, Secure over TLS, and without Expires, so that the browser
// forgets it when it closes; the server's own timeouts end the session otherwise.
func (a *Accounts) cookie(name, value string) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: a.opts.Secure, SameSite: http.SameSiteLaxMode}
}

func (a *Accounts) clearCookie(w http.ResponseWriter, name string) {
	c := a.cookie(name, "")
	c.MaxAge = -1
	http.SetCookie(w, c)
}
