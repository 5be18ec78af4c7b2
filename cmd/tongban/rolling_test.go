package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/runtime/store/storetest"
)

// freePort answers a loopback port nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// awaitReady waits until the server at url answers /readyz with 200.
func awaitReady(t *testing.T, url string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
	t.Fatalf("%s never became ready", url)
}

// TestRollingRestartBehindNginx puts nginx (Debian's package) in front of two servers on one
// PostgreSQL, runs the load tool's submit scenario through nginx, and restarts each server in
// turn with SIGTERM: no request fails, and every application the load tool counted is in the
// database once.
func TestRollingRestartBehindNginx(t *testing.T) {
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		t.Skip("nginx is not installed (apt-get install nginx-light)")
	}
	dsn := storetest.PostgresDSN(t)
	bin := buildTongban(t)
	sims := startTestSims(t)
	data := t.TempDir() // shared: the material files uploaded through one server are read by the other
	env := append(slices.Clone(sims.env), "TONGBAN_SECRET=rolling-restart-file-secret-0123456789", "TONGBAN_DB="+dsn,
		"TONGBAN_CONNECTORS_BASE="+sims.URL)
	ports := []int{freePort(t), freePort(t)}
	start := func(i int) *server {
		s := startServerWith(t, bin, data, env, "--demo", "--addr", fmt.Sprintf("127.0.0.1:%d", ports[i]))
		awaitReady(t, s.url)
		return s
	}
	servers := []*server{start(0), start(1)}

	prefix := t.TempDir()
	front := freePort(t)
	conf := fmt.Sprintf(`daemon off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
user root;
events { worker_connections 1024; }
http {
  access_log %[1]s/access.log;
  client_body_temp_path %[1]s/body; proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi; uwsgi_temp_path %[1]s/uwsgi; scgi_temp_path %[1]s/scgi;
  client_max_body_size 60m;
  upstream tongban {
    server 127.0.0.1:%[2]d max_fails=1 fail_timeout=2s;
    server 127.0.0.1:%[3]d max_fails=1 fail_timeout=2s;
    keepalive 32;
  }
  server {
    listen 127.0.0.1:%[4]d;
    location / {
      proxy_pass http://tongban;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Request-ID $request_id;
      proxy_next_upstream error timeout http_502 non_idempotent;
      proxy_next_upstream_tries 2;
    }
  }
}
`, prefix, ports[0], ports[1], front)
	if err := os.WriteFile(filepath.Join(prefix, "nginx.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	proxy := exec.Command(nginx, "-p", prefix, "-c", filepath.Join(prefix, "nginx.conf"))
	if out, err := exec.Command(nginx, "-t", "-p", prefix, "-c", filepath.Join(prefix, "nginx.conf")).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
	if err := proxy.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Process.Signal(syscall.SIGQUIT); proxy.Wait() })
	frontURL := fmt.Sprintf("http://127.0.0.1:%d", front)
	awaitReady(t, frontURL)

	result := filepath.Join(t.TempDir(), "load.json")
	load := exec.Command(bin, "load", "--scenario", "submit", "--target", frontURL, "--clients", "16", "--duration", "24s",
		"--timeout", "30s", "--credentials", filepath.Join(data, app.DemoCredentialsFile), "--json", result)
	loadOut, err := os.Create(filepath.Join(t.TempDir(), "load.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer loadOut.Close()
	load.Stdout, load.Stderr = loadOut, loadOut
	if err := load.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Second)
	for i := range servers {
		if err := servers[i].cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		servers[i].awaitExit(t)
		servers[i] = start(i)
		time.Sleep(3 * time.Second)
	}
	err = load.Wait()
	raw, _ := os.ReadFile(result)
	var r struct {
		Transactions int64            `json:"transactions"`
		Requests     int64            `json:"requests"`
		Errors       int64            `json:"errors"`
		ByKind       map[string]int64 `json:"errorsByKind"`
	}
	if jerr := json.Unmarshal(raw, &r); jerr != nil {
		log, _ := os.ReadFile(loadOut.Name())
		t.Fatalf("load: %v %v\n%s", err, jerr, log)
	}
	t.Logf("through nginx during two restarts: %d applications, %d requests, %d errors %v", r.Transactions, r.Requests, r.Errors, r.ByKind)
	if r.Errors != 0 || r.Transactions == 0 {
		t.Fatalf("%d failed requests (%v) of %d during the rolling restart, want none", r.Errors, r.ByKind, r.Requests)
	}
	db, _ := openSQL(t, dsn)
	var keys, cases int64
	if err := db.QueryRow("SELECT COUNT(*), COUNT(DISTINCT case_id) FROM idempotency_keys").Scan(&keys, &cases); err != nil {
		t.Fatal(err)
	}
	if cases < r.Transactions || keys != cases {
		t.Fatalf("%d idempotency keys naming %d cases for %d applications acknowledged: want each application once", keys, cases, r.Transactions)
	}
}
