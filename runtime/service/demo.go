package service

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/cn"
	"github.com/xuchang-gov/tongban/runtime"
)

// Credential is a user created for a demo, with the API token to act as them.
type Credential struct {
	Name     string   `json:"name"`
	Kind     string   `json:"kind"`
	Org      string   `json:"org,omitempty"`
	Roles    []string `json:"roles,omitempty"`
	IDNumber string   `json:"idNumber,omitempty"`
	USCC     string   `json:"uscc,omitempty"`
	Mobile   string   `json:"mobile,omitempty"`
	// Password signs the user in to the pages (the same for every demo user).
	Password string `json:"password"`
	Token    string `json:"token"`
}

// DemoPassword is the demo users' password for the portal and workbench pages.
const DemoPassword = "Xuchang-2026!demo"

// SeedDemo creates the demo users — two citizens, an elder past 80, an enterprise, and one staff
// member for every role of every org, named by the org and the Chinese name of the role, as the
// workbench header shows them — each with a new API token. Users already there are reused, so
// seeding again after an interrupted start makes no twins.
func (s *Service) SeedDemo(ctx context.Context) ([]Credential, error) {
	birth := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	users := []runtime.User{
		{Name: "张伟", Kind: "person", IDNumber: cn.MakeIDNumber("411002", birth(1986, 5, 12), 31), Mobile: "13803741234", DivisionCode: "411002"},
		{Name: "李秀兰", Kind: "person", IDNumber: cn.MakeIDNumber("411003", birth(1990, 9, 3), 42), Mobile: "15937401234", DivisionCode: "411003"},
		{Name: "王桂英", Kind: "person", IDNumber: cn.MakeIDNumber("411002", birth(1941, 3, 15), 12), Mobile: "13903745678", DivisionCode: "411002"},
		{Name: "许昌瑞祥置业有限公司", Kind: "enterprise", USCC: cn.MakeUSCC("91411003MA9KXY7Q8"), Mobile: "18637401234", DivisionCode: "411003"},
	}
	matters := s.newestMatters(ctx)
	s.mu.RLock()
	for _, o := range s.orgs {
		for _, role := range o.Roles {
			name := o.Name + "·" + cmp.Or(runtime.OrgRoleNames[role], role)
			users = append(users, runtime.User{Name: name, Kind: "staff", OrgCode: o.Code, OrgRoles: []string{role},
				Roles: []runtime.Role{staffRole(role)}, DivisionCode: o.DivisionCode, Mobile: fmt.Sprintf("1390374%04d", len(users))})
		}
	}
	// One department gets the designer's two roles: an analyst who prepares its matters and a
	// publisher who publishes them. It is the department that implements the most example
	// matters, so that the demo's analyst finds matters to edit.
	if o, ok := designOrg(s.orgs, matters); ok {
		for _, role := range []runtime.Role{runtime.RoleAnalyst, runtime.RolePublisher} {
			users = append(users, runtime.User{Name: o.Name + "·" + runtime.RoleNames[role], Kind: "staff", OrgCode: o.Code,
				Roles: []runtime.Role{role}, DivisionCode: o.DivisionCode, Mobile: fmt.Sprintf("1390374%04d", len(users))})
		}
	}
	s.mu.RUnlock()
	// The demo users are created as every user is, by the account service. One hash serves
	// every demo user: they share the demo password, and hashing it forty times would hold
	// up the first start by seconds.
	accounts := NewAccounts(s.db, AccountOptions{Now: s.clock, Logger: s.logger})
	var demoHash string
	passwords := s.demoPasswords
	if passwords {
		var err error
		if demoHash, err = hashPassword(ctx, DemoPassword); err != nil {
			return nil, err
		}
	}
	var out []Credential
	for _, u := range users {
		created, err := accounts.CreateUser(ctx, NewUser{User: u, Reuse: true, hash: demoHash})
		if err != nil {
			return nil, err
		}
		token, err := accounts.CreateToken(ctx, created.ID, "demo")
		if err != nil {
			return nil, err
		}
		roles := u.OrgRoles
		if len(roles) == 0 {
			for _, r := range u.Roles {
				roles = append(roles, string(r))
			}
		}
		out = append(out, Credential{Name: u.Name, Kind: u.Kind, Org: u.OrgCode, Roles: roles, IDNumber: u.IDNumber, USCC: u.USCC,
			Mobile: u.Mobile, Password: map[bool]string{true: DemoPassword}[passwords], Token: token})
	}
	return out, nil
}

// newestMatters are the matters of the newest published bundle (none before an import).
func (s *Service) newestMatters(ctx context.Context) []*definitions.MatterDef {
	b, err := s.NewestBundle(ctx)
	if err != nil || b == nil {
		return nil
	}
	return b.Matters
}

// designOrg is the department (an org with a parent) that implements the most of matters, the
// first in the org tree's order on a tie or when none implements any.
func designOrg(orgs []definitions.OrgUnit, matters []*definitions.MatterDef) (definitions.OrgUnit, bool) {
	count := map[string]int{}
	for _, m := range matters {
		count[m.Matter.Org.Code]++
	}
	var best definitions.OrgUnit
	found := false
	for _, o := range orgs {
		if o.Parent != "" && (!found || count[o.Code] > count[best.Code]) {
			best, found = o, true
		}
	}
	if !found && len(orgs) > 0 {
		return orgs[0], true
	}
	return best, found
}

// staffRole maps a workflow role to the platform role that governs what a user may do.
func staffRole(role string) runtime.Role {
	switch role {
	case "clerk":
		return runtime.RoleClerk
	case "admin":
		return runtime.RoleAdmin
	}
	return runtime.RoleApprover
}
