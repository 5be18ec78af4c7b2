package designer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/printing/pdf"
	"github.com/xuchang-gov/tongban/runtime"
)

// previewPxPerMM is the PNG preview's resolution: about 127 dpi, sharp enough to read 9 pt
// text on a laptop screen and small enough to send in a few tens of milliseconds.
const previewPxPerMM = 5

// PrintPreview lays out a print template of the draft as a certificate is printed — the same
// preview variables as `tongban print`, the same layout and PDF writer as issuing — and draws
// it as PDF or PNG. Elements that do not fit or lack required content are left out and listed.
func (s *Service) PrintPreview(ctx context.Context, u *runtime.User, slug, template, format string, req runtime.PrintPreviewRequest) (*runtime.PrintPreview, error) {
	if err := checkFormat(format); err != nil {
		return nil, err
	}
	d, err := s.draft(ctx, u, slug)
	if err != nil {
		return nil, err
	}
	files, err := withUnsaved(slug, d.Files, req.Files)
	if err != nil {
		return nil, err
	}
	return s.renderPrint(slug, files, template, format, req)
}

// SharedPrintPreview lays out a shared notice, with the shared files changed as req.Files say
// (by their path in the bundle), for the newest published version of matter.
func (s *Service) SharedPrintPreview(ctx context.Context, u *runtime.User, matter, template, format string, req runtime.PrintPreviewRequest) (*runtime.PrintPreview, error) {
	if err := admin(u); err != nil {
		return nil, err
	}
	if err := checkFormat(format); err != nil {
		return nil, err
	}
	change := runtime.SharedChange{Files: map[string]*string{}}
	for name, text := range req.Files {
		change.Files[name] = &text
	}
	all, _, err := s.changed(ctx, change)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for name, data := range all {
		if !strings.HasPrefix(name, definitions.MattersDir+"/") || strings.HasPrefix(name, matterDir(matter)) {
			files[name] = data
		}
	}
	if _, ok := files[matterDir(matter)+definitions.MatterFile]; !ok {
		return nil, notFound(matter)
	}
	return s.renderPrint(matter, files, template, format, req)
}

func checkFormat(format string) error {
	if format != "" && format != runtime.PrintPDF && format != runtime.PrintPNG {
		return runtime.Invalid("格式应为 pdf 或 png", runtime.FieldError{Pointer: "/format", Message: format})
	}
	return nil
}

// renderPrint compiles files and draws template of matter slug with its preview variables.
func (s *Service) renderPrint(slug string, files map[string][]byte, template, format string, req runtime.PrintPreviewRequest) (*runtime.PrintPreview, error) {
	mp, _, err := s.planOf(slug, files)
	if err != nil {
		return nil, err
	}
	cp := mp.Prints[template]
	if cp == nil {
		return nil, runtime.Errorf(runtime.ENOTFOUND, "事项 %s 没有打印模板 %s", slug, template)
	}
	form, err := formData(mp, req.Form, true)
	if err != nil {
		return nil, err
	}
	vars, err := pdf.PreviewVars(mp, cp, form, s.now().In(runtime.Zone))
	if err != nil {
		return nil, err
	}
	opts := pdf.Options{Mode: req.Mode, OffsetXMM: req.OffsetXMM, OffsetYMM: req.OffsetYMM, Images: printImages(slug, template, mp, files)}
	if req.Background {
		opts.Background = pdf.BackgroundOn
	}
	page, err := pdf.Layout(cp, vars, opts)
	out := &runtime.PrintPreview{Errors: []runtime.FieldError{}}
	var one *pdf.Error
	var many pdf.Errors
	switch {
	case errors.As(err, &many):
		for _, e := range many {
			out.Errors = append(out.Errors, runtime.FieldError{Pointer: e.Pointer, Message: e.Message})
		}
	case errors.As(err, &one) && page != nil:
		out.Errors = append(out.Errors, runtime.FieldError{Pointer: one.Pointer, Message: one.Message})
	case errors.As(err, &one):
		return nil, runtime.Invalid(one.Message, runtime.FieldError{Pointer: one.Pointer, Message: one.Message})
	case err != nil:
		return nil, err
	}
	var buf bytes.Buffer
	if format == runtime.PrintPNG {
		out.ContentType = "image/png"
		err = page.WritePNG(&buf, previewPxPerMM)
	} else {
		out.ContentType = "application/pdf"
		err = page.WritePDF(&buf, cp.Template.Title, s.now())
	}
	if err != nil {
		return nil, err
	}
	out.Data = buf.Bytes()
	return out, nil
}

// printImages are the pictures a template of the matter may name, by their name in its print
// folder: the matter's own for its own template, the bundle's for a shared one.
func printImages(slug, template string, mp *definitions.MatterPlan, files map[string][]byte) map[string][]byte {
	dir := definitions.PrintDir + "/"
	if _, own := mp.Def.Prints[template]; own {
		dir = matterDir(slug) + dir
	}
	out := map[string][]byte{}
	for name, data := range files {
		if rest, ok := strings.CutPrefix(name, dir); ok && definitions.IsPrintImage(path.Join(definitions.PrintDir, rest)) {
			out[rest] = data
		}
	}
	return out
}

// PrintVariables lists what the draft's print templates may name: the matter's environment
// (its form's fields included) with the print variables, each with its documentation.
func (s *Service) PrintVariables(ctx context.Context, u *runtime.User, slug string) (*runtime.PrintVariables, error) {
	_, files, err := s.current(ctx, u, slug)
	if err != nil {
		return nil, err
	}
	mp, _, err := s.planOf(slug, files)
	if err != nil {
		return nil, err
	}
	out := &runtime.PrintVariables{Variables: described(mp.Env.With(definitions.PrintVariables).Variables()), Rows: map[string][]runtime.PrintVariable{}}
	for list, item := range definitions.PrintRows {
		out.Rows[list] = described(rules.FieldsOf(item, "row"))
	}
	return out, nil
}

func described(vs []rules.Variable) []runtime.PrintVariable {
	out := make([]runtime.PrintVariable, len(vs))
	for k, v := range vs {
		doc := definitions.PrintVariableDocs[v.Name]
		if doc == "" && strings.HasPrefix(v.Name, "form.") {
			doc = fmt.Sprintf("申请表字段 %s", strings.TrimPrefix(v.Name, "form."))
		}
		out[k] = runtime.PrintVariable{Name: v.Name, Type: v.Type, Doc: doc}
	}
	return out
}
