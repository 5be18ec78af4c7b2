package httpconn_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/connectors/httpconn"
	"github.com/xuchang-gov/tongban/connectors/simulate"
	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/cn"
)

// clock is a wall clock that a test can move forward, shared by client and simulator.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}

// startSim serves the simulators on a real HTTP server.
func startSim(t *testing.T, cfg simulate.Config) (*simulate.Server, string) {
	t.Helper()
	if cfg.CallbackDelay == 0 {
		cfg.CallbackDelay = 5 * time.Millisecond
	}
	sim := simulate.New(cfg)
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(func() {
		srv.Close()
		sim.Close()
	})
	return sim, srv.URL
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func newClient(t *testing.T, conn *definitions.Connector, opts httpconn.Options) *httpconn.Client {
	t.Helper()
	c, err := httpconn.New(conn, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func populationDB(base string) *definitions.Connector {
	return &definitions.Connector{Name: "population-db", Title: "人口库", Kind: "lookup", Method: "GET",
		URL: base + "/population/v1/persons/{key}", TimeoutMS: 2000, Retries: 2, BackoffMS: 1, MaxBackoffMS: 5,
		Auth: definitions.ConnectorAuth{Type: "hmac", SecretEnv: "POP_SECRET"}}
}

var zhangWei = cn.MakeIDNumber("411002", time.Date(1986, 5, 12, 0, 0, 0, 0, time.UTC), 31)

func TestLookupPersonAndEnterprise(t *testing.T) {
	_, base := startSim(t, simulate.Config{Auth: map[string]simulate.Auth{
		simulate.Population:  {HMACSecret: "pop-key"},
		simulate.LegalPerson: {HMACSecret: "lp-key"},
		simulate.ELicense:    {HMACSecret: "el-key"},
	}})
	getenv := env(map[string]string{"POP_SECRET": "pop-key", "LP_SECRET": "lp-key", "EL_SECRET": "el-key"})
	pop := newClient(t, populationDB(base), httpconn.Options{Getenv: getenv})
	ctx := context.Background()

	t.Run("demo resident", func(t *testing.T) {
		v, err := pop.Lookup(ctx, zhangWei)
		if err != nil {
			t.Fatal(err)
		}
		p := v.(map[string]any)
		if p["name"] != "张伟" || p["sex"] != "男" || p["birthDate"] != "1986-05-12" || p["householdDivision"] != "411002" {
			t.Errorf("got %v", p)
		}
	})
	t.Run("generated resident is stable", func(t *testing.T) {
		id := cn.MakeIDNumber("411081", time.Date(1979, 12, 1, 0, 0, 0, 0, time.UTC), 358)
		a, err := pop.Lookup(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := pop.Lookup(ctx, id)
		pa, pb := a.(map[string]any), b.(map[string]any)
		if pa["name"] != pb["name"] || pa["name"] == "" || pa["householdDivisionName"] != "河南省许昌市禹州市" || pa["sex"] != "女" {
			t.Errorf("got %v and %v", pa, pb)
		}
	})
	t.Run("not in the register", func(t *testing.T) {
		conn := populationDB(base)
		conn.Errors = map[string]string{"404": "人口库中查无此人，请核对身份证号"}
		c := newClient(t, conn, httpconn.Options{Getenv: getenv})
		_, err := c.Lookup(ctx, cn.MakeIDNumber("110101", time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), 11))
		var e *httpconn.Error
		if !errors.As(err, &e) || e.Kind != httpconn.NotFound || e.Message != "人口库中查无此人，请核对身份证号" || e.Attempts != 1 {
			t.Fatalf("got %#v", err)
		}
	})
	t.Run("enterprise", func(t *testing.T) {
		lp := newClient(t, &definitions.Connector{Name: "legal-person-db", Title: "法人库", Kind: "lookup", Method: "GET",
			URL: base + "/legal-person/v1/entities/{key}", Auth: definitions.ConnectorAuth{Type: "hmac", SecretEnv: "LP_SECRET"},
			Response: `{name: response.name, legalPerson: response.legalPerson, division: response.divisionCode}`}, httpconn.Options{Getenv: getenv})
		v, err := lp.Lookup(ctx, cn.MakeUSCC("91411003MA9KXY7Q8"))
		if err != nil {
			t.Fatal(err)
		}
		got := v.(map[string]any)
		if got["name"] != "许昌瑞祥置业有限公司" || got["legalPerson"] != "张伟" || got["division"] != "411003" || len(got) != 3 {
			t.Errorf("got %v", got)
		}
	})
	t.Run("e-licenses of a holder", func(t *testing.T) {
		el := newClient(t, &definitions.Connector{Name: "e-license-library", Title: "电子证照库", Kind: "lookup", Method: "GET",
			URL: base + "/e-license/v1/licenses?holder={key}", Auth: definitions.ConnectorAuth{Type: "hmac", SecretEnv: "EL_SECRET"},
			Response: `filter(response.licenses, .type == "建设工程规划许可证")`}, httpconn.Options{Getenv: getenv})
		v, err := el.Lookup(ctx, cn.MakeUSCC("91411003MA9KXY7Q8"))
		if err != nil {
			t.Fatal(err)
		}
		list := v.([]any)
		if len(list) != 1 {
			t.Fatalf("got %v", v)
		}
		l := list[0].(map[string]any)
		if l["number"] != "建字第411003202400123号" || len(l["hash"].(string)) != 64 || l["version"] != 1.0 {
			t.Errorf("got %v", l)
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		c := newClient(t, populationDB(base), httpconn.Options{Getenv: env(map[string]string{"POP_SECRET": "guess"})})
		_, err := c.Lookup(ctx, zhangWei)
		if !httpconn.IsKind(err, httpconn.Unauthorized) || !strings.HasPrefix(httpconn.Message(err), "认证失败") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("missing secret", func(t *testing.T) {
		c := newClient(t, populationDB(base), httpconn.Options{Getenv: env(nil)})
		if err := c.CheckSecrets(); err == nil || !strings.Contains(err.Error(), "POP_SECRET") {
			t.Errorf("CheckSecrets: %v", err)
		}
		_, err := c.Lookup(ctx, zhangWei)
		if !httpconn.IsKind(err, httpconn.Config) || !strings.Contains(err.Error(), "环境变量 POP_SECRET 未设置") {
			t.Fatalf("got %v", err)
		}
	})
}

// flaky answers 503 to the first n requests and passes the rest to next.
func flaky(n int32, next http.Handler) (http.Handler, *atomic.Int32) {
	var seen atomic.Int32
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) <= n {
			http.Error(w, `{"message":"维护中"}`, http.StatusServiceUnavailable)
			return
		}
		next.ServeHTTP(w, r)
	}), &seen
}

func TestRetriesThenSuccess(t *testing.T) {
	sim := simulate.New(simulate.Config{})
	defer sim.Close()
	h, seen := flaky(2, sim.Handler())
	srv := httptest.NewServer(h)
	defer srv.Close()
	conn := populationDB(srv.URL)
	conn.Auth = definitions.ConnectorAuth{}
	c := newClient(t, conn, httpconn.Options{})
	res, err := c.Do(context.Background(), httpconn.Request{Input: map[string]any{"key": zhangWei}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempts != 3 || seen.Load() != 3 || res.Value.(map[string]any)["name"] != "张伟" {
		t.Errorf("attempts %d, requests %d, value %v", res.Attempts, seen.Load(), res.Value)
	}

	t.Run("gives up after the retries", func(t *testing.T) {
		h, seen := flaky(100, sim.Handler())
		srv := httptest.NewServer(h)
		defer srv.Close()
		conn := populationDB(srv.URL)
		conn.Auth = definitions.ConnectorAuth{}
		_, err := newClient(t, conn, httpconn.Options{}).Lookup(context.Background(), zhangWei)
		var e *httpconn.Error
		if !errors.As(err, &e) || e.Kind != httpconn.Unavailable || e.Attempts != 3 || seen.Load() != 3 || e.Status != 503 {
			t.Fatalf("got %#v after %d requests", err, seen.Load())
		}
		if !strings.Contains(e.Message, "对方系统不可用") || !strings.Contains(e.Error(), "维护中") {
			t.Errorf("message %q, error %q", e.Message, e.Error())
		}
	})
	t.Run("does not retry what will not change", func(t *testing.T) {
		_, err := c.Lookup(context.Background(), "411002198605120318")
		var e *httpconn.Error
		if !errors.As(err, &e) || e.Kind != httpconn.Rejected || e.Attempts != 1 {
			t.Fatalf("got %#v", err)
		}
	})
}

func TestTimeout(t *testing.T) {
	sim, base := startSim(t, simulate.Config{})
	sim.SetFaults(simulate.Population, simulate.Faults{TimeoutRate: 1, Hang: 5 * time.Second})
	conn := populationDB(base)
	conn.Auth, conn.TimeoutMS, conn.Retries = definitions.ConnectorAuth{}, 50, 1
	start := time.Now()
	_, err := newClient(t, conn, httpconn.Options{}).Lookup(context.Background(), zhangWei)
	var e *httpconn.Error
	if !errors.As(err, &e) || e.Kind != httpconn.Timeout || e.Attempts != 2 {
		t.Fatalf("got %#v", err)
	}
	if e.Message != "人口库响应超时，请稍后再试" {
		t.Errorf("message %q", e.Message)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v: the timeout did not cut the hanging request", d)
	}
}

func TestCircuitBreaker(t *testing.T) {
	sim, base := startSim(t, simulate.Config{})
	conn := populationDB(base)
	conn.Auth, conn.Retries = definitions.ConnectorAuth{}, 0
	conn.Breaker = &definitions.ConnectorBreaker{Failures: 3, OpenMS: 100}
	var changes []string
	var mu sync.Mutex
	c := newClient(t, conn, httpconn.Options{OnStateChange: func(_, from, to string) {
		mu.Lock()
		changes = append(changes, from+"→"+to)
		mu.Unlock()
	}})
	ctx := context.Background()
	sim.SetFaults(simulate.Population, simulate.Faults{Down: true})
	for i := range 3 {
		if _, err := c.Lookup(ctx, zhangWei); !httpconn.IsKind(err, httpconn.Unavailable) {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if c.State() != "open" {
		t.Fatalf("state %s after 3 failures", c.State())
	}
	before := sim.Stats(simulate.Population).Requests
	_, err := c.Lookup(ctx, zhangWei)
	if !httpconn.IsKind(err, httpconn.CircuitOpen) || !strings.Contains(httpconn.Message(err), "熔断") {
		t.Fatalf("open circuit: %v", err)
	}
	if after := sim.Stats(simulate.Population).Requests; after != before {
		t.Errorf("an open circuit sent %d requests", after-before)
	}

	t.Run("half-open trial fails and opens again", func(t *testing.T) {
		time.Sleep(120 * time.Millisecond)
		if c.State() != "half-open" {
			t.Fatalf("state %s after the open period", c.State())
		}
		if _, err := c.Lookup(ctx, zhangWei); !httpconn.IsKind(err, httpconn.Unavailable) {
			t.Fatalf("trial: %v", err)
		}
		if c.State() != "open" {
			t.Fatalf("state %s after a failed trial", c.State())
		}
	})
	t.Run("half-open trial succeeds and closes", func(t *testing.T) {
		sim.SetFaults(simulate.Population, simulate.Faults{})
		time.Sleep(120 * time.Millisecond)
		if _, err := c.Lookup(ctx, zhangWei); err != nil {
			t.Fatalf("trial: %v", err)
		}
		if c.State() != "closed" {
			t.Fatalf("state %s after a good trial", c.State())
		}
	})
	t.Run("not found does not count against the other side", func(t *testing.T) {
		for range 5 {
			c.Lookup(ctx, cn.MakeIDNumber("110101", time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), 11))
		}
		if c.State() != "closed" {
			t.Errorf("state %s after answers of 404", c.State())
		}
	})
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Join(changes, " "); got != "closed→open open→half-open half-open→open open→half-open half-open→closed" {
		t.Errorf("state changes %s", got)
	}
}

func TestOAuth2ClientCredentials(t *testing.T) {
	clk := &clock{}
	sim, base := startSim(t, simulate.Config{
		Auth:         map[string]simulate.Auth{simulate.Population: {OAuth2: true}},
		OAuthClients: map[string]string{"tongban": "s3cret"},
		TokenTTL:     time.Minute,
		Now:          clk.now,
	})
	conn := populationDB(base)
	conn.Auth = definitions.ConnectorAuth{Type: "oauth2", TokenURL: base + "/oauth/token", ClientIDEnv: "OAUTH_ID", SecretEnv: "OAUTH_SECRET", Scopes: []string{"population.read"}}
	getenv := env(map[string]string{"OAUTH_ID": "tongban", "OAUTH_SECRET": "s3cret"})
	c := newClient(t, conn, httpconn.Options{Getenv: getenv, Now: clk.now})
	ctx := context.Background()
	fetches := func() int { return sim.Stats(simulate.OAuth).Applied }

	for range 3 {
		if _, err := c.Lookup(ctx, zhangWei); err != nil {
			t.Fatal(err)
		}
	}
	if fetches() != 1 {
		t.Fatalf("3 lookups fetched %d tokens, want 1 cached", fetches())
	}
	t.Run("refreshed before it expires", func(t *testing.T) {
		clk.advance(55 * time.Second) // within the 10 s margin of the 60 s lifetime
		if _, err := c.Lookup(ctx, zhangWei); err != nil {
			t.Fatal(err)
		}
		if fetches() != 2 {
			t.Fatalf("%d token fetches, want 2", fetches())
		}
	})
	t.Run("concurrent callers share one fetch", func(t *testing.T) {
		clk.advance(2 * time.Minute)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if _, err := c.Lookup(ctx, zhangWei); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if fetches() != 3 {
			t.Fatalf("%d token fetches, want 3", fetches())
		}
	})
	t.Run("a token the server revoked is replaced", func(t *testing.T) {
		sim.RevokeTokens()
		res, err := c.Do(ctx, httpconn.Request{Input: map[string]any{"key": zhangWei}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Attempts != 2 || fetches() != 4 {
			t.Errorf("%d attempts and %d token fetches, want the refused token dropped and one more try", res.Attempts, fetches())
		}
	})
	t.Run("wrong client secret", func(t *testing.T) {
		bad := newClient(t, conn, httpconn.Options{Getenv: env(map[string]string{"OAUTH_ID": "tongban", "OAUTH_SECRET": "nope"})})
		_, err := bad.Lookup(ctx, zhangWei)
		if !httpconn.IsKind(err, httpconn.Unauthorized) || !strings.Contains(err.Error(), "令牌服务拒绝") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestBasicAndBearer(t *testing.T) {
	_, base := startSim(t, simulate.Config{Auth: map[string]simulate.Auth{
		simulate.Population:  {Username: "tongban", Password: "pw"},
		simulate.LegalPerson: {Bearer: "api-key-1"},
	}})
	ctx := context.Background()
	basic := populationDB(base)
	basic.Auth = definitions.ConnectorAuth{Type: "basic", Username: "tongban", SecretEnv: "PW"}
	if _, err := newClient(t, basic, httpconn.Options{Getenv: env(map[string]string{"PW": "pw"})}).Lookup(ctx, zhangWei); err != nil {
		t.Errorf("basic: %v", err)
	}
	if _, err := newClient(t, basic, httpconn.Options{Getenv: env(map[string]string{"PW": "x"})}).Lookup(ctx, zhangWei); !httpconn.IsKind(err, httpconn.Unauthorized) {
		t.Errorf("basic with a wrong password: %v", err)
	}
	bearer := &definitions.Connector{Name: "legal-person-db", Title: "法人库", Kind: "lookup", Method: "GET",
		URL: base + "/legal-person/v1/entities/{key}", Auth: definitions.ConnectorAuth{Type: "bearer", SecretEnv: "KEY"}}
	if _, err := newClient(t, bearer, httpconn.Options{Getenv: env(map[string]string{"KEY": "api-key-1"})}).Lookup(ctx, cn.MakeUSCC("91411003MA9KXY7Q8")); err != nil {
		t.Errorf("bearer: %v", err)
	}
	if _, err := newClient(t, bearer, httpconn.Options{Getenv: env(map[string]string{"KEY": "api-key-2"})}).Lookup(ctx, cn.MakeUSCC("91411003MA9KXY7Q8")); !httpconn.IsKind(err, httpconn.Unauthorized) {
		t.Errorf("bearer with a wrong key: %v", err)
	}
}

func TestRequestShape(t *testing.T) {
	var got struct {
		uri, key, ctype string
		body            map[string]any
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.uri, got.key, got.ctype = r.RequestURI, r.Header.Get("Idempotency-Key"), r.Header.Get("Content-Type")
		raw, _ := io.ReadAll(r.Body)
		json.Unmarshal(raw, &got.body)
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, `{"applicationId":"A1"}`)
	}))
	defer srv.Close()
	conn := &definitions.Connector{Name: "dept", Title: "部门系统", Kind: "push", Method: "POST",
		URL:      srv.URL + "/v1/{org}/applications?case={case}",
		Headers:  map[string]string{"X-App": "tongban"},
		Request:  `{case: input.case, applicant: input.name, fee: input.amount * 2}`,
		Response: `response.applicationId`}
	c := newClient(t, conn, httpconn.Options{})
	res, err := c.Push(context.Background(), map[string]any{"org": "住建/局 1", "case": "XC 2026?&1", "name": "张伟", "amount": 6.5}, "case:XC1:token:3")
	if err != nil {
		t.Fatal(err)
	}
	if res.Value != "A1" || res.Status != 202 {
		t.Errorf("value %v status %d", res.Value, res.Status)
	}
	if want := "/v1/%E4%BD%8F%E5%BB%BA%2F%E5%B1%80%201/applications?case=XC+2026%3F%261"; got.uri != want {
		t.Errorf("request URI %s, want %s", got.uri, want)
	}
	if got.key != "case:XC1:token:3" || !strings.HasPrefix(got.ctype, "application/json") {
		t.Errorf("idempotency key %q, content type %q", got.key, got.ctype)
	}
	if got.body["case"] != "XC 2026?&1" || got.body["applicant"] != "张伟" || got.body["fee"] != 13.0 || len(got.body) != 3 {
		t.Errorf("body %v", got.body)
	}
	if _, err := c.Push(context.Background(), map[string]any{"case": "1"}, ""); !httpconn.IsKind(err, httpconn.InvalidInput) {
		t.Errorf("a missing placeholder: %v", err)
	}
}

func TestNewRefusesBadConfigs(t *testing.T) {
	cases := []struct {
		name string
		conn definitions.Connector
		want string
	}{
		{"callback kind", definitions.Connector{Name: "x", Kind: "callback"}, "回调类"},
		{"no url", definitions.Connector{Name: "x", Kind: "lookup", Method: "GET"}, "缺少地址"},
		{"relative url", definitions.Connector{Name: "x", Kind: "lookup", Method: "GET", URL: "/a/{key}"}, "http://"},
		{"oauth2 without client id", definitions.Connector{Name: "x", Kind: "lookup", Method: "GET", URL: "http://h/{key}",
			Auth: definitions.ConnectorAuth{Type: "oauth2", SecretEnv: "S", TokenURL: "http://h/t"}}, "clientIdEnv"},
		{"secret written in", definitions.Connector{Name: "x", Kind: "lookup", Method: "GET", URL: "http://h/{key}",
			Auth: definitions.ConnectorAuth{Type: "hmac", SecretEnv: "my secret value"}}, "不是环境变量名"},
		{"bad mapping", definitions.Connector{Name: "x", Kind: "lookup", Method: "GET", URL: "http://h/{key}", Response: "response.("}, "/response"},
		{"bad error status", definitions.Connector{Name: "x", Kind: "lookup", Method: "GET", URL: "http://h/{key}", Errors: map[string]string{"4xx": "x"}}, "HTTP 状态码"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := httpconn.New(&tc.conn, httpconn.Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestChineseMessages(t *testing.T) {
	cases := []struct {
		status int
		kind   httpconn.Kind
		want   string
	}{
		{401, httpconn.Unauthorized, "认证失败"},
		{403, httpconn.Forbidden, "拒绝访问"},
		{404, httpconn.NotFound, "未查到"},
		{422, httpconn.Rejected, "拒绝了请求"},
		{429, httpconn.Throttled, "过于频繁"},
		{500, httpconn.Unavailable, "对方系统不可用"},
		{504, httpconn.Timeout, "超时"},
	}
	for _, tc := range cases {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tc.status)
			}))
			defer srv.Close()
			c := newClient(t, &definitions.Connector{Name: "x", Title: "某系统", Kind: "lookup", Method: "GET", URL: srv.URL + "/{key}"}, httpconn.Options{})
			_, err := c.Lookup(context.Background(), "k")
			var e *httpconn.Error
			if !errors.As(err, &e) || e.Kind != tc.kind || !strings.Contains(e.Message, tc.want) {
				t.Fatalf("got %#v", err)
			}
		})
	}
	t.Run("connection refused", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		c := newClient(t, &definitions.Connector{Name: "x", Title: "某系统", Kind: "lookup", Method: "GET", URL: url + "/{key}"}, httpconn.Options{})
		_, err := c.Lookup(context.Background(), "k")
		if !httpconn.IsKind(err, httpconn.Unavailable) || httpconn.Message(err) != "某系统暂时不可用（对方系统不可用），请稍后再试" {
			t.Fatalf("got %v", err)
		}
	})
}
