package service

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/blob"
)

// ArchivePackage is everything a concluded case leaves for the records (归档): its metadata,
// form data, every generated document, the materials and the audit trail.
type ArchivePackage struct {
	CaseNumber string
	Case       any
	Form       any
	Audit      any
	Documents  map[string]io.Reader
	Materials  map[string]io.Reader
	CreatedAt  time.Time
}

// WriteArchive writes a package (the printing component: a zip with a SHA-256 manifest).
type WriteArchive func(w io.Writer, p ArchivePackage) error

// Archive closes a concluded case (归档): it writes the archive package to the blob store and
// records its hash with the move to archived.
func (s *Service) Archive(ctx context.Context, u *runtime.User, number string) (*runtime.CaseView, error) {
	concluded := []runtime.Status{runtime.StatusApproved, runtime.StatusDenied, runtime.StatusNotAccepted,
		runtime.StatusCertificated, runtime.StatusDelivered}
	c, err := s.visibleCase(ctx, u, number)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(concluded, c.Status) {
		return nil, runtime.Errorf(runtime.ECONFLICT, "办件当前为「%s」，办结后才能归档", runtime.StatusNames[c.Status])
	}
	data := map[string]any{}
	if s.archiveWriter != nil {
		ref, err := s.writeArchive(ctx, c)
		if err != nil {
			return nil, err
		}
		data["package"], data["size"] = ref.SHA256, ref.Size
	}
	return s.transition(ctx, u, number, concluded, runtime.StatusArchived, "archived", data)
}

func (s *Service) writeArchive(ctx context.Context, c *runtime.Case) (ref blob.Ref, err error) {
	_, mp, err := s.matterOf(ctx, c)
	if err != nil {
		return ref, err
	}
	events, err := s.db.ListEvents(ctx, c.ID)
	if err != nil {
		return ref, err
	}
	form, err := decodeForm(c.Form)
	if err != nil {
		return ref, err
	}
	pkg := ArchivePackage{CaseNumber: c.Number, Form: form, Audit: events, CreatedAt: s.now(),
		Documents: map[string]io.Reader{}, Materials: map[string]io.Reader{}}
	view, err := s.view(ctx, nil, c)
	if err != nil {
		return ref, err
	}
	pkg.Case = view
	var closers []io.Closer
	defer func() {
		for _, cl := range closers {
			cl.Close()
		}
	}()
	certs, err := s.db.CertificatesOfCase(ctx, c.ID)
	if err != nil {
		return ref, err
	}
	for _, cert := range certs {
		if cert.Document == "" {
			continue
		}
		r, err := s.blobs.Open(cert.Document)
		if err != nil {
			return ref, err
		}
		closers = append(closers, r)
		pkg.Documents[cert.Number+".pdf"] = r
	}
	if s.render != nil {
		docs, err := s.documents(ctx, c, mp, nil)
		if err != nil {
			return ref, err
		}
		for _, d := range docs {
			var buf bytes.Buffer
			if _, err := s.renderNotice(ctx, c, d.Name, &buf); err != nil {
				return ref, fmt.Errorf("archive %s: %w", d.Name, err)
			}
			pkg.Documents[d.Name+".pdf"] = &buf
		}
	}
	recs, err := materialRecords(c)
	if err != nil {
		return ref, err
	}
	for _, rec := range recs {
		for i, f := range rec.Files {
			r, err := s.blobs.Open(f.SHA256)
			if err != nil {
				return ref, err
			}
			closers = append(closers, r)
			pkg.Materials[fmt.Sprintf("%s/%02d-%s", rec.ID, i+1, f.Name)] = r
		}
	}
	var zip bytes.Buffer
	if err := s.archiveWriter(&zip, pkg); err != nil {
		return ref, err
	}
	return s.blobs.Put(&zip, 4<<30)
}

// ArchivePackage opens the archive package of an archived case the staff member may see.
func (s *Service) ArchivePackage(ctx context.Context, u *runtime.User, number string) (io.ReadCloser, error) {
	if err := mustBeStaff(u); err != nil {
		return nil, err
	}
	c, err := s.visibleCase(ctx, u, number)
	if err != nil {
		return nil, err
	}
	events, err := s.db.ListEvents(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Type == "archived" {
			var d struct{ Package string }
			if json.Unmarshal(events[i].Data, &d) == nil && d.Package != "" {
				return s.blobs.Open(d.Package)
			}
		}
	}
	return nil, runtime.Errorf(runtime.ENOTFOUND, "办件 %s 没有归档包", number)
}
