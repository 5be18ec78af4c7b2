// Package page is what the server-rendered pages of the portal and the workbench share: the
// page frame and its one stylesheet, the vendored htmx, the template helpers, the interfaces
// to the accounts and the compiled plans, and how an error becomes a page. It keeps the two
// sites looking and failing alike.
package page

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
)

// CSRFField is the name of the hidden field every form posts its CSRF token in. The accounts'
// CheckCSRF reads it (or the X-CSRF-Token header htmx sends) from the already parsed form.
const CSRFField = "_csrf"

// Auth is what the pages need of the accounts: who is signed in, and the CSRF token of the
// session. User returns nil for a visitor. CheckCSRF is called after the form is parsed.
type Auth interface {
	User(r *http.Request) *runtime.User
	CSRFToken(r *http.Request) string
	CheckCSRF(r *http.Request) error
}

// Plans gives the compiled plan of a matter's newest published version and that version's
// number: the form renderer and decoder need the plan, not its JSON.
type Plans interface {
	// MatterPlan returns a published version's plan and its number; version 0 is the newest.
	// Cases show and edit with the version they are pinned to.
	MatterPlan(ctx context.Context, slug string, version int) (*definitions.MatterPlan, int, error)
}

//go:embed layout.html error.html static
var files embed.FS

// Frame is what the layout shows around every page.
type Frame struct {
	Title string
	// Site is "portal" or "workbench": which header and menu to draw.
	Site  string
	User  *runtime.User
	CSRF  string
	Kiosk bool
	// Path is the request path, to mark the current menu entry.
	Path string
	// Notice is a message after a redirect (保存成功, 已提交…), chosen by the msg parameter.
	Notice string
	// LoginURL leads a visitor to sign in and back.
	LoginURL string
	Data     any
}

// Set is the templates of one site: each page parsed into its own copy of the layout.
type Set struct {
	pages  map[string]*template.Template
	logger *slog.Logger
	site   string
	auth   Auth
	login  string
	notice map[string]string
}

