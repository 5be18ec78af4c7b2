package definitions

// PrintTemplate is print/<name>.json: a certificate, notice or receipt laid out on a page.
// Positions and sizes are millimetres from the top-left corner.
type PrintTemplate struct {
	Schema      string         `json:"$schema,omitempty"`
	Title       string         `json:"title" jsonschema:"title=模板名称"`
	Description string         `json:"description,omitempty" jsonschema:"title=说明"`
	Kind        string         `json:"kind" jsonschema:"title=文书类型,enum=certificate,enum=notice,enum=receipt,enum=list"`
	Page        Page           `json:"page" jsonschema:"title=纸张"`
	Mode        string         `json:"mode" jsonschema:"title=打印方式,enum=electronic,enum=overprint"`
	Background  string         `json:"background,omitempty" jsonschema:"title=底图（文件名）"`
	Elements    []PrintElement `json:"elements" jsonschema:"title=元素,minItems=1"`
}

// Page is the paper.
type Page struct {
	Size        string     `json:"size" jsonschema:"title=纸张大小,enum=A4,enum=A3,enum=A5,enum=custom"`
	WidthMM     float64    `json:"widthMm,omitempty" jsonschema:"title=宽（毫米）,minimum=10"`
	HeightMM    float64    `json:"heightMm,omitempty" jsonschema:"title=高（毫米）,minimum=10"`
	Orientation string     `json:"orientation" jsonschema:"title=方向,enum=portrait,enum=landscape"`
	MarginsMM   [4]float64 `json:"marginsMm" jsonschema:"title=页边距（上右下左，毫米）"`
}

// PrintElement is one thing placed on the page.
type PrintElement struct {
	Type string  `json:"type" jsonschema:"title=元素类型,enum=text,enum=multiline,enum=table,enum=image,enum=qr,enum=seal,enum=line,enum=box"`
	X    float64 `json:"x" jsonschema:"title=左（毫米）"`
	Y    float64 `json:"y" jsonschema:"title=上（毫米）"`
	W    float64 `json:"w,omitempty" jsonschema:"title=宽（毫米）,minimum=0"`
	H    float64 `json:"h,omitempty" jsonschema:"title=高（毫米）,minimum=0"`
	// Value is the expression printed (text, multiline, qr) or naming the image or seal.
	Value    string  `json:"value,omitempty" jsonschema:"title=内容（表达式）"`
	Label    string  `json:"label,omitempty" jsonschema:"title=标签"`
	Font     string  `json:"font,omitempty" jsonschema:"title=字体,enum=song,enum=kai"`
	SizePt   float64 `json:"sizePt,omitempty" jsonschema:"title=字号（磅）,minimum=4,maximum=96"`
	Bold     bool    `json:"bold,omitempty" jsonschema:"title=加粗"`
	Align    string  `json:"align,omitempty" jsonschema:"title=对齐,enum=left,enum=center,enum=right"`
	Shrink   bool    `json:"shrink,omitempty" jsonschema:"title=放不下时缩小字号"`
	Required bool    `json:"required,omitempty" jsonschema:"title=必须有值"`
	// Public marks an element the public verification page (证照核验) may show as printed;
	// nothing is public unless marked, so personal fields stay off that page by default.
	Public bool `json:"public,omitempty" jsonschema:"title=核验页可公开显示,description=勾选后公众扫码核验时可看到此项内容；默认不公开，个人信息（姓名、证件号、住址、电话等）不要勾选"`
	// Rows is the list expression a table iterates; its columns see each item as `row`.
	Rows    string        `json:"rows,omitempty" jsonschema:"title=表格行（表达式）"`
	Columns []PrintColumn `json:"columns,omitempty" jsonschema:"title=表格列"`
}

// PrintColumn is one column of a table element.
type PrintColumn struct {
	Title   string  `json:"title" jsonschema:"title=列标题"`
	Value   string  `json:"value" jsonschema:"title=内容（表达式，可用 row）"`
	WidthMM float64 `json:"widthMm" jsonschema:"title=列宽（毫米）,minimum=1"`
}
