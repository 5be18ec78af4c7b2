package page

import (
	"bytes"
	"net/http"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/site"
)

// SendNotice prints the document of the request's {name} of the case {number} as PDF, named by
// the case and the document's title; the service says which documents exist and when (nil
// docs has none).
func SendNotice(w http.ResponseWriter, r *http.Request, pages *site.Set, docs runtime.DocumentService, u *runtime.User) {
	if docs == nil {
		pages.NotFound(w, r)
		return
	}
	var buf bytes.Buffer
	title, err := docs.RenderNotice(r.Context(), u, r.PathValue("number"), r.PathValue("name"), &buf)
	if err != nil {
		pages.Fail(w, r, err)
		return
	}
	site.SendPDF(w, r.PathValue("number")+"-"+title+".pdf", "inline", buf.Bytes())
}
