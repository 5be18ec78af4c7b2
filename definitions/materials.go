package definitions

// DefaultMaxSizeMB is the size limit of each file of a material that names none.
const DefaultMaxSizeMB = 20

// Materials is materials.json: what the applicant provides or the system fetches.
type Materials struct {
	Schema      string     `json:"$schema,omitempty"`
	Description string     `json:"description,omitempty" jsonschema:"title=说明"`
	Materials   []Material `json:"materials" jsonschema:"title=申请材料"`
}

// Material is one required, optional or conditional document.
type Material struct {
	// ID names the material in expressions (materials.<id>) and in workflow nodes.
	ID          string `json:"id" jsonschema:"title=材料标识,pattern=^[a-z][a-zA-Z0-9]*$"`
	Name        string `json:"name" jsonschema:"title=材料名称"`
	Description string `json:"description,omitempty" jsonschema:"title=填报说明"`
	// Requirement is required, optional, or conditional (then Condition says when).
	Requirement string `json:"requirement" jsonschema:"title=是否必需,enum=required,enum=optional,enum=conditional"`
	Condition   string `json:"condition,omitempty" jsonschema:"title=适用情形（表达式）"`
	Situation   string `json:"situation,omitempty" jsonschema:"title=情形说明"`
	Source      string `json:"source" jsonschema:"title=来源,enum=upload,enum=e-license,enum=case,enum=generated"`
	// LicenseType is the e-license type fetched when Source is e-license.
	LicenseType string `json:"licenseType,omitempty" jsonschema:"title=电子证照类型"`
	// LicenseHolder is the expression naming whose license to fetch (an ID number or USCC).
	LicenseHolder string `json:"licenseHolder,omitempty" jsonschema:"title=证照持有人（表达式）"`
	// Connector is the lookup connector of the e-license library the license is fetched from.
	Connector string `json:"connector,omitempty" jsonschema:"title=电子证照库连接器"`
	// Fallback is what stands in for an e-license the library does not give (it holds none, or
	// cannot be asked): "upload" takes the document uploaded instead, of FileTypes, which a
	// required material then needs. Without it an e-license not fetched is left to the clerk
	// to check on paper, as in the first edition.
	Fallback  string   `json:"fallback,omitempty" jsonschema:"title=电子证照库未能获取时,enum=upload,description=upload 电子证照库中没有（或查询失败）时接受申请人上传（须写 fileTypes），必需的材料此时必须上传；不写则由窗口人员核验原件"`
	Form      string   `json:"form,omitempty" jsonschema:"title=材料形式,enum=原件,enum=复印件,enum=原件和复印件,enum=电子件"`
	Copies    int      `json:"copies,omitempty" jsonschema:"title=份数,minimum=0"`
	FileTypes []string `json:"fileTypes,omitempty" jsonschema:"title=允许的文件类型"`
	MaxSizeMB int      `json:"maxSizeMB,omitempty" jsonschema:"title=单个文件上限（MB）,minimum=1,maximum=4096"`
	// Deferrable marks 容缺: the case may be accepted without it, to be supplied within DeferDays.
	Deferrable bool     `json:"deferrable,omitempty" jsonschema:"title=允许容缺"`
	DeferDays  Duration `json:"deferDays,omitzero" jsonschema:"title=容缺补交时限,description=写天数即按工作日计；写 {days: 7; count: natural} 按自然日计"`
	// FollowUp chases a deferred material: from when DeferDays count, the reminder, and what
	// happens when they pass.
	FollowUp *FollowUp `json:"followUp,omitempty" jsonschema:"title=容缺跟进"`
	Sample   string    `json:"sample,omitempty" jsonschema:"title=样表（文件名）"`
	Basis    string    `json:"basis,omitempty" jsonschema:"title=材料依据"`
}

// Uploadable tells whether files may be uploaded for the material: an upload, or an e-license
// that accepts an upload when the library does not give it.
func (m *Material) Uploadable() bool {
	return m.Source == "upload" || m.Source == "e-license" && m.Fallback == "upload"
}

// SizeLimitMB is the largest file, in MB, the material accepts: its own limit or the default.
func (m *Material) SizeLimitMB() int {
	if m.MaxSizeMB > 0 {
		return m.MaxSizeMB
	}
	return DefaultMaxSizeMB
}
