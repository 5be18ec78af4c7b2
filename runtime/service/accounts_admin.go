package service

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
)

// mayAdminister refuses anyone but administrators.
func mayAdminister(admin *runtime.User) error {
	if admin == nil || !slices.Contains(admin.Roles, runtime.RoleAdmin) {
		return runtime.Errorf(runtime.EFORBIDDEN, "您没有访问此页面的权限")
	}
	return nil
}

// inScope checks that admin may act on user id (and put them in org, when given): an
// administrator of an org acts on the staff of that org and those below it, and only one of a
// top org on applicants; one of no org (made on the command line) acts on everyone.
// forbidden otherwise; not_found for an unknown user.
func (a *Accounts) inScope(tx runtime.AccountTx, admin *runtime.User, id int64, org string) error {
	orgs := a.Orgs()
	if admin.OrgCode == "" || orgs == nil {
		return nil
	}
	u, err := tx.User(id)
	if err != nil {
		return err
	}
	under := orgSubtree(orgs, admin.OrgCode)
	top := !slices.ContainsFunc(orgs, func(o definitions.OrgUnit) bool { return o.Code == admin.OrgCode && o.Parent != "" })
	switch {
	case u.Kind == "staff" && u.OrgCode != "" && !slices.Contains(under, u.OrgCode),
		u.Kind != "staff" && !top,
		org != "" && !slices.Contains(under, org):
		return runtime.Errorf(runtime.EFORBIDDEN, "只能管理本机构及下级机构的用户")
	}
	return nil
}

// SetDisabled disables or enables a user, for an administrator acting from ip, and records
// it. Disabling ends the user's sessions; their API tokens stop working too. Administrators
// cannot disable themselves, so that the last one cannot lock everyone out by mistake
// (forbidden); not_found for an unknown user.
func (a *Accounts) SetDisabled(ctx context.Context, admin *runtime.User, userID int64, disabled bool, ip string) error {
	if err := mayAdminister(admin); err != nil {
		return err
	}
	if disabled && userID == admin.ID {
		return runtime.Errorf(runtime.EFORBIDDEN, "不能停用自己的账户")
	}
	typ := EventUserEnabled
	if disabled {
		typ = EventUserDisabled
	}
	return a.store.WriteAccounts(ctx, func(tx runtime.AccountTx) error {
		if err := a.inScope(tx, admin, userID, ""); err != nil {
			return err
		}
		if err := tx.SetUserDisabled(userID, disabled); err != nil {
			return err
		}
		return tx.RecordAccountEvent(runtime.AccountEvent{Type: typ, UserID: userID, ActorID: admin.ID, IP: ip})
	})
}

// RoleChange is what a user's roles become: their platform roles, their org and their
// workflow roles in that org.
type RoleChange struct {
	Roles    []runtime.Role
	OrgCode  string
	OrgRoles []string
}

var (
	orgCodePattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	roleNamePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,63}$`)
)

// SetRoles replaces the roles of a user, for an administrator acting from ip, and records
// it. invalid, with the fields /roles, /orgCode and /orgRoles, when administrators would take
// their own administrator role away, for an org code or a role name that is not well formed,
// and for workflow roles without an org; with AccountOptions.Orgs, the org must be one of them
// and the roles among the org's. forbidden for anyone but an administrator; not_found for an
// unknown user.
func (a *Accounts) SetRoles(ctx context.Context, admin *runtime.User, userID int64, c RoleChange, ip string) error {
	if err := mayAdminister(admin); err != nil {
		return err
	}
	if err := a.checkRoles(admin, userID, c); err != nil {
		return err
	}
	names := make([]string, len(c.Roles))
	for i, role := range c.Roles {
		names[i] = cmp.Or(runtime.RoleNames[role], string(role))
	}
	detail := "角色：" + cmp.Or(strings.Join(names, "、"), "无")
	if c.OrgCode != "" {
		detail += "；机构：" + c.OrgCode + "；岗位：" + cmp.Or(strings.Join(c.OrgRoles, "、"), "无")
	}
	return a.store.WriteAccounts(ctx, func(tx runtime.AccountTx) error {
		if err := a.inScope(tx, admin, userID, c.OrgCode); err != nil {
			return err
		}
		if err := tx.SetUserRoles(userID, c.Roles, c.OrgCode, c.OrgRoles); err != nil {
			return err
		}
		return tx.RecordAccountEvent(runtime.AccountEvent{Type: EventRolesChanged, UserID: userID, ActorID: admin.ID,
			IP: ip, Detail: detail})
	})
}

// checkPlacement adds to errs, under orgCode and orgRoles, what is wrong with putting a user in
// org with roles: a malformed code or role, roles without an org, an org the tree does not
// have, a role the org does not have.
func (a *Accounts) checkPlacement(errs map[string]string, org string, roles []string) {
	if org != "" && !orgCodePattern.MatchString(org) {
		errs["orgCode"] = "机构编码只能由小写字母、数字和“-”组成"
	}
	for _, role := range roles {
		if !roleNamePattern.MatchString(role) {
			errs["orgRoles"] = "岗位 “" + role + "” 不是有效的岗位名称"
			break
		}
	}
	if len(roles) > 0 && org == "" {
		errs["orgCode"] = "有岗位的用户必须属于一个机构"
	}
	if orgs := a.Orgs(); orgs != nil && org != "" && errs["orgCode"] == "" {
		i := slices.IndexFunc(orgs, func(o definitions.OrgUnit) bool { return o.Code == org })
		if i < 0 {
			errs["orgCode"] = "没有编码为 " + org + " 的机构"
		} else if errs["orgRoles"] == "" {
			org := orgs[i]
			for _, role := range roles {
				if !slices.Contains(org.Roles, role) {
					errs["orgRoles"] = fmt.Sprintf("%s没有岗位 “%s”，可选：%s", org.Name, role, strings.Join(org.Roles, "、"))
					break
				}
			}
		}
	}
}

// checkRoles says what is wrong with a change of roles, one message per field.
func (a *Accounts) checkRoles(admin *runtime.User, userID int64, c RoleChange) error {
	errs := map[string]string{}
	if userID == admin.ID && !slices.Contains(c.Roles, runtime.RoleAdmin) {
		errs["roles"] = "不能取消自己的系统管理员角色"
	}
	a.checkPlacement(errs, c.OrgCode, c.OrgRoles)
	return invalidFields("请修改标出的问题后再保存", errs, "roles", "orgCode", "orgRoles")
}

// invalidFields is the invalid error of the messages in errs, one per field in the order of
// names, under message; nil when there are none.
func invalidFields(message string, errs map[string]string, names ...string) error {
	var fields []runtime.FieldError
	for _, name := range names {
		if msg := errs[name]; msg != "" {
			fields = append(fields, runtime.FieldError{Pointer: "/" + name, Message: msg})
		}
	}
	if fields == nil {
		return nil
	}
	if message == "" {
		message = fields[0].Message
	}
	return runtime.Invalid(message, fields...)
}
