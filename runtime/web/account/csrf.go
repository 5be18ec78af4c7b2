package account

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/site"
)

// CSRFField is the name of the hidden form field that carries the CSRF token; scripts may
// send the token in the CSRFHeader instead.
const (
	CSRFField  = site.CSRFField
	CSRFHeader = "X-CSRF-Token"
)

// CSRFToken returns the token every form of the request's page must carry, "" for a request
// that did not come through Middleware.
//
// The token is a synchronizer token bound to the session: a SHA-256 of the session's secret
// ID under a label of its own. Signed-in users' tokens derive from the session ID, which only
// the browser holds (HttpOnly; the store keeps only another hash of it), so another site can
// neither read nor compute it, and it changes with every sign-in. Visitors' tokens derive in
// the same way from a random cookie of their own (double submit), so the sign-in and
// registration forms are protected as well.
func (a *Accounts) CSRFToken(r *http.Request) string {
	st := stateOf(r)
	if st == nil || st.secret == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("tongban csrf\x00" + st.secret))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// CheckCSRF returns nil when a request may change something: it is not a cross-origin
// browser request (by its Sec-Fetch-Site or Origin header), and it carries the CSRF token of
// its session in the CSRFField form field or the CSRFHeader. Otherwise it returns forbidden.
// Call it in every handler of a POST, after parsing the form within the handler's limit.
func (a *Accounts) CheckCSRF(r *http.Request) error {
	denied := runtime.Errorf(runtime.EFORBIDDEN, "页面已过期或请求来源不明，请返回上一页刷新后重新提交")
	if err := a.origin.Check(r); err != nil {
		return runtime.Errorf(runtime.EFORBIDDEN, "拒绝来自其他网站的请求")
	}
	want := a.CSRFToken(r)
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		got = r.PostFormValue(CSRFField)
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return denied
	}
	return nil
}
