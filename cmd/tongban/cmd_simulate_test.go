package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/connectors/simulate"
	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/cn"
)

// lockedBuffer is a buffer a running command writes while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestSimulateServes(t *testing.T) {
	t.Setenv(simulate.SecretEnv(simulate.Population), "")
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr lockedBuffer
	cli := &CLI{Stdout: &stdout, Stderr: &stderr, Dir: "."}
	done := make(chan int, 1)
	go func() { done <- cli.Run(ctx, []string{"simulate", "-addr", "127.0.0.1:0", "-callback-delay", "1ms"}) }()
	addr := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/_sim`)
	var base string
	for deadline := time.Now().Add(5 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if m := addr.FindStringSubmatch(stdout.String()); m != nil {
			base = "http://" + m[1]
		}
	}
	if base == "" {
		cancel()
		t.Fatalf("no address printed\n%s%s", stdout.String(), stderr.String())
	}
	res, err := http.Get(base + "/population/v1/persons/" + cn.MakeIDNumber("411002", time.Date(1941, 3, 15, 0, 0, 0, 0, time.UTC), 12))
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	json.NewDecoder(res.Body).Decode(&p)
	res.Body.Close()
	if p["name"] != "王桂英" {
		t.Errorf("got %v", p)
	}
	if !strings.Contains(stdout.String(), "演示企业 "+cn.MakeUSCC("91411003MA9KXY7Q8")+" 许昌瑞祥置业有限公司") {
		t.Errorf("demo data not listed:\n%s", stdout.String())
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d\n%s", code, stderr.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("simulate did not stop")
	}
	if code, _, _ := run(t, ".", "simulate", "-error-rate", "2"); code != 2 {
		t.Errorf("an error rate of 2: exit %d", code)
	}
}

func TestExampleConnectorsPointAtTheSimulators(t *testing.T) {
	sim := simulate.New(simulate.Config{})
	defer sim.Close()
	mux := sim.Handler().(*http.ServeMux)
	clients, err := loadPushClients("../../examples/connectors", &CLI{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Dir: "."})
	if err != nil {
		t.Fatal(err)
	}
	if len(clients) < 4 {
		t.Errorf("%d push connectors", len(clients))
	}
	for _, name := range []string{"population-db", "legal-person-db", "e-license-library", "housing-approval-system", "sms-gateway", "payment-platform", "logistics-platform"} {
		conn := readConnector(t, "../../examples/connectors/"+name+".json")
		u := strings.NewReplacer("{key}", "x").Replace(conn.URL)
		if !strings.HasPrefix(u, "http://127.0.0.1:9090/") {
			t.Errorf("%s: %s is not on the simulator's address", name, conn.URL)
			continue
		}
		req, _ := http.NewRequest(conn.Method, u, nil)
		if _, pattern := mux.Handler(req); pattern == "" {
			t.Errorf("%s: no simulator serves %s %s", name, conn.Method, conn.URL)
		}
		if conn.Auth.SecretEnv != simulate.SecretEnv(name) {
			t.Errorf("%s: secretEnv %s, the simulator reads %s", name, conn.Auth.SecretEnv, simulate.SecretEnv(name))
		}
	}
}

func readConnector(t *testing.T, path string) definitions.Connector {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c definitions.Connector
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c
}
