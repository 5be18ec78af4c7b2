package site_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/site"
)

// auth signs in the user of the X-User header; "admin" holds the admin role.
type auth struct{}

func (auth) User(r *http.Request) *runtime.User {
	switch who := r.Header.Get("X-User"); who {
	case "":
		return nil
	case "admin":
		return &runtime.User{Name: who, Roles: []runtime.Role{runtime.RoleAdmin}}
	default:
		return &runtime.User{Name: who, Roles: []runtime.Role{runtime.RoleApplicant}}
	}
}
func (auth) CSRFToken(*http.Request) string { return "token" }
func (auth) CheckCSRF(*http.Request) error  { return nil }
func (auth) IdleTimeout() time.Duration     { return 29 * time.Minute }

func newSet(t *testing.T) *site.Set {
	pages := fstest.MapFS{"home.html": {Data: []byte(`{{define "content"}}<p>{{.Data}}</p>{{end}}`)}}
	set, err := site.Parse(pages, site.Options{Name: "test", Brand: "测试站", Home: "/t/", Auth: auth{},
		Menu: []site.Link{{Href: "/t/", Label: "首页"}, {Href: "/t/cases", Label: "办件"},
			{Href: "/t/admin", Label: "管理", Roles: []runtime.Role{runtime.RoleAdmin}}}})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestFail(t *testing.T) {
	set := newSet(t)
	for _, c := range []struct {
		name       string
		err        error
		status     int
		has, lacks string
	}{
		{"not found", runtime.Errorf(runtime.ENOTFOUND, "办件不存在"), 404, "<h1>没有找到</h1>", ""},
		{"forbidden", runtime.Errorf(runtime.EFORBIDDEN, "无权查看"), 403, `<div class="problem" role="alert">无权查看</div>`, ""},
		{"invalid with fields", runtime.Invalid("请修改", runtime.FieldError{Pointer: "/name", Message: "请填写姓名"}), 400, "<li>请填写姓名</li>", ""},
		{"conflict", runtime.Errorf(runtime.ECONFLICT, "已受理"), 409, "办件状态已变化", ""},
		{"too large", runtime.Errorf(runtime.ETOOLARGE, "超过 20 MB"), 413, "文件太大", ""},
		{"unavailable", runtime.Errorf(runtime.EUNAVAILABLE, "人口库无应答"), 503, "外部系统暂时无法访问", ""},
		{"unknown is internal", errors.New("pq: password authentication failed"), 500, "出错了", "pq:"},
		{"unauthorized signs in", runtime.Errorf(runtime.EUNAUTHORIZED, "请登录"), 303, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			set.Fail(w, httptest.NewRequest("GET", "/t/cases/1", nil), c.err)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d", w.Code, c.status)
			}
			body := w.Body.String()
			if c.status == 303 {
				if loc := w.Header().Get("Location"); loc != "/account/login?next=%2Ft%2Fcases%2F1" {
					t.Fatalf("location %q", loc)
				}
				return
			}
			if !strings.Contains(body, c.has) || c.lacks != "" && strings.Contains(body, c.lacks) {
				t.Fatalf("page:\n%s", body)
			}
			if !strings.Contains(body, `href="/t/">回到首页`) {
				t.Errorf("no way back home:\n%s", body)
			}
			if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("CSP %q", csp)
			}
		})
	}
}

func TestMenu(t *testing.T) {
	set := newSet(t)
	for _, c := range []struct {
		name, who, path string
		want            string
	}{
		{"home is current only on itself", "张伟", "/t/", "首页*|办件"},
		{"an entry is current below it", "张伟", "/t/cases/1", "首页|办件*"},
		{"role entries for their roles", "admin", "/t/admin/users", "首页|办件|管理*"},
		{"visitors see no role entries", "", "/t/", "首页*|办件"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", c.path, nil)
			r.Header.Set("X-User", c.who)
			var got []string
			for _, m := range set.Frame(r, "首页", nil).Menu {
				got = append(got, m.Label+map[bool]string{true: "*"}[m.Current])
			}
			if strings.Join(got, "|") != c.want {
				t.Fatalf("menu %v, want %s", got, c.want)
			}
		})
	}
}

// TestFrame: every page has the skip link to its main content, the 大字版 switch that keeps
// the page's address (an applicant's key), large text from the cookie the switch sets, and,
// for a signed-in user only, the session's idle time for the timeout warning.
func TestFrame(t *testing.T) {
	set := newSet(t)
	for _, c := range []struct {
		name, who, target string
		cookie            string
		has, lacks        []string
	}{
		{"visitor", "", "/t/?key=411002&msg=saved", "",
			[]string{`<a class="skip-link" href="#main">跳到主要内容</a>`, `<main id="main" class="wrap" tabindex="-1">`,
				`href="/t/?key=411002&amp;large=1" class="large-switch" data-large-switch>大字版</a>`, `<script src="/static/site.js" defer>`},
			[]string{"data-session-idle", "session-dialog", "htmx"}},
		{"large text", "", "/t/", "large=1",
			[]string{`<html lang="zh-CN" class="large">`, `href="/t/?large=0"`, "标准字号"}, nil},
		{"signed in", "张伟", "/t/", "",
			[]string{`data-session-idle="1740"`, `<dialog class="session-dialog" id="session-dialog" role="alertdialog"`, "延长登录"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", c.target, nil)
			r.Header.Set("X-User", c.who)
			if c.cookie != "" {
				r.Header.Set("Cookie", c.cookie)
			}
			w := httptest.NewRecorder()
			set.Render(w, r, "home", 200, set.Frame(r, "首页", nil))
			body := w.Body.String()
			for _, s := range c.has {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %s", s)
				}
			}
			for _, s := range c.lacks {
				if strings.Contains(body, s) {
					t.Errorf("page has %s", s)
				}
			}
			if t.Failed() {
				t.Log(body)
			}
		})
	}
}
