package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
)

// demoIdentifiers are the ID numbers and mobile numbers of the demo data: the demo users' and
// those in the example matters' sample applications.
func demoIdentifiers(t *testing.T, s *apptest.Server) []string {
	t.Helper()
	var out []string
	for _, c := range s.Credentials {
		out = append(out, c.IDNumber, c.Mobile)
	}
	samples, _ := filepath.Glob("../../../examples/matters/*/sample.json")
	personal := regexp.MustCompile(`"(idNumber|mobile)":\s*"([0-9X]+)"`)
	for _, f := range samples {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range personal.FindAllSubmatch(raw, -1) {
			out = append(out, string(m[2]))
		}
	}
	var nonEmpty []string
	for _, id := range out {
		if id != "" {
			nonEmpty = append(nonEmpty, id)
		}
	}
	return nonEmpty
}

// TestLogsAreJSONWithRequestIDsAndNoPersonalData runs an application end to end with the
// background work on, with a line logged on purpose that names an ID number and a mobile: every
// line is JSON, every request's line has its request id (the one the proxy sent, when it sent
// one), and no ID number or mobile number of the demo data appears anywhere.
func TestLogsAreJSONWithRequestIDsAndNoPersonalData(t *testing.T) {
	log, err := os.Create(filepath.Join(t.TempDir(), "serve.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	s := apptest.Start(t, app.Config{Logger: app.NewLogger(log, slog.LevelDebug)})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { s.Run(ctx); close(ran) }()
	t.Cleanup(func() { cancel(); <-ran })
	applySenior(t, s)
	sendRaw(t, s, s.Token("王桂英"), "GET", "/api/v1/cases/"+s.Credential("王桂英").IDNumber, "", nil, "X-Request-ID", "from-the-proxy-1")
	elder := s.Credential("王桂英")
	s.Logger.Warn("a line naming a person", "who", elder.IDNumber, "err", "call "+elder.Mobile+" back")
	for deadline := time.Now().Add(10 * time.Second); s.Deliverer.Stats().Delivered == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the deliverer sent nothing within 10 s")
		}
	}
	raw, err := os.ReadFile(log.Name())
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	for _, id := range demoIdentifiers(t, s) {
		if strings.Contains(text, id) {
			t.Errorf("the log shows %s", id)
		}
	}
	lines, requests, proxied := 0, 0, false
	for sc := bufio.NewScanner(strings.NewReader(text)); sc.Scan(); lines++ {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("a line is not JSON: %s", sc.Text())
		}
		if line["msg"] != "request" {
			continue
		}
		requests++
		if id, _ := line["request_id"].(string); id == "" {
			t.Errorf("a request's line has no request id: %s", sc.Text())
		} else if id == "from-the-proxy-1" {
			proxied = true
		}
	}
	if requests < 5 || !proxied {
		t.Fatalf("%d lines, %d of requests, the proxy's request id kept: %v\n%s", lines, requests, proxied, text)
	}
	masked := `"who":"` + elder.IDNumber[:4] + strings.Repeat("*", 10) + elder.IDNumber[14:] + `","err":"call ` + elder.Mobile[:3] + "****" + elder.Mobile[7:]
	if !strings.Contains(text, masked) {
		t.Fatalf("the line naming a person is not masked as %s:\n%s", masked, text)
	}
}
