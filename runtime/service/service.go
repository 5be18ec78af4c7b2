// Package service carries out the runtime's use cases: it checks who may do what, validates
// applications against the published definitions, runs the workflow engine and applies the
// effects it returns (tasks, events, outbox messages) in the same transaction as the case change.
package service

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	goruntime "runtime"
	"slices"
	"sync"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/blob"
	"github.com/xuchang-gov/tongban/runtime/trial"
)

// Service implements the runtime's service interfaces on a store.
type Service struct {
	db     runtime.Store
	blobs  *blob.Dir
	logger *slog.Logger
	// clock is the time; WithClock replaces it.
	clock func() time.Time
	// trial is the clock administrators may move, in demo and test mode only; nil otherwise.
	trial *trial.Clock
	// render draws certificates and notices; nil records certificates without a document.
	render Render
	// checkPrint finds what a certificate cannot print before it is issued; nil checks nothing.
	checkPrint CheckPrint
	// tables writes spreadsheets (exports); nil refuses exports.
	tables NewTable
	// archiveWriter writes archive packages; nil archives without a package.
	archiveWriter WriteArchive
	// lookups reach outside registers (the connectors component); nil means none are connected.
	lookups *Lookups
	// demoPasswords makes SeedDemo give every demo user DemoPassword.
	demoPasswords bool
	// fileSecret signs the references of files uploaded before their case exists.
	fileSecret []byte
	// verifyURL is the public address a certificate number is appended to for its QR code.
	verifyURL string

	plans  plans
	newest newestVersions
	// themePlans compiles each theme version with the member versions a case is pinned to;
	// themesNewest remembers each theme's newest version (themeNewest) by slug.
	themePlans   plans
	themesNewest sync.Map
	// renderTurns lets one document be rendered per core at a time. A certificate PDF takes
	// ~16 ms of CPU and ~5 MB while it is built (BenchmarkRenderCertificate): more renderings at
	// once than there are cores only add memory.
	renderTurns chan struct{}
	// uploading counts each account's uploads under way.
	uploading perAccount

	mu   sync.RWMutex
	orgs []definitions.OrgUnit

	// guides caches each published version's guide; tokens caches resolved API tokens.
	guides sync.Map
	tokens sync.Map
}

var (
	_ runtime.CaseService   = (*Service)(nil)
	_ runtime.TaskService   = (*Service)(nil)
	_ runtime.MatterService = (*Service)(nil)
	_ runtime.UserService   = (*Service)(nil)
)

// Option sets one of the service's dependencies at New.
type Option func(*Service)

// WithClock makes now the service's clock (default time.Now); tests pass their own.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.clock = now } }

// WithRender has the service draw certificates and notices with render; without it,
// certificates are recorded without a document.
func WithRender(render Render) Option { return func(s *Service) { s.render = render } }

// WithCheckPrint has the service refuse to issue a certificate check says cannot be printed.
func WithCheckPrint(check CheckPrint) Option { return func(s *Service) { s.checkPrint = check } }

// WithTables has the service write spreadsheets (exports) with tables; without it, exports
// are refused.
func WithTables(tables NewTable) Option { return func(s *Service) { s.tables = tables } }

// WithWriteArchive has the service write archive packages with write; without it, cases are
// archived without a package.
func WithWriteArchive(write WriteArchive) Option { return func(s *Service) { s.archiveWriter = write } }

// WithLookups has the service ask outside registers through lookups, which are connected once
// the connectors are built (see Lookups); without it, no register is connected.
func WithLookups(lookups *Lookups) Option { return func(s *Service) { s.lookups = lookups } }

// WithDemoPasswords makes SeedDemo give every demo user DemoPassword for the pages.
func WithDemoPasswords() Option { return func(s *Service) { s.demoPasswords = true } }

// WithFileSecret sets the key that signs the references of files uploaded before their case
// exists; instances sharing a database share it. Without one of at least 16 bytes such uploads
// are refused.
func WithFileSecret(secret []byte) Option { return func(s *Service) { s.fileSecret = secret } }

// WithVerifyURL sets the public address a certificate number is appended to for its QR code
// (default "/verify/").
func WithVerifyURL(url string) Option { return func(s *Service) { s.verifyURL = url } }

// New returns a service over db, keeping files in blobs, with the dependencies opts give.
func New(db runtime.Store, blobs *blob.Dir, logger *slog.Logger, opts ...Option) *Service {
	if logger == nil {
		logger = slog.Default()
	}
	s := &Service{db: db, blobs: blobs, logger: logger, clock: time.Now, verifyURL: "/verify/",
		renderTurns: make(chan struct{}, goruntime.GOMAXPROCS(0))}
	for _, o := range opts {
		o(s)
	}
	s.themePlans.load = s.loadThemeFiles
	s.plans.load = func(ctx context.Context, slug string, version int) (map[string][]byte, error) {
		v, err := db.MatterVersion(ctx, slug, version)
		if err != nil {
			return nil, err
		}
		return v.Files, nil
	}
	return s
}

