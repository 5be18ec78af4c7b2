package portal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"maps"
	"mime/multipart"
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

// The hidden fields and buttons of the apply page. Names start with "_" so that they can never
// be a form field (schema property names are identifiers).
const (
	fieldAction = "_action" // save, submit, refresh, autosave (a refresh that saves the draft), or a row action (add:list, remove:list.N)
	fieldDraft  = "_draft"  // the number of the draft being edited
	fieldKey    = "_key"    // the idempotency key of this application
	fieldDefer  = "_defer"  // materials deferred (容缺)
	filePrefix  = "file."   // upload controls: file.<material id>
)

// application is an application being filled in: the form's data, the problems to show, and
// the draft and files it has so far.
type application struct {
	mp       *definitions.MatterPlan
	user     *runtime.User
	data     map[string]any
	draft    string
	key      string
	deferred []string
	files    map[string][]runtime.MaterialFile
	// problems are the form's, by JSON pointer into the data; materialProblems by material id.
	problems         []formschema.FieldError
	materialProblems map[string]string
	general          []string
	notes            []string
}

// applyPage is what the apply template shows.
type applyPage struct {
	Slug, Name, OrgName string
	Action              string
	Form                template.HTML
	Draft, Key          string
	Materials           []page.Material
	Fees                []runtime.FeeLine
	FeeTotal            float64
	FeeNote             string
	Problems            []string
	Notes               []string
	// NoRefresh lists the controls the live refresh leaves out (form.js): the files.
	NoRefresh string
	// Owner names the account, so that what the page keeps of the typing in the browser comes
	// back to no one else (form.js).
	Owner int64
	Kiosk bool
}

func newKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// applyForm shows the form: empty (prefilled from the account and registers) or a saved draft.
func (p *portal) applyForm(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	ctx := r.Context()
	slug := r.PathValue("slug")
	var draft *runtime.CaseView
	if number := r.URL.Query().Get("draft"); number != "" {
		v, err := p.Cases.GetCase(ctx, u, number)
		if err != nil {
			p.pages.Fail(w, r, err)
			return
		}
		if v.Status != runtime.StatusDraft {
			http.Redirect(w, r, "/cases/"+url.PathEscape(number), http.StatusSeeOther)
			return
		}
		if v.Matter != slug {
			http.Redirect(w, r, "/matters/"+url.PathEscape(v.Matter)+"/apply?draft="+url.QueryEscape(number), http.StatusSeeOther)
			return
		}
		draft = v
	}
	mp, err := p.planFor(ctx, slug, draft)
	if err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	a := &application{mp: mp, user: u, data: map[string]any{}, key: newKey(), files: map[string][]runtime.MaterialFile{}}
	if draft != nil {
		a.draft = draft.Number
		json.Unmarshal(draft.Form, &a.data)
		a.setFiles(draft.Materials)
	} else if p.Lookups != nil {
		if pre, err := p.Lookups.Prefill(ctx, u, slug, nil); err == nil {
			json.Unmarshal(pre.Form, &a.data)
			for _, n := range pre.Notes {
				a.notes = append(a.notes, "未能自动填写："+n.Message)
			}
		} else if runtime.ErrorCode(err) == runtime.EFORBIDDEN {
			// Who may not apply is told so before typing a form in vain.
			p.pages.Fail(w, r, err)
			return
		} else {
			p.Logger.Warn("prefill failed", "matter", slug, "err", err)
		}
	}
	p.renderApply(w, r, a, http.StatusOK)
}

// planFor is the plan an application is laid out and read with: a draft's pinned version, so
// that a version published meanwhile does not change the form under the applicant; else the
// newest.
func (p *portal) planFor(ctx context.Context, slug string, draft *runtime.CaseView) (*definitions.MatterPlan, error) {
	version := 0
	if draft != nil && draft.Matter == slug {
		version = draft.MatterVersion
	}
	mp, _, err := p.Plans.MatterPlan(ctx, slug, version)
	return mp, err
}

// setFiles records the files the draft has.
func (a *application) setFiles(ms []runtime.MaterialStatus) {
	for _, m := range ms {
		a.files[m.ID] = m.Files
	}
}

