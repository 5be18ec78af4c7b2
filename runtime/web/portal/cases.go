package portal

import (
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/xuchang-gov/tongban/definitions/formschema"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/form"
	"github.com/xuchang-gov/tongban/runtime/web/page"
	"github.com/xuchang-gov/tongban/runtime/web/site"
)

const casesPerPage = 20

// casesPage is the list of the applicant's cases.
type casesPage struct {
	Cases      []runtime.CaseView
	Total      int
	Status     runtime.Status
	Statuses   []runtime.Status
	Page, Last int
	// Themes are the applicant's 一件事.
	Themes []runtime.ThemeCaseView
}

func (p *portal) myCases(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	q := r.URL.Query()
	n, _ := strconv.Atoi(q.Get("page"))
	d := casesPage{Status: runtime.Status(q.Get("status")), Page: max(n, 1),
		Statuses: []runtime.Status{runtime.StatusDraft, runtime.StatusSubmitted, runtime.StatusCorrection, runtime.StatusInApproval, runtime.StatusCertificated, runtime.StatusDelivered, runtime.StatusDenied, runtime.StatusNotAccepted}}
	cases, total, err := p.Cases.ListCases(r.Context(), u, runtime.CaseFilter{Status: d.Status, Offset: (d.Page - 1) * casesPerPage, Limit: casesPerPage})
	if err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	d.Cases, d.Total, d.Last = cases, total, max(1, (total+casesPerPage-1)/casesPerPage)
	if p.Themes != nil && d.Page == 1 {
		if d.Themes, err = p.Themes.ThemeCases(r.Context(), u); err != nil {
			p.pages.Fail(w, r, err)
			return
		}
	}
	p.pages.Render(w, r, "cases", http.StatusOK, p.pages.Frame(r, "我的办件", d))
}

// casePage is one of the applicant's cases.
type casePage struct {
	Case         *runtime.CaseView
	Steps        []page.Step
	Certificates []string
	Notices      []runtime.Document
	// Form is the application, read only; nil when the matter's plan is not to be had.
	Form *form.Form
	// Correction is the correction request to answer, while the case waits for it.
	Correction *correction
	CanRate    bool
	Problems   []string
	Score      int
	Comment    string
}

// correction is a correction request answered in place: the opinion, the materials asked for
// with their upload controls, and the form to fix.
type correction struct {
	Opinion   string
	Asked     []string
	Materials []page.Material
	Form      template.HTML
}

func (p *portal) caseView(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	p.showCase(w, r, u, http.StatusOK, nil, nil)
}

// showCase renders the case page; after a refused correction or rating, with the problems and
// the corrected form data as posted.
func (p *portal) showCase(w http.ResponseWriter, r *http.Request, u *runtime.User, status int, refusal *refusal, posted map[string]any) {
	ctx := r.Context()
	number := r.PathValue("number")
	v, err := p.Cases.GetCase(ctx, u, number)
	if err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	if v.Status == runtime.StatusDraft {
		http.Redirect(w, r, "/matters/"+url.PathEscape(v.Matter)+"/apply?draft="+url.QueryEscape(v.Number), http.StatusSeeOther)
		return
	}
	events, err := p.Cases.CaseEvents(ctx, u, number)
	if err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	d := casePage{Case: v, Steps: page.Timeline(events, false), Certificates: page.Certificates(events),
		CanRate: v.ConcludedAt != nil && v.Evaluation == nil}
	if p.Documents != nil {
		d.Notices = v.Documents
	}
	if p.Certificates == nil {
		d.Certificates = nil
	}
	if refusal != nil {
		d.Problems, d.Score, d.Comment = refusal.general, refusal.score, refusal.comment
	}
	var data map[string]any
	json.Unmarshal(v.Form, &data)
	mp, _, err := p.Plans.MatterPlan(ctx, v.Matter, v.MatterVersion)
	if err == nil {
		vars := page.Vars(mp, data, u, v.Channel, nil, p.Now())
		d.Form = form.Build(mp, data, nil, vars)
		if v.Status == runtime.StatusCorrection {
			c := &correction{}
			for _, e := range events {
				if e.Type == "correction-requested" {
					var req struct {
						Opinion   string   `json:"opinion"`
						Materials []string `json:"materials"`
					}
					json.Unmarshal(e.Data, &req)
					c.Opinion, c.Asked = req.Opinion, req.Materials
				}
			}
			files := map[string][]runtime.MaterialFile{}
			for _, m := range v.Materials {
				files[m.ID] = m.Files
			}
			for _, m := range mp.Def.Materials.Materials {
				if m.Source != "upload" {
					continue
				}
				row := page.MaterialRow(mp, m, vars)
				if len(c.Asked) > 0 && !slices.Contains(c.Asked, m.ID) {
					continue
				}
				row.Files, row.Deferrable = files[m.ID], false
				if refusal != nil {
					row.Problem = refusal.materials[m.ID]
				}
				c.Materials = append(c.Materials, row)
			}
			formData, problems := data, []formschema.FieldError(nil)
			if posted != nil {
				formData = posted
			}
			if refusal != nil {
				problems = refusal.form
			}
			if c.Form, err = form.RenderHTML(form.Build(mp, formData, problems, page.Vars(mp, formData, u, v.Channel, nil, p.Now()))); err != nil {
				p.pages.Fail(w, r, err)
				return
			}
			d.Correction = c
		}
	} else {
		p.Logger.WarnContext(ctx, "case page without the matter's plan", "matter", v.Matter, "err", err)
	}
	p.pages.Render(w, r, "case", status, p.pages.Frame(r, "办件 "+v.Number, d))
}

