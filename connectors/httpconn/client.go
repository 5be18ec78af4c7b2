// Package httpconn turns a connector config (definitions.Connector) into an HTTP client: the
// URL template filled from the caller's input, the method, headers and timeout of the config,
// retries with exponential backoff and jitter, a circuit breaker, the configured
// authentication, the request and response mappings, and every failure mapped to a Chinese
// message a clerk or citizen can read (超时, 对方系统不可用, 认证失败, …).
//
// A Client is built once per connector and is safe for concurrent use; secrets are read from
// the environment variables the config names at each call, so a rotated secret takes effect
// without a restart.
package httpconn

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr/types"
	"github.com/sony/gobreaker/v2"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/formschema"
	"github.com/xuchang-gov/tongban/definitions/rules"
)

// Defaults for what a connector config leaves out.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultBackoff      = 200 * time.Millisecond
	DefaultMaxBackoff   = 5 * time.Second
	DefaultBreakerFails = 5
	DefaultBreakerOpen  = 30 * time.Second
	// MaxResponseBytes bounds what is read of an answer.
	MaxResponseBytes = 32 << 20
)

// Options are what a Client takes from its surroundings rather than from the config.
type Options struct {
	// HTTPClient sends the requests; its Timeout should be zero, since each attempt gets the
	// connector's timeoutMs. Default: a client of its own with keep-alive connections.
	HTTPClient *http.Client
	// Getenv reads the secrets the config names (default os.Getenv).
	Getenv func(string) string
	// Now is the clock for HMAC timestamps and OAuth2 token expiry (default time.Now).
	Now func() time.Time
	// Env is the expression environment the request and response mappings compile in; the
	// default is the one `tongban validate` checks them in (`input`, `response`, an open `form`).
	Env *rules.Env
	// OnStateChange is told when the circuit breaker opens, half-opens or closes.
	OnStateChange func(connector string, from, to string)
	// Logger records retries and breaker changes (default: discard).
	Logger *slog.Logger
	// Call, when set, is told of every call (all its retries) as it starts, and returns the
	// context the call runs in and the function told its outcome: the composition root
	// measures calls and traces them with it.
	Call func(ctx context.Context, connector string) (context.Context, func(error))
}

// Client calls one outside system as its connector config says.
type Client struct {
	conn       *definitions.Connector
	title      string
	method     string
	url        urlTemplate
	http       *http.Client
	getenv     func(string) string
	now        func() time.Time
	timeout    time.Duration
	backoff    time.Duration
	maxBackoff time.Duration
	retries    int
	auth       authenticator
	request    *rules.Program
	response   *rules.Program
	breaker    *gobreaker.CircuitBreaker[*Response]
	logger     *slog.Logger
	call       func(context.Context, string) (context.Context, func(error))
}

// Request is one call. Input fills the URL placeholders and is `input` in the mappings.
type Request struct {
	Input map[string]any
	// Vars are further variables for the request mapping (form, applicant, case).
	Vars rules.Vars
	// Body, when not nil, is sent as JSON instead of what the request mapping makes.
	Body any
	// IdempotencyKey is sent as the Idempotency-Key header, the same on every retry, so that
	// the other side applies a repeated request once.
	IdempotencyKey string
	// Header adds request headers.
	Header http.Header
	// Gzip compresses the body (Content-Encoding: gzip), for batch exchange.
	Gzip bool
}

// Response is a successful answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// Value is the decoded JSON body after the response mapping; a body that is not JSON is
	// its text.
	Value any
	// Attempts is how many requests it took.
	Attempts int
}

// New builds the client of a lookup or push connector. It returns an error naming the field
// when the config cannot work (bad URL, an unknown auth type, a mapping that does not
// compile); missing secrets are reported at call time, or up front by CheckSecrets.
func New(conn *definitions.Connector, opts Options) (*Client, error) {
	if conn.Kind == "callback" {
		return nil, fmt.Errorf("连接器 %s 是回调类（callback），不能主动调用", conn.Name)
	}
	if conn.URL == "" || conn.Method == "" {
		return nil, fmt.Errorf("连接器 %s 缺少地址 url 或方法 method", conn.Name)
	}
	if ps := conn.Problems(); len(ps) > 0 {
		return nil, fmt.Errorf("连接器 %s：%s：%s", conn.Name, ps[0].Pointer, ps[0].Message)
	}
	c := &Client{
		conn:       conn,
		title:      conn.Title,
		method:     strings.ToUpper(conn.Method),
		url:        parseTemplate(conn.URL),
		http:       opts.HTTPClient,
		getenv:     opts.Getenv,
		now:        opts.Now,
		timeout:    millis(conn.TimeoutMS, DefaultTimeout),
		backoff:    millis(conn.BackoffMS, DefaultBackoff),
		maxBackoff: millis(conn.MaxBackoffMS, DefaultMaxBackoff),
		retries:    conn.Retries,
		logger:     opts.Logger,
		call:       opts.Call,
	}
	if c.title == "" {
		c.title = conn.Name
	}
	if c.http == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 64
		c.http = &http.Client{Transport: t}
	}
	if c.getenv == nil {
		c.getenv = os.Getenv
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	newAuth, ok := authKinds[conn.Auth.Type]
	if !ok {
		return nil, fmt.Errorf("连接器 %s：不支持的认证方式 %q", conn.Name, conn.Auth.Type)
	}
	c.auth = newAuth(c)
	env := opts.Env
	if env == nil {
		env = rules.NewEnv(&formschema.Field{Type: "object"}, nil, nil, map[string]types.Type{"response": types.Any, "input": types.Any})
	}
	var err error
	if conn.Request != "" {
		if c.request, err = env.Compile(conn.Request, rules.Any); err != nil {
			return nil, fmt.Errorf("连接器 %s：/request：%w", conn.Name, err)
		}
	}
	if conn.Response != "" {
		if c.response, err = env.Compile(conn.Response, rules.Any); err != nil {
			return nil, fmt.Errorf("连接器 %s：/response：%w", conn.Name, err)
		}
	}
	c.breaker = gobreaker.NewCircuitBreaker[*Response](c.breakerSettings(opts.OnStateChange))
	return c, nil
}

