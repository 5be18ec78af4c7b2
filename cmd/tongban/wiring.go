package main

import (
	"context"
	"io"
	"time"

	"github.com/xuchang-gov/tongban/connectors/httpconn"
	"github.com/xuchang-gov/tongban/connectors/registry"
	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/printing/archive"
	"github.com/xuchang-gov/tongban/printing/excel"
	"github.com/xuchang-gov/tongban/printing/pdf"
	"github.com/xuchang-gov/tongban/runtime"
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

// wireConnectors gives the service the lookup connectors of the newest published bundle.
// baseURL, when set, points them all at one place (the simulators); getenv reads secrets.
func wireConnectors(ctx context.Context, svc *service.Service, baseURL string, getenv func(string) string) error {
	b, err := svc.NewestBundle(ctx)
	if err != nil || b == nil {
		return err
	}
	reg, err := registry.New(b.Connectors, httpconn.Options{Getenv: getenv}, baseURL)
	if err != nil {
		return err
	}
	svc.Lookup = func(ctx context.Context, connector, key string) (any, error) {
		v, err := reg.Lookup(ctx, connector, key)
		if err != nil {
			return nil, runtime.Errorf(runtime.EUNAVAILABLE, "%s", httpconn.Message(err))
		}
		return v, nil
	}
	return nil
}

// wirePrinting plugs the printing component into the service.
func wirePrinting(svc *service.Service) {
	svc.Render = renderPDF
	svc.Tables = excelTables
	svc.WriteArchive = writeCaseArchive
}
