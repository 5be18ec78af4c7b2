package site

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
)

// csp is the one content security policy of every page. Nothing may load from elsewhere, no
// inline script or <style> may run, and no page may be framed: user input rendered into a
// page can never run. The only inline styles allowed are the form grid's column spans
// (style="--span: 1" … "--span: 12", the range form.ui.json allows), by their hashes.
var csp = func() string {
	spans := make([]string, 12)
	for i := range spans {
		sum := sha256.Sum256(fmt.Appendf(nil, "--span: %d", i+1))
		spans[i] = "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	return "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' data:; " +
		"style-src 'self'; style-src-attr 'unsafe-hashes' " + strings.Join(spans, " ") + "; " +
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}()

// SecurityHeaders set the content security policy and keep pages from being framed, sniffed,
// cached or leaking their address to other sites.
func SecurityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
}

// PreviewHeaders are SecurityHeaders for a page the studio shows in a frame of its own (the
// designer's preview): the same policy, framed by the site itself only.
func PreviewHeaders(w http.ResponseWriter) {
	SecurityHeaders(w)
	h := w.Header()
	h.Set("Content-Security-Policy", strings.Replace(csp, "frame-ancestors 'none'", "frame-ancestors 'self'", 1))
	h.Set("X-Frame-Options", "SAMEORIGIN")
}

// Static serves the stylesheet and the scripts under /static/: site.js on every page, form.js
// on the generated forms; both are written here, no build step touches them.
func Static() http.Handler {
	sub, _ := fs.Sub(files, "static")
	fileServer := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fileServer.ServeHTTP(w, r)
	})
}

// SendPDF answers with a PDF document, shown in the browser (inline) or saved (attachment).
func SendPDF(w http.ResponseWriter, filename, disposition string, body []byte) {
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", disposition+"; filename*=UTF-8''"+url.PathEscape(filename))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(body)
}