func millis(ms int, def time.Duration) time.Duration {
	if ms <= 0 {
		return def
	}
	return time.Duration(ms) * time.Millisecond
}

func (c *Client) breakerSettings(onChange func(string, string, string)) gobreaker.Settings {
	b := c.conn.Breaker
	if b == nil {
		b = &definitions.ConnectorBreaker{}
	}
	fails := uint32(DefaultBreakerFails)
	if b.Failures > 0 {
		fails = uint32(b.Failures)
	}
	return gobreaker.Settings{
		Name:        c.conn.Name,
		MaxRequests: uint32(max(b.HalfOpenRequests, 1)),
		Timeout:     millis(b.OpenMS, DefaultBreakerOpen),
		ReadyToTrip: func(n gobreaker.Counts) bool { return n.ConsecutiveFailures >= fails },
		// Only a system that does not answer, or answers that it is broken, counts against it:
		// a 404 or a refused credential is an answer.
		IsSuccessful: func(err error) bool {
			var e *Error
			return err == nil || errors.As(err, &e) && !e.Retryable()
		},
		IsExcluded: func(err error) bool { return IsKind(err, Canceled) || IsKind(err, Config) },
		OnStateChange: func(name string, from, to gobreaker.State) {
			c.logger.Warn("connector circuit", "connector", name, "from", from.String(), "to", to.String())
			if onChange != nil {
				onChange(name, from.String(), to.String())
			}
		},
	}
}

// Name is the connector's name.
func (c *Client) Name() string { return c.conn.Name }

// Connector is the config the client was built from.
func (c *Client) Connector() *definitions.Connector { return c.conn }

// State is the circuit breaker's state: "closed", "open" or "half-open".
func (c *Client) State() string { return c.breaker.State().String() }

// CheckSecrets reports, without a request, whether the environment variables the config names
// are set, so that a server can refuse to start with a connector that cannot work.
func (c *Client) CheckSecrets() error { return c.auth.check() }

// Lookup asks a lookup connector about key (an ID number, a credit code), which fills the
// {key} placeholder, and returns the mapped answer. Nothing found is an *Error of kind NotFound.
func (c *Client) Lookup(ctx context.Context, key string) (any, error) {
	res, err := c.Do(ctx, Request{Input: map[string]any{"key": key}})
	if err != nil {
		return nil, err
	}
	return res.Value, nil
}

// Push sends input to a push connector with an idempotency key, so that the other side
// applies a repeated push once.
func (c *Client) Push(ctx context.Context, input map[string]any, idempotencyKey string) (*Response, error) {
	return c.Do(ctx, Request{Input: input, IdempotencyKey: idempotencyKey})
}

// Do makes one call, retrying what is worth retrying. Its errors are *Error.
func (c *Client) Do(ctx context.Context, r Request) (res *Response, err error) {
	if c.call != nil {
		var end func(error)
		ctx, end = c.call(ctx, c.conn.Name)
		defer func() { end(err) }()
	}
	return c.do(ctx, r)
}

