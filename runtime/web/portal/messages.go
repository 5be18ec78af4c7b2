package portal

import (
	"net/http"
	"strings"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/page"
	"github.com/xuchang-gov/tongban/runtime/web/site"
)

// messagesPage is the applicant's consultations and complaints, and the form to leave one.
type messagesPage struct {
	Messages    []runtime.Message
	Matters     []runtime.MatterSummary
	MatterNames map[string]string
	// The form's values, kept when it is refused.
	Kind, Matter, CaseNumber, Body string
	Problems                       []string
}

func (p *portal) messages(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	q := r.URL.Query()
	p.showMessages(w, r, u, http.StatusOK, messagesPage{Kind: q.Get("kind"), Matter: q.Get("matter"), CaseNumber: q.Get("case")})
}

func (p *portal) showMessages(w http.ResponseWriter, r *http.Request, u *runtime.User, status int, d messagesPage) {
	if d.Kind == "" {
		d.Kind = "consultation"
	}
	var err error
	if d.Matters, err = p.Matters.ListMatters(r.Context(), runtime.MatterFilter{}); err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	if d.Messages, err = p.Messages.MyMessages(r.Context(), u); err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	d.MatterNames = page.MatterNames(d.Matters)
	p.pages.Render(w, r, "messages", status, p.pages.Frame(r, "咨询投诉", d))
}

// ask records a consultation or complaint.
func (p *portal) ask(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	if err := site.ParseForm(w, r, p.Auth, 64<<10); err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	m := runtime.Message{Kind: r.PostFormValue("kind"), Matter: r.PostFormValue("matter"),
		CaseNumber: r.PostFormValue("caseNumber"), Body: r.PostFormValue("body")}
	_, err := p.Messages.Ask(r.Context(), u, m)
	switch runtime.ErrorCode(err) {
	case "":
		site.SeeOther(w, r, "/messages", "asked")
	case runtime.EINVALID, runtime.ENOTFOUND:
		p.showMessages(w, r, u, site.Status(err), messagesPage{Kind: m.Kind, Matter: m.Matter,
			CaseNumber: strings.TrimSpace(m.CaseNumber), Body: m.Body, Problems: page.Problems(err)})
	default:
		p.pages.Fail(w, r, err)
	}
}
