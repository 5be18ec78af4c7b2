package main

import (
	"bytes"
	"context"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/printing/excel"
	"github.com/xuchang-gov/tongban/printing/pdf"
	"github.com/xuchang-gov/tongban/runtime/blob"
	"github.com/xuchang-gov/tongban/runtime/service"
)

// pdfCertificates renders certificates to PDF with the printing component and keeps them in the
// blob store, for the service's certificate node.
type pdfCertificates struct {
	blobs *blob.Dir
}

var _ service.CertificateRenderer = pdfCertificates{}

func (p pdfCertificates) RenderCertificate(_ context.Context, cert service.Certificate, t *definitions.CompiledPrint, vars rules.Vars) (string, error) {
	var buf bytes.Buffer
	if err := pdf.Render(&buf, t, vars, pdf.Options{CreatedAt: cert.IssuedAt}); err != nil {
		return "", err
	}
	ref, err := p.blobs.Put(&buf, 64<<20)
	return ref.SHA256, err
}

// excelTables gives the service the printing component's streaming spreadsheets.
func excelTables(sheet string, headers []string, widths []float64) (service.Table, error) {
	return excel.NewTable(sheet, headers, widths)
}

// wirePrinting plugs the printing component into the service.
func wirePrinting(svc *service.Service, blobs *blob.Dir) {
	svc.Renderer = pdfCertificates{blobs: blobs}
	svc.Tables = excelTables
}
