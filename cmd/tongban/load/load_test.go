package load_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/cmd/tongban/load"
)

func TestHistogramPercentiles(t *testing.T) {
	var h load.Histogram
	// 1..10000 ms: the percentiles are known exactly, and the histogram may be off by < 1 %.
	for i := 1; i <= 10000; i++ {
		h.Record(time.Duration(i) * time.Millisecond)
	}
	s := h.Summary()
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"p50", s.P50, 5000}, {"p95", s.P95, 9500}, {"p99", s.P99, 9900}, {"max", s.Max, 10000}, {"mean", s.Mean, 5000.5},
	} {
		if c.got < c.want*0.99 || c.got > c.want*1.01 {
			t.Errorf("%s = %.1f ms, want %.0f ms ± 1 %%", c.name, c.got, c.want)
		}
	}
	if s.Count != 10000 {
		t.Errorf("count %d", s.Count)
	}
	if n := h.CountAbove(2 * time.Second); n < 7990 || n > 8000 {
		t.Errorf("%d values above 2 s, want about 8000", n)
	}
}

func TestHistogramSmallValuesAreExact(t *testing.T) {
	var h load.Histogram
	for _, us := range []int{3, 3, 3, 250} {
		h.Record(time.Duration(us) * time.Microsecond)
	}
	s := h.Summary()
	if s.P50 != 0.003 || s.Max != 0.25 || s.P99 != 0.25 {
		t.Errorf("p50 %v p99 %v max %v, want 0.003 0.25 0.25", s.P50, s.P99, s.Max)
	}
	var empty load.Histogram
	if s := empty.Summary(); s != (load.Latency{}) {
		t.Errorf("empty histogram summarises as %+v", s)
	}
}

func TestCheckTargetSendsOnlyToLoopback(t *testing.T) {
	cases := []struct {
		target string
		remote bool
		ok     bool
	}{
		{"http://127.0.0.1:8080", false, true},
		{"http://127.0.0.1:8080/api/v1/openapi.json", false, true},
		{"http://[::1]:8080", false, true},
		{"http://localhost:8080", false, true},
		{"http://192.0.2.10:8080", false, false},
		{"http://192.0.2.10:8080", true, true},
		{"ftp://127.0.0.1", false, false},
		{"127.0.0.1:8080", false, false},
	}
	for _, c := range cases {
		t.Run(c.target, func(t *testing.T) {
			u, err := load.CheckTarget(c.target, c.remote)
			if (err == nil) != c.ok {
				t.Fatalf("CheckTarget(%q, %v) = %v, %v", c.target, c.remote, u, err)
			}
			if err == nil && u.Path != "" {
				t.Errorf("the base URL keeps the path %q", u.Path)
			}
		})
	}
}

func TestErrorKinds(t *testing.T) {
	cases := []struct {
		name   string
		status int
		err    error
		want   string
	}{
		{"status", 500, nil, "status 500"},
		{"deadline", 0, context.DeadlineExceeded, "timeout"},
		{"os deadline", 0, fmt.Errorf("read: %w", os.ErrDeadlineExceeded), "timeout"},
		{"refused", 0, &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, "connection refused"},
		{"reset", 0, &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, "connection reset"},
		{"eof", 0, io.ErrUnexpectedEOF, "connection reset"},
		{"other dial", 0, &net.OpError{Op: "dial", Err: errors.New("no route")}, "connection"},
		{"other", 0, errors.New("strange"), "other"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := load.ErrorKind(c.status, c.err); got != c.want {
				t.Errorf("errorKind(%d, %v) = %q, want %q", c.status, c.err, got, c.want)
			}
		})
	}
}

