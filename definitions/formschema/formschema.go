// Package formschema compiles the JSON Schemas of application forms (and of the definition
// format itself) and validates documents against them, reporting each problem in Chinese at the
// JSON pointer of the field it concerns.
package formschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// FieldError is one validation problem: the JSON pointer of the field and a Chinese message.
type FieldError struct {
	Pointer string `json:"pointer"`
	Message string `json:"message"`
}

func (e FieldError) String() string { return e.Pointer + ": " + e.Message }

// Schema is a compiled, immutable JSON Schema with the shape of the data it describes.
type Schema struct {
	compiled *jsonschema.Schema
	root     *Field
}

// Compile compiles one self-contained JSON Schema (2020-12 unless it says otherwise) with the
// Chinese domain formats registered. name is a resource name such as "food-license/form.schema.json";
// it becomes a mem:/// URL so that no file or network is ever read.
func Compile(name string, raw []byte) (*Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("不是有效的 JSON：%w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	for _, f := range formats {
		c.RegisterFormat(f)
	}
	c.UseLoader(refusingLoader{})
	url := "mem:///" + strings.TrimPrefix(name, "/")
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	compiled, err := c.Compile(url)
	if err != nil {
		return nil, explainSchemaError(err)
	}
	return &Schema{compiled: compiled, root: shapeOf(compiled)}, nil
}

// SchemaError is a schema that is not a valid JSON Schema, with each fault at its pointer in
// the schema document.
type SchemaError struct {
	Errors []FieldError
	cause  error
}

func (e *SchemaError) Error() string {
	if len(e.Errors) == 0 {
		return e.cause.Error()
	}
	lines := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		lines[i] = fe.String()
	}
	return strings.Join(lines, "; ")
}

func explainSchemaError(err error) error {
	var sve *jsonschema.SchemaValidationError
	if !errors.As(err, &sve) {
		return &SchemaError{cause: err}
	}
	var verr *jsonschema.ValidationError
	if !errors.As(sve.Err, &verr) {
		return &SchemaError{cause: err}
	}
	meta := &Schema{root: &Field{}}
	var out []FieldError
	meta.collect(verr, &out)
	return &SchemaError{Errors: slices.Compact(out), cause: err}
}

// refusingLoader keeps schemas self-contained: a $ref to anything outside the document fails
// at compile time instead of reaching for files or the network.
type refusingLoader struct{}

func (refusingLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("不允许引用外部资源 %s", url)
}

// Root is the shape of the whole document.
func (s *Schema) Root() *Field { return s.root }

// ValidateJSON decodes raw and validates it. Malformed JSON is reported at the root pointer.
func (s *Schema) ValidateJSON(raw []byte) []FieldError {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return []FieldError{{Pointer: "", Message: "不是有效的 JSON：" + jsonErrorText(err)}}
	}
	return s.Validate(doc)
}

// Validate validates a document decoded by encoding/json (numbers as float64 or json.Number)
// and returns every problem, sorted by pointer so that the order is stable.
func (s *Schema) Validate(doc any) []FieldError {
	err := s.compiled.Validate(doc)
	if err == nil {
		return nil
	}
	verr, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return []FieldError{{Pointer: "", Message: err.Error()}}
	}
	var out []FieldError
	s.collect(verr, &out)
	slices.SortStableFunc(out, func(a, b FieldError) int { return strings.Compare(a.Pointer, b.Pointer) })
	return slices.Compact(out)
}

func (s *Schema) collect(e *jsonschema.ValidationError, out *[]FieldError) {
	switch e.ErrorKind.(type) {
	case *kind.Contains, *kind.MinContains:
		// The causes say why each item fails to match; the fault is that none matched.
		*out = append(*out, s.explain(e.InstanceLocation, e.ErrorKind)...)
		return
	}
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			s.collect(c, out)
		}
		return
	}
	*out = append(*out, s.explain(e.InstanceLocation, e.ErrorKind)...)
}

// Pointer joins reference tokens into a JSON pointer (RFC 6901).
func Pointer(tokens ...string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		t = strings.ReplaceAll(t, "~", "~0")
		b.WriteString(strings.ReplaceAll(t, "/", "~1"))
	}
	return b.String()
}

func jsonErrorText(err error) string {
	var syntax *json.SyntaxError
	if se, ok := err.(*json.SyntaxError); ok {
		syntax = se
		return fmt.Sprintf("第 %d 个字节附近语法错误", syntax.Offset)
	}
	return err.Error()
}
