package runtime

import (
	"context"
	"encoding/json"
)

// Formats of a print preview.
const (
	PrintPDF = "pdf"
	PrintPNG = "png"
)

// PrintPreviewRequest asks for one print template of the draft laid out by the renderer that
// prints certificates: over Form, or the draft's sample.json when Form is absent. Files are the
// studio's unsaved files by name (as in ExpressionCheck), so that a field just dragged is
// previewed where it now stands. Mode overrides the template's (electronic or overprint);
// the offsets are a printer's calibration, applied when overprinting; Background draws the
// template's background picture even when overprinting, to see the data on the paper.
type PrintPreviewRequest struct {
	Form       json.RawMessage   `json:"form,omitempty"`
	Files      map[string]string `json:"files,omitempty"`
	Mode       string            `json:"mode,omitempty"`
	OffsetXMM  float64           `json:"offsetXMm,omitempty"`
	OffsetYMM  float64           `json:"offsetYMm,omitempty"`
	Background bool              `json:"background,omitempty"`
}

// PrintPreview is a laid-out template: the PDF or PNG, and the elements that could not be laid
// out (pointer /elements/<i>…, message), which the document leaves out.
type PrintPreview struct {
	ContentType string
	Data        []byte
	Errors      []FieldError
}

// PrintVariable is one name a print template's expressions may use, with its type and what it is.
type PrintVariable struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Doc  string `json:"doc,omitempty"`
}

// PrintVariables are what the draft's print templates may name: every variable of an element's
// value (form, applicant, case, license, fees, notice, matter, …, flattened to their fields),
// and per list variable the fields a table column sees as `row`.
type PrintVariables struct {
	Variables []PrintVariable            `json:"variables"`
	Rows      map[string][]PrintVariable `json:"rows"`
}

// DesignPrintService is the print-template designer's part of the design-time service.
type DesignPrintService interface {
	// PrintPreview renders template (a name of print/<name>.json, the matter's own or shared)
	// of the open draft in format (PrintPDF or PrintPNG). EINVALID with the problems when the
	// draft does not compile; ENOTFOUND for no such template.
	PrintPreview(ctx context.Context, u *User, slug, template, format string, req PrintPreviewRequest) (*PrintPreview, error)
	// SharedPrintPreview renders a shared notice for matter's newest published version, the
	// shared files changed as req.Files say (by their path in the bundle); admins only.
	SharedPrintPreview(ctx context.Context, u *User, matter, template, format string, req PrintPreviewRequest) (*PrintPreview, error)
	// PrintVariables lists what the draft's print templates may name.
	PrintVariables(ctx context.Context, u *User, slug string) (*PrintVariables, error)
}