// Each upload must carry different content — content-addressed storage would otherwise keep
// one file for the whole run — and still be a file of the type the material allows.
func TestUploadsDifferAndKeepTheirType(t *testing.T) {
	for _, c := range []struct {
		types []string
		magic string
	}{{[]string{"pdf", "jpg"}, "%PDF-"}, {[]string{"jpg", "png"}, "\xff\xd8\xff"}, {[]string{"png"}, "\x89PNG"}, {nil, "%PDF-"}} {
		ct, a, b, err := load.UploadBodies(c.types, "XC1/m", "XC2/m")
		if err != nil {
			t.Fatal(err)
		}
		fa, fb := fileOf(t, ct, a), fileOf(t, ct, b)
		if bytes.Equal(fa, fb) {
			t.Errorf("%v: two uploads have the same content", c.types)
		}
		if !bytes.HasPrefix(fa, []byte(c.magic)) || !bytes.Contains(fa, []byte("XC1/m")) {
			t.Errorf("%v: file %q does not start with %q or lacks its own line", c.types, fa, c.magic)
		}
	}
}

func fileOf(t *testing.T, contentType string, body []byte) []byte {
	t.Helper()
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		t.Fatal(err)
	}
	part, err := multipart.NewReader(bytes.NewReader(body), params["boundary"]).NextPart()
	if err != nil {
		t.Fatal(err)
	}
	if part.FormName() != "file" {
		t.Errorf("field %q, want file", part.FormName())
	}
	raw, _ := io.ReadAll(part)
	return raw
}

func TestCheckAndTable(t *testing.T) {
	res := &load.Result{Scenario: "browse", Target: "http://127.0.0.1:1", Clients: 3, ElapsedSeconds: 2,
		TransactionCount: 10, TransactionsPerSec: 5, Requests: 30, RequestsPerSec: 15,
		Latency: load.Latency{Count: 30, P50: 1, P95: 2, P99: 700, Max: 800}, ErrorCount: 2,
		Errors: map[string]int64{"status 500": 1, "timeout": 1}, SlowThreshold: 2000}
	problems := res.Check(load.Checks{MaxErrors: 0, MaxP99: 500 * time.Millisecond})
	if len(problems) != 2 || !strings.Contains(problems[0], "status 500: 1, timeout: 1") || !strings.Contains(problems[1], "p99") {
		t.Errorf("problems %q, want the errors by kind and the p99", problems)
	}
	if problems := res.Check(load.Checks{MaxErrors: -1}); len(problems) != 0 {
		t.Errorf("no checks asked, yet %q", problems)
	}
	if problems := (&load.Result{}).Check(load.Checks{MaxErrors: -1}); len(problems) != 1 {
		t.Errorf("a run that completed nothing passes: %q", problems)
	}
	var out strings.Builder
	load.WriteTable(&out, res)
	for _, want := range []string{"事务 transactions  10  5.0/s", "p99 700.0 ms", "错误 errors        2  status 500: 1, timeout: 1"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunRefusesBadConfigs(t *testing.T) {
	creds := []load.Credential{{Name: "x", Kind: "person", Token: "t"}}
	for _, c := range []struct {
		name string
		cfg  load.Config
		want string
	}{
		{"scenario", load.Config{Target: "http://127.0.0.1:1", Scenario: "stampede", Clients: 1, Duration: time.Second, Credentials: creds, Form: []byte("{}")}, "未知的场景"},
		{"no limit", load.Config{Target: "http://127.0.0.1:1", Scenario: load.Browse, Clients: 1, Credentials: creds, Form: []byte("{}")}, "--duration"},
		{"remote", load.Config{Target: "http://192.0.2.1:1", Scenario: load.Browse, Clients: 1, Duration: time.Second, Credentials: creds, Form: []byte("{}")}, "--allow-remote"},
		{"no server", load.Config{Target: "http://127.0.0.1:1", Scenario: load.Browse, Clients: 1, Duration: time.Second, Credentials: creds, Form: []byte("{}"), Applicant: "x"}, "服务没有应答"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := load.Run(context.Background(), c.cfg)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want one mentioning %q", err, c.want)
			}
		})
	}
}
