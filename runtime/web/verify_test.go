package web_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web"
)

// certificates answers VerifyCertificate from a table; the other methods are not called.
type certificates struct {
	runtime.CertificateService
	answers map[string]func() (*runtime.Verification, error)
}

func (c certificates) VerifyCertificate(ctx context.Context, number string) (*runtime.Verification, error) {
	if a, ok := c.answers[number]; ok {
		return a()
	}
	return nil, runtime.Errorf(runtime.ENOTFOUND, "查无此证照：%s", number)
}

func TestVerifyPage(t *testing.T) {
	issued := time.Date(2026, 3, 1, 16, 0, 0, 0, time.UTC) // 2 March in China
	valid := &runtime.Verification{Number: "JY41100200000001", Status: "valid", Title: "食品经营许可证", Holder: "许昌瑞祥置业有限公司",
		Issuer: "许昌市魏都区市场监督管理局", IssuedAt: issued, Fields: []runtime.VerificationField{{Label: "法定代表人", Value: "张*"}}}
	revoked := *valid
	revoked.Status, revoked.RevokedAt = "revoked", &issued
	srv := httptest.NewServer(web.VerifyHandler(certificates{answers: map[string]func() (*runtime.Verification, error){
		"JY41100200000001": func() (*runtime.Verification, error) { return valid, nil },
		"JY41100200000002": func() (*runtime.Verification, error) { return &revoked, nil },
		"JY41100200000003": func() (*runtime.Verification, error) {
			return nil, runtime.Errorf(runtime.EUNAVAILABLE, "电子证照库暂时无法访问")
		},
		"JY41100200000004": func() (*runtime.Verification, error) { return nil, errors.New("disk I/O error at /var/lib/tongban") },
	}}))
	t.Cleanup(srv.Close)
	for _, c := range []struct {
		name, method, path string
		status             int
		has, lacks         []string
	}{
		{"有效", "GET", "/verify/JY41100200000001", 200, []string{"✔ 证照有效", "食品经营许可证", "2026年3月2日", "法定代表人", "张*", "许昌市政务服务 · 电子证照核验"}, nil},
		{"已注销", "GET", "/verify/JY41100200000002", 200, []string{"✘ 证照已注销", "注销日期"}, []string{"证照有效"}},
		{"查无此证", "GET", "/verify/JY41199999999999", 404, []string{"没有找到", "查无此证照：JY41199999999999", "核对证照编号"}, nil},
		{"证照库不可用", "GET", "/verify/JY41100200000003", 503, []string{"电子证照库暂时无法访问"}, nil},
		{"内部错误不外露", "GET", "/verify/JY41100200000004", 500, []string{"出错了"}, []string{"disk", "/var/lib"}},
		{"没有编号", "GET", "/verify/", 404, []string{"页面不存在"}, nil},
		{"多一段路径", "GET", "/verify/JY41100200000001/x", 404, []string{"页面不存在"}, nil},
		{"不是 GET", "POST", "/verify/JY41100200000001", 404, []string{"页面不存在"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			body := string(b)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d\n%s", resp.StatusCode, c.status, body)
			}
			for _, s := range c.has {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q\n%s", s, body)
				}
			}
			// No inline style or script: the one script is the frame's static/site.js (大字版).
			for _, s := range append(c.lacks, "<style", "<script>", "登录") {
				if strings.Contains(body, s) {
					t.Errorf("page has %q", s)
				}
			}
			csp := resp.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "'unsafe-inline'") {
				t.Errorf("CSP %q", csp)
			}
		})
	}
}
