// Package web serves the server-rendered pages of tongban that belong to no site of their
// own: for now the public certificate verification page that a certificate's QR code leads
// to. The portal, the workbench and the accounts are its subpackages, all in one site frame
// (runtime/web/site).
package web

import (
	"embed"
	"net/http"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/site"
)

//go:embed verify.html
var templates embed.FS

// VerifyHandler serves GET /verify/{number}: whether the certificate is valid, revoked or
// expired, with its essential fields and personal data masked. Anyone may open it; nobody
// signs in to it.
func VerifyHandler(certs runtime.CertificateService) http.Handler {
	pages := site.MustParse(templates, ".", site.Options{Name: "verify", Brand: "许昌市政务服务 · 电子证照核验"})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /verify/{number}", func(w http.ResponseWriter, r *http.Request) {
		number := r.PathValue("number")
		v, err := certs.VerifyCertificate(r.Context(), number)
		if runtime.ErrorCode(err) == runtime.ENOTFOUND {
			err = runtime.Errorf(runtime.ENOTFOUND, "%s。请核对证照编号是否与证书上印制的一致", runtime.ErrorMessage(err))
		}
		if err != nil {
			pages.Fail(w, r, err)
			return
		}
		pages.Render(w, r, "verify", http.StatusOK, pages.Frame(r, "证照核验", v))
	})
	mux.HandleFunc("/verify/", pages.NotFound)
	return mux
}
