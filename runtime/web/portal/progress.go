package portal

import (
	"net/http"
	"strings"

	"github.com/xuchang-gov/tongban/runtime"
)

// progressPage is the public progress lookup: the question, and the answer or why there is none.
type progressPage struct {
	Number, Code string
	Progress     *runtime.Progress
	Problem      string
}

// progress is the lookup by case number and query code, for anyone: no account, and a wrong
// pair says only that the pair is wrong.
func (p *portal) progress(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := progressPage{Number: strings.TrimSpace(q.Get("number")), Code: strings.TrimSpace(q.Get("code"))}
	status := http.StatusOK
	if d.Number != "" || d.Code != "" {
		v, err := p.Cases.Progress(r.Context(), d.Number, d.Code)
		switch runtime.ErrorCode(err) {
		case "":
			d.Progress = v
		case runtime.EINVALID, runtime.ENOTFOUND:
			d.Problem = runtime.ErrorMessage(err)
			status = http.StatusNotFound
			if runtime.ErrorCode(err) == runtime.EINVALID {
				status = http.StatusBadRequest
			}
		default:
			p.pages.Fail(w, r, err)
			return
		}
	}
	p.pages.Render(w, r, "progress", status, p.pages.Frame(r, "办件进度查询", d))
}
