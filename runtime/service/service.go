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
	"github.com/xuchang-gov/tongban/runtime/store"
)

// Service implements the runtime's service interfaces on a store.
type Service struct {
	db     *store.DB
	blobs  *blob.Dir
	logger *slog.Logger
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Render draws certificates and notices; nil records certificates without a document.
	Render Render
	// Tables writes spreadsheets (exports); nil refuses exports.
	Tables NewTable
	// WriteArchive writes archive packages; nil archives without a package.
	WriteArchive WriteArchive
	// Lookup asks outside registers (the connectors component); nil means none are connected.
	Lookup Lookup
	// DemoPasswords makes SeedDemo give every demo user DemoPassword for the pages.
	DemoPasswords bool
	// FileSecret signs the references of files uploaded before their case exists; instances
	// sharing a database share it.
	FileSecret []byte
	// VerifyURL is the public address a certificate number is appended to for its QR code.
	VerifyURL string

	plans  plans
	newest newestVersions
	// renderTurns lets one document be rendered per core at a time. A certificate PDF takes
	// ~16 ms of CPU and ~5 MB while it is built (BenchmarkRenderCertificate): more renderings at
	// once than there are cores only add memory.
	renderTurns chan struct{}

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

// New returns a service over db, keeping files in blobs.
func New(db *store.DB, blobs *blob.Dir, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.Default()
	}
	s := &Service{db: db, blobs: blobs, logger: logger, Now: time.Now, VerifyURL: "/verify/",
		renderTurns: make(chan struct{}, goruntime.GOMAXPROCS(0))}
	s.plans.load = func(ctx context.Context, slug string, version int) (map[string][]byte, error) {
		v, err := db.MatterVersion(ctx, slug, version)
		if err != nil {
			return nil, err
		}
		return v.Files, nil
	}
	return s
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// NewestBundle returns the bundle of the most recently published version: the org tree and
// connectors in force. It is nil before anything is published.
func (s *Service) NewestBundle(ctx context.Context) (*definitions.Bundle, error) {
	versions, err := s.db.LatestPublishedRefs(ctx)
	if err != nil {
		return nil, err
	}
	var newest *store.VersionRef
	for i, v := range versions {
		if newest == nil || v.CreatedAt.After(newest.CreatedAt) {
			newest = &versions[i]
		}
	}
	if newest == nil {
		return nil, nil
	}
	plan, _, err := s.plans.get(ctx, newest.Slug, newest.Version)
	if err != nil {
		return nil, err
	}
	return plan.Bundle, nil
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
	out := []string{code}
	for i := 0; i < len(out); i++ {
		for _, o := range s.orgs {
			if o.Parent == out[i] {
				out = append(out, o.Code)
			}
		}
	}
	return out
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
