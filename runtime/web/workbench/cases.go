package workbench

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/form"
	"github.com/xuchang-gov/tongban/runtime/web/page"
	"github.com/xuchang-gov/tongban/runtime/web/site"
)

// casePage is a case as staff see it: read only, with the actions the user may take.
type casePage struct {
	Case         *runtime.CaseView
	Steps        []page.Step
	Form         *form.Form
	Notices      []runtime.Document
	Certificates []string
	// Work is the case's open steps the user may act on; Waiting the others.
	Work    []work
	Waiting []runtime.TaskView
	// Acceptance is set when the user holds the case's open acceptance step.
	Acceptance bool
	PreReview  bool
	Correction bool
	Problems   []string
	Opinion    string
	// opinionProblem is what the service said of the opinion of the refused form.
	opinionProblem *boxProblem
	DocumentsOn    bool
	// Clerk is set for window staff, who may confirm fees paid in person.
	Clerk bool
	// Theme is the 一件事 the case is a member of, with where each field came from; nil for a
	// case of its own.
	Theme *memberOf
}

// boxProblem is a problem shown beside the input box with that id.
type boxProblem struct{ Box, Message string }

// OpinionProblem is the problem to show beside the opinion box with that id, or nil.
func (d casePage) OpinionProblem(box string) *boxProblem {
	if p := d.opinionProblem; p != nil && p.Box == box {
		return p
	}
	return nil
}

// work is an open step with what the user may do on it.
type work struct {
	runtime.TaskView
	Mine, Claimable bool
	Outcomes        []option
	ReturnTo        []option
}

type option struct{ Value, Label string }

func (b *workbench) caseView(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	b.showCase(w, r, u, http.StatusOK, nil, "")
}

// showCase renders the case page, after a refused action with the problem and the opinion typed.
func (b *workbench) showCase(w http.ResponseWriter, r *http.Request, u *runtime.User, status int, problem error, opinion string) {
	ctx := r.Context()
	number := r.PathValue("number")
	if number == "" {
		number = r.PostFormValue("case")
	}
	v, err := b.Cases.GetCase(ctx, u, number)
	if err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	events, err := b.Cases.CaseEvents(ctx, u, number)
	if err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	d := casePage{Case: v, Steps: page.Timeline(events, true), Certificates: page.Certificates(events), Opinion: opinion,
		DocumentsOn: b.Documents != nil, Clerk: isClerk(u)}
	if b.Documents != nil {
		d.Notices = v.Documents
	}
	if problem != nil {
		d.Problems = []string{runtime.ErrorMessage(problem)}
		var e *runtime.Error
		if errors.As(problem, &e) {
			for _, f := range e.Fields {
				if at := opinionBox(r); f.Pointer == "/opinion" && at != "" {
					d.opinionProblem = &boxProblem{at, f.Message}
					continue
				}
				d.Problems = append(d.Problems, f.Message)
			}
		}
	}
	mp, _, err := b.Plans.MatterPlan(ctx, v.Matter, v.MatterVersion)
	if err != nil {
		b.Logger.WarnContext(ctx, "case page without the matter's plan", "matter", v.Matter, "err", err)
	}
	d.Theme = b.memberOf(ctx, u, number, mp)
	if mp != nil {
		var data map[string]any
		json.Unmarshal(v.Form, &data)
		d.Form = form.Build(mp, data, nil, page.Vars(mp, data, nil, v.Channel, nil, b.Now()))
	}
	for _, t := range v.Tasks {
		if t.Status != runtime.TaskOpen && t.Status != runtime.TaskClaimed {
			continue
		}
		if !actionable(u, t) {
			d.Waiting = append(d.Waiting, t)
			continue
		}
		wk := work{TaskView: t, Mine: t.ClaimedBy == u.ID, Claimable: t.Status == runtime.TaskOpen}
		if mp != nil {
			if n := mp.Workflow.Nodes[t.Node]; n != nil && n.Type == "acceptance" {
				d.Acceptance = true
				continue
			}
			wk.Outcomes, wk.ReturnTo = outcomesOf(mp, t.Node)
		}
		d.Work = append(d.Work, wk)
	}
	switch v.Status {
	case runtime.StatusSubmitted, runtime.StatusPreReviewed, runtime.StatusInApproval:
		d.Correction = d.Acceptance || len(d.Work) > 0
	}
	d.PreReview = v.Status == runtime.StatusSubmitted && v.Channel == "online" && isClerk(u) && d.Acceptance
	b.pages.Render(w, r, "case", status, b.pages.Frame(r, "办件 "+v.Number, d))
}

