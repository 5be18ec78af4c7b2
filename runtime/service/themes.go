package service

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime"
)

var _ runtime.ThemeService = (*Service)(nil)

// themeRun is one theme version compiled with the member versions its case is pinned to.
type themeRun struct {
	version  int
	plan     *definitions.Plan
	tp       *definitions.ThemePlan
	versions map[string]int // member id → matter version
}

// themeKey names a theme version compiled with given member versions in the plan cache, whose
// keys are (slug, version) of what it compiles.
func themeKey(slug string, versions map[string]int) string {
	parts := []string{"theme", slug}
	for _, id := range slices.Sorted(mapKeys(versions)) {
		parts = append(parts, id+"="+strconv.Itoa(versions[id]))
	}
	return strings.Join(parts, "\x00")
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// loadThemeFiles is the plan cache's loader of a themeKey: the theme version's files and each
// member's pinned version's files, together one bundle.
func (s *Service) loadThemeFiles(ctx context.Context, key string, version int) (map[string][]byte, error) {
	parts := strings.Split(key, "\x00")
	v, err := s.db.ThemeVersion(ctx, parts[1], version)
	if err != nil {
		return nil, err
	}
	b, problems := definitions.LoadFiles(v.Files)
	if len(problems) > 0 || len(b.Themes) != 1 {
		return nil, fmt.Errorf("stored theme %s v%d does not load: %v", parts[1], version, problems)
	}
	files := map[string][]byte{}
	for _, p := range parts[2:] {
		id, ver, _ := strings.Cut(p, "=")
		n, _ := strconv.Atoi(ver)
		i := slices.IndexFunc(b.Themes[0].Theme.Members, func(m definitions.ThemeMember) bool { return m.ID == id })
		if i < 0 {
			return nil, fmt.Errorf("theme %s has no member %s", parts[1], id)
		}
		mv, err := s.db.MatterVersion(ctx, b.Themes[0].Theme.Members[i].Matter, n)
		if err != nil {
			return nil, err
		}
		for name, data := range mv.Files {
			files[name] = data
		}
	}
	for name, data := range v.Files {
		files[name] = data
	}
	return files, nil
}

// themeAt compiles a theme version with the member versions given, or, when version is 0, the
// newest version with the newest published version of each member the theme accepts.
func (s *Service) themeAt(ctx context.Context, slug string, version int, versions map[string]int) (*themeRun, error) {
	if version == 0 {
		var err error
		if version, versions, err = s.newestTheme(ctx, slug); err != nil {
			return nil, err
		}
	}
	plan, _, err := s.themePlans.get(ctx, themeKey(slug, versions), version)
	if err != nil {
		return nil, err
	}
	tp := plan.Theme(slug)
	if tp == nil {
		return nil, fmt.Errorf("theme %s v%d compiled without its theme", slug, version)
	}
	return &themeRun{version: version, plan: plan, tp: tp, versions: versions}, nil
}

// themeNewest is a theme's newest version and the member versions it takes, as last read.
type themeNewest struct {
	version  int
	versions map[string]int
	at       time.Time
}

// newestTheme is a theme's newest version with its members' newest accepted versions, trusted
// for newestTTL as matters' newest versions are (plans.go).
func (s *Service) newestTheme(ctx context.Context, slug string) (int, map[string]int, error) {
	if n, ok := s.themesNewest.Load(slug); ok && time.Since(n.(themeNewest).at) <= newestTTL {
		return n.(themeNewest).version, n.(themeNewest).versions, nil
	}
	v, err := s.db.LatestTheme(ctx, slug)
	if err != nil {
		if runtime.ErrorCode(err) == runtime.ENOTFOUND {
			return 0, nil, runtime.Errorf(runtime.ENOTFOUND, "一件事 %s 不存在或尚未发布", slug)
		}
		return 0, nil, err
	}
	versions, err := s.memberVersions(ctx, v)
	if err != nil {
		return 0, nil, err
	}
	s.themesNewest.Store(slug, themeNewest{version: v.Version, versions: versions, at: time.Now()})
	return v.Version, versions, nil
}

// memberVersions picks for each member of a theme version the newest published version of its
// matter within the versions the theme accepts.
func (s *Service) memberVersions(ctx context.Context, v *runtime.ThemeVersion) (map[string]int, error) {
	// A stored version was checked when it was published: its theme.json decodes.
	var th definitions.Theme
	if err := json.Unmarshal(v.Files[path.Join(definitions.ThemesDir, v.Slug, definitions.ThemeFile)], &th); err != nil {
		return nil, fmt.Errorf("stored theme %s v%d: %w", v.Slug, v.Version, err)
	}
	out := map[string]int{}
	for _, m := range th.Members {
		versions, err := s.db.MatterVersions(ctx, m.Matter)
		if err != nil {
			return nil, err
		}
		for _, mv := range versions {
			if mv.Status == runtime.MatterPublished && mv.Version >= m.MinVersion && (m.MaxVersion == 0 || mv.Version <= m.MaxVersion) {
				out[m.ID] = mv.Version
				break
			}
		}
		if out[m.ID] == 0 {
			return nil, runtime.Errorf(runtime.ENOTFOUND, "一件事 %s 的成员事项 %s 没有可用的已发布版本", v.Slug, m.Matter)
		}
	}
	return out, nil
}

// ListThemes lists the published themes whose name or keywords match query loosely.
func (s *Service) ListThemes(ctx context.Context, query string) ([]runtime.ThemeSummary, error) {
	versions, err := s.db.ListLatestThemes(ctx)
	if err != nil {
		return nil, err
	}
	out := []runtime.ThemeSummary{}
	for _, v := range versions {
		run, err := s.themeAt(ctx, v.Slug, 0, nil)
		if err != nil {
			s.logger.Warn("theme does not compile", "theme", v.Slug, "err", err)
			continue
		}
		th := &run.tp.Def.Theme
		text := th.Name + " " + strings.Join(th.Keywords, " ")
		if query != "" && !fuzzyMatch(text, query) {
			continue
		}
		out = append(out, themeSummary(run))
	}
	return out, nil
}

func themeSummary(run *themeRun) runtime.ThemeSummary {
	th := &run.tp.Def.Theme
	sum := runtime.ThemeSummary{Slug: run.tp.Def.Slug, Name: th.Name, OrgName: th.Org.Name, ServiceObjects: th.ServiceObjects,
		TotalDays: run.tp.TotalDays(), Version: run.version}
	for _, m := range run.tp.Members {
		sum.Members = append(sum.Members, m.Plan.Def.Matter.Name)
	}
	return sum
}

// ThemeGuide is a theme's guide: its members, every material once, the dependencies, the total
// time and the combined form.
func (s *Service) ThemeGuide(ctx context.Context, slug string) (*runtime.ThemeGuide, error) {
	run, err := s.themeAt(ctx, slug, 0, nil)
	if err != nil {
		return nil, err
	}
	tp, th := run.tp, &run.tp.Def.Theme
	g := &runtime.ThemeGuide{ThemeSummary: themeSummary(run), Guide: th.Guide, Conditions: th.Conditions, Delivery: th.Delivery,
		Form: tp.Def.FormSchema}
	if g.FormUI, err = json.Marshal(tp.Def.FormUI); err != nil {
		return nil, err
	}
	for _, m := range tp.Members {
		mt := &m.Plan.Def.Matter
		g.MemberGuides = append(g.MemberGuides, runtime.ThemeMemberGuide{Member: m.ID, Matter: m.Matter, Name: mt.Name,
			OrgName: mt.Org.Name, PromisedLimitDays: mt.PromisedLimitDays, ResultName: mt.Result.Name})
	}
	asked := map[string]bool{}
	for _, m := range tp.Form.Def.Materials.Materials {
		asked[m.ID] = true
	}
	for _, tm := range tp.Materials {
		gm := runtime.ThemeGuideMaterial{ID: tm.ID, Name: tm.Name, Description: tm.Description, Requirement: tm.Requirement,
			Source: tm.Source, Shared: tm.Shared, Members: tm.Members}
		if !tm.Shared {
			gm.ID = definitions.OwnMaterialID(tm.Members[0], tm.ID)
		}
		if tm.Source == "upload" && asked[gm.ID] {
			gm.FileTypes, gm.MaxSizeMB = tm.FileTypes, tm.SizeLimitMB()
		}
		g.Materials = append(g.Materials, gm)
	}
	for _, d := range th.Dependencies {
		dep := runtime.ThemeGuideDependant{Before: d.Before, After: d.After}
		if d.Material != "" {
			if mat := materialByID(tp.Member(d.After).Plan, d.Material); mat != nil {
				dep.Provides = mat.Name
			}
		}
		g.Dependencies = append(g.Dependencies, dep)
	}
	return g, nil
}

// preparedMember is one member of a submission checked before anything is written.
type preparedMember struct {
	mem       *definitions.ThemeMemberPlan
	state     runtime.ThemeMemberCase
	c         runtime.Case
	m         *move
	formValue any
}

// SubmitTheme validates the combined form and the shared materials once, maps the form onto
// every member, and in one unit of work creates the theme case and a member case of each member
// that may start, pinned to its version; the others wait for their predecessors.
func (s *Service) SubmitTheme(ctx context.Context, u *runtime.User, req runtime.SubmitTheme) (*runtime.ThemeCaseView, error) {
	if err := mustApply(u); err != nil {
		return nil, err
	}
	return s.submitTheme(ctx, u, u, req)
}

func (s *Service) submitTheme(ctx context.Context, u, actor *runtime.User, req runtime.SubmitTheme) (*runtime.ThemeCaseView, error) {
	if req.Theme == "" {
		return nil, runtime.Invalid("请指定一件事主题", runtime.FieldError{Pointer: "/theme", Message: "缺少主题"})
	}
	run, err := s.themeAt(ctx, req.Theme, 0, nil)
	if err != nil {
		return nil, err
	}
	tp := run.tp
	if err := mayApply(tp.Form, u.Kind); err != nil {
		return nil, err
	}
	form, formValue, err := checkForm(tp.Form, req.Form, false)
	if err != nil {
		return nil, err
	}
	channel := req.Channel
	if channel == "" {
		channel = "online"
	}
	if channel != "online" && channel != "window" {
		return nil, runtime.Invalid("渠道只能是 online 或 window", runtime.FieldError{Pointer: "/channel", Message: "未知的渠道"})
	}
	now := s.now()
	themeCase := &runtime.Case{Matter: req.Theme, Channel: channel, Status: runtime.StatusSubmitted}
	have, problems := s.attachFiles(tp.Form, u, req.Materials)
	if len(problems) > 0 {
		return nil, &runtime.Error{Code: runtime.EINVALID, Message: "附带的材料文件有误", Fields: problems}
	}
	vars := varsFor(tp.Form, themeCase, formValue, u, materialStates(tp.Form, have), now)
	licenses := s.fetchLicenses(ctx, tp.Form, vars, nil)
	byID := map[string]materialRecord{}
	for _, r := range have {
		byID[r.ID] = r
	}
	records, problems := checkMaterials(tp.Form, vars, byID, licenses, nil, run.plan.Calendar, now)
	if len(problems) > 0 {
		return nil, &runtime.Error{Code: runtime.EINVALID, Message: "申请材料不齐全", Fields: problems}
	}
	var prepared []*preparedMember
	for _, mem := range tp.Members {
		p, fields, err := s.prepareMember(ctx, run, mem, u, vars, records, channel)
		if err != nil {
			return nil, err
		}
		problems = append(problems, fields...)
		prepared = append(prepared, p)
	}
	if len(problems) > 0 {
		return nil, &runtime.Error{Code: runtime.EINVALID, Message: "一表中有 " + strconv.Itoa(len(problems)) + " 处不满足成员事项的要求", Fields: problems}
	}
	shared, err := json.Marshal(records)
	if err != nil {
		return nil, err
	}
	var out *runtime.ThemeCase
	err = s.db.WithTx(ctx, func(tx runtime.Tx) error {
		tc := runtime.ThemeCase{Theme: req.Theme, ThemeVersion: run.version, ApplicantID: u.ID, Channel: channel,
			Status: runtime.ThemeSubmitted, Form: form, Materials: shared}
		for _, p := range prepared {
			state := p.state
			if p.m != nil {
				c := p.c
				created := event("created", actorOf(actor), now, map[string]any{"matter": c.Matter, "version": c.MatterVersion,
					"channel": channel, "theme": req.Theme, "member": p.mem.ID})
				p.m.actor = actorOf(actor)
				mc, _, err := s.createSubmitted(tx, runtime.NewCase{Case: c}, p.m, created)
				if err != nil {
					return err
				}
				state.State, state.CaseID, state.CaseNumber = runtime.MemberStarted, mc.ID, mc.Number
			}
			tc.Members = append(tc.Members, state)
		}
		var err error
		out, err = tx.CreateThemeCase(tc)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.themeView(ctx, out, run)
}

// prepareMember maps the combined form onto a member and checks the result; a member that may
// start has its submission prepared (materials checked, fees computed) as a case of its own
// would. Problems point into the combined application.
func (s *Service) prepareMember(ctx context.Context, run *themeRun, mem *definitions.ThemeMemberPlan, u *runtime.User,
	vars rules.Vars, shared []materialRecord, channel string) (*preparedMember, []runtime.FieldError, error) {
	name := mem.Plan.Def.Matter.Name
	at := "/members/" + mem.ID
	plan, mp, err := s.plans.get(ctx, mem.Matter, run.versions[mem.ID])
	if err != nil {
		return nil, nil, err
	}
	form, sources, err := mem.Map(vars, run.tp.Form.Form.Root())
	if err != nil {
		return nil, []runtime.FieldError{{Pointer: at + "/form", Message: err.Error()}}, nil
	}
	raw, err := json.Marshal(form)
	if err != nil {
		return nil, nil, err
	}
	formValue, err := decodeForm(raw)
	if err != nil {
		return nil, nil, err
	}
	waiting := len(mem.Before) > 0
	var problems []runtime.FieldError
	for _, e := range mem.Check(formValue, waiting) {
		problems = append(problems, runtime.FieldError{Pointer: at + "/form" + e.Pointer, Message: "「" + name + "」" + e.Message})
	}
	have := memberRecords(mem, shared)
	c := runtime.Case{Matter: mem.Matter, MatterVersion: run.versions[mem.ID], ApplicantID: u.ID, Channel: channel,
		Status: runtime.StatusDraft, Form: raw, OrgCode: mp.Def.Matter.Org.Code, DivisionCode: mp.Def.Matter.Org.DivisionCode}
	skip := map[string]bool{}
	for id := range mem.Shared {
		skip[id] = true
	}
	for _, fill := range mem.Fills {
		skip[fill.Material] = true
	}
	if len(problems) == 0 {
		licenses := s.fetchLicenses(ctx, mp, varsFor(mp, &c, formValue, u, materialStates(mp, have), s.now()), skip)
		for i := range have {
			if l, ok := licenses[have[i].ID]; ok {
				have[i].License = &l
				delete(licenses, have[i].ID)
			}
		}
		for id, l := range licenses {
			have = append(have, materialRecord{ID: id, License: &l})
		}
	}
	rawSources, err := json.Marshal(sources)
	if err != nil {
		return nil, nil, err
	}
	rawMaterials, err := json.Marshal(have)
	if err != nil {
		return nil, nil, err
	}
	p := &preparedMember{mem: mem, c: c, formValue: formValue, state: runtime.ThemeMemberCase{Member: mem.ID, Matter: mem.Matter,
		MatterVersion: c.MatterVersion, State: runtime.MemberWaiting, Form: raw, Sources: rawSources, Materials: rawMaterials}}
	if waiting || len(problems) > 0 {
		return p, problems, nil
	}
	p.m, err = s.prepareSubmission(&p.c, formValue, plan, mp, u, have, nil, nil)
	if err != nil {
		return nil, memberProblems(err, at, name), nil
	}
	p.m.window = &run.tp.Def.Theme.Window
	return p, nil, nil
}

// memberProblems turns a member's refusal into problems of the combined application.
func memberProblems(err error, at, name string) []runtime.FieldError {
	e, ok := err.(*runtime.Error)
	if !ok || len(e.Fields) == 0 {
		return []runtime.FieldError{{Pointer: at, Message: "「" + name + "」" + runtime.ErrorMessage(err)}}
	}
	out := make([]runtime.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		out[i] = runtime.FieldError{Pointer: at + f.Pointer, Message: "「" + name + "」" + f.Message}
	}
	return out
}

// memberRecords are a member's materials from the theme's: the shared ones under the member's
// material ids, marked as reused from the theme (the same stored files), and its own uploads.
func memberRecords(mem *definitions.ThemeMemberPlan, theme []materialRecord) []materialRecord {
	var out []materialRecord
	for _, r := range theme {
		for own, themeID := range mem.Shared {
			if themeID == r.ID {
				rec := r
				rec.ID, rec.SharedFrom = own, themeID
				out = append(out, rec)
			}
		}
		if own, ok := mem.Own[r.ID]; ok {
			rec := r
			rec.ID = own
			out = append(out, rec)
		}
	}
	return out
}

// memberConcluded follows a member case's conclusion on its theme case, in the unit of work
// that concluded it: the member is done; its dependants start once all their predecessors are
// approved, or stop, with the reason told to the applicant, when one is not; the theme case
// concludes when no member is left running or waiting.
func (s *Service) memberConcluded(tx runtime.Tx, m *move) error {
	tc, err := tx.ThemeCaseOfMember(m.c.ID)
	if runtime.ErrorCode(err) == runtime.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	ctx := tx.Context()
	run, err := s.themeAt(ctx, tc.Theme, tc.ThemeVersion, pinnedVersions(tc))
	if err != nil {
		return err
	}
	i := slices.IndexFunc(tc.Members, func(mc runtime.ThemeMemberCase) bool { return mc.CaseID == m.c.ID })
	done := &tc.Members[i]
	done.State, done.Result = runtime.MemberDone, m.result
	// The certificate may have been issued by an earlier move (before delivery), or by this one.
	stored, err := s.db.CertificatesOfCase(ctx, m.c.ID)
	if err != nil {
		return err
	}
	for _, c := range stored {
		done.Certificates = append(done.Certificates, c.Number)
	}
	certs := map[string]Certificate{}
	for _, issued := range m.certificates {
		if !slices.Contains(done.Certificates, issued.cert.Number) {
			done.Certificates = append(done.Certificates, issued.cert.Number)
		}
		certs[issued.cert.Number] = issued.cert
	}
	if m.result != "approved" {
		done.Reason = m.reason()
	}
	var stopped []runtime.ThemeMemberCase
	for _, dep := range run.tp.Dependants(done.Member) {
		j := slices.IndexFunc(tc.Members, func(mc runtime.ThemeMemberCase) bool { return mc.Member == dep.ID })
		if tc.Members[j].State != runtime.MemberWaiting {
			continue
		}
		if m.result != "approved" {
			stopped = s.stopMember(tc, run, j, fmt.Sprintf("前置事项「%s」%s，本事项未启动", m.mp.Def.Matter.Name, resultName(m.result, done.Reason)), stopped)
			continue
		}
		if ready(tc, dep) {
			if err := s.startMember(tx, tc, run, j, certs); err != nil {
				return err
			}
		}
	}
	applicant, err := tx.GetUser(tc.ApplicantID)
	if err != nil {
		return err
	}
	for _, mc := range stopped {
		if err := s.queueSMS(tx, m.plan, m.c, applicant, "theme-member-stopped", map[string]any{
			"theme": run.tp.Def.Theme.Name, "case": tc.Number, "code": tc.QueryCode,
			"matter": run.tp.Member(mc.Member).Plan.Def.Matter.Name, "reason": mc.Reason}); err != nil {
			return err
		}
	}
	concludeTheme(tc, s.now())
	if tc.Status == runtime.ThemeConcluded && run.tp.Def.Theme.Delivery == "together" {
		var numbers []string
		for _, mc := range tc.Members {
			numbers = append(numbers, mc.Certificates...)
		}
		if err := s.queueSMS(tx, m.plan, m.c, applicant, "theme-concluded", map[string]any{
			"theme": run.tp.Def.Theme.Name, "case": tc.Number, "code": tc.QueryCode, "certificates": strings.Join(numbers, "、")}); err != nil {
			return err
		}
	}
	return tx.UpdateThemeCase(tc)
}

func resultName(result, reason string) string {
	name := map[string]string{"denied": "不予许可", "not-accepted": "不予受理"}[result]
	if reason != "" {
		name += "（" + reason + "）"
	}
	return name
}

// pinnedVersions are the member versions a theme case was submitted with.
func pinnedVersions(tc *runtime.ThemeCase) map[string]int {
	out := map[string]int{}
	for _, mc := range tc.Members {
		out[mc.Member] = mc.MatterVersion
	}
	return out
}

// ready tells whether every predecessor of a member concluded approved.
func ready(tc *runtime.ThemeCase, mem *definitions.ThemeMemberPlan) bool {
	for _, id := range mem.Before {
		i := slices.IndexFunc(tc.Members, func(mc runtime.ThemeMemberCase) bool { return mc.Member == id })
		if tc.Members[i].State != runtime.MemberDone || tc.Members[i].Result != "approved" {
			return false
		}
	}
	return true
}

// stopMember stops a waiting member and, with it, every member waiting for it, adding each to
// stopped.
func (s *Service) stopMember(tc *runtime.ThemeCase, run *themeRun, j int, reason string, stopped []runtime.ThemeMemberCase) []runtime.ThemeMemberCase {
	tc.Members[j].State, tc.Members[j].Reason = runtime.MemberStopped, reason
	stopped = append(stopped, tc.Members[j])
	name := run.tp.Member(tc.Members[j].Member).Plan.Def.Matter.Name
	for _, dep := range run.tp.Dependants(tc.Members[j].Member) {
		k := slices.IndexFunc(tc.Members, func(mc runtime.ThemeMemberCase) bool { return mc.Member == dep.ID })
		if tc.Members[k].State == runtime.MemberWaiting {
			stopped = s.stopMember(tc, run, k, "前置事项「"+name+"」未办理，本事项未启动", stopped)
		}
	}
	return stopped
}

// concludeTheme concludes a theme case once none of its members runs or waits.
func concludeTheme(tc *runtime.ThemeCase, now time.Time) {
	approved, done := 0, 0
	for _, mc := range tc.Members {
		switch mc.State {
		case runtime.MemberWaiting, runtime.MemberStarted:
			return
		case runtime.MemberDone:
			done++
			if mc.Result == "approved" {
				approved++
			}
		}
	}
	tc.Status, tc.ConcludedAt = runtime.ThemeConcluded, &now
	switch approved {
	case len(tc.Members):
		tc.Result = "approved"
	case 0:
		tc.Result = "denied"
	default:
		tc.Result = "partly"
	}
}

// ThemeForm is the combined form of a theme's newest version compiled as a matter's form is,
// for the pages to render and read: its materials are the theme's uploads.
func (s *Service) ThemeForm(ctx context.Context, slug string) (*definitions.MatterPlan, error) {
	run, err := s.themeAt(ctx, slug, 0, nil)
	if err != nil {
		return nil, err
	}
	return run.tp.Form, nil
}
