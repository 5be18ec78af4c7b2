package app

import (
	"net/http"
	"strings"

	"github.com/xuchang-gov/tongban/designer"
	studio "github.com/xuchang-gov/tongban/designer/web"
	"github.com/xuchang-gov/tongban/runtime/httpapi"
	"github.com/xuchang-gov/tongban/runtime/web"
	"github.com/xuchang-gov/tongban/runtime/web/account"
	"github.com/xuchang-gov/tongban/runtime/web/page"
	"github.com/xuchang-gov/tongban/runtime/web/portal"
	"github.com/xuchang-gov/tongban/runtime/web/site"
	"github.com/xuchang-gov/tongban/runtime/web/workbench"
)

// handler is everything the server answers: the JSON API (bearer tokens; the design API and
// the material files also take the pages' session) with the callbacks of outside systems (inbound, by connector) and
// resumable uploads, the pages people use in a browser (portal, workbench, accounts; sessions
// and CSRF) with the public verification page, and the designer studio, whose API calls carry
// the staff session. Bodies waiting for their turn that are too large for memory are spooled
// to files in spool.
func (a *App) handler(inbound map[string]http.Handler, turns *inFlight) http.Handler {
	svc, logger := a.Service, a.Logger
	acc := account.New(a.Accounts, account.Options{Logger: logger, ClientIP: site.ClientIP(a.TrustedProxies),
		Secure: a.SecureCookies || strings.HasPrefix(a.PublicURL, "https://")})
	api := httpapi.New(httpapi.Server{Matters: svc, Cases: svc, Tasks: svc, Users: svc, Certificates: svc, Exports: svc, Datasets: svc, Dashboards: svc,
		Documents: svc, Lookups: svc, Outbox: svc, Trial: svc, Files: svc, Messages: svc, Themes: svc, Resumable: svc, Callbacks: inbound, Logger: logger,
		MaxUploadBytes: a.MaxUploadBytes, Sessions: acc,
		Design: designer.New(a.Store, a.Clock, designer.WithLookup(a.tryConnector), designer.WithSharedChanged(svc.DefinitionsChanged))})
	pages := page.Site{Plans: svc, Auth: acc, Logger: logger}.WithDefaults()
	mux := http.NewServeMux()
	// The probes are cheap and must answer while every turn is taken.
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", a.readyz)
	if a.MetricsToken != "" {
		mux.Handle("GET /metrics", a.metrics.handler(a.MetricsToken))
	}
	// A resumable upload may stream for minutes, in pieces tus bounds itself, and a pre-upload
	// streams to the file store, bounded per account (service.UploadFile): neither touches the
	// database while it streams, and neither waits for, nor holds, a turn. A callback takes its
	// turn once its signature headers have passed (callback.Handler.Admit).
	mux.Handle("/api/v1/uploads/", api)
	mux.Handle("POST /api/v1/files", api)
	mux.Handle(httpapi.CallbacksPath, api)
	limited := http.NewServeMux()
	// The largest body any surface takes is a form with its files, plus multipart framing.
	maxBody := max(pages.MaxUploadBytes, api.MaxUploadBytes) + 1<<20
	mux.Handle("/", turns.limit(a.metrics.waited(routed(limited)), maxBody))
	limited.Handle("/api/", api)
	// The studio calls the design API with the pages' sign-in session.
	limited.Handle("/api/v1/design/", acc.Middleware(api))
	// So does its dashboard builder, for the dashboards and the datasets their widgets query.
	limited.Handle("/api/v1/dashboards", acc.Middleware(api))
	limited.Handle("/api/v1/dashboards/", acc.Middleware(api))
	limited.Handle("/api/v1/datasets", acc.Middleware(api))
	limited.Handle("/api/v1/datasets/", acc.Middleware(api))
	// The workbench's case page links the materials to this route, opened with its session.
	limited.Handle("GET /api/v1/cases/{number}/materials/{material}/files/{index}", acc.Middleware(api))
	limited.Handle("/verify/", web.VerifyHandler(svc))
	limited.Handle("/account/", acc)
	limited.Handle("/admin/", acc)
	limited.Handle(studio.Prefix, studio.Handler())
	limited.Handle("/work/", acc.Middleware(workbench.New(workbench.Deps{Matters: svc, Cases: svc, Tasks: svc, Lookups: svc,
		Exports: svc, Datasets: svc, Scorecards: svc, Changes: a.Changes, Documents: svc, Messages: svc, Window: windowDesk{svc}, Themes: svc, Accounts: a.Accounts, Appointments: svc, Site: pages})))
	limited.Handle("/", acc.Middleware(portal.New(portal.Deps{Matters: svc, Cases: svc, Documents: svc, Certificates: svc,
		Lookups: svc, Messages: svc, Scorecards: svc, Themes: svc, ThemeForms: svc, Files: svc, Appointments: svc, Site: pages})))
	return a.observed(routed(mux))
}
