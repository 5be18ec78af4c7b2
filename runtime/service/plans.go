package service

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
)

// versionKey names one stored version of a matter.
type versionKey struct {
	slug    string
	version int
}

// plans compiles stored matter versions once and keeps them: a published version never
// changes, so its plan never needs compiling again. Requests that miss the cache together wait
// for one compilation.
type plans struct {
	load  func(ctx context.Context, slug string, version int) (map[string][]byte, error)
	mu    sync.Mutex
	cache map[versionKey]*compiled
}

// compiled is one version's plan, compiled by whoever asked first.
type compiled struct {
	done chan struct{}
	plan *definitions.Plan
	err  error
}

func (p *plans) get(ctx context.Context, slug string, version int) (*definitions.Plan, *definitions.MatterPlan, error) {
	key := versionKey{slug, version}
	p.mu.Lock()
	if p.cache == nil {
		p.cache = map[versionKey]*compiled{}
	}
	c, ok := p.cache[key]
	if !ok {
		c = &compiled{done: make(chan struct{})}
		p.cache[key] = c
	}
	p.mu.Unlock()
	if !ok {
		c.plan, c.err = p.compile(ctx, slug, version)
		close(c.done)
		if c.err != nil {
			p.mu.Lock()
			delete(p.cache, key)
			p.mu.Unlock()
		}
	}
	select {
	case <-c.done:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	if c.err != nil {
		return nil, nil, c.err
	}
	return c.plan, c.plan.Matter(slug), nil
}

func (p *plans) compile(ctx context.Context, slug string, version int) (*definitions.Plan, error) {
	files, err := p.load(ctx, slug, version)
	if err != nil {
		return nil, err
	}
	b, problems := definitions.LoadFiles(files)
	var plan *definitions.Plan
	if len(problems) == 0 {
		plan, problems = definitions.Compile(b)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("stored version %s v%d does not compile: %w", slug, version, problems)
	}
	return plan, nil
}

// newestTTL is how long a matter's newest published version number is trusted without asking
// the database: another server sharing the database may publish, and its version is seen here
// within this time. This process forgets the numbers whenever it publishes.
const newestTTL = 2 * time.Second

// newestVersions remembers each matter's newest published version number, and the list of
// them all, for newestTTL: every application, guide, search and lookup asks for them, and they
// change only when a version is published.
type newestVersions struct {
	mu    sync.Mutex
	m     map[string]newestVersion
	all   []runtime.VersionRef
	allAt time.Time
}

type newestVersion struct {
	version int
	at      time.Time
}

func (n *newestVersions) get(slug string) (int, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	v, ok := n.m[slug]
	if !ok || time.Since(v.at) > newestTTL {
		return 0, false
	}
	return v.version, true
}

func (n *newestVersions) put(slug string, version int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m == nil {
		n.m = map[string]newestVersion{}
	}
	n.m[slug] = newestVersion{version: version, at: time.Now()}
}

// list returns every matter's newest published version, from memory when it is fresh.
func (n *newestVersions) list(ctx context.Context, db runtime.Store) ([]runtime.VersionRef, error) {
	n.mu.Lock()
	all, fresh := n.all, n.all != nil && time.Since(n.allAt) <= newestTTL
	n.mu.Unlock()
	if fresh {
		return all, nil
	}
	all, err := db.LatestPublishedRefs(ctx)
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	n.all, n.allAt = all, time.Now()
	n.mu.Unlock()
	return all, nil
}

func (n *newestVersions) forget() {
	n.mu.Lock()
	defer n.mu.Unlock()
	clear(n.m)
	n.all = nil
}