// Options configure a Set.
type Options struct {
	Site   string
	Auth   Auth
	Logger *slog.Logger
	// LoginURL is where visitors are sent to sign in; "?next=" and the page are appended.
	LoginURL string
	// Notices are the messages the msg parameter may select after a redirect.
	Notices map[string]string
	Funcs   template.FuncMap
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

// Parse reads every *.html of fsys (except partials, whose names start with "_", which every
// page gets) into its own copy of the layout.
func Parse(fsys fs.FS, o Options) (*Set, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.LoginURL == "" {
		o.LoginURL = "/account/login"
	}
	base, err := template.New("layout.html").Funcs(Funcs()).Funcs(o.Funcs).ParseFS(files, "layout.html")
	if err != nil {
		return nil, err
	}
	partials, err := fs.Glob(fsys, "_*.html")
	if err != nil {
		return nil, err
	}
	if len(partials) > 0 {
		if base, err = base.ParseFS(fsys, partials...); err != nil {
			return nil, err
		}
	}
	names, err := fs.Glob(fsys, "*.html")
	if err != nil {
		return nil, err
	}
	s := &Set{pages: map[string]*template.Template{}, logger: o.Logger, site: o.Site, auth: o.Auth, login: o.LoginURL, notice: o.Notices}
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
	if s.pages["error"] == nil {
		s.pages["error"] = template.Must(template.Must(base.Clone()).ParseFS(files, "error.html"))
	}
	return s, nil
}

// Frame starts the frame of a page for the request.
func (s *Set) Frame(r *http.Request, title string, data any) *Frame {
	f := &Frame{Title: title, Site: s.site, Kiosk: Kiosk(r), Path: r.URL.Path, Data: data,
		LoginURL: s.LoginURL(r)}
	if s.auth != nil {
		f.User = s.auth.User(r)
		f.CSRF = s.auth.CSRFToken(r)
	}
	if msg := r.URL.Query().Get("msg"); msg != "" {
		f.Notice = s.notice[msg]
	}
	return f
}

// LoginURL is the sign-in address that comes back to the request's page.
func (s *Set) LoginURL(r *http.Request) string {
	return s.login + "?next=" + url.QueryEscape(r.URL.RequestURI())
}

// Render writes a page with the status given. The page is executed into a buffer first, so that
// a template error is an error page and never half a page.
func (s *Set) Render(w http.ResponseWriter, r *http.Request, name string, status int, f *Frame) {
	t := s.pages[name]
	if t == nil {
		s.logger.Error("no such page template", "page", name)
		http.Error(w, "系统内部错误", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", f); err != nil {
		s.logger.Error("render page", "page", name, "path", r.URL.Path, "err", err)
		http.Error(w, "系统内部错误", http.StatusInternalServerError)
		return
	}
	switch r.URL.Query().Get("kiosk") {
	case "1":
		http.SetCookie(w, &http.Cookie{Name: "kiosk", Value: "1", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	case "0":
		http.SetCookie(w, &http.Cookie{Name: "kiosk", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	SecurityHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// ErrorPage is what the error page shows.
type ErrorPage struct {
	Code    string
	Message string
	Fields  []runtime.FieldError
}

// Fail renders err as an error page with the status its code maps to (the API's mapping).
// Internal errors are logged and shown only as a generic message.
func (s *Set) Fail(w http.ResponseWriter, r *http.Request, err error) {
	code := runtime.ErrorCode(err)
	if code == runtime.EINTERNAL {
		s.logger.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if code == runtime.EUNAUTHORIZED {
		http.Redirect(w, r, s.LoginURL(r), http.StatusSeeOther)
		return
	}
	p := ErrorPage{Code: code, Message: runtime.ErrorMessage(err)}
	var e *runtime.Error
	if errors.As(err, &e) {
		p.Fields = e.Fields
	}
	s.Render(w, r, "error", runtime.HTTPStatus(code), s.Frame(r, "出错了", p))
}

// Problems lists what a refused form shows: each field's message, or the error's own message.
func Problems(err error) []string {
	var e *runtime.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return []string{runtime.ErrorMessage(err)}
	}
	out := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		out[i] = f.Message
	}
	return out
}

// MatterNames maps the matters' slugs to their names, for pages that list things by slug.
func MatterNames(matters []runtime.MatterSummary) map[string]string {
	names := make(map[string]string, len(matters))
	for _, m := range matters {
		names[m.Slug] = m.Name
	}
	return names
}

// NotFound is the error page of an unknown address.
func (s *Set) NotFound(w http.ResponseWriter, r *http.Request) {
	s.Fail(w, r, runtime.Errorf(runtime.ENOTFOUND, "页面不存在"))
}

// Kiosk tells whether the request comes from a self-service kiosk: ?kiosk=1 turns the large
// touch layout on (and a cookie keeps it on), ?kiosk=0 turns it off.
func Kiosk(r *http.Request) bool {
	switch r.URL.Query().Get("kiosk") {
	case "1":
		return true
	case "0":
		return false
	}
	c, err := r.Cookie("kiosk")
	return err == nil && c.Value == "1"
}

// SecurityHeaders forbid inline scripts, framing and content sniffing: user input rendered into
// a page can never run. Inline style attributes stay allowed: the form grid sets its column
// spans with them.
func SecurityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
}

// Static serves the stylesheet, htmx and its licence under /static/. htmx.min.js is htmx 2.0.11
// as published in the npm package htmx.org (SHA-256 d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717),
// under the Zero-Clause BSD licence in htmx.LICENSE; no build step touches it.
func Static() http.Handler {
	sub, _ := fs.Sub(files, "static")
	fileServer := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if path.Ext(r.URL.Path) == ".LICENSE" {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fileServer.ServeHTTP(w, r)
	})
}

// ParseForm reads a posted form, multipart or not, within limit bytes, and checks its CSRF
// token. Files beyond the first few megabytes go to temporary files, removed by the caller's
// r.MultipartForm.RemoveAll.
func ParseForm(w http.ResponseWriter, r *http.Request, auth Auth, limit int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(4 << 20)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return runtime.Errorf(runtime.ETOOLARGE, "提交的内容超过 %d MB，请分次上传", limit>>20)
		}
		return runtime.Invalid("表单无法读取，请重新填写")
	}
	// The accounts' refusal says why (expired page, another site's request): show it as it is.
	return auth.CheckCSRF(r)
}

// SeeOther redirects after a successful post, with a notice chosen by msg.
func SeeOther(w http.ResponseWriter, r *http.Request, to, msg string) {
	if msg != "" {
		sep := "?"
		if strings.Contains(to, "?") {
			sep = "&"
		}
		to += sep + "msg=" + url.QueryEscape(msg)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// Status is the HTTP status of an error: the API's mapping of its code.
func Status(err error) int { return runtime.HTTPStatus(runtime.ErrorCode(err)) }

// SendPDF answers with a PDF document, shown in the browser (inline) or saved (attachment).
func SendPDF(w http.ResponseWriter, filename, disposition string, body []byte) {
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", disposition+"; filename*=UTF-8''"+url.PathEscape(filename))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(body)
}

// Site is what the portal and the workbench are both given besides their services.
type Site struct {
	Plans  Plans
	Auth   Auth
	Logger *slog.Logger
	// LoginURL is the accounts' sign-in page (default /account/login); ?next= is appended.
	LoginURL string
	// MaxUploadBytes bounds one posted form with its files (default 100 MB).
	MaxUploadBytes int64
	// Now is the clock visibility rules and fee previews run at; nil is time.Now.
	Now func() time.Time
}

// WithDefaults returns s with what it leaves empty filled in.
func (s Site) WithDefaults() Site {
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.MaxUploadBytes == 0 {
		s.MaxUploadBytes = 100 << 20
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	return s
}

// MustParse parses the site's pages embedded under dir of files; name is the site's name in
// the layout ("portal" or "workbench"), notices its messages after a redirect.
func (s Site) MustParse(files fs.FS, dir, name string, notices map[string]string) *Set {
	return MustParse(files, dir, Options{Site: name, Auth: s.Auth, Logger: s.Logger, LoginURL: s.LoginURL, Notices: notices})
}