// apply handles every post of the apply page: a row added or removed, a live refresh, save as
// draft, or submit. Files sent with any of them are kept on the draft at once, so that nothing
// the applicant chose is lost when the page comes back.
func (p *portal) apply(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	ctx := r.Context()
	slug := r.PathValue("slug")
	if err := site.ParseForm(w, r, p.Auth, p.MaxUploadBytes); err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	var draft *runtime.CaseView
	if number := r.PostFormValue(fieldDraft); number != "" {
		v, err := p.Cases.GetCase(ctx, u, number)
		if err != nil {
			p.pages.Fail(w, r, err)
			return
		}
		draft = v
	}
	mp, err := p.planFor(ctx, slug, draft)
	if err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	action := r.PostFormValue(fieldAction)
	decode := form.Decode
	if action != "save" && action != "submit" {
		decode = form.DecodeForEditing
	}
	data, problems := decode(mp.Form, r.PostForm)
	a := &application{mp: mp, user: u, data: data, problems: problems, draft: r.PostFormValue(fieldDraft),
		key: r.PostFormValue(fieldKey), deferred: r.PostForm[fieldDefer], files: map[string][]runtime.MaterialFile{},
		materialProblems: map[string]string{}}
	if a.key == "" || len(a.key) > 64 {
		a.key = newKey()
	}
	uploads := postedFiles(r.MultipartForm, mp)
	if len(uploads) > 0 {
		if err := p.keepDraft(ctx, a); err != nil {
			p.answer(w, r, a, err)
			return
		}
		p.upload(ctx, a, uploads)
	}
	if a.draft != "" {
		if v, err := p.Cases.GetCase(ctx, u, a.draft); err == nil {
			a.setFiles(v.Materials)
		}
	}
	switch {
	case form.ApplyRowAction(a.data, action), action == "refresh":
		p.renderApply(w, r, a, http.StatusOK)
	case action == "autosave":
		// form.js saves while the applicant types: the draft as it stands, problems and all,
		// and the page as a refresh shows it, with the draft's number.
		if err := p.keepDraft(ctx, a); err != nil {
			p.answer(w, r, a, err)
			return
		}
		p.renderApply(w, r, a, http.StatusOK)
	case action == "save":
		if err := p.keepDraft(ctx, a); err != nil {
			p.answer(w, r, a, err)
			return
		}
		if len(a.problems) > 0 || len(a.materialProblems) > 0 {
			a.notes = append(a.notes, "草稿已保存（编号 "+a.draft+"），但还有需要修改的地方。")
			p.renderApply(w, r, a, http.StatusBadRequest)
			return
		}
		site.SeeOther(w, r, "/matters/"+url.PathEscape(slug)+"/apply?draft="+url.QueryEscape(a.draft), "saved")
	case action == "submit":
		if len(a.problems) > 0 || len(a.materialProblems) > 0 {
			// Numbers that did not parse were left out of the data: show them with everything
			// else the schema finds, rather than one round of messages at a time.
			for _, e := range mp.Form.Validate(a.data) {
				if !slices.ContainsFunc(a.problems, func(p formschema.FieldError) bool { return p.Pointer == e.Pointer }) {
					a.problems = append(a.problems, e)
				}
			}
			p.renderApply(w, r, a, http.StatusBadRequest)
			return
		}
		raw, _ := json.Marshal(a.data)
		var v *runtime.CaseView
		if a.draft == "" {
			v, err = p.Cases.SubmitCase(ctx, u, runtime.SubmitCase{Matter: slug, Form: raw, Deferred: a.deferred, IdempotencyKey: a.key})
		} else {
			v, err = p.Cases.SubmitDraft(ctx, u, a.draft, raw, a.deferred)
		}
		if err != nil {
			p.answer(w, r, a, err)
			return
		}
		site.SeeOther(w, r, "/cases/"+url.PathEscape(v.Number), "submitted")
	default:
		p.renderApply(w, r, a, http.StatusOK)
	}
}

// keepDraft saves the application as a draft, creating it the first time.
func (p *portal) keepDraft(ctx context.Context, a *application) error {
	raw, _ := json.Marshal(a.data)
	if a.draft != "" {
		_, err := p.Cases.SaveDraft(ctx, a.user, a.draft, raw)
		return err
	}
	v, err := p.Cases.SubmitCase(ctx, a.user, runtime.SubmitCase{Matter: a.mp.Def.Slug, Form: raw, Draft: true, IdempotencyKey: a.key + ":draft"})
	if err != nil {
		return err
	}
	a.draft = v.Number
	return nil
}

type upload struct {
	material string
	file     *multipart.FileHeader
}

// postedFiles lists the files chosen in the upload controls of the matter's materials.
func postedFiles(mf *multipart.Form, mp *definitions.MatterPlan) []upload {
	if mf == nil {
		return nil
	}
	var out []upload
	for _, m := range mp.Def.Materials.Materials {
		for _, fh := range mf.File[filePrefix+m.ID] {
			if fh.Filename != "" && fh.Size > 0 {
				out = append(out, upload{material: m.ID, file: fh})
			}
		}
	}
	return out
}