// refusal is what the service said no to, sorted for the case page.
type refusal struct {
	form      []formschema.FieldError
	materials map[string]string
	general   []string
	score     int
	comment   string
}

func refusalOf(err error) *refusal {
	a := &application{materialProblems: map[string]string{}}
	a.addProblems(err)
	return &refusal{form: a.problems, materials: a.materialProblems, general: a.general}
}

// correct answers a correction request: the files asked for, the form as corrected, and the
// clock runs again.
func (p *portal) correct(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	ctx := r.Context()
	number := r.PathValue("number")
	if err := site.ParseForm(w, r, p.Auth, p.MaxUploadBytes); err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	v, err := p.Cases.GetCase(ctx, u, number)
	if err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	mp, _, err := p.Plans.MatterPlan(ctx, v.Matter, v.MatterVersion)
	if err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	data, problems := form.Decode(mp.Form, r.PostForm)
	a := &application{mp: mp, user: u, data: data, draft: number, problems: problems, materialProblems: map[string]string{}}
	p.upload(ctx, a, postedFiles(r.MultipartForm, mp))
	if len(a.problems) > 0 || len(a.materialProblems) > 0 {
		p.showCase(w, r, u, http.StatusBadRequest, &refusal{form: a.problems, materials: a.materialProblems}, data)
		return
	}
	raw, _ := json.Marshal(data)
	if _, err := p.Cases.ResumeCorrection(ctx, u, number, raw); err != nil {
		if runtime.ErrorCode(err) != runtime.EINVALID {
			p.pages.Fail(w, r, err)
			return
		}
		p.showCase(w, r, u, http.StatusBadRequest, refusalOf(err), data)
		return
	}
	site.SeeOther(w, r, "/cases/"+url.PathEscape(number), "corrected")
}

// evaluate records the applicant's rating (好差评).
func (p *portal) evaluate(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	if err := site.ParseForm(w, r, p.Auth, 64<<10); err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	number := r.PathValue("number")
	score, _ := strconv.Atoi(r.PostFormValue("score"))
	comment := strings.TrimSpace(r.PostFormValue("comment"))
	err := p.Cases.Evaluate(r.Context(), u, number, runtime.Evaluation{Score: score, Comment: comment})
	switch code := runtime.ErrorCode(err); code {
	case "":
	case runtime.EINVALID, runtime.ECONFLICT:
		p.showCase(w, r, u, site.Status(err), &refusal{general: []string{runtime.ErrorMessage(err)}, score: score, comment: comment}, nil)
		return
	default:
		p.pages.Fail(w, r, err)
		return
	}
	site.SeeOther(w, r, "/cases/"+url.PathEscape(number)+"#evaluation", "evaluated")
}

// pay is 去缴费: off to the payment platform's page, which comes back to the case page.
func (p *portal) pay(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	number := r.PathValue("number")
	cashier, err := p.Cases.PayOnline(r.Context(), u, number)
	switch runtime.ErrorCode(err) {
	case "":
	case runtime.ECONFLICT, runtime.EUNAVAILABLE:
		p.showCase(w, r, u, site.Status(err), &refusal{general: []string{runtime.ErrorMessage(err)}}, nil)
		return
	default:
		p.pages.Fail(w, r, err)
		return
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	back := scheme + "://" + r.Host + "/cases/" + url.PathEscape(number) + "?msg=paid#fees"
	http.Redirect(w, r, cashier+"?return="+url.QueryEscape(back), http.StatusSeeOther)
}

// notice sends one of the case's notices as PDF.
func (p *portal) notice(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	page.SendNotice(w, r, p.pages, p.Documents, u)
}

// licenses is 我的证照: the certificates issued here, to download, and the library's.
func (p *portal) licenses(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	v, err := p.Certificates.MyLicenses(r.Context(), u)
	if err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	p.pages.Render(w, r, "licenses", http.StatusOK, p.pages.Frame(r, "我的证照", v))
}

// certificate sends a certificate of the case, for its holder.
func (p *portal) certificate(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	ctx := r.Context()
	cert := r.PathValue("cert")
	events, err := p.Cases.CaseEvents(ctx, u, r.PathValue("number"))
	if err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	if p.Certificates == nil || !slices.Contains(page.Certificates(events), cert) {
		p.pages.NotFound(w, r)
		return
	}
	doc, err := p.Certificates.CertificateDocument(ctx, u, cert)
	if err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	defer doc.Close()
	body, err := io.ReadAll(doc)
	if err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	site.SendPDF(w, cert+".pdf", "attachment", body)
}
