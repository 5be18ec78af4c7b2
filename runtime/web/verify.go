// Package web serves the server-rendered pages of tongban: for now the public certificate
// verification page that a certificate's QR code leads to.
package web

import (
	"embed"
	"html/template"
	"net/http"
	"strings"

	"github.com/xuchang-gov/tongban/runtime"
)

//go:embed verify.html
var pages embed.FS

var verifyPage = template.Must(template.New("verify.html").Funcs(template.FuncMap{
	"date": func(t any) string {
		switch t := t.(type) {
		case interface{ Format(string) string }:
			return t.Format("2006年01月02日")
		}
		return ""
	},
}).ParseFS(pages, "verify.html"))

// VerifyHandler serves GET /verify/{number}: whether the certificate is valid, revoked or
// expired, with its essential fields and personal data masked. Anyone may open it.
func VerifyHandler(certs runtime.CertificateService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		number := strings.TrimPrefix(r.URL.Path, "/verify/")
		if r.Method != http.MethodGet || number == "" || strings.Contains(number, "/") {
			http.NotFound(w, r)
			return
		}
		v, err := certs.VerifyCertificate(r.Context(), number)
		data := struct {
			Number  string
			V       *runtime.Verification
			Message string
		}{Number: number, V: v}
		status := http.StatusOK
		if err != nil {
			status = http.StatusNotFound
			data.Message = runtime.ErrorMessage(err)
			if runtime.ErrorCode(err) != runtime.ENOTFOUND {
				status = http.StatusInternalServerError
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		w.WriteHeader(status)
		verifyPage.Execute(w, data)
	})
}