func (s *Service) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

// NewestBundle returns the bundle of the most recently published version: the org tree and
// connectors in force. It is nil before anything is published.
func (s *Service) NewestBundle(ctx context.Context) (*definitions.Bundle, error) {
	plan, err := s.newestPlan(ctx)
	if err != nil || plan == nil {
		return nil, err
	}
	return plan.Bundle, nil
}

// newestPlan is the compiled plan of the most recently published version: its bundle and
// calendar are those in force. It is nil before anything is published.
func (s *Service) newestPlan(ctx context.Context) (*definitions.Plan, error) {
	versions, err := s.db.LatestPublishedRefs(ctx)
	if err != nil {
		return nil, err
	}
	var newest *runtime.VersionRef
	for i, v := range versions {
		if newest == nil || v.CreatedAt.After(newest.CreatedAt) {
			newest = &versions[i]
		}
	}
	if newest == nil {
		return nil, nil
	}
	plan, _, err := s.plans.get(ctx, newest.Slug, newest.Version)
	return plan, err
}

// LoadOrgs reads the org tree from the newest published versions; call it after an import.
func (s *Service) LoadOrgs(ctx context.Context) error {
	b, err := s.NewestBundle(ctx)
	if err != nil || b == nil {
		return err
	}
	s.mu.Lock()
	s.orgs = slices.Clone(b.Orgs.Orgs)
	s.mu.Unlock()
	return nil
}

// subtree lists an org and every org below it.
func (s *Service) subtree(code string) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return orgSubtree(s.orgs, code)
}

// scope lists the orgs whose cases and figures a staff member sees: their org subtree, and for
// a supervisor (督办) of an org that supervises another, that org's subtree too.
func (s *Service) scope(u *runtime.User) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	orgs := orgSubtree(s.orgs, u.OrgCode)
	if !slices.Contains(u.OrgRoles, "supervisor") {
		return orgs
	}
	for _, o := range s.orgs {
		if o.Code == u.OrgCode && o.Supervises != "" {
			for _, c := range orgSubtree(s.orgs, o.Supervises) {
				if !slices.Contains(orgs, c) {
					orgs = append(orgs, c)
				}
			}
		}
	}
	return orgs
}

// Orgs lists the org tree in force.
func (s *Service) Orgs() []definitions.OrgUnit {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.orgs)
}

// orgSubtree lists the org code and every org below it in orgs.
func orgSubtree(orgs []definitions.OrgUnit, code string) []string {
	out := []string{code}
	for i := 0; i < len(out); i++ {
		for _, o := range orgs {
			if o.Parent == out[i] {
				out = append(out, o.Code)
			}
		}
	}
	return out
}

// administeringOrg is the org whose administrators answer for org code: the nearest one, code
// itself or above it, with the admin role — a department's government. "" when none has.
func administeringOrg(orgs []definitions.OrgUnit, code string) string {
	for seen := 0; code != "" && seen <= len(orgs); seen++ {
		i := slices.IndexFunc(orgs, func(o definitions.OrgUnit) bool { return o.Code == code })
		if i < 0 {
			return ""
		}
		if slices.Contains(orgs[i].Roles, "admin") {
			return code
		}
		code = orgs[i].Parent
	}
	return ""
}

// matterOf returns the compiled plan a case is pinned to.
func (s *Service) matterOf(ctx context.Context, c *runtime.Case) (*definitions.Plan, *definitions.MatterPlan, error) {
	return s.plans.get(ctx, c.Matter, c.MatterVersion)
}

// latest returns the number and plan of a matter's newest published version.
func (s *Service) latest(ctx context.Context, slug string) (int, *definitions.Plan, *definitions.MatterPlan, error) {
	v, ok := s.newest.get(slug)
	if !ok {
		var err error
		if v, err = s.db.LatestPublishedVersion(ctx, slug); err != nil {
			if runtime.ErrorCode(err) == runtime.ENOTFOUND {
				return 0, nil, nil, runtime.Errorf(runtime.ENOTFOUND, "事项 %s 不存在或尚未发布", slug)
			}
			return 0, nil, nil, err
		}
		s.newest.put(slug, v)
	}
	plan, mp, err := s.plans.get(ctx, slug, v)
	return v, plan, mp, err
}

func event(typ, actor string, at time.Time, data any) runtime.Event {
	raw, _ := json.Marshal(data)
	return runtime.Event{Type: typ, Actor: actor, At: at, Data: raw}
}

func actorOf(u *runtime.User) string {
	if u == nil {
		return "system"
	}
	return fmt.Sprintf("user:%d:%s", u.ID, u.Name)
}
