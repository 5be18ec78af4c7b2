package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeRefusesAnUnusableStore: serve exits 1 with a Chinese message naming the store when
// it cannot open it, before listening.
func TestServeRefusesAnUnusableStore(t *testing.T) {
	notAFolder := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notAFolder, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, flag, value string }{
		{"data folder is a file", "--data", notAFolder},
		{"PostgreSQL unreachable", "--db", "postgres://tongban@127.0.0.1:1/tongban?connect_timeout=2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := run(t, t.TempDir(), "serve", "--addr", "127.0.0.1:0", tc.flag, tc.value)
			if code != 1 || !strings.Contains(errOut, "无法打开数据库") {
				t.Fatalf("exit %d, stderr %q: want 1 and 无法打开数据库", code, errOut)
			}
		})
	}
}

// TestSIGTERMFinishesRequestsInFlight: on SIGTERM the server stops accepting connections,
// finishes the request it is reading, stops its background work and exits 0.
func TestSIGTERMFinishesRequestsInFlight(t *testing.T) {
	bin := buildTongban(t)
	data := t.TempDir()
	srv := startServer(t, bin, data)
	token := readDemoTokens(t, data)["张伟"]
	body, _ := json.Marshal(map[string]any{"matter": soleProprietor, "form": readSample(t, soleProprietor), "draft": true})
	half := len(body) / 2
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", srv.url+"/api/v1/cases", pr)
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Idempotency-Key", "in-flight")
	answered := make(chan *http.Response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
		}
		answered <- resp
	}()
	if _, err := pw.Write(body[:half]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the server has the headers and half the body
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(srv.url)
	refused := false
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", u.Host, time.Second)
		if err != nil {
			refused = true
			break
		}
		c.Close()
	}
	if !refused {
		t.Fatal("the server still accepts connections 5 s after SIGTERM")
	}
	if _, err := pw.Write(body[half:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	resp := <-answered
	if resp == nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("the request in flight at SIGTERM: %v, want 201", resp)
	}
	resp.Body.Close()
	srv.awaitExit(t)
	if log := srv.log(); !strings.Contains(log, "服务已停止") {
		t.Fatalf("serve's log does not say it stopped:\n%s", log)
	}
}

// TestConfigCheck: every serve setting comes from its flag, else its environment variable,
// else its default; config check prints each with its source, secrets masked, and refuses a
// setting that cannot work.
func TestConfigCheck(t *testing.T) {
	t.Setenv("TONGBAN_ADDR", ":9999")
	t.Setenv("TONGBAN_DB", "postgres://tongban:pg-password-42@db.internal:5432/tongban")
	t.Setenv("TONGBAN_METRICS_TOKEN", "metrics-token-value-42")
	t.Setenv("TONGBAN_TRACE_SAMPLE", "0.25")
	t.Setenv("TONGBAN_SECRET", "a-shared-secret-of-32-characters")
	code, out, errOut := run(t, t.TempDir(), "config", "check", "--addr", "127.0.0.1:7777")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"--addr             TONGBAN_ADDR             命令行      127.0.0.1:7777",
		"TONGBAN_DB               环境变量     postgres://tongban:xxxxx@db.internal:5432/tongban",
		"TONGBAN_METRICS_TOKEN    环境变量     ***（已设置）",
		"TONGBAN_TRACE_SAMPLE     环境变量     0.25",
		"TONGBAN_ZONE             默认       Asia/Shanghai",
		"已设置（32 个字符）",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("config check does not show %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{"pg-password-42", "metrics-token-value-42", "a-shared-secret"} {
		if strings.Contains(out+errOut, secret) {
			t.Errorf("config check shows the secret %q", secret)
		}
	}
	t.Setenv("TONGBAN_ZONE", "Mars/Olympus")
	if code, _, errOut := run(t, t.TempDir(), "config", "check"); code != 1 || !strings.Contains(errOut, "时区") {
		t.Errorf("a bad zone from the environment: exit %d %q, want 1 naming the zone", code, errOut)
	}
	if code, _, errOut := run(t, t.TempDir(), "serve"); code != 2 || !strings.Contains(errOut, "时区") {
		t.Errorf("serve with a bad zone from the environment: exit %d %q, want 2 naming the zone", code, errOut)
	}
}
