package definitions

import "slices"

// Orgs is orgs.json at the bundle root: the org tree and the roles each org has. Workflow
// assignees name a role within an org.
type Orgs struct {
	Schema      string    `json:"$schema,omitempty"`
	Description string    `json:"description,omitempty" jsonschema:"title=说明"`
	Orgs        []OrgUnit `json:"orgs" jsonschema:"title=机构,minItems=1"`
}

// OrgUnit is one department or body.
type OrgUnit struct {
	Code         string   `json:"code" jsonschema:"title=机构编码,pattern=^[a-z][a-z0-9-]*$"`
	Name         string   `json:"name" jsonschema:"title=机构名称"`
	Parent       string   `json:"parent,omitempty" jsonschema:"title=上级机构编码"`
	DivisionCode string   `json:"divisionCode" jsonschema:"title=行政区划代码,pattern=^[1-9][0-9]{5}([0-9]{3})?$,description=县级及以上六位；乡镇街道九位（如西关街道 411002003）"`
	Level        string   `json:"level" jsonschema:"title=层级,enum=市,enum=县区,enum=乡镇街道,enum=村社区"`
	Roles        []string `json:"roles" jsonschema:"title=岗位角色"`
	// Supervises widens what this org's supervisors (督办岗) watch to another org's subtree: the
	// city's service bureau supervises the whole city, not only itself.
	Supervises string `json:"supervises,omitempty" jsonschema:"title=督办范围,description=本机构督办岗可监控的机构（含其下级机构），如市政务服务和大数据管理局监控 xc-gov 全市"`
}

// ResolveOrg finds the org that handles a step for role, from what an assignee's orgFrom
// computed: an org code, or a division code, matched against orgs.json (a village's code is
// looked up as its township's). It does not climb further: a county holds many departments with
// the same role, and which of them serves a township without an office is the assignee's
// fallback to say. It returns nil when nothing matches.
func (b *Bundle) ResolveOrg(value, role string) *OrgUnit {
	if o := b.Org(value); o != nil && slices.Contains(o.Roles, role) {
		return o
	}
	for code := value; code != ""; code = parentDivision(code) {
		for i := range b.Orgs.Orgs {
			if o := &b.Orgs.Orgs[i]; o.DivisionCode == code && slices.Contains(o.Roles, role) {
				return o
			}
		}
	}
	return nil
}

// parentDivision is a village's township; "" for any other code.
func parentDivision(code string) string {
	if len(code) == 12 {
		return code[:9]
	}
	return ""
}
