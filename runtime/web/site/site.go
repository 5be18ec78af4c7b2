// Package site is the one frame of tongban's server-rendered pages — the portal, the
// workbench, the accounts and administration, and the public certificate verification page:
// the layout around every page, the security headers and content security policy, the one
// error page, the stylesheet and the scripts, and the plumbing every page shares (reading a
// posted form with its CSRF token, redirecting with a notice, the kiosk layout and large text,
// the warning before a session's idle timeout). Each site says only
// its name, brand and menu; how pages look, are protected and fail is decided here, once.
package site

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/observe"
)

// CSRFField is the name of the hidden field every form posts its CSRF token in. The accounts'
// CheckCSRF reads it (or the X-CSRF-Token header scripts send) from the already parsed form.
const CSRFField = "_csrf"

// Auth is what the pages need of the accounts: who is signed in, and the CSRF token of the
// session. User returns nil for a visitor. CheckCSRF is called after the form is parsed.
// IdleTimeout is how long a session surely lives after a request: the pages warn before it
// runs out (static/site.js).
type Auth interface {
	User(r *http.Request) *runtime.User
	CSRFToken(r *http.Request) string
	CheckCSRF(r *http.Request) error
	IdleTimeout() time.Duration
}

//go:embed layout.html error.html static
var files embed.FS

// Link is an entry of a site's menu. An entry whose address ends in "/" is current only on
// that page; any other is current on every page under it.
type Link struct {
	Href, Label string
	// Roles, when given, show the entry only to users holding one of them.
	Roles []runtime.Role
}

// MenuEntry is a menu entry as one page shows it.
type MenuEntry struct {
	Href, Label string
	Current     bool
}

// Frame is what the layout shows around every page.
type Frame struct {
	Title string
	// Site is the site's name ("portal", "workbench", "account", "verify"): the body's class.
	Site  string
	Brand string
	// Home is where the brand and the error page's way back lead.
	Home string
	Menu []MenuEntry
	// SignIn shows who is signed in, or the ways to sign in; a site without accounts has none.
	SignIn bool
	User   *runtime.User
	CSRF   string
	// SessionIdle is, for a signed-in user, the seconds their session surely lives without a
	// request; the page warns before they run out and offers to extend them.
	SessionIdle int
	Kiosk       bool
	// Large is the large text (大字版, for older people) the header's switch turns on.
	Large bool
	// KioskURL and LargeURL are this page with the kiosk layout and large text switched.
	KioskURL, LargeURL string
	// Path is the request path.
	Path string
	// Notice is a message after a redirect (保存成功, 已提交…), chosen by the msg parameter.
	Notice string
	// Problem is what went wrong with a refused form, shown above the page's content.
	Problem string
	// LoginURL leads a visitor to sign in and back.
	LoginURL string
	Data     any
}

// Options configure the pages of one site.
type Options struct {
	// Name is the site's name, the body's class site-<name>.
	Name string
	// Brand is the site's name in the header and in every page's title.
	Brand string
	// Home is the site's first page; "/" unless given.
	Home string
	Menu []Link
	// Auth is the accounts; nil for a public site that nobody signs in to.
	Auth   Auth
	Logger *slog.Logger
	// LoginURL is where visitors are sent to sign in; "?next=" and the page are appended.
	LoginURL string
	// Notices are the messages the msg parameter may select after a redirect.
	Notices map[string]string
	// Funcs are the site's own template helpers, beside Funcs.
	Funcs template.FuncMap
	// Partials are templates every page of the site may call: every *.html of each.
	Partials []fs.FS
}

// Set is the templates of one site: each page parsed into its own copy of the layout.
type Set struct {
	pages map[string]*template.Template
	o     Options
}

// MustParse parses the pages embedded under dir of files. The templates are compiled into the
// binary, so a parse error is a bug that every test catches: it panics.
func MustParse(files fs.FS, dir string, o Options) *Set {
	sub, err := fs.Sub(files, dir)
	if err != nil {
		panic(err)
	}
	set, err := Parse(sub, o)
	if err != nil {
		panic(err)
	}
	return set
}

// Parse reads every *.html of fsys into its own copy of the layout, except partials, whose
// names start with "_": every page gets those, and the Partials of o. The error page is the
// shared one.
func Parse(fsys fs.FS, o Options) (*Set, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.LoginURL == "" {
		o.LoginURL = "/account/login"
	}
	if o.Home == "" {
		o.Home = "/"
	}
	base, err := template.New("layout.html").Funcs(Funcs()).Funcs(o.Funcs).ParseFS(files, "layout.html")
	if err != nil {
		return nil, err
	}
	for _, p := range o.Partials {
		if base, err = parseAll(base, p, "*.html"); err != nil {
			return nil, err
		}
	}
	if base, err = parseAll(base, fsys, "_*.html"); err != nil {
		return nil, err
	}
	names, err := fs.Glob(fsys, "*.html")
	if err != nil {
		return nil, err
	}
	s := &Set{pages: map[string]*template.Template{}, o: o}
	for _, name := range names {
		if strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(fsys, name)
		if err != nil {
			return nil, err
		}
		s.pages[strings.TrimSuffix(name, ".html")] = t
	}
	if s.pages["error"], err = template.Must(base.Clone()).ParseFS(files, "error.html"); err != nil {
		return nil, err
	}
	return s, nil
}

