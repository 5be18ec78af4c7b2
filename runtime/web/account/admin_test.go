package account_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/service"
)

func TestAdminRefusesOthers(t *testing.T) {
	h := newHarness(t)
	h.person("张伟", 31, "13803741234", goodPassword)
	h.staff("审计员", 66, "13700000066", runtime.RoleAuditor)
	citizen, auditor := h.browser(), h.browser()
	citizen.login("person", idNumber(31), goodPassword)
	auditor.login("staff", idNumber(66), goodPassword)
	tests := []struct {
		name   string
		b      *browser
		path   string
		status int
	}{
		{"visitor to users", h.browser(), "/admin/users", http.StatusSeeOther},
		{"citizen to users", citizen, "/admin/users", http.StatusForbidden},
		{"citizen to a user", citizen, "/admin/users/1", http.StatusForbidden},
		{"citizen to the audit log", citizen, "/admin/events", http.StatusForbidden},
		{"auditor to users", auditor, "/admin/users", http.StatusForbidden},
		{"auditor to the audit log", auditor, "/admin/events", http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.b.get(tc.path)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d", r.Status, tc.status)
			}
			if r.Status == http.StatusForbidden {
				mustContain(t, r.Body, "您没有访问此页面的权限")
			}
		})
	}
	t.Run("citizen posts", func(t *testing.T) {
		citizen.get("/account/")
		r := citizen.postRaw("/admin/users/1/disable", url.Values{"_csrf": {citizen.csrf}})
		if u, _ := h.db.GetUser(ctx, 1); r.Status != http.StatusForbidden || u.Disabled {
			t.Fatalf("status %d, disabled %v", r.Status, u.Disabled)
		}
	})
}

