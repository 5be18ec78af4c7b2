package portal

import (
	"context"
	"encoding/json"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/formschema"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/form"
	"github.com/xuchang-gov/tongban/runtime/web/page"
	"github.com/xuchang-gov/tongban/runtime/web/site"
)

// ThemeForms gives the combined form (一表) of a theme's newest version, compiled as a matter's.
type ThemeForms interface {
	ThemeForm(ctx context.Context, slug string) (*definitions.MatterPlan, error)
}

// fieldRef carries a file uploaded with an earlier post of the theme form: <material>|<ref>.
const fieldRef = "_ref"

// themeGuidePage is a theme's guide.
type themeGuidePage struct {
	Guide *runtime.ThemeGuide
	// Names are the members' matter names by member id, for the dependencies.
	Names map[string]string
}

func (p *portal) themeGuide(w http.ResponseWriter, r *http.Request) {
	g, err := p.Themes.ThemeGuide(r.Context(), r.PathValue("slug"))
	if err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	d := themeGuidePage{Guide: g, Names: map[string]string{}}
	for _, m := range g.MemberGuides {
		d.Names[m.Member] = m.Name
	}
	p.pages.Render(w, r, "theme-guide", http.StatusOK, p.pages.Frame(r, g.Name, d))
}

// themeApplyPage is the combined form with the theme's materials.
type themeApplyPage struct {
	Slug, Name string
	Form       template.HTML
	Materials  []page.Material
	Refs       []string
	Problems   []string
	Owner      int64
	NoRefresh  string
}

// themeApplication is a theme application being filled in.
type themeApplication struct {
	mp       *definitions.MatterPlan
	user     *runtime.User
	data     map[string]any
	refs     map[string][]string
	problems []formschema.FieldError
	// materialProblems are by material id; general are the rest (the members' own).
	materialProblems map[string]string
	general          []string
}

func (p *portal) themeApplyForm(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	ctx := r.Context()
	slug := r.PathValue("slug")
	mp, err := p.ThemeForms.ThemeForm(ctx, slug)
	if err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	a := &themeApplication{mp: mp, user: u, data: map[string]any{}, refs: map[string][]string{}, materialProblems: map[string]string{}}
	// The combined form is prefilled from the account only: the registers are asked by each
	// member's rules (e-licenses) once the application is filed.
	vars := page.Vars(mp, a.data, u, "online", nil, p.Now())
	for _, pre := range mp.Prefill {
		if pre.From == "applicant" {
			if v, err := pre.Value.Run(vars); err == nil && v != nil && v != "" {
				setAtPath(a.data, pre.Field, v)
			}
		}
	}
	p.renderThemeApply(w, r, a, http.StatusOK)
}

// themeApply handles the posts of the theme form: a row added or removed, a live refresh, or the
// submission, which uploads the files chosen and files the application with one request.
func (p *portal) themeApply(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	ctx := r.Context()
	slug := r.PathValue("slug")
	if err := site.ParseForm(w, r, p.Auth, p.MaxUploadBytes); err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	mp, err := p.ThemeForms.ThemeForm(ctx, slug)
	if err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	action := r.PostFormValue(fieldAction)
	decode := form.Decode
	if action != "submit" {
		decode = form.DecodeForEditing
	}
	data, problems := decode(mp.Form, r.PostForm)
	a := &themeApplication{mp: mp, user: u, data: data, problems: problems, refs: map[string][]string{}, materialProblems: map[string]string{}}
	for _, v := range r.PostForm[fieldRef] {
		if id, ref, ok := strings.Cut(v, "|"); ok {
			a.refs[id] = append(a.refs[id], ref)
		}
	}
	for _, f := range postedFiles(r.MultipartForm, mp) {
		file, err := f.file.Open()
		if err != nil {
			p.pages.Fail(w, r, err)
			return
		}
		up, err := p.Files.UploadFile(ctx, u, f.file.Filename, file)
		file.Close()
		if err != nil {
			a.materialProblems[f.material] = f.file.Filename + "：" + runtime.ErrorMessage(err)
			continue
		}
		a.refs[f.material] = append(a.refs[f.material], up.Ref)
	}
	if form.ApplyRowAction(a.data, action) || action != "submit" || len(a.problems) > 0 || len(a.materialProblems) > 0 {
		status := http.StatusOK
		if action == "submit" {
			status = http.StatusBadRequest
		}
		p.renderThemeApply(w, r, a, status)
		return
	}
	raw, _ := json.Marshal(a.data)
	req := runtime.SubmitTheme{Theme: slug, Form: raw}
	for _, id := range slices.Sorted(maps.Keys(a.refs)) {
		req.Materials = append(req.Materials, runtime.MaterialFiles{ID: id, Files: a.refs[id]})
	}
	v, err := p.Themes.SubmitTheme(ctx, u, req)
	if err != nil {
		if runtime.ErrorCode(err) != runtime.EINVALID {
			p.pages.Fail(w, r, err)
			return
		}
		refusal := page.SortRefusal(err, "")
		a.problems, a.general = append(a.problems, refusal.Form...), refusal.General
		maps.Copy(a.materialProblems, refusal.Materials)
		p.renderThemeApply(w, r, a, http.StatusBadRequest)
		return
	}
	site.SeeOther(w, r, "/theme-cases/"+url.PathEscape(v.Number), "submitted")
}

func (p *portal) renderThemeApply(w http.ResponseWriter, r *http.Request, a *themeApplication, status int) {
	mp := a.mp
	materials := map[string]rules.Material{}
	for _, m := range mp.Def.Materials.Materials {
		materials[m.ID] = rules.Material{Provided: len(a.refs[m.ID]) > 0, Source: m.Source, Files: len(a.refs[m.ID])}
	}
	vars := page.Vars(mp, a.data, a.user, "online", materials, p.Now())
	f := form.Build(mp, a.data, a.problems, vars)
	f.Refused = status == http.StatusBadRequest
	d := themeApplyPage{Slug: mp.Def.Slug, Name: mp.Def.Matter.Name, Problems: a.general, Owner: a.user.ID}
	d.Materials, d.NoRefresh = materialRows(mp, f, vars, a.materialProblems, func(m definitions.Material, row *page.Material) {
		for _, ref := range a.refs[m.ID] {
			row.Files = append(row.Files, runtime.MaterialFile{Name: "已选择的文件"})
			d.Refs = append(d.Refs, m.ID+"|"+ref)
		}
	})
	var err error
	if d.Form, err = form.RenderHTML(f); err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	p.pages.Render(w, r, "theme-apply", status, p.pages.Frame(r, form.Title(f, "一件事申报："+mp.Def.Matter.Name), d))
}

// themeCase is the applicant's view of a theme case: each member's state, case and certificates.
func (p *portal) themeCase(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	v, err := p.Themes.GetThemeCase(r.Context(), u, r.PathValue("number"))
	if err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	p.pages.Render(w, r, "theme-case", http.StatusOK, p.pages.Frame(r, v.ThemeName+" "+v.Number, v))
}

// setAtPath sets a value at a dotted field path, making the objects on the way.
func setAtPath(data map[string]any, path string, v any) {
	definitions.SetPointer(data, "/"+strings.ReplaceAll(path, ".", "/"), v)
}
