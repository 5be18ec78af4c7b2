package service

import (
	"context"
	"fmt"
	"sync"

	"github.com/xuchang-gov/tongban/definitions"
)

// versionKey names one stored version of a matter.
type versionKey struct {
	slug    string
	version int
}

// plans compiles stored matter versions once and keeps them: a published version never
// changes, so its plan never needs compiling again.
type plans struct {
	load  func(ctx context.Context, slug string, version int) (map[string][]byte, error)
	mu    sync.Mutex
	cache map[versionKey]*definitions.Plan
}

func (p *plans) get(ctx context.Context, slug string, version int) (*definitions.Plan, *definitions.MatterPlan, error) {
	key := versionKey{slug, version}
	p.mu.Lock()
	plan, ok := p.cache[key]
	p.mu.Unlock()
	if !ok {
		files, err := p.load(ctx, slug, version)
		if err != nil {
			return nil, nil, err
		}
		b, problems := definitions.LoadFiles(files)
		if len(problems) == 0 {
			plan, problems = definitions.Compile(b)
		}
		if len(problems) > 0 {
			return nil, nil, fmt.Errorf("stored version %s v%d does not compile: %w", slug, version, problems)
		}
		p.mu.Lock()
		if p.cache == nil {
			p.cache = map[versionKey]*definitions.Plan{}
		}
		p.cache[key] = plan
		p.mu.Unlock()
	}
	return plan, plan.Matter(slug), nil
}