func TestAdminUsers(t *testing.T) {
	h := newHarness(t)
	citizen := h.person("张伟", 31, "13803741234", goodPassword)
	h.person("李秀兰", 42, "15937401234", goodPassword)
	admin := h.staff("管理员", 88, "13700000088", runtime.RoleAdmin)
	b := h.browser()
	b.login("staff", idNumber(88), goodPassword)

	t.Run("list and search", func(t *testing.T) {
		tests := []struct {
			query   string
			want    []string
			notWant []string
		}{
			{"", []string{"张伟", "李秀兰", "管理员", "共 3 个用户"}, nil},
			{"?q=秀兰", []string{"李秀兰", "共 1 个用户"}, []string{"张伟"}},
			{"?q=" + idNumber(31), []string{"张伟"}, []string{"李秀兰"}},
			{"?q=13803741234", []string{"张伟"}, []string{"李秀兰"}},
			{"?kind=staff", []string{"管理员"}, []string{"张伟"}},
			{"?q=" + url.QueryEscape("%"), []string{"共 0 个用户"}, []string{"张伟"}},
		}
		for _, tc := range tests {
			t.Run(tc.query, func(t *testing.T) {
				r := b.get("/admin/users" + tc.query)
				if r.Status != http.StatusOK {
					t.Fatalf("status %d", r.Status)
				}
				mustContain(t, r.Body, tc.want...)
				for _, nw := range tc.notWant {
					if strings.Contains(r.Body, nw) {
						t.Fatalf("page shows %q", nw)
					}
				}
				table := r.Body[strings.Index(r.Body, "<tbody>"):strings.Index(r.Body, "</tbody>")]
				if strings.Contains(table, idNumber(31)) || strings.Contains(table, "13803741234") {
					t.Fatal("full ID or mobile number on the list")
				}
			})
		}
	})

	t.Run("disable and enable", func(t *testing.T) {
		victim := h.browser()
		victim.login("person", idNumber(31), goodPassword)
		path := fmt.Sprintf("/admin/users/%d", citizen.ID)
		r := b.submit(path, path+"/disable", nil)
		if r.Status != http.StatusSeeOther || r.Location != path+"?msg=disabled" {
			t.Fatalf("status %d, %q", r.Status, r.Location)
		}
		mustContain(t, b.get(path).Body, "已停用", "启用账户")
		if victim.signedIn() {
			t.Fatal("the disabled user is still signed in")
		}
		r = h.browser().login("person", idNumber(31), goodPassword)
		if r.Status != http.StatusForbidden || !strings.Contains(problem(r.Body), "已停用") {
			t.Fatalf("disabled user signs in: %d %q", r.Status, problem(r.Body))
		}
		if r := h.browser().login("person", idNumber(31), "Wrong#password1"); problem(r.Body) != "账户或密码错误" {
			t.Fatalf("a wrong password tells the account is disabled: %q", problem(r.Body))
		}
		log := b.get(fmt.Sprintf("/admin/events?user=%d", citizen.ID)).Body
		mustContain(t, log, "停用账户", "停用账户登录", "管理员")

		if r := b.submit(path, path+"/enable", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("enable: %d", r.Status)
		}
		if r := h.browser().login("person", idNumber(31), goodPassword); r.Status != http.StatusSeeOther {
			t.Fatalf("enabled user cannot sign in: %d %q", r.Status, problem(r.Body))
		}
	})

	t.Run("not themselves", func(t *testing.T) {
		path := fmt.Sprintf("/admin/users/%d", admin.ID)
		if r := b.submit(path, path+"/disable", nil); r.Status != http.StatusForbidden {
			t.Fatalf("status %d", r.Status)
		}
		r := b.submit(path, path+"/roles", url.Values{"roles": {"clerk"}})
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "不能取消自己的系统管理员角色") {
			t.Fatalf("status %d", r.Status)
		}
	})

	t.Run("roles", func(t *testing.T) {
		path := fmt.Sprintf("/admin/users/%d", citizen.ID)
		tests := []struct {
			name  string
			form  url.Values
			error string
		}{
			{"roles without an org", url.Values{"roles": {"clerk"}, "orgRoles": {"clerk"}}, "必须属于一个机构"},
			{"bad org code", url.Values{"orgCode": {"市场<监管>"}}, "机构编码只能"},
			{"bad role name", url.Values{"orgCode": {"411000-scjg"}, "orgRoles": {"Clerk!"}}, "不是有效的岗位名称"},
			{"clerk in an org", url.Values{"roles": {"clerk", "applicant", "no-such-role"}, "orgCode": {"411000-scjg"}, "orgRoles": {"clerk，reviewer"}}, ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r := b.submit(path, path+"/roles", tc.form)
				if tc.error != "" {
					if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, tc.error) {
						t.Fatalf("status %d, want the error %q\n%s", r.Status, tc.error, r.Body)
					}
					return
				}
				if r.Status != http.StatusSeeOther {
					t.Fatalf("status %d\n%s", r.Status, r.Body)
				}
				u, _ := h.db.GetUser(ctx, citizen.ID)
				if !slices.Equal(u.Roles, []runtime.Role{runtime.RoleClerk, runtime.RoleApplicant}) || u.OrgCode != "411000-scjg" ||
					!slices.Equal(u.OrgRoles, []string{"clerk", "reviewer"}) {
					t.Fatalf("user %+v", u)
				}
				evs := h.events(service.EventRolesChanged)
				if len(evs) != 1 || evs[0].ActorID != admin.ID || !strings.Contains(evs[0].Detail, "窗口人员") {
					t.Fatalf("events %+v", evs)
				}
			})
		}
	})
}

func TestScriptRenderedInert(t *testing.T) {
	h := newHarness(t)
	const script = `<script>alert("x")</script>`
	// A name that did not come through the registration form (the command line, an import).
	if _, err := h.db.CreateUser(ctx, runtime.User{Name: script, Kind: "staff", Mobile: "13700000001"}); err != nil {
		t.Fatal(err)
	}
	h.staff("管理员", 88, "13700000088", runtime.RoleAdmin)
	b := h.browser()
	b.login("staff", idNumber(88), goodPassword)
	for _, path := range []string{"/admin/users", "/admin/users/1", "/admin/users?q=" + url.QueryEscape(script)} {
		t.Run(path, func(t *testing.T) {
			r := b.get(path)
			if r.Status != http.StatusOK {
				t.Fatalf("status %d", r.Status)
			}
			if strings.Contains(r.Body, "<script>") {
				t.Fatalf("markup from a name reached the page:\n%s", r.Body)
			}
			mustContain(t, r.Body, "&lt;script&gt;")
			if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
				t.Fatalf("CSP %q", csp)
			}
		})
	}
	t.Run("registration form echo", func(t *testing.T) {
		r := h.browser().submit("/account/register", "/account/register",
			personForm(`"><script>alert(1)</script>`, badIDNumber(1), "13803741234", goodPassword, goodPassword))
		if strings.Contains(r.Body, "<script>") || !strings.Contains(r.Body, "&lt;script&gt;") {
			t.Fatalf("echoed value not escaped:\n%s", r.Body)
		}
	})
}
