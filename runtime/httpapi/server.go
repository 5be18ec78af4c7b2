// Package httpapi is the JSON API (/api/v1) over HTTP with gin: thin handlers that decode the
// request, call one service method and encode the answer, the resumable uploads (tus) and the
// outside systems' signed callbacks, plus the OpenAPI 3.1 document built from the same route
// table, so that no route goes undocumented.
package httpapi

import (
	"log/slog"
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/observe"
)

// Server serves the API.
type Server struct {
	Matters runtime.MatterService
	Cases   runtime.CaseService
	Tasks   runtime.TaskService
	Users   runtime.UserService
	// Certificates may be nil when the server issues none.
	Certificates runtime.CertificateService
	// Exports may be nil when the server offers no spreadsheets.
	Exports runtime.ExportService
	// Documents may be nil when the server prints nothing.
	Documents runtime.DocumentService
	// Datasets may be nil when the server offers no statistics.
	Datasets runtime.DatasetService
	// Dashboards may be nil when the server offers no dashboards.
	Dashboards runtime.DashboardService
	// Lookups may be nil when no outside register is connected.
	Lookups runtime.LookupService
	// Outbox may be nil when the server delivers no messages.
	Outbox runtime.OutboxService
	// Trial may be nil when the platform's clock cannot be moved (it answers 403 outside demo
	// and test mode anyway).
	Trial runtime.TrialService
	// Messages may be nil when the server takes no consultations or complaints.
	Messages runtime.MessageService
	// Themes may be nil when the server serves no 一件事.
	Themes runtime.ThemeService
	// Files may be nil when files can only be uploaded to an existing case.
	Files runtime.FileService
	// Resumable may be nil when the server takes no resumable uploads (tus, at
	// /api/v1/uploads/); they are staged in its UploadStagingDir.
	Resumable runtime.ResumableUploadService
	// Callbacks are the endpoints of the outside systems' signed callbacks, by connector name,
	// served at /api/v1/callbacks/{connector}; none when no push connector is configured.
	Callbacks map[string]http.Handler
	// Design may be nil when the server offers no designer (/api/v1/design/).
	Design runtime.DesignService
	// Sessions, when set, lets callers that bring the pages' sign-in session instead of a
	// bearer token in (the studio), with its CSRF token on every change.
	Sessions SessionAuthenticator
	Logger   *slog.Logger
	// MaxJSONBytes bounds JSON request bodies; MaxUploadBytes bounds one material upload.
	MaxJSONBytes   int64
	MaxUploadBytes int64

	engine *gin.Engine
	ops    []operation
	// heads are the paths of GET operations, each also served for HEAD.
	heads map[string]bool
	// uploads serve the resumable uploads; nil when their folder could not be prepared.
	uploads *uploads
	// guides holds each guide encoded, by the *runtime.Guide the service returns: it builds a
	// version's guide once and hands out that same value, and encoding its large documents was
	// a fifth of the CPU of the portal's reads.
	guides *sync.Map
}

// New builds the server and its routes.
func New(s Server) *Server {
	gin.SetMode(gin.ReleaseMode)
	srv := &s
	if srv.Logger == nil {
		srv.Logger = slog.Default()
	}
	if srv.MaxJSONBytes == 0 {
		srv.MaxJSONBytes = 1 << 20
	}
	if srv.MaxUploadBytes == 0 {
		srv.MaxUploadBytes = 50 << 20
	}
	srv.guides = &sync.Map{}
	srv.heads = map[string]bool{}
	srv.engine = gin.New()
	srv.engine.Use(srv.recoverer(), func(c *gin.Context) {
		c.Next()
		ctx := c.Request.Context()
		if route := c.FullPath(); route != "" {
			observe.SetRoute(ctx, c.Request.Method+" "+route)
		}
		observe.SetCase(ctx, c.Param("number"))
	})
	srv.engine.HandleMethodNotAllowed = true
	srv.engine.NoRoute(func(c *gin.Context) {
		srv.fail(c, runtime.Errorf(runtime.ENOTFOUND, "没有这个接口：%s %s", c.Request.Method, c.Request.URL.Path))
	})
	srv.engine.NoMethod(func(c *gin.Context) {
		// gin has set the Allow header to the methods the path has.
		c.AbortWithStatusJSON(http.StatusMethodNotAllowed, errorBody{Error: errorPayload{Code: codeMethodNotAllowed,
			Message: "此接口不支持 " + c.Request.Method + " 方法，支持的方法见 Allow 响应头"}})
	})
	if srv.Resumable != nil {
		up, err := srv.openUploads()
		if err != nil {
			// The rest of the server runs: every upload request is answered 503.
			srv.Logger.Error("resumable uploads unavailable", "err", err)
		}
		srv.uploads = up
	}
	srv.routes()
	return srv
}

// ServeHTTP makes the server an http.Handler. Every answer — JSON, PDF or a file — is to be
// taken as the type it declares and never shown in another site's frame; a route that serves
// a page of its own may set a fuller policy over these.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "frame-ancestors 'none'")
	s.engine.ServeHTTP(w, r)
}

// Routes lists the registered routes as "METHOD /path" with gin's :param syntax, but for the
// HEAD twin of each GET route.
func (s *Server) Routes() []string {
	var out []string
	for _, r := range s.engine.Routes() {
		if r.Method == http.MethodHead && s.heads[r.Path] {
			continue
		}
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

func (s *Server) recoverer() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if p := recover(); p != nil {
				s.Logger.ErrorContext(c.Request.Context(), "panic serving request", "path", c.Request.URL.Path, "panic", p)
				s.fail(c, runtime.Errorf(runtime.EINTERNAL, "panic"))
			}
		}()
		c.Next()
	}
}
