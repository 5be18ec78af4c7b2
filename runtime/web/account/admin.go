package account

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/service"
)

// pageSize is how many rows the administrators' lists show at once.
const pageSize = 50

func (a *Accounts) adminRoutes(m *http.ServeMux) {
	admin := func(h http.HandlerFunc) http.Handler { return a.RequireRole(h, runtime.RoleAdmin) }
	m.Handle("GET /admin/{$}", admin(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
	}))
	m.Handle("GET /admin/users", admin(a.users))
	m.Handle("GET /admin/users/{id}", admin(a.userPage))
	m.Handle("POST /admin/users/{id}/disable", admin(a.posted(a.setDisabled(true))))
	m.Handle("POST /admin/users/{id}/enable", admin(a.posted(a.setDisabled(false))))
	m.Handle("POST /admin/users/{id}/roles", admin(a.posted(a.setRoles)))
	// Auditors read the audit log too; only administrators change anything.
	m.Handle("GET /admin/events", a.RequireRole(http.HandlerFunc(a.events), runtime.RoleAdmin, runtime.RoleAuditor))
}

// pageNumber reads the 1-based page parameter.
func pageNumber(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// pager is the paging of a list: where it is and the links to the pages before and after.
type pager struct {
	Page, Pages, Total int
	Prev, Next         string
}

func newPager(r *http.Request, page, total int) pager {
	p := pager{Page: page, Total: total, Pages: max(1, (total+pageSize-1)/pageSize)}
	link := func(n int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		return r.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page < p.Pages {
		p.Next = link(page + 1)
	}
	return p
}

type usersData struct {
	Query string
	Kinds []kindOption
	Users []*runtime.User
	pager
}

func (a *Accounts) users(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	kind := q.Get("kind")
	if kindNames[kind] == "" {
		kind = ""
	}
	page := pageNumber(r)
	users, total, err := a.svc.ListUsers(r.Context(), runtime.UserFilter{Query: q.Get("q"), Kind: kind,
		Offset: (page - 1) * pageSize, Limit: pageSize})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, "admin_users", view{Title: "用户管理", Data: usersData{Query: q.Get("q"),
		Kinds: kindOptions(kind, "person", "enterprise", "staff"), Users: users, pager: newPager(r, page, total)}})
}

type roleOption struct {
	Value   runtime.Role
	Label   string
	Checked bool
}

// orgRoleName is the Chinese name of a workflow role, which administrators pick it by.
func orgRoleName(role string) string { return nameOr(runtime.OrgRoleNames[role], role) }

type userData struct {
	U        *runtime.User
	Self     bool
	Roles    []roleOption
	OrgCode  string
	OrgRoles string
	// OrgRoleChoices are the workflow roles the org tree has, to pick from (without a tree
	// the roles are typed).
	OrgRoleChoices []roleOption
	Orgs           []definitions.OrgUnit
	Errors         map[string]string
	Events         []runtime.AccountEvent
}

// target reads the user the path names.
func (a *Accounts) target(r *http.Request) (*runtime.User, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, runtime.Errorf(runtime.ENOTFOUND, "用户不存在")
	}
	return a.svc.GetUser(r.Context(), id)
}

