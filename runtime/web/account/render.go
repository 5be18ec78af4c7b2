package account

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
)

//go:embed templates static
var files embed.FS

// kindNames, roleNames and eventNames are the Chinese names of what the pages list.
var (
	kindNames = map[string]string{"person": "个人", "enterprise": "法人", "staff": "工作人员"}
	roleNames = map[runtime.Role]string{
		runtime.RoleApplicant: "申请人", runtime.RoleClerk: "窗口人员", runtime.RoleApprover: "审批人员",
		runtime.RoleAnalyst: "事项梳理人员", runtime.RoleAdmin: "系统管理员", runtime.RoleAuditor: "审计人员",
	}
	allRoles = []runtime.Role{runtime.RoleApplicant, runtime.RoleClerk, runtime.RoleApprover,
		runtime.RoleAnalyst, runtime.RoleAdmin, runtime.RoleAuditor}
)

var funcs = template.FuncMap{
	"mask":      mask,
	"csrfField": func() string { return CSRFField },
	"kindName":  func(k string) string { return nameOr(kindNames[k], k) },
	"roleName":  func(r runtime.Role) string { return nameOr(roleNames[r], string(r)) },
	"eventName": func(t string) string { return nameOr(eventNames[t], t) },
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(runtime.Zone).Format("2006-01-02 15:04:05")
	},
	"join": strings.Join,
	"roles": func(rs []runtime.Role) string {
		names := make([]string, len(rs))
		for i, r := range rs {
			names[i] = nameOr(roleNames[r], string(r))
		}
		return strings.Join(names, "、")
	},
}

func nameOr(name, fallback string) string {
	if name != "" {
		return name
	}
	return fallback
}

// pages are the page templates, each parsed with the layout.
var pages = func() map[string]*template.Template {
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html"))
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, name := range names {
		if name == "templates/layout.html" {
			continue
		}
		t := template.Must(template.Must(base.Clone()).ParseFS(files, name))
		out[strings.TrimSuffix(strings.TrimPrefix(name, "templates/"), ".html")] = t
	}
	return out
}()

// view is what every page's layout shows; Data is the page's own.
type view struct {
	Title   string
	User    *runtime.User
	CSRF    string
	Admin   bool // the user may open the administrators' pages
	Notice  string
	Problem string
	Data    any
}

// field is an input of a form.
type field struct {
	Name, Label  string
	Type         string // "text" unless given
	Autocomplete string
	InputMode    string
	Help         string
	MaxLength    int
}

// fieldView is a field as rendered: with the value typed (never for passwords) and the
// problem found with it.
type fieldView struct {
	field
	Value, Error string
}

// form holds what was typed into a form and the problems found, by field name.
type form struct {
	values map[string]string
	errors map[string]string
}

func newForm() *form { return &form{values: map[string]string{}, errors: map[string]string{}} }

// read takes the named fields from a posted form, trimmed (passwords as typed).
func (f *form) read(r *http.Request, fields ...field) {
	for _, fd := range fields {
		v := r.PostFormValue(fd.Name)
		if fd.Type != "password" {
			v = strings.TrimSpace(v)
		}
		f.values[fd.Name] = v
	}
}

func (f *form) get(name string) string { return f.values[name] }

// check notes problem as the field's error unless it is "" or the field already has one.
func (f *form) check(name, problem string) {
	if problem != "" && f.errors[name] == "" {
		f.errors[name] = problem
	}
}

func (f *form) ok() bool { return len(f.errors) == 0 }

// absorb puts the fields of a domain error beside their fields (JSON pointer /name → name)
// and returns what is left to say at the top of the page.
func (f *form) absorb(err error) string {
	var e *runtime.Error
	if !errors.As(err, &e) {
		return runtime.ErrorMessage(err)
	}
	placed := false
	for _, fe := range e.Fields {
		name := strings.TrimPrefix(fe.Pointer, "/")
		if _, ok := f.values[name]; ok {
			f.check(name, fe.Message)
			placed = true
		}
	}
	if placed {
		return ""
	}
	return e.Message
}

func (f *form) view(fields ...field) []fieldView {
	out := make([]fieldView, len(fields))
	for i, fd := range fields {
		if fd.Type == "" {
			fd.Type = "text"
		}
		out[i] = fieldView{field: fd, Error: f.errors[fd.Name]}
		if fd.Type != "password" {
			out[i].Value = f.values[fd.Name]
		}
	}
	return out
}

// render writes a page. It is executed into a buffer first, so that a template error is an
// error page and never half a page.
func (a *Accounts) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	v.User = a.User(r)
	v.CSRF = a.CSRFToken(r)
	v.Admin = v.User != nil && hasRole(v.User, runtime.RoleAdmin)
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		a.opts.Logger.Error("account: render page", "page", name, "err", err)
		http.Error(w, "系统内部错误，请稍后重试", http.StatusInternalServerError)
		return
	}
	securityHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// securityHeaders keep the pages from running any script, being framed, being cached or
// having their type sniffed: what a user typed, shown on a page, can never run.
func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

// fail shows err on a page of its own with the status its code maps to. Internal errors are
// logged and shown only as a generic message.
func (a *Accounts) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := runtime.ErrorCode(err)
	title := "出错了"
	switch code {
	case runtime.EINTERNAL:
		a.opts.Logger.Error("account: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	case runtime.EFORBIDDEN:
		title = "请求被拒绝"
	case runtime.ENOTFOUND:
		title = "页面不存在"
	}
	a.render(w, r, runtime.HTTPStatus(code), "message", view{Title: title, Problem: runtime.ErrorMessage(err)})
}

// static serves the stylesheet.
func static() http.Handler {
	sub, _ := fs.Sub(files, "static")
	fileServer := http.StripPrefix("/account/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fileServer.ServeHTTP(w, r)
	})
}
