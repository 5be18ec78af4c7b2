package definitions

// Fees is fees.json: each fee item is an amount expression, charged when its condition holds.
type Fees struct {
	Schema      string    `json:"$schema,omitempty"`
	Description string    `json:"description,omitempty" jsonschema:"title=说明"`
	Items       []FeeItem `json:"items" jsonschema:"title=收费项目"`
}

// FeeItem is one charge.
type FeeItem struct {
	ID   string `json:"id" jsonschema:"title=收费项目标识,pattern=^[a-z][a-zA-Z0-9]*$"`
	Name string `json:"name" jsonschema:"title=收费项目名称"`
	// Kind separates administrative fees (行政事业性收费, what the catalog's 是否收费 means) from
	// service charges collected on behalf of others, such as postage for delivery.
	Kind      string `json:"kind" jsonschema:"title=收费性质,enum=administrative,enum=service"`
	Amount    string `json:"amount" jsonschema:"title=金额（元，表达式）"`
	Condition string `json:"condition,omitempty" jsonschema:"title=收费条件（表达式）"`
	Basis     string `json:"basis,omitempty" jsonschema:"title=收费依据"`
}

// Note is what a fee notice's 收费依据 column says of the item: its basis, or else what kind of
// charge it is. The server's notices and `tongban print` both print it.
func (f *FeeItem) Note() string {
	switch {
	case f.Basis != "":
		return f.Basis
	case f.Kind == "service":
		return "代收服务费（非行政事业性收费）"
	}
	return "行政事业性收费"
}