func (a *Accounts) userPage(w http.ResponseWriter, r *http.Request) {
	u, err := a.target(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.showUser(w, r, http.StatusOK, u, u.Roles, u.OrgCode, u.OrgRoles, nil, "")
}

func (a *Accounts) showUser(w http.ResponseWriter, r *http.Request, status int, u *runtime.User, roles []runtime.Role,
	orgCode string, orgRoles []string, errs map[string]string, problem string) {
	events, _, err := a.svc.ListAccountEvents(r.Context(), runtime.AccountEventFilter{UserID: u.ID, Limit: 20})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	d := userData{U: u, Self: a.User(r).ID == u.ID, OrgCode: orgCode, OrgRoles: strings.Join(orgRoles, ", "), Errors: errs, Events: events}
	for _, role := range allRoles {
		d.Roles = append(d.Roles, roleOption{Value: role, Label: roleNames[role], Checked: slices.Contains(roles, role)})
	}
	d.Orgs = a.svc.Orgs()
	seen := map[string]bool{}
	for _, o := range d.Orgs {
		for _, role := range o.Roles {
			if !seen[role] {
				seen[role] = true
				d.OrgRoleChoices = append(d.OrgRoleChoices, roleOption{Value: runtime.Role(role), Label: orgRoleName(role), Checked: slices.Contains(orgRoles, role)})
			}
		}
	}
	a.render(w, r, status, "admin_user", view{Title: "用户：" + u.Name, Notice: notice(r), Problem: problem, Data: d})
}

// setDisabled disables or enables the user the path names, as the service allows.
func (a *Accounts) setDisabled(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := a.target(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		msg := "enabled"
		if disabled {
			msg = "disabled"
		}
		if err := a.svc.SetDisabled(r.Context(), a.User(r), u.ID, disabled, a.opts.ClientIP(r)); err != nil {
			a.fail(w, r, err)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/admin/users/%d?msg=%s", u.ID, msg), http.StatusSeeOther)
	}
}

var roleSeparators = func(r rune) bool { return strings.ContainsRune(",，、;； \t\r\n", r) }

// setRoles replaces the platform roles, the org and the workflow roles there of the user the
// path names, as the service allows; what it refuses is shown beside the fields.
func (a *Accounts) setRoles(w http.ResponseWriter, r *http.Request) {
	u, err := a.target(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var roles []runtime.Role
	for _, v := range r.PostForm["roles"] {
		if role := runtime.Role(v); slices.Contains(allRoles, role) && !slices.Contains(roles, role) {
			roles = append(roles, role)
		}
	}
	orgCode := strings.TrimSpace(r.PostFormValue("orgCode"))
	// Picked, each box is a role; typed (no org tree), one value lists them.
	var orgRoles []string
	for _, v := range r.PostForm["orgRoles"] {
		for _, role := range strings.FieldsFunc(v, roleSeparators) {
			if !slices.Contains(orgRoles, role) {
				orgRoles = append(orgRoles, role)
			}
		}
	}
	err = a.svc.SetRoles(r.Context(), a.User(r), u.ID, service.RoleChange{Roles: roles, OrgCode: orgCode, OrgRoles: orgRoles},
		a.opts.ClientIP(r))
	var e *runtime.Error
	if errors.As(err, &e) && e.Code == runtime.EINVALID {
		errs := map[string]string{}
		for _, f := range e.Fields {
			errs[strings.TrimPrefix(f.Pointer, "/")] = f.Message
		}
		a.showUser(w, r, http.StatusBadRequest, u, roles, orgCode, orgRoles, errs, e.Message)
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/users/%d?msg=roles", u.ID), http.StatusSeeOther)
}

type eventsData struct {
	Types  []kindOption
	UserID string
	Events []runtime.AccountEvent
	pager
}

// events serves the account audit log, newest first, filtered by account and type.
func (a *Accounts) events(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	typ := q.Get("type")
	if eventNames[typ] == "" {
		typ = ""
	}
	userID, _ := strconv.ParseInt(q.Get("user"), 10, 64)
	page := pageNumber(r)
	events, total, err := a.svc.ListAccountEvents(r.Context(), runtime.AccountEventFilter{UserID: max(userID, 0), Type: typ,
		Offset: (page - 1) * pageSize, Limit: pageSize})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	d := eventsData{Events: events, pager: newPager(r, page, total)}
	if userID > 0 {
		d.UserID = strconv.FormatInt(userID, 10)
	}
	for _, t := range eventOrder {
		d.Types = append(d.Types, kindOption{Value: t, Label: eventNames[t], Checked: t == typ})
	}
	a.render(w, r, http.StatusOK, "admin_events", view{Title: "审计日志", Data: d})
}
