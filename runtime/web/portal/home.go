package portal

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/xuchang-gov/tongban/runtime"
)

// homePage is the home page: the search, the ways to browse, and the results of a search or
// a chosen category.
type homePage struct {
	Query, Object, Org, Theme string
	// Filtered is set when the visitor searched or chose a category: Results are shown.
	Filtered bool
	Results  []runtime.MatterSummary
	Hot      []runtime.MatterSummary
	Orgs     []group
	Objects  []group
	Themes   []group
	// Heading names what the results are.
	Heading string
	// OneThings are the 一件事 themes: those matching the search, or all of them.
	OneThings []runtime.ThemeSummary
}

// group is one way in: a department, 个人/法人, a theme, with how many matters it has.
type group struct {
	Key, Name string
	Count     int
}

func (p *portal) home(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	data := homePage{Query: strings.TrimSpace(q.Get("q")), Object: q.Get("object"), Org: q.Get("org"), Theme: q.Get("theme")}
	ctx := r.Context()
	all, err := p.Matters.ListMatters(ctx, runtime.MatterFilter{})
	if err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	themes := map[string][]string{}
	orgs, objects := map[string]*group{}, map[string]*group{}
	for _, m := range all {
		if orgs[m.OrgCode] == nil {
			orgs[m.OrgCode] = &group{Key: m.OrgCode, Name: m.OrgName}
		}
		orgs[m.OrgCode].Count++
		for _, o := range m.ServiceObjects {
			if objects[o] == nil {
				objects[o] = &group{Key: o, Name: o}
			}
			objects[o].Count++
		}
		// Themes (人生事件/法人事件) are in the catalog, not the summary: the guides are built once
		// per published version, so reading them is cheap.
		if g, err := p.Matters.MatterGuide(ctx, m.Slug); err == nil {
			var c struct {
				LifeEvents []string `json:"lifeEvents"`
			}
			json.Unmarshal(g.Catalog, &c)
			for _, t := range c.LifeEvents {
				themes[t] = append(themes[t], m.Slug)
			}
		}
	}
	for _, g := range orgs {
		data.Orgs = append(data.Orgs, *g)
	}
	slices.SortFunc(data.Orgs, func(a, b group) int { return strings.Compare(a.Key, b.Key) })
	for _, o := range []string{"自然人", "法人"} {
		if g := objects[o]; g != nil {
			data.Objects = append(data.Objects, *g)
		}
	}
	for t, slugs := range themes {
		data.Themes = append(data.Themes, group{Key: t, Name: t, Count: len(slugs)})
	}
	slices.SortFunc(data.Themes, func(a, b group) int { return strings.Compare(a.Name, b.Name) })

	data.Filtered = data.Query != "" || data.Object != "" || data.Org != "" || data.Theme != ""
	if data.Filtered {
		results, err := p.Matters.ListMatters(ctx, runtime.MatterFilter{Query: data.Query, ServiceObject: data.Object, OrgCode: data.Org})
		if err != nil {
			p.pages.Fail(w, r, err)
			return
		}
		if data.Theme != "" {
			results = slices.DeleteFunc(results, func(m runtime.MatterSummary) bool { return !slices.Contains(themes[data.Theme], m.Slug) })
		}
		data.Results = results
		var parts []string
		if data.Query != "" {
			parts = append(parts, "“"+data.Query+"”")
		}
		if g := orgs[data.Org]; g != nil {
			parts = append(parts, g.Name)
		}
		if data.Object != "" {
			parts = append(parts, map[string]string{"自然人": "个人办事", "法人": "法人办事"}[data.Object])
		}
		if data.Theme != "" {
			parts = append(parts, data.Theme)
		}
		data.Heading = strings.Join(parts, " · ")
	}
	bySlug := map[string]runtime.MatterSummary{}
	for _, m := range all {
		bySlug[m.Slug] = m
	}
	for _, s := range p.Hot {
		if m, ok := bySlug[s]; ok {
			data.Hot = append(data.Hot, m)
		}
	}
	if len(data.Hot) == 0 {
		data.Hot = all[:min(len(all), 6)]
	}
	if p.Themes != nil {
		if data.OneThings, err = p.Themes.ListThemes(ctx, data.Query); err != nil {
			p.pages.Fail(w, r, err)
			return
		}
	}
	p.pages.Render(w, r, "home", http.StatusOK, p.pages.Frame(r, "首页", data))
}
