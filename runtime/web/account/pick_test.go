package account_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"github.com/xuchang-gov/tongban/runtime/web/webtest"
)

// TestAdminPicksOrgAndRoles: with an org tree, the administrator picks the org by name and the
// workflow roles from boxes named in Chinese, and the picks are saved.
func TestAdminPicksOrgAndRoles(t *testing.T) {
	e := webtest.New(t)
	admin := "xc-gov/admin"
	target := e.User(webtest.Citizen)
	path := "/admin/users/" + strconv.FormatInt(target.ID, 10)
	e.Get(admin, path).Expect(t, 200).
		Contains(t, `<select id="orgCode" name="orgCode">`, `>许昌市魏都区市场监督管理局</option>`, `type="checkbox" name="orgRoles" value="reviewer"`, "审核").
		Lacks(t, `<input id="orgRoles"`, "多个岗位用逗号分隔", "（wd-amr）")
	e.Post(admin, path+"/roles", url.Values{"roles": {"clerk"}, "orgCode": {"wd-amr"}, "orgRoles": {"clerk", "reviewer"}}).Expect(t, http.StatusSeeOther)
	u, err := e.Accounts.GetUser(t.Context(), target.ID)
	if err != nil || u.OrgCode != "wd-amr" || !slices.Equal(u.OrgRoles, []string{"clerk", "reviewer"}) {
		t.Fatalf("saved %+v %v", u, err)
	}
	e.Get(admin, path).Expect(t, 200).Contains(t, `value="reviewer" checked`)
}

// TestStaffSignInStartsOnStaff: sent to sign in from the workbench, the sign-in page has
// 工作人员 chosen; from the portal, 个人.
func TestStaffSignInStartsOnStaff(t *testing.T) {
	e := webtest.New(t)
	e.Get("", "/work/").Expect(t, http.StatusSeeOther)
	e.Get("", "/account/login?next=%2Fwork%2F").Expect(t, 200).Contains(t, `value="staff" checked`)
	e.Get("", "/account/login?next=%2Fcases").Expect(t, 200).Contains(t, `value="person" checked`).Lacks(t, `value="staff" checked`)
}
