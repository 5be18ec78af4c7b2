// Package apptest starts the real program for tests: app.New on a temporary data folder with
// the example matters, the demo users and the simulators, served on a local port whose address
// is the program's public URL — the same constructor `tongban serve` uses.
package apptest

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/runtime/service"
)

// Server is a running tongban.
type Server struct {
	*app.App
	// URL is where it is served, without a trailing slash.
	URL string
	T   testing.TB
}

// Start builds the program on cfg and serves it until the test ends. An empty cfg.Data is a
// new temporary folder; Demo is always on, so that the examples and demo users are there; a nil
// cfg.Logger logs warnings and errors only.
func Start(t testing.TB, cfg app.Config, opts ...service.Option) *Server {
	t.Helper()
	if cfg.Data == "" {
		cfg.Data = t.TempDir()
	}
	cfg.Demo = true
	if cfg.Logger == nil {
		// A test's log says what went wrong, not every request the test made.
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	srv := httptest.NewUnstartedServer(nil)
	cfg.PublicURL = "http://" + srv.Listener.Addr().String()
	a, err := app.New(context.Background(), cfg, opts...)
	if err != nil {
		srv.Close()
		t.Fatal(err)
	}
	srv.Config = a.Server()
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	return &Server{App: a, URL: srv.URL, T: t}
}

// Credential returns a demo user's credential: by name, or staff by "org/role".
func (s *Server) Credential(who string) service.Credential {
	s.T.Helper()
	org, role, staff := strings.Cut(who, "/")
	for _, c := range s.Credentials {
		if (!staff && c.Name == who) || (staff && c.Org == org && len(c.Roles) == 1 && c.Roles[0] == role) {
			return c
		}
	}
	s.T.Fatalf("no demo user %s", who)
	return service.Credential{}
}

// Token returns a demo user's API token: by name, or staff by "org/role".
func (s *Server) Token(who string) string { return s.Credential(who).Token }