// opinionBox is the id of the opinion box in the form the request posted, "" for none.
func opinionBox(r *http.Request) string {
	id := r.PathValue("id")
	switch path.Base(r.URL.Path) {
	case "acceptance":
		return "acc-opinion"
	case "pre-review":
		return "pre-opinion"
	case "correction":
		return "corr-opinion"
	case "complete":
		return "opinion-" + id
	case "return":
		return "back-" + id
	}
	return ""
}

// actionable tells whether the user may work on a task: a person's step of one of their roles
// in their own org, open or held by them.
func actionable(u *runtime.User, t runtime.TaskView) bool {
	if t.Kind != runtime.TaskPerson && t.Kind != runtime.TaskDelivery {
		return false
	}
	if t.OrgCode != u.OrgCode || !slices.Contains(u.OrgRoles, t.Role) {
		return false
	}
	return t.Status == runtime.TaskOpen || (t.Status == runtime.TaskClaimed && t.ClaimedBy == u.ID)
}

// outcomesOf lists a step's outcomes (the names on the edges leaving it) and the earlier steps
// it may be returned to.
func outcomesOf(mp *definitions.MatterPlan, node string) (outcomes, back []option) {
	seen := map[string]bool{}
	for _, e := range mp.Workflow.Out[node] {
		if e.On != "" && !seen[e.On] {
			seen[e.On] = true
			outcomes = append(outcomes, option{e.On, page.OutcomeName(e.On)})
		}
	}
	if len(outcomes) == 0 {
		outcomes = []option{{"", "办理完成"}}
	}
	for _, n := range mp.Def.Workflow.Nodes {
		if n.ID != node && (n.Type == "acceptance" || n.Type == "task") {
			back = append(back, option{n.ID, n.Name})
		}
	}
	return outcomes, back
}

// acceptance is the window's decision on an application: 受理, or 不予受理 with the reason.
func (b *workbench) acceptance(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	if err := site.ParseForm(w, r, b.Auth, 64<<10); err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	number := r.PathValue("number")
	decision, opinion := r.PostFormValue("decision"), r.PostFormValue("opinion")
	if _, err := b.Cases.Accept(r.Context(), u, number, runtime.TaskAction{Outcome: decision, Opinion: opinion}); err != nil {
		b.refused(w, r, u, err, opinion)
		return
	}
	site.SeeOther(w, r, "/work/cases/"+url.PathEscape(number), map[string]string{"accept": "accepted", "not-accept": "not-accepted"}[decision])
}

// preReview records 预审 of an online submission.
func (b *workbench) preReview(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	if err := site.ParseForm(w, r, b.Auth, 64<<10); err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	number := r.PathValue("number")
	opinion := r.PostFormValue("opinion")
	if _, err := b.Cases.PreReview(r.Context(), u, number, runtime.TaskAction{Opinion: opinion}); err != nil {
		b.refused(w, r, u, err, opinion)
		return
	}
	site.SeeOther(w, r, "/work/cases/"+url.PathEscape(number), "pre-reviewed")
}

// correction asks the applicant to complete or fix materials (补齐补正); the clock stops.
func (b *workbench) correction(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	if err := site.ParseForm(w, r, b.Auth, 64<<10); err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	number := r.PathValue("number")
	opinion := r.PostFormValue("opinion")
	if _, err := b.Cases.RequestCorrection(r.Context(), u, number, opinion, r.PostForm["materials"]); err != nil {
		b.refused(w, r, u, err, opinion)
		return
	}
	site.SeeOther(w, r, "/work/cases/"+url.PathEscape(number), "corrected")
}

// payment records fees paid in person at the window, with the receipt's number.
func (b *workbench) payment(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	if err := site.ParseForm(w, r, b.Auth, 64<<10); err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	number := r.PathValue("number")
	if _, err := b.Cases.ConfirmPayment(r.Context(), u, number, strings.TrimSpace(r.PostFormValue("receipt"))); err != nil {
		b.refused(w, r, u, err, "")
		return
	}
	site.SeeOther(w, r, "/work/cases/"+url.PathEscape(number), "paid")
}

// refused shows the case again with what the service refused, or the error page when the case
// itself cannot be shown.
func (b *workbench) refused(w http.ResponseWriter, r *http.Request, u *runtime.User, err error, opinion string) {
	switch runtime.ErrorCode(err) {
	case runtime.EINVALID, runtime.ECONFLICT, runtime.EFORBIDDEN:
		b.showCase(w, r, u, site.Status(err), err, opinion)
	default:
		b.pages.Fail(w, r, err)
	}
}

// notice sends one of the case's notices as PDF, to print.
func (b *workbench) notice(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	page.SendNotice(w, r, b.pages, b.Documents, u)
}

func taskID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, runtime.Errorf(runtime.ENOTFOUND, "待办 %s 不存在", r.PathValue("id"))
	}
	return id, nil
}