// parseAll adds the templates of fsys that match pattern to t.
func parseAll(t *template.Template, fsys fs.FS, pattern string) (*template.Template, error) {
	names, err := fs.Glob(fsys, pattern)
	if err != nil || len(names) == 0 {
		return t, err
	}
	return t.ParseFS(fsys, names...)
}

// Frame starts the frame of a page for the request.
func (s *Set) Frame(r *http.Request, title string, data any) *Frame {
	f := &Frame{Title: title, Site: s.o.Name, Brand: s.o.Brand, Home: s.o.Home, Kiosk: Kiosk(r), Large: Large(r),
		Path: r.URL.Path, Data: data, LoginURL: s.LoginURL(r), SignIn: s.o.Auth != nil}
	f.KioskURL, f.LargeURL = switchURL(r, "kiosk", !f.Kiosk), switchURL(r, "large", !f.Large)
	if s.o.Auth != nil {
		f.User = s.o.Auth.User(r)
		f.CSRF = s.o.Auth.CSRFToken(r)
		if f.User != nil {
			f.SessionIdle = int(s.o.Auth.IdleTimeout() / time.Second)
		}
	}
	for _, l := range s.o.Menu {
		if len(l.Roles) > 0 && (f.User == nil || !slices.ContainsFunc(l.Roles, func(role runtime.Role) bool { return slices.Contains(f.User.Roles, role) })) {
			continue
		}
		current := f.Path == l.Href || !strings.HasSuffix(l.Href, "/") && strings.HasPrefix(f.Path, l.Href)
		f.Menu = append(f.Menu, MenuEntry{Href: l.Href, Label: l.Label, Current: current})
	}
	if msg := r.URL.Query().Get("msg"); msg != "" {
		f.Notice = s.o.Notices[msg]
	}
	return f
}

// LoginURL is the sign-in address that comes back to the request's page.
func (s *Set) LoginURL(r *http.Request) string {
	return s.o.LoginURL + "?next=" + url.QueryEscape(r.URL.RequestURI())
}

// Render writes a page with the status given. The page is executed into a buffer first, so that
// a template error is an error page and never half a page.
func (s *Set) Render(w http.ResponseWriter, r *http.Request, name string, status int, f *Frame) {
	t := s.pages[name]
	if t == nil {
		s.o.Logger.ErrorContext(r.Context(), "no such page template", "site", s.o.Name, "page", name)
		http.Error(w, "系统内部错误", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	_, end := observe.Trace(r.Context(), "render page "+name)
	err := t.ExecuteTemplate(&buf, "layout.html", f)
	end(err)
	if err != nil {
		s.o.Logger.ErrorContext(r.Context(), "render page", "site", s.o.Name, "page", name, "path", r.URL.Path, "err", err)
		http.Error(w, "系统内部错误", http.StatusInternalServerError)
		return
	}
	keepPreferences(w, r)
	SecurityHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// Fragment writes one block of a page (a template the page defines) with the frame, for a page
// that renders part of itself again (the live monitor).
func (s *Set) Fragment(w io.Writer, name, block string, f *Frame) error {
	t := s.pages[name]
	if t == nil {
		return fmt.Errorf("site %s: no page %s", s.o.Name, name)
	}
	return t.ExecuteTemplate(w, block, f)
}

// ErrorPage is what the error page shows.
type ErrorPage struct {
	Code    string
	Message string
	Fields  []runtime.FieldError
}

// Fail renders err as the error page, with the status its code maps to (runtime.HTTPStatus,
// the API's mapping). A visitor who must sign in is sent to sign in. Internal errors, and any
// error that is not a *runtime.Error, are logged and shown only as a generic message.
func (s *Set) Fail(w http.ResponseWriter, r *http.Request, err error) {
	code := runtime.ErrorCode(err)
	if code == runtime.EINTERNAL {
		s.o.Logger.ErrorContext(r.Context(), "internal error", "site", s.o.Name, "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if code == runtime.EUNAUTHORIZED && s.o.Auth != nil {
		http.Redirect(w, r, s.LoginURL(r), http.StatusSeeOther)
		return
	}
	p := ErrorPage{Code: code, Message: runtime.ErrorMessage(err)}
	var e *runtime.Error
	if errors.As(err, &e) {
		p.Fields = e.Fields
	}
	s.Render(w, r, "error", runtime.HTTPStatus(code), s.Frame(r, errorTitle(code), p))
}

// errorTitle is the error page's heading for an error code.
func errorTitle(code string) string {
	switch code {
	case runtime.ENOTFOUND:
		return "没有找到"
	case runtime.EFORBIDDEN:
		return "请求被拒绝"
	case runtime.ECONFLICT:
		return "办件状态已变化"
	case runtime.EINVALID:
		return "填写有误"
	case runtime.ETOOLARGE:
		return "文件太大"
	case runtime.EUNAVAILABLE:
		return "外部系统暂时无法访问"
	}
	return "出错了"
}

// NotFound is the error page of an unknown address.
func (s *Set) NotFound(w http.ResponseWriter, r *http.Request) {
	s.Fail(w, r, runtime.Errorf(runtime.ENOTFOUND, "页面不存在"))
}

// Status is the HTTP status of an error: the API's mapping of its code.
func Status(err error) int { return runtime.HTTPStatus(runtime.ErrorCode(err)) }