// upload stores the files on the draft; a refused file is a problem beside its material.
func (p *portal) upload(ctx context.Context, a *application, files []upload) {
	for _, f := range files {
		if err := p.uploadOne(ctx, a.user, a.draft, f); err != nil {
			if runtime.ErrorCode(err) == runtime.EINTERNAL {
				p.Logger.ErrorContext(ctx, "upload material", "case", a.draft, "material", f.material, "err", err)
			}
			a.materialProblems[f.material] = f.file.Filename + "：" + runtime.ErrorMessage(err)
		}
	}
}

func (p *portal) uploadOne(ctx context.Context, u *runtime.User, number string, f upload) error {
	file, err := f.file.Open()
	if err != nil {
		return err
	}
	defer file.Close()
	_, err = p.Cases.UploadMaterial(ctx, u, number, f.material, f.file.Filename, file)
	return err
}

// answer shows the page again after the service refused: invalid input beside its fields and
// materials, anything else as the error page.
func (p *portal) answer(w http.ResponseWriter, r *http.Request, a *application, err error) {
	if runtime.ErrorCode(err) != runtime.EINVALID {
		p.pages.Fail(w, r, err)
		return
	}
	a.addProblems(err)
	p.renderApply(w, r, a, http.StatusBadRequest)
}

// addProblems sorts the fields of a refusal: /form/… to the form's fields, /materials/<id> to
// the materials, the rest at the top of the page.
func (a *application) addProblems(err error) {
	r := page.SortRefusal(err, "（可勾选“容缺”，受理后再补交）")
	a.problems, a.general = append(a.problems, r.Form...), append(a.general, r.General...)
	if a.materialProblems == nil {
		a.materialProblems = map[string]string{}
	}
	maps.Copy(a.materialProblems, r.Materials)
}

// vars is what the matter's visibility rules, material conditions and fees run over, in the
// shape the service gives them.
func (p *portal) vars(a *application) rules.Vars {
	materials := map[string]rules.Material{}
	for _, m := range a.mp.Def.Materials.Materials {
		n := len(a.files[m.ID])
		materials[m.ID] = rules.Material{Provided: n > 0, Deferred: slices.Contains(a.deferred, m.ID), Source: m.Source, Files: n}
	}
	return page.Vars(a.mp, a.data, a.user, "online", materials, p.Now())
}

func (p *portal) renderApply(w http.ResponseWriter, r *http.Request, a *application, status int) {
	mp := a.mp
	vars := p.vars(a)
	f := form.Build(mp, a.data, a.problems, vars)
	f.Refused = status == http.StatusBadRequest
	d := applyPage{Slug: mp.Def.Slug, Name: mp.Def.Matter.Name, OrgName: mp.Def.Matter.Org.Name,
		Action: "/matters/" + url.PathEscape(mp.Def.Slug) + "/apply", Draft: a.draft, Key: a.key,
		Problems: a.general, Notes: a.notes, Owner: a.user.ID, Kiosk: site.Kiosk(r)}
	d.Materials, d.NoRefresh = materialRows(mp, f, vars, a.materialProblems, func(m definitions.Material, row *page.Material) {
		row.Files, row.Deferred = a.files[m.ID], slices.Contains(a.deferred, m.ID)
	})
	var err error
	if d.Form, err = form.RenderHTML(f); err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	d.Fees, d.FeeTotal, d.FeeNote = page.FeePreview(mp, vars)
	p.pages.Render(w, r, "apply", status, p.pages.Frame(r, form.Title(f, "申报："+mp.Def.Matter.Name), d))
}

// materialRows are the material rows of an application page, each completed by fill and with
// its problem, which is also listed in the form's summary of errors; and the upload fields a
// refresh must not resend.
func materialRows(mp *definitions.MatterPlan, f *form.Form, vars rules.Vars, problems map[string]string, fill func(definitions.Material, *page.Material)) ([]page.Material, string) {
	var rows []page.Material
	var noRefresh []string
	for _, m := range mp.Def.Materials.Materials {
		row := page.MaterialRow(mp, m, vars)
		fill(m, &row)
		row.Problem = problems[m.ID]
		if row.Upload {
			noRefresh = append(noRefresh, filePrefix+m.ID)
		}
		if row.Problem != "" {
			f.Extra = append(f.Extra, form.Issue{Target: "file-" + m.ID, Label: row.Name, Message: row.Problem})
		}
		rows = append(rows, row)
	}
	return rows, strings.Join(noRefresh, ",")
}
