package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
)

// call sends a JSON request to the server and returns the status and the decoded answer. A
// client timeout turns a server that never answers into a failure rather than a hung test.
func call(t *testing.T, srv *apptest.Server, token, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, srv.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return send(t, req)
}

func send(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	var v map[string]any
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &v)
	return resp.StatusCode, v
}

// slowBodies opens n connections that each announce a body of size bytes on a POST to path
// with token and send only its first byte, the way a client on a bad line (or an attacker)
// does; they are closed when the test ends.
func slowBodies(t *testing.T, srv *apptest.Server, n int, token, path string, size int) {
	t.Helper()
	addr := strings.TrimPrefix(srv.URL, "http://")
	for range n {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{",
			path, addr, token, size)
	}
}

// TestSlowBodiesHoldNoTurn: with more clients sending their bodies slowly than there are
// turns, an application and a page are still answered — a body is read before its request
// takes a turn — and the server has read, write and idle timeouts.
func TestSlowBodiesHoldNoTurn(t *testing.T) {
	const turns = 2
	srv := apptest.Start(t, app.Config{MaxInFlight: turns})
	token := srv.Token("张伟")
	slowBodies(t, srv, 4*turns, token, "/api/v1/cases", 60<<10)
	time.Sleep(100 * time.Millisecond) // the slow requests are in before the real ones

	status, body := call(t, srv, token, http.MethodPost, "/api/v1/cases", map[string]any{"matter": "没有这个事项"})
	if status != http.StatusNotFound && status != http.StatusBadRequest {
		t.Errorf("application: status %d %v, want its refusal", status, body)
	}
	if status, _ := call(t, srv, "", http.MethodGet, "/api/v1/matters", nil); status != http.StatusOK {
		t.Errorf("matter list: status %d", status)
	}

	s := srv.Server()
	for name, d := range map[string]time.Duration{"ReadHeaderTimeout": s.ReadHeaderTimeout, "ReadTimeout": s.ReadTimeout,
		"WriteTimeout": s.WriteTimeout, "IdleTimeout": s.IdleTimeout} {
		if d <= 0 {
			t.Errorf("server %s is not set", name)
		}
	}
}

// TestBodyOverTheLimit: a body larger than any surface takes is refused by the handler of its
// route, in its shape, without being read.
func TestBodyOverTheLimit(t *testing.T) {
	srv := apptest.Start(t, app.Config{})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/cases", strings.NewReader("{}"))
	req.ContentLength = 200 << 20
	req.Header.Set("Authorization", "Bearer "+srv.Token("张伟"))
	req.Header.Set("Content-Type", "application/json")
	req.Body = io.NopCloser(io.MultiReader(strings.NewReader("{"), neverEnding{}))
	status, body := send(t, req)
	if status != http.StatusRequestEntityTooLarge || body["error"] == nil {
		t.Errorf("status %d %v, want 413 with the API's error", status, body)
	}
}

// neverEnding is a body that goes on.
type neverEnding struct{}

func (neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}