func (c *Client) do(ctx context.Context, r Request) (*Response, error) {
	target, missing := c.url.fill(r.Input)
	if missing != "" {
		e := c.newError(InvalidInput, 0, "缺少地址参数 "+missing, nil)
		e.Message = "调用" + c.title + "缺少 " + missing
		return nil, e
	}
	body, err := c.body(r)
	if err != nil {
		return nil, err
	}
	attempts, reauthorised := 0, false
	var last *Error
	for try := 0; ; try++ {
		if try > 0 {
			if err := c.sleep(ctx, c.wait(try, last)); err != nil {
				last = c.transportError(ctx, err)
				break
			}
		}
		res, err := c.breaker.Execute(func() (*Response, error) {
			attempts++
			return c.attempt(ctx, target, body, r)
		})
		if err == nil {
			res.Attempts = attempts
			return c.mapResponse(res, r)
		}
		if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
			last = c.newError(CircuitOpen, 0, "熔断中", err)
			break
		}
		if !errors.As(err, &last) {
			last = c.newError(Unavailable, 0, err.Error(), err)
		}
		if last.reauth && !reauthorised {
			// A refused OAuth2 token: fetch a fresh one and try once more, outside the retries.
			reauthorised = true
			try--
			continue
		}
		if !last.Retryable() || try >= c.retries {
			break
		}
		c.logger.Info("connector retry", "connector", c.conn.Name, "attempt", attempts, "error", last.Error())
	}
	last.Attempts = attempts
	return nil, last
}

// body builds the request body: Body, else the request mapping over the input, else the input
// itself for POST and PUT; GET sends none.
func (c *Client) body(r Request) ([]byte, error) {
	v := r.Body
	switch {
	case v != nil:
	case c.request != nil:
		vars := rules.Vars{}
		for k, x := range r.Vars {
			vars[k] = x
		}
		vars["input"] = r.Input
		out, err := c.request.Run(vars)
		if err != nil {
			return nil, c.newError(Mapping, 0, err.Error(), err)
		}
		v = out
	case c.method == http.MethodGet:
		return nil, nil
	default:
		v = r.Input
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, c.newError(Mapping, 0, "请求内容无法编码为 JSON："+err.Error(), err)
	}
	if !r.Gzip {
		return data, nil
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	zw.Close()
	return buf.Bytes(), nil
}

// attempt sends one request within the connector's timeout.
func (c *Client) attempt(ctx context.Context, target string, body []byte, r Request) (*Response, error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, c.method, target, rd)
	if err != nil {
		return nil, c.newError(Config, 0, "地址无效："+err.Error(), err)
	}
	for k, v := range c.conn.Headers {
		req.Header.Set(k, v)
	}
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "tongban-connector/1 ("+c.conn.Name+")")
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		if r.Gzip {
			req.Header.Set("Content-Encoding", "gzip")
		}
	}
	if r.IdempotencyKey != "" {
		req.Header.Set("Idempotency-Key", r.IdempotencyKey)
	}
	if err := c.auth.apply(actx, req, body); err != nil {
		return nil, err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	if len(data) > MaxResponseBytes {
		return nil, c.newError(BadResponse, res.StatusCode, fmt.Sprintf("响应超过 %d MB", MaxResponseBytes>>20), nil)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		e := c.newError(kindOfStatus(res.StatusCode), res.StatusCode, fmt.Sprintf("HTTP %d：%s", res.StatusCode, detailOf(data)), nil)
		if secs, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && secs > 0 {
			e.retryAfter = time.Duration(secs) * time.Second
		}
		if res.StatusCode == http.StatusUnauthorized {
			e.reauth = c.auth.rejected(req)
		}
		return nil, e
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: data}, nil
}

// mapResponse decodes the body and runs the response mapping.
func (c *Client) mapResponse(res *Response, r Request) (*Response, error) {
	body := bytes.TrimSpace(res.Body)
	switch {
	case len(body) == 0:
	case body[0] == '{' || body[0] == '[' || strings.Contains(res.Header.Get("Content-Type"), "json"):
		if err := json.Unmarshal(body, &res.Value); err != nil {
			e := c.newError(BadResponse, res.Status, "不是有效的 JSON："+err.Error(), err)
			e.Attempts = res.Attempts
			return nil, e
		}
	default:
		res.Value = string(body)
	}
	if c.response != nil {
		out, err := c.response.Run(rules.Vars{"response": res.Value, "input": r.Input})
		if err != nil {
			e := c.newError(Mapping, res.Status, err.Error(), err)
			e.Attempts = res.Attempts
			return nil, e
		}
		res.Value = out
	}
	return res, nil
}

// wait is the pause before retry number try (1, 2, …): the backoff doubled per retry up to
// the cap, the upper half of it random (so that callers who failed together do not return
// together), and no less than a Retry-After the other side asked for, within the cap.
func (c *Client) wait(try int, last *Error) time.Duration {
	d := c.backoff << min(try-1, 30)
	if d <= 0 || d > c.maxBackoff {
		d = c.maxBackoff
	}
	d = d/2 + rand.N(d/2+1)
	if last != nil && last.retryAfter > d {
		d = min(last.retryAfter, c.maxBackoff)
	}
	return d
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// detailOf pulls the other side's own words out of an error body for the log.
func detailOf(body []byte) string {
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		for _, k := range []string{"message", "msg", "error_description", "error", "detail"} {
			if s, ok := m[k].(string); ok && s != "" {
				return s
			}
		}
	}
	s := strings.TrimSpace(string(body))
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}
