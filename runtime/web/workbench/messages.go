package workbench

import (
	"net/http"
	"strconv"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/page"
	"github.com/xuchang-gov/tongban/runtime/web/site"
)

// messagesPage is the consultations and complaints addressed to the user's org.
type messagesPage struct {
	Messages    []runtime.Message
	MatterNames map[string]string
	// Answering and Answer keep a refused answer in its form.
	Answering int64
	Answer    string
	Problems  []string
}

func (b *workbench) messages(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	b.showMessages(w, r, u, http.StatusOK, messagesPage{})
}

func (b *workbench) showMessages(w http.ResponseWriter, r *http.Request, u *runtime.User, status int, d messagesPage) {
	var err error
	if d.Messages, err = b.Messages.OrgMessages(r.Context(), u); err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	matters, err := b.Matters.ListMatters(r.Context(), runtime.MatterFilter{OrgCode: u.OrgCode})
	if err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	d.MatterNames = page.MatterNames(matters)
	b.pages.Render(w, r, "messages", status, b.pages.Frame(r, "留言答复", d))
}

// answer records the answer to one message.
func (b *workbench) answer(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	if err := site.ParseForm(w, r, b.Auth, 64<<10); err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		b.pages.Fail(w, r, runtime.Errorf(runtime.ENOTFOUND, "留言 %s 不存在", r.PathValue("id")))
		return
	}
	answer := r.PostFormValue("answer")
	_, err = b.Messages.AnswerMessage(r.Context(), u, id, answer)
	switch runtime.ErrorCode(err) {
	case "":
		site.SeeOther(w, r, "/work/messages", "answered")
	case runtime.EINVALID, runtime.ECONFLICT:
		b.showMessages(w, r, u, site.Status(err), messagesPage{Answering: id, Answer: answer, Problems: page.Problems(err)})
	default:
		b.pages.Fail(w, r, err)
	}
}
