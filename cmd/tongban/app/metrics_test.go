package app_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
)

// metric reads the value of the one series of name whose labels include every one given
// (as `key="value"`) from a scrape in the text format; -1 when there is none.
func metric(scrape, name string, labels ...string) float64 {
	for _, line := range strings.Split(scrape, "\n") {
		rest, ok := strings.CutPrefix(line, name)
		if !ok || (rest[0] != '{' && rest[0] != ' ') {
			continue
		}
		matches := true
		for _, l := range labels {
			matches = matches && strings.Contains(rest, l)
		}
		if matches {
			v, _ := strconv.ParseFloat(rest[strings.LastIndexByte(rest, ' ')+1:], 64)
			return v
		}
	}
	return -1
}

// TestMetrics scrapes /metrics after a known set of requests: the requests by route template
// and status, the audit events of one 高龄津贴 application filed and approved by the rules (its
// e-license lookups, the text waiting in the outbox), the commits, the in-flight waits and Go's
// own metrics are there; without the token /metrics is closed.
func TestMetrics(t *testing.T) {
	const token = "scrape-token-for-the-test"
	s := apptest.Start(t, app.Config{MetricsToken: token})
	if status, _ := sendRaw(t, s, "", "GET", "/metrics", "", nil); status != http.StatusUnauthorized {
		t.Fatalf("/metrics without the token: %d, want 401", status)
	}
	for range 3 {
		if status, out := sendRaw(t, s, "", "GET", "/api/v1/matters", "", nil); status != http.StatusOK {
			t.Fatalf("matters: %d %s", status, out)
		}
	}
	for _, n := range []string{"XC-NOPE-1", "XC-NOPE-2"} {
		if status, _ := sendRaw(t, s, s.Token("王桂英"), "GET", "/api/v1/cases/"+n, "", nil); status != http.StatusNotFound {
			t.Fatalf("case %s: %d, want 404", n, status)
		}
	}
	applySenior(t, s)
	status, out := sendRaw(t, s, token, "GET", "/metrics", "", nil)
	if status != http.StatusOK {
		t.Fatalf("/metrics with the token: %d %s", status, out)
	}
	scrape := string(out)
	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"tongban_http_request_duration_seconds_count", []string{`route="GET /api/v1/matters"`, `code="200"`}, 3},
		{"tongban_http_request_duration_seconds_count", []string{`route="GET /api/v1/cases/:number"`, `code="404"`}, 2},
		{"tongban_http_request_duration_seconds_count", []string{`route="POST /api/v1/cases"`, `code="201"`}, 1},
		{"tongban_http_request_duration_seconds_count", []string{`route="POST /api/v1/cases/:number/materials/:material"`, `code="201"`}, 2},
		{"tongban_case_events_total", []string{`type="submitted"`}, 1},
		{"tongban_case_events_total", []string{`type="created"`}, 1},
		{"tongban_case_events_total", []string{`type="material-uploaded"`}, 2},
		{"tongban_case_events_total", []string{`type="concluded"`}, 1},
		// Run is not started: the text telling 王桂英 of the decision waits in the outbox.
		{"tongban_outbox_pending", []string{`connector="sms-gateway"`}, 1},
		{"tongban_connector_call_seconds_count", []string{`connector="e-license-library"`, `outcome="ok"`}, 3},
	} {
		if got := metric(scrape, tc.name, tc.labels...); got != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
	for _, name := range []string{"tongban_store_commit_units_count", "tongban_store_commit_seconds_count", "tongban_inflight_wait_seconds_count",
		"tongban_outbox_backlog_up", "go_goroutines", "process_resident_memory_bytes"} {
		if got := metric(scrape, name); got <= 0 {
			t.Errorf("%s = %v, want > 0", name, got)
		}
	}
	if metric(scrape, "tongban_connector_breaker_state", `connector="population-db"`) != 0 {
		t.Error("the population register's breaker is not shown closed")
	}
	closed := apptest.Start(t, app.Config{})
	if status, out := sendRaw(t, closed, "", "GET", "/metrics", "", nil); strings.Contains(string(out), "go_goroutines") {
		t.Fatalf("/metrics without a token configured answers %d with the metrics: they are never public by default", status)
	}
}
