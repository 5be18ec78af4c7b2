package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/connectors/callback"
	"github.com/xuchang-gov/tongban/connectors/httpconn"
	"github.com/xuchang-gov/tongban/connectors/outbox"
	"github.com/xuchang-gov/tongban/connectors/registry"
	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/designer"
	"github.com/xuchang-gov/tongban/printing/archive"
	"github.com/xuchang-gov/tongban/printing/excel"
	"github.com/xuchang-gov/tongban/printing/pdf"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/httpapi"
	"github.com/xuchang-gov/tongban/runtime/service"
	"github.com/xuchang-gov/tongban/runtime/store"
	"github.com/xuchang-gov/tongban/runtime/web/workbench"
)

// renderPDF draws certificates and notices with the printing component.
func renderPDF(w io.Writer, t *definitions.CompiledPrint, vars rules.Vars, at time.Time) error {
	return pdf.Render(w, t, vars, pdf.Options{CreatedAt: at})
}

// layoutPDF lays a document out as renderPDF would draw it, saying what cannot be printed.
func layoutPDF(t *definitions.CompiledPrint, vars rules.Vars) (string, error) {
	_, err := pdf.Layout(t, vars, pdf.Options{})
	if pe, ok := errors.AsType[*pdf.Error](err); ok {
		return pe.Message, nil
	}
	return "", err
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

// wireConnectors connects lookups, the service's, to the lookup connectors of the newest
// published bundle and returns the registry of all its connectors (nil before anything is
// published). baseURL, when set, points them all at one place (the simulators); opts are the
// connectors' (how secrets are read, who watches the calls).
func wireConnectors(ctx context.Context, svc *service.Service, lookups *service.Lookups, baseURL string, opts httpconn.Options) (*registry.Registry, *definitions.Bundle, error) {
	b, err := svc.NewestBundle(ctx)
	if err != nil || b == nil {
		return nil, nil, err
	}
	reg, err := registry.New(b.Connectors, opts, baseURL)
	if err != nil {
		return nil, nil, err
	}
	lookups.Connect(func(ctx context.Context, connector, key string) (any, error) {
		v, err := reg.Lookup(ctx, connector, key)
		switch {
		case httpconn.IsKind(err, httpconn.NotFound):
			// The register answered: it holds no such record. Callers that decide on it
			// (registration) must tell that apart from a register that did not answer.
			return nil, runtime.Errorf(runtime.ENOTFOUND, "%s", httpconn.Message(err))
		case err != nil:
			return nil, runtime.Errorf(runtime.EUNAVAILABLE, "%s", httpconn.Message(err))
		}
		return v, nil
	})
	return reg, b, nil
}

// tryConnector is the designer's try of a lookup connector: a registry of that one connector,
// reaching what the running connectors reach (the simulators with --demo).
func tryConnector(opts httpconn.Options, baseURL string) designer.Lookup {
	return func(ctx context.Context, conn *definitions.Connector, key string) (any, error) {
		reg, err := registry.New([]*definitions.Connector{conn}, opts, baseURL)
		if err != nil {
			return nil, err
		}
		v, err := reg.Lookup(ctx, conn.Name, key)
		if err != nil {
			return nil, errors.New(httpconn.Message(err))
		}
		return v, nil
	}
}

// accountService is the account service on db: registrations checked against the registers
// lookups reach at the time of registering, texts queued on db's outbox (the default), administrators kept to
// the org tree of orgs.
func accountService(lookups *service.Lookups, db *store.DB, orgs func() []definitions.OrgUnit, cfg Config) *service.Accounts {
	return service.NewAccounts(db, service.AccountOptions{Now: cfg.Clock, Logger: cfg.Logger, Orgs: orgs, SessionIdle: cfg.SessionIdle,
		Verify: service.RegisterCheck(lookups.Lookup, cfg.Logger)})
}

// deliverer sends the outbox: pushes to the connectors they name, with the address the
// outside system calls back at.
func deliverer(db *store.DB, reg *registry.Registry, publicURL string, logger *slog.Logger) *outbox.Deliverer {
	input := func(ctx context.Context, m *runtime.OutboxMessage) (map[string]any, error) {
		in, err := outbox.PayloadInput(ctx, m)
		if err != nil {
			return nil, err
		}
		if name, ok := runtime.PushConnector(m.Topic); ok {
			in["callbackUrl"] = callbackURL(publicURL, name)
		}
		return in, nil
	}
	// A send with all its retries is bounded well inside the lease, so a message whose
	// deliverer died is handed to another after half a minute, not the default two.
	return &outbox.Deliverer{Queue: db, Logger: logger, Lease: 30 * time.Second,
		Senders: outbox.Router{runtime.PushTopic("*"): &outbox.Connectors{Clients: reg.Clients(), Input: input}}}
}

// callbackURL is where the outside system behind a push connector calls back.
func callbackURL(publicURL, connector string) string {
	return strings.TrimSuffix(publicURL, "/") + httpapi.CallbacksPath + connector
}

// connectPushes lets requests that wait for a push's answer (the payment order of 去缴费) send
// it through the push connectors of reg, with the address to call back at, as the outbox does.
func connectPushes(lookups *service.Lookups, reg *registry.Registry, publicURL string) {
	lookups.ConnectPush(func(ctx context.Context, connector string, input map[string]any, key string) (any, error) {
		client := reg.Client(connector)
		if client == nil || client.Connector().Kind != "push" {
			return nil, runtime.Errorf(runtime.ENOTFOUND, "没有推送连接器 %s", connector)
		}
		in := map[string]any{"callbackUrl": callbackURL(publicURL, connector)}
		for k, v := range input {
			in[k] = v
		}
		res, err := client.Push(ctx, in, key)
		if err != nil {
			return nil, runtime.Errorf(runtime.EUNAVAILABLE, "%s", httpconn.Message(err))
		}
		return res.Value, nil
	})
}

// callbacks are the endpoints of the push connectors' signed callbacks, by connector name,
// each message applied by the service in its turn.
func callbacks(svc *service.Service, b *definitions.Bundle, getenv func(string) string, turns *inFlight, logger *slog.Logger) map[string]http.Handler {
	admit := func(w http.ResponseWriter, r *http.Request, next http.HandlerFunc) {
		turns.serve(w, r, callback.DefaultMaxBody, next)
	}
	return callback.Endpoints(b.Connectors, getenv, appliedOnce{}, func(ctx context.Context, connector string, m callback.Message) error {
		return svc.ApplyCallback(ctx, connector, m.ID, m.Type, m.Body)
	}, admit, logger)
}

// appliedOnce leaves de-duplication to the service, which records each message in the same
// transaction that applies it.
type appliedOnce struct{}

func (appliedOnce) Once(ctx context.Context, _ string, apply func(context.Context) error) (bool, error) {
	err := apply(ctx)
	if errors.Is(err, service.ErrDuplicateCallback) {
		return true, nil
	}
	return false, err
}

// printing plugs the printing component into the service.
func printing() []service.Option {
	return []service.Option{service.WithRender(renderPDF), service.WithCheckPrint(layoutPDF), service.WithTables(excelTables), service.WithWriteArchive(writeCaseArchive)}
}

// windowDesk lets the workbench file cases for applicants at the window through the service.
type windowDesk struct{ svc *service.Service }

func (d windowDesk) SubmitAtWindow(ctx context.Context, clerk *runtime.User, a workbench.Applicant, req runtime.SubmitCase, received []string) (*runtime.CaseView, error) {
	return d.svc.SubmitAtWindow(ctx, clerk, runtime.User{Kind: a.Kind, Name: a.Name, IDNumber: a.IDNumber, USCC: a.USCC,
		Mobile: a.Mobile, DivisionCode: a.DivisionCode}, req, received)
}
