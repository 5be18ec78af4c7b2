package designer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/printing/excel"
	"github.com/xuchang-gov/tongban/runtime"
)

// ExportCatalog writes the catalog of the matters the user may work on, each matter's
// matter.json from its open draft, else from its newest published version, with the code of
// `tongban catalog export`. A draft whose catalog does not decode yet (a new matter still being
// filled in) is written from its published version, or left out when it has none.
func (s *Service) ExportCatalog(ctx context.Context, u *runtime.User, w io.Writer) error {
	items, err := s.ListMatters(ctx, u)
	if err != nil {
		return err
	}
	var rows []excel.CatalogRow
	for _, it := range items {
		_, files, err := s.current(ctx, u, it.Slug)
		if err != nil {
			return err
		}
		m, ok := decodeMatter(files[matterDir(it.Slug)+definitions.MatterFile])
		if !ok && it.Published > 0 {
			var v *runtime.MatterVersion
			if v, err = s.db.LatestPublished(ctx, it.Slug); err != nil {
				return err
			}
			m, ok = decodeMatter(v.Files[matterDir(it.Slug)+definitions.MatterFile])
		}
		if ok {
			rows = append(rows, excel.CatalogRow{Slug: it.Slug, Matter: m})
		}
	}
	return excel.WriteCatalog(w, rows)
}

// decodeMatter decodes a matter.json checked against the format, as the CLI's export reads it.
func decodeMatter(raw []byte) (definitions.Matter, bool) {
	var m definitions.Matter
	canon, err := definitions.Canonical(definitions.MatterFile, raw)
	if err != nil {
		return m, false
	}
	return m, json.Unmarshal(canon, &m) == nil
}

// ImportCatalog reads a catalog workbook with the code of `tongban catalog import` and writes
// each changed row's matter.json into the matter's draft. Every row is checked with the rest of
// its matter first — a bad cell, a matter the user may not edit, a problem the row brings in
// (a promised limit above the legal one, an org not in orgs.json) — each named by its cell; with
// any, nothing is written.
func (s *Service) ImportCatalog(ctx context.Context, u *runtime.User, workbook []byte) (*runtime.CatalogImported, error) {
	if !canEdit(u) {
		if err := designer(u); err != nil {
			return nil, err
		}
		return nil, runtime.Errorf(runtime.EFORBIDDEN, "只有事项梳理人员可以导入事项目录")
	}
	rows, cellErrs := excel.ReadCatalog(bytes.NewReader(workbook))
	var fields []runtime.FieldError
	badRows := map[string]bool{}
	add := func(e excel.CellError) {
		fields = append(fields, runtime.FieldError{Pointer: e.Sheet + "!" + e.Cell, Message: e.Message})
		if e.Sheet == "" {
			fields[len(fields)-1].Pointer = ""
		}
	}
	for _, e := range cellErrs {
		add(e)
		badRows[e.Row()] = true
	}
	type update struct {
		slug string
		data []byte
	}
	var updates []update
	out := &runtime.CatalogImported{Updated: []string{}}
	for _, r := range rows {
		if r.Slug == "" {
			continue // reported by ReadCatalog
		}
		at := func(pointer, msg string) {
			add(excel.CellError{Sheet: excel.SheetName, Cell: r.Cell(pointer), Message: msg})
		}
		if badRows["1"] || badRows["1:1"] || badRows[(excel.CellError{Cell: r.Cell("")}).Row()] {
			continue // the row is incomplete: its matter cannot be checked as a whole
		}
		if err := checkSlug(r.Slug); err != nil {
			at("", fmt.Sprintf("%q 不是有效的事项标识", r.Slug))
			continue
		}
		_, files, err := s.current(ctx, u, r.Slug)
		if runtime.ErrorCode(err) == runtime.ENOTFOUND {
			at("", fmt.Sprintf("没有事项 %s，或它不在您的机构范围内", r.Slug))
			continue
		}
		if err != nil {
			return nil, err
		}
		name := matterDir(r.Slug) + definitions.MatterFile
		data, changed, err := r.MatterJSON(definitions.MatterFile, files[name])
		if err != nil {
			at("", err.Error())
			continue
		}
		if !changed {
			out.Unchanged++
			continue
		}
		trial := maps.Clone(files)
		trial[name] = data
		for _, p := range s.newErrors(r.Slug, files, trial) {
			if p.File == definitions.MatterFile {
				at(p.Pointer, p.Message)
			} else {
				at("", fmt.Sprintf("%s%s：%s", p.File, p.Pointer, p.Message))
			}
		}
		updates = append(updates, update{r.Slug, data})
	}
	if len(fields) > 0 {
		return nil, runtime.Invalid(fmt.Sprintf("事项目录有 %d 个问题，未写入任何事项", len(fields)), fields...)
	}
	for _, up := range updates {
		d, err := s.OpenDraft(ctx, u, up.slug)
		if err != nil {
			return nil, err
		}
		if _, err := s.PutDraftFile(ctx, u, up.slug, definitions.MatterFile, d.Revision, up.data); err != nil {
			return nil, err
		}
		out.Updated = append(out.Updated, up.slug)
	}
	return out, nil
}

// newErrors are the errors of a matter's files after that were not there before.
func (s *Service) newErrors(slug string, before, after map[string][]byte) []runtime.DesignProblem {
	b := s.compile(slug, before)
	seen := map[string]bool{}
	for _, p := range b.problems[:b.errors] {
		seen[p.File+p.Pointer+p.Message] = true
	}
	a := s.compile(slug, after)
	var out []runtime.DesignProblem
	for _, p := range a.problems[:a.errors] {
		if !seen[p.File+p.Pointer+p.Message] {
			out = append(out, p)
		}
	}
	return out
}
