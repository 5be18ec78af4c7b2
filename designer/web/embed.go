// Package studio serves the designer studio, the React front end built into dist/ (committed,
// so that `go build` needs no Node), at /designer/: hashed assets cached for good, every other
// path the single page (index.html) with a fresh style nonce and the site's security headers.
package studio

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed all:dist
var dist embed.FS

// Prefix is where the studio is mounted; Vite's base in vite.config.ts says the same.
const Prefix = "/designer/"

// noncePlaceholder is what index.html carries in its csp-nonce meta tag until it is served.
const noncePlaceholder = "__CSP_NONCE__"

// csp is the studio's content security policy, the site's with one difference: antd and
// CodeMirror write their styles as <style> elements at run time, so style-src allows those
// that carry this response's nonce (and no 'unsafe-inline'). Scripts are only the built files.
// style-src-attr allows style attributes, which cannot run code: the preview's form grid sets
// its column spans with them, and the preview is a srcdoc frame that inherits this policy.
func csp(nonce string) string {
	return "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' data:; font-src 'self'; " +
		"style-src 'self' 'nonce-" + nonce + "'; style-src-attr 'unsafe-inline'; frame-src 'self'; " +
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}

// Handler serves the studio under Prefix.
func Handler() http.Handler {
	files, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err)
	}
	index, err := fs.ReadFile(files, "index.html")
	if err != nil {
		panic("designer/web: dist/index.html is missing: run npm run build in designer/web")
	}
	assets := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "不支持的请求方法", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(path.Clean(r.URL.Path), strings.TrimSuffix(Prefix, "/"))
		name = strings.TrimPrefix(name, "/")
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		if strings.HasPrefix(name, "assets/") {
			if _, err := fs.Stat(files, name); err != nil {
				http.NotFound(w, r)
				return
			}
			// Asset names carry a hash of their content: a new build is new names.
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/" + name
			assets.ServeHTTP(w, r2)
			return
		}
		nonce := newNonce()
		h.Set("Content-Security-Policy", csp(nonce))
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Type", "text/html; charset=utf-8")
		w.Write(bytes.Replace(index, []byte(noncePlaceholder), []byte(nonce), 1))
	})
}

func newNonce() string {
	b := make([]byte, 18)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
