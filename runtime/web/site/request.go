package site

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/xuchang-gov/tongban/runtime"
)

// preferences are the display choices a visitor switches with ?name=1 and ?name=0, which a
// cookie of the same name keeps: the kiosk's touch layout and large text.
var preferences = []string{"kiosk", "large"}

// Kiosk tells whether the request comes from a self-service kiosk: ?kiosk=1 turns the large
// touch layout on (and a cookie keeps it on), ?kiosk=0 turns it off.
func Kiosk(r *http.Request) bool { return preference(r, "kiosk") }

// Large tells whether the visitor chose large text (大字版): ?large=1, or the header's switch,
// which sets the cookie without reloading the page (static/site.js).
func Large(r *http.Request) bool { return preference(r, "large") }

func preference(r *http.Request, name string) bool {
	switch r.URL.Query().Get(name) {
	case "1":
		return true
	case "0":
		return false
	}
	c, err := r.Cookie(name)
	return err == nil && c.Value == "1"
}

// keepPreferences stores the preferences the request switched. The cookies hold no secret, and
// the page's script sets the large-text one itself, so they are not HttpOnly.
func keepPreferences(w http.ResponseWriter, r *http.Request) {
	for _, name := range preferences {
		switch r.URL.Query().Get(name) {
		case "1":
			http.SetCookie(w, &http.Cookie{Name: name, Value: "1", Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode})
		case "0":
			http.SetCookie(w, &http.Cookie{Name: name, Path: "/", MaxAge: -1, SameSite: http.SameSiteLaxMode})
		}
	}
}

// switchURL is the page of the request with the preference name switched on or off, keeping
// its other parameters (an applicant's key) but not a notice already shown.
func switchURL(r *http.Request, name string, on bool) string {
	q := r.URL.Query()
	q.Del("msg")
	q.Set(name, map[bool]string{true: "1", false: "0"}[on])
	return r.URL.Path + "?" + q.Encode()
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

// SeeOther redirects after a successful post, with a notice chosen by msg; the notice goes in
// the query, before any #fragment, so that the page shows it.
func SeeOther(w http.ResponseWriter, r *http.Request, to, msg string) {
	if msg != "" {
		to, fragment, cut := strings.Cut(to, "#")
		sep := "?"
		if strings.Contains(to, "?") {
			sep = "&"
		}
		to += sep + "msg=" + url.QueryEscape(msg)
		if cut {
			to += "#" + fragment
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
