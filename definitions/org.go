package definitions

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
	DivisionCode string   `json:"divisionCode" jsonschema:"title=行政区划代码,pattern=^[1-9][0-9]{5}$"`
	Level        string   `json:"level" jsonschema:"title=层级,enum=市,enum=县区,enum=乡镇街道,enum=村社区"`
	Roles        []string `json:"roles" jsonschema:"title=岗位角色"`
}
