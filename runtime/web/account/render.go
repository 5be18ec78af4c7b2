package account

import (
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/service"
	"github.com/xuchang-gov/tongban/runtime/web/site"
)

//go:embed all:templates
var files embed.FS

// kindNames, roleNames and eventNames are the Chinese names of what the pages list.
var (
	kindNames = runtime.KindNames
	roleNames = runtime.RoleNames
	allRoles  = []runtime.Role{runtime.RoleApplicant, runtime.RoleClerk, runtime.RoleApprover,
		runtime.RoleAnalyst, runtime.RoleAdmin, runtime.RoleAuditor}
)

var funcs = template.FuncMap{
	"mask":      service.MaskIdentifier,
	"kindName":  func(k string) string { return nameOr(kindNames[k], k) },
	"roleName":  func(r runtime.Role) string { return nameOr(roleNames[r], string(r)) },
	"orgRole":   orgRoleName,
	"eventName": func(t string) string { return nameOr(eventNames[t], t) },
	"isAdmin":   func(u *runtime.User) bool { return u != nil && hasRole(u, runtime.RoleAdmin) },
	// withErrors are the fields with a problem, for the error summary a refused form opens with.
	"withErrors": func(fs []fieldView) []fieldView {
		var out []fieldView
		for _, f := range fs {
			if f.Error != "" {
				out = append(out, f)
			}
		}
		return out
	},
	// The audit log tells events apart by the second.
	"datetime": func(t time.Time) string { return site.Format(t, "2006-01-02 15:04:05") },
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

// parsePages parses the accounts' pages into the shared site frame: the brand of the portal,
// whose sign-in pages these are, and the administrators' menu for those who may use it.
func parsePages(a *Accounts, logger *slog.Logger) *site.Set {
	return site.MustParse(files, "templates", site.Options{Name: "account", Brand: "许昌市政务服务网", Auth: a, Logger: logger,
		Funcs: funcs, Menu: []site.Link{
			{Href: "/admin/users", Label: "用户管理", Roles: []runtime.Role{runtime.RoleAdmin}},
			{Href: "/admin/events", Label: "审计日志", Roles: []runtime.Role{runtime.RoleAdmin, runtime.RoleAuditor}},
		}})
}

// view is what a page shows: its title, the notice or problem above it, and its own Data.
type view struct {
	Title   string
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

// render writes a page in the site frame.
func (a *Accounts) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	f := a.pages.Frame(r, v.Title, v.Data)
	f.Notice, f.Problem = v.Notice, v.Problem
	a.pages.Render(w, r, name, status, f)
}

// fail shows err on the site's error page with the status its code maps to.
func (a *Accounts) fail(w http.ResponseWriter, r *http.Request, err error) {
	a.pages.Fail(w, r, err)
}
