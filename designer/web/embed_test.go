package studio_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	studio "github.com/xuchang-gov/tongban/designer/web"
)

func TestHandler(t *testing.T) {
	h := studio.Handler()
	get := func(path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return w
	}
	index := get("/designer/")
	asset := regexp.MustCompile(`/designer/(assets/index-[^"]+\.js)`).FindStringSubmatch(index.Body.String())
	if asset == nil {
		t.Fatalf("index.html names no entry script:\n%s", index.Body)
	}
	tests := []struct {
		name, path string
		status     int
		cache      string
		body       string
	}{
		{"the studio", "/designer/", 200, "no-store", `<div id="root">`},
		{"a studio route falls back to the page", "/designer/m/construction-permit", 200, "no-store", `<div id="root">`},
		{"a hashed asset is cached for good", "/designer/" + asset[1], 200, "immutable", ""},
		{"a missing asset is not the page", "/designer/assets/missing.js", 404, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := get(tc.path)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d", w.Code, tc.status)
			}
			if !strings.Contains(w.Header().Get("Cache-Control"), tc.cache) {
				t.Errorf("Cache-Control %q, want %q", w.Header().Get("Cache-Control"), tc.cache)
			}
			if !strings.Contains(w.Body.String(), tc.body) {
				t.Errorf("body lacks %q", tc.body)
			}
		})
	}
	t.Run("each page has its own style nonce and no unsafe-inline style or script", func(t *testing.T) {
		a, b := get("/designer/"), get("/designer/")
		nonce := regexp.MustCompile(`name="csp-nonce" content="([^"]+)"`)
		na, nb := nonce.FindStringSubmatch(a.Body.String()), nonce.FindStringSubmatch(b.Body.String())
		if na == nil || nb == nil || na[1] == nb[1] || na[1] == "__CSP_NONCE__" {
			t.Fatalf("nonces %v %v", na, nb)
		}
		csp := a.Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "style-src 'self' 'nonce-"+na[1]+"'") || !strings.Contains(csp, "script-src 'self';") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("CSP %q", csp)
		}
	})
}
