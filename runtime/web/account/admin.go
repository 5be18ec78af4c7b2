package account

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/store"
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
	users, total, err := a.db.ListUsers(r.Context(), store.UserFilter{Query: q.Get("q"), Kind: kind,
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

type userData struct {
	U        *runtime.User
	Self     bool
	Roles    []roleOption
	OrgCode  string
	OrgRoles string
	Orgs     []definitions.OrgUnit
	Errors   map[string]string
	Events   []store.AccountEvent
}

// target reads the user the path names.
func (a *Accounts) target(r *http.Request) (*runtime.User, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, runtime.Errorf(runtime.ENOTFOUND, "用户不存在")
	}
	return a.db.GetUser(r.Context(), id)
}

func (a *Accounts) userPage(w http.ResponseWriter, r *http.Request) {
	u, err := a.target(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.showUser(w, r, http.StatusOK, u, u.Roles, u.OrgCode, strings.Join(u.OrgRoles, ", "), nil, "")
}

func (a *Accounts) showUser(w http.ResponseWriter, r *http.Request, status int, u *runtime.User, roles []runtime.Role,
	orgCode, orgRoles string, errs map[string]string, problem string) {
	events, _, err := a.db.ListAccountEvents(r.Context(), store.AccountEventFilter{UserID: u.ID, Limit: 20})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	d := userData{U: u, Self: a.User(r).ID == u.ID, OrgCode: orgCode, OrgRoles: orgRoles, Errors: errs, Events: events}
	for _, role := range allRoles {
		d.Roles = append(d.Roles, roleOption{Value: role, Label: roleNames[role], Checked: slices.Contains(roles, role)})
	}
	if a.opts.Orgs != nil {
		d.Orgs = a.opts.Orgs()
	}
	a.render(w, r, status, "admin_user", view{Title: "用户：" + u.Name, Notice: notice(r), Problem: problem, Data: d})
}

// setDisabled disables or enables the user the path names. Disabling ends the user's
// sessions. Administrators cannot disable themselves, so that the last one cannot lock
// everyone out by mistake.
func (a *Accounts) setDisabled(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := a.target(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		admin := a.User(r)
		if disabled && u.ID == admin.ID {
			a.fail(w, r, runtime.Errorf(runtime.EFORBIDDEN, "不能停用自己的账户"))
			return
		}
		typ, msg := EventUserEnabled, "enabled"
		if disabled {
			typ, msg = EventUserDisabled, "disabled"
		}
		err = a.db.Write(r.Context(), func(tx *store.Tx) error {
			if err := tx.SetUserDisabled(u.ID, disabled); err != nil {
				return err
			}
			return tx.RecordAccountEvent(store.AccountEvent{Type: typ, UserID: u.ID, ActorID: admin.ID, IP: a.opts.ClientIP(r)})
		})
		if err != nil {
			a.fail(w, r, err)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/admin/users/%d?msg=%s", u.ID, msg), http.StatusSeeOther)
	}
}

var (
	orgCodePattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	roleNamePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,63}$`)
	roleSeparators  = func(r rune) bool { return strings.ContainsRune(",，、;； \t\r\n", r) }
)

// setRoles replaces the platform roles, the org and the workflow roles there of the user the
// path names. With Options.Orgs the org must be one of them and the roles among the org's.
func (a *Accounts) setRoles(w http.ResponseWriter, r *http.Request) {
	u, err := a.target(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	admin := a.User(r)
	var roles []runtime.Role
	for _, v := range r.PostForm["roles"] {
		if role := runtime.Role(v); slices.Contains(allRoles, role) && !slices.Contains(roles, role) {
			roles = append(roles, role)
		}
	}
	orgCode := strings.TrimSpace(r.PostFormValue("orgCode"))
	orgRolesText := strings.TrimSpace(r.PostFormValue("orgRoles"))
	var orgRoles []string
	for _, role := range strings.FieldsFunc(orgRolesText, roleSeparators) {
		if !slices.Contains(orgRoles, role) {
			orgRoles = append(orgRoles, role)
		}
	}
	errs := map[string]string{}
	if u.ID == admin.ID && !slices.Contains(roles, runtime.RoleAdmin) {
		errs["roles"] = "不能取消自己的系统管理员角色"
	}
	if orgCode != "" && !orgCodePattern.MatchString(orgCode) {
		errs["orgCode"] = "机构编码只能由小写字母、数字和“-”组成"
	}
	for _, role := range orgRoles {
		if !roleNamePattern.MatchString(role) {
			errs["orgRoles"] = "岗位 “" + role + "” 不是有效的岗位名称"
			break
		}
	}
	if len(orgRoles) > 0 && orgCode == "" {
		errs["orgCode"] = "有岗位的用户必须属于一个机构"
	}
	if a.opts.Orgs != nil && orgCode != "" && errs["orgCode"] == "" {
		i := slices.IndexFunc(a.opts.Orgs(), func(o definitions.OrgUnit) bool { return o.Code == orgCode })
		if i < 0 {
			errs["orgCode"] = "没有编码为 " + orgCode + " 的机构"
		} else if errs["orgRoles"] == "" {
			org := a.opts.Orgs()[i]
			for _, role := range orgRoles {
				if !slices.Contains(org.Roles, role) {
					errs["orgRoles"] = fmt.Sprintf("%s没有岗位 “%s”，可选：%s", org.Name, role, strings.Join(org.Roles, "、"))
					break
				}
			}
		}
	}
	if len(errs) > 0 {
		a.showUser(w, r, http.StatusBadRequest, u, roles, orgCode, orgRolesText, errs, "请修改标出的问题后再保存")
		return
	}
	names := make([]string, len(roles))
	for i, role := range roles {
		names[i] = roleNames[role]
	}
	detail := "角色：" + nameOr(strings.Join(names, "、"), "无")
	if orgCode != "" {
		detail += "；机构：" + orgCode + "；岗位：" + nameOr(strings.Join(orgRoles, "、"), "无")
	}
	err = a.db.Write(r.Context(), func(tx *store.Tx) error {
		if err := tx.SetUserRoles(u.ID, roles, orgCode, orgRoles); err != nil {
			return err
		}
		return tx.RecordAccountEvent(store.AccountEvent{Type: EventRolesChanged, UserID: u.ID, ActorID: admin.ID,
			IP: a.opts.ClientIP(r), Detail: detail})
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/users/%d?msg=roles", u.ID), http.StatusSeeOther)
}

type eventsData struct {
	Types  []kindOption
	UserID string
	Events []store.AccountEvent
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
	events, total, err := a.db.ListAccountEvents(r.Context(), store.AccountEventFilter{UserID: max(userID, 0), Type: typ,
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
