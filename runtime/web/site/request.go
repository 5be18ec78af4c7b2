package site

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/xuchang-gov/tongban/runtime"
)

// Kiosk tells whether the request comes from a self-service kiosk: ?kiosk=1 turns the large
// touch layout on (and a cookie keeps it on), ?kiosk=0 turns it off.
func Kiosk(r *http.Request) bool {
	switch r.URL.Query().Get("kiosk") {
	case "1":
		return true
	case "0":
		return false
	}
	c, err := r.Cookie("kiosk")
	return err == nil && c.Value == "1"
}

// ParseForm reads a posted form, multipart or not, within limit bytes, and checks its CSRF
// token. Files beyond the first few megabytes go to temporary files, removed by the caller's
// r.MultipartForm.RemoveAll.
func ParseForm(w http.ResponseWriter, r *http.Request, auth Auth, limit int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(4 << 20)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return runtime.Errorf(runtime.ETOOLARGE, "提交的内容超过 %d MB，请分次上传", limit>>20)
		}
		return runtime.Invalid("表单无法读取，请重新填写")
	}
	// The accounts' refusal says why (expired page, another site's request): show it as it is.
	return auth.CheckCSRF(r)
}

// SeeOther redirects after a successful post, with a notice chosen by msg.
func SeeOther(w http.ResponseWriter, r *http.Request, to, msg string) {
	if msg != "" {
		sep := "?"
		if strings.Contains(to, "?") {
			sep = "&"
		}
		to += sep + "msg=" + url.QueryEscape(msg)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
