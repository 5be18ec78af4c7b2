package main

import (
	"io"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/printing/archive"
	"github.com/xuchang-gov/tongban/printing/excel"
	"github.com/xuchang-gov/tongban/printing/pdf"
	"github.com/xuchang-gov/tongban/runtime/service"
)

// renderPDF draws certificates and notices with the printing component.
func renderPDF(w io.Writer, t *definitions.CompiledPrint, vars rules.Vars, at time.Time) error {
	return pdf.Render(w, t, vars, pdf.Options{CreatedAt: at})
}

// excelTables gives the service the printing component's streaming spreadsheets.
func excelTables(sheet string, headers []string, widths []float64) (service.Table, error) {
	return excel.NewTable(sheet, headers, widths)
}

// writeCaseArchive writes a case's archive package as the printing component's zip.
func writeCaseArchive(w io.Writer, p service.ArchivePackage) error {
	return archive.Write(w, archive.Package{CaseNumber: p.CaseNumber, Case: p.Case, Form: p.Form, Audit: p.Audit,
		Documents: p.Documents, Materials: p.Materials, CreatedAt: p.CreatedAt})
}

// wirePrinting plugs the printing component into the service.
func wirePrinting(svc *service.Service) {
	svc.Render = renderPDF
	svc.Tables = excelTables
	svc.WriteArchive = writeCaseArchive
}
