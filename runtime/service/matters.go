package service

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
)

func summaryOf(v int, mp *definitions.MatterPlan) runtime.MatterSummary {
	m := mp.Def.Matter
	return runtime.MatterSummary{
		Slug: mp.Def.Slug, Name: m.Name, Type: m.Type, OrgCode: m.Org.Code, OrgName: m.Org.Name,
		ServiceObjects: m.ServiceObjects, PromisedLimitDays: m.PromisedLimitDays, ApprovalMode: m.ApprovalMode, Version: v,
	}
}

// ListMatters lists the published matters, filtered loosely: every character of the query must
// appear, in order, in the name, short name or a keyword (so 食品许可 finds 食品经营许可证核发).
func (s *Service) ListMatters(ctx context.Context, f runtime.MatterFilter) ([]runtime.MatterSummary, error) {
	versions, err := s.newest.list(ctx, s.db)
	if err != nil {
		return nil, err
	}
	out := []runtime.MatterSummary{}
	for _, v := range versions {
		_, mp, err := s.plans.get(ctx, v.Slug, v.Version)
		if err != nil {
			return nil, err
		}
		m := mp.Def.Matter
		if f.ServiceObject != "" && !slices.Contains(m.ServiceObjects, f.ServiceObject) {
			continue
		}
		if f.OrgCode != "" && m.Org.Code != f.OrgCode {
			continue
		}
		if f.Query != "" && !slices.ContainsFunc(append([]string{m.Name, m.ShortName}, m.Keywords...), func(t string) bool { return fuzzyMatch(t, f.Query) }) {
			continue
		}
		out = append(out, summaryOf(v.Version, mp))
	}
	slices.SortFunc(out, func(a, b runtime.MatterSummary) int { return strings.Compare(a.Slug, b.Slug) })
	return out, nil
}

func fuzzyMatch(text, query string) bool {
	rest := []rune(strings.ToLower(text))
	for _, q := range strings.ToLower(strings.TrimSpace(query)) {
		if q == ' ' {
			continue
		}
		i := slices.Index(rest, q)
		if i < 0 {
			return false
		}
		rest = rest[i+1:]
	}
	return true
}

// MatterGuide returns the guide of the newest published version. A version never changes, so
// its guide is built once.
func (s *Service) MatterGuide(ctx context.Context, slug string) (*runtime.Guide, error) {
	v, _, mp, err := s.latest(ctx, slug)
	if err != nil {
		return nil, err
	}
	key := versionKey{slug, v}
	if g, ok := s.guides.Load(key); ok {
		return g.(*runtime.Guide), nil
	}
	g, err := guideOf(v, mp)
	if err != nil {
		return nil, err
	}
	s.guides.Store(key, g)
	return g, nil
}

func guideOf(v int, mp *definitions.MatterPlan) (g *runtime.Guide, err error) {
	g = &runtime.Guide{MatterSummary: summaryOf(v, mp), Form: mp.Def.FormSchema}
	if g.Catalog, err = json.Marshal(mp.Def.Matter); err != nil {
		return nil, err
	}
	if g.Materials, err = json.Marshal(mp.Def.Materials.Materials); err != nil {
		return nil, err
	}
	if g.Fees, err = json.Marshal(mp.Def.Fees.Items); err != nil {
		return nil, err
	}
	if g.FormUI, err = json.Marshal(mp.Def.FormUI); err != nil {
		return nil, err
	}
	for _, n := range mp.Def.Workflow.Nodes {
		switch n.Type {
		case "acceptance", "task", "auto", "connector", "payment", "certificate", "delivery":
			g.Steps = append(g.Steps, runtime.GuideStep{Node: n.ID, Name: n.Name, Type: n.Type, LimitDays: n.LimitDays.Days, LimitCount: n.LimitDays.Count})
		case "timer":
			// A wait such as 公示 is a step the applicant sees pass, its length its limit.
			g.Steps = append(g.Steps, runtime.GuideStep{Node: n.ID, Name: n.Name, Type: n.Type, LimitDays: n.WaitDays.Days, LimitCount: n.WaitDays.Count})
		}
	}
	return g, nil
}

// tokenCacheTTL is how long a resolved token is trusted without asking the store again: a
// revoked token or disabled account stops working within it.
const tokenCacheTTL = 10 * time.Second

type cachedUser struct {
	user    *runtime.User
	expires time.Time
}

// Authenticate resolves an API token to its user, remembering the answer briefly: every
// request authenticates, and most come from the same people.
func (s *Service) Authenticate(ctx context.Context, token string) (*runtime.User, error) {
	now := time.Now()
	if c, ok := s.tokens.Load(token); ok && now.Before(c.(cachedUser).expires) {
		return c.(cachedUser).user, nil
	}
	u, err := s.db.UserByToken(ctx, token)
	if err != nil {
		if code := runtime.ErrorCode(err); code == runtime.ENOTFOUND || code == runtime.EUNAUTHORIZED {
			return nil, runtime.Errorf(runtime.EUNAUTHORIZED, "访问令牌无效或已停用")
		}
		return nil, err
	}
	if u.Disabled {
		return nil, runtime.Errorf(runtime.EUNAUTHORIZED, "账号已停用")
	}
	s.tokens.Store(token, cachedUser{user: u, expires: now.Add(tokenCacheTTL)})
	return u, nil
}

// MatterPlan returns the compiled plan of a published version of a matter and its number, the
// newest for version 0: what the form renderer lays out.
func (s *Service) MatterPlan(ctx context.Context, slug string, version int) (*definitions.MatterPlan, int, error) {
	if version == 0 {
		v, _, mp, err := s.latest(ctx, slug)
		return mp, v, err
	}
	_, mp, err := s.plans.get(ctx, slug, version)
	return mp, version, err
}
