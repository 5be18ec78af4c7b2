package load

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// newTransport is a transport for many clients on one host: one connection per client kept
// alive across requests, none shared, no compression (the server sends none), plain HTTP/1.1.
func newTransport(clients int) *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        clients,
		MaxIdleConnsPerHost: clients,
		MaxConnsPerHost:     clients,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
}

// CheckTarget refuses a target that is not this machine unless remote is allowed: the load
// tool sends its traffic only where it is told, and by default only to loopback.
func CheckTarget(target string, allowRemote bool) (*url.URL, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--target 应为 http://主机:端口 形式的地址，而不是 %q", target)
	}
	u.Path = ""
	u.RawQuery, u.Fragment = "", ""
	if allowRemote {
		return u, nil
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); ip != nil {
		if ip.IsLoopback() {
			return u, nil
		}
		return nil, fmt.Errorf("目标 %s 不是本机回环地址；压测其他机器须加 --allow-remote", host)
	}
	addrs, err := net.LookupIP(host)
	if err != nil || len(addrs) == 0 {
		return nil, fmt.Errorf("无法解析目标 %s：%v", host, err)
	}
	for _, ip := range addrs {
		if !ip.IsLoopback() {
			return nil, fmt.Errorf("目标 %s 解析为 %s，不是本机回环地址；压测其他机器须加 --allow-remote", host, ip)
		}
	}
	return u, nil
}

// errorKind names what went wrong with a request, for the errors-by-kind table: "status 500",
// "timeout", "connection refused", "connection reset", "connection", "bad answer".
func errorKind(status int, err error) string {
	if err == nil {
		return "status " + strconv.Itoa(status)
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF):
		return "connection reset"
	case errors.Is(err, errBadAnswer):
		return "bad answer"
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return "connection"
	}
	return "other"
}

var errBadAnswer = errors.New("unexpected answer")

// request is one HTTP request of a scenario.
type request struct {
	op          string // what the tables call it: create, upload, submit, search, …
	method      string
	path        string
	token       string
	contentType string
	body        []byte
	header      [2]string // one extra header, as name and value
	want        int       // the status that counts as success
	out         any       // decode the JSON answer into this, when set
	// check looks at the decoded answer; an error makes the request a "bad answer".
	check func() error
}

// statusError is an answer with another status than the one wanted.
type statusError struct {
	method, path string
	got, want    int
	body         string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s %s: 状态 %d，应为 %d：%s", e.method, e.path, e.got, e.want, e.body)
}

// bufPool holds buffers for answers, so that 3,000 clients do not each grow their own.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// do sends one request, times it, and records it under its op. A status other than want, or
// an answer that does not decode, is an error of its kind; the request is then a failure.
func (r *runner) do(ctx context.Context, q request) error {
	var body io.Reader
	if q.body != nil {
		body = bytes.NewReader(q.body)
	}
	req, err := http.NewRequestWithContext(ctx, q.method, r.base+q.path, body)
	if err != nil {
		return err
	}
	if q.contentType != "" {
		req.Header.Set("Content-Type", q.contentType)
	}
	if q.token != "" {
		req.Header.Set("Authorization", "Bearer "+q.token)
	}
	if q.header[0] != "" {
		req.Header.Set(q.header[0], q.header[1])
	}
	start := time.Now()
	resp, err := r.client.Do(req)
	status := 0
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err == nil {
		status = resp.StatusCode
		_, err = buf.ReadFrom(resp.Body)
		resp.Body.Close()
	}
	elapsed := time.Since(start)
	if err == nil && status == q.want && q.out != nil {
		if jerr := json.Unmarshal(buf.Bytes(), q.out); jerr != nil {
			err = fmt.Errorf("%w: %s %s: %v", errBadAnswer, q.method, q.path, jerr)
		} else if q.check != nil {
			if cerr := q.check(); cerr != nil {
				err = fmt.Errorf("%w: %s %s: %v", errBadAnswer, q.method, q.path, cerr)
			}
		}
	}
	if err != nil && ctx.Err() != nil {
		// The run was interrupted while the request was in flight: not the server's fault.
		return err
	}
	r.stats.Load().record(q.op, elapsed, status, err, q.want)
	if err != nil {
		return err
	}
	if status != q.want {
		return &statusError{method: q.method, path: q.path, got: status, want: q.want, body: truncate(buf.String(), 300)}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
