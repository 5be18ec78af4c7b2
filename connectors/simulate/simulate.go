// Package simulate serves realistic simulators of the outside systems tongban connects to —
// the population database, the legal-person database, the e-license library, a department's
// approval system, an SMS gateway, a payment platform and a logistics platform, and an OAuth2
// token service — as real HTTP handlers, with demo data of 许昌 residents and enterprises whose
// ID numbers and credit codes have valid checksums.
//
// They behave as the real systems do where it matters to tongban: they check credentials
// (HMAC signatures, OAuth2 tokens, Basic, bearer keys), apply a push once per Idempotency-Key,
// call back later with signed, possibly repeated, messages, and fail on demand (latency, an
// error rate, hanging requests, a system that is down for a while). `tongban simulate` serves
// them, and the connectors' tests run against them.
package simulate

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/xuchang-gov/tongban/connectors/callback"
	"github.com/xuchang-gov/tongban/connectors/hmacsig"
)

// The services, named as the example connectors that call them.
const (
	Population  = "population-db"
	LegalPerson = "legal-person-db"
	ELicense    = "e-license-library"
	Department  = "housing-approval-system"
	SMS         = "sms-gateway"
	Payment     = "payment-platform"
	Logistics   = "logistics-platform"
	OAuth       = "oauth"
)

// Services lists every simulated service.
var Services = []string{Population, LegalPerson, ELicense, Department, SMS, Payment, Logistics, OAuth}

// Faults make a service misbehave. The zero value behaves.
type Faults struct {
	// Latency is added to every answer, plus up to Jitter more at random.
	Latency time.Duration `json:"latency,omitempty"`
	Jitter  time.Duration `json:"jitter,omitempty"`
	// ErrorRate is the share of requests answered 503 (0–1).
	ErrorRate float64 `json:"errorRate,omitempty"`
	// TimeoutRate is the share of requests that hang, for Hang (default 30 s) or until the
	// caller gives up, and then get a 504.
	TimeoutRate float64       `json:"timeoutRate,omitempty"`
	Hang        time.Duration `json:"hang,omitempty"`
	// Down answers every request 503, as a system that is down for maintenance.
	Down bool `json:"down,omitempty"`
	// DuplicateRate is the share of callbacks sent twice (the same message id, freshly signed).
	DuplicateRate float64 `json:"duplicateRate,omitempty"`
}

// Auth is what a service accepts as credentials. A request passes if it satisfies any method
// that is set; a service with none set accepts anyone.
type Auth struct {
	// HMACSecret: requests signed with it (package hmacsig) pass; callbacks the service sends
	// are signed with it too.
	HMACSecret string
	// Bearer: this fixed token passes.
	Bearer string
	// Username and Password: these Basic credentials pass.
	Username, Password string
	// OAuth2: access tokens issued by the simulated token service pass.
	OAuth2 bool
}

func (a Auth) open() bool {
	return a.HMACSecret == "" && a.Bearer == "" && a.Username == "" && !a.OAuth2
}

// Config sets up a Server.
type Config struct {
	// Auth holds the credentials of each service by name; services not listed accept anyone.
	Auth map[string]Auth
	// SecretKey, when set, is what StartLocal derives each service's HMAC secret from, so that
	// every data folder has secrets of its own that nobody can read off the source.
	SecretKey []byte
	// OAuthClients are the client ids and secrets the token service accepts.
	OAuthClients map[string]string
	// TokenTTL is the lifetime of issued tokens (default one hour).
	TokenTTL time.Duration
	// CallbackBase is where services call back when a push names no callbackUrl:
	// CallbackBase + "/" + the service name.
	CallbackBase string
	// CallbackDelay is the pause before each callback of a push (default 200 ms).
	CallbackDelay time.Duration
	// AutoPay makes the payment platform pay each order by itself after CallbackDelay, as if
	// the applicant paid at once.
	AutoPay bool
	// Faults apply to every service; SetFaults changes them for one.
	Faults Faults
	// Seed makes the random faults repeatable.
	Seed uint64
	// Now is the clock (default time.Now).
	Now func() time.Time
	// HTTPClient sends callbacks (default: a client with a 10 s timeout).
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Server is every simulator behind one handler.
type Server struct {
	cfg    Config
	mux    *http.ServeMux
	logger *slog.Logger
	nonces *callback.MemoryNonces

	mu        sync.Mutex
	rng       *rand.Rand
	faults    map[string]Faults
	stats     map[string]*Stats
	idem      map[string]*sync.Mutex
	replies   map[string]reply // stored answers by service + Idempotency-Key
	tokens    map[string]time.Time
	seq       int
	sms       []SMSMessage
	orders    map[string]*paymentOrder
	waybills  map[string]*waybill
	apps      map[string]*application
	callbacks []CallbackRecord

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Stats count what a service did.
type Stats struct {
	Requests int `json:"requests"`
	// Faulted counts requests answered with an injected failure.
	Faulted int `json:"faulted"`
	// Refused counts requests without valid credentials.
	Refused int `json:"refused"`
	// Applied counts pushes carried out; Duplicates counts pushes with an Idempotency-Key seen
	// before, answered from the first without doing anything.
	Applied    int `json:"applied"`
	Duplicates int `json:"duplicates"`
	// CallbacksSent counts callback requests (with duplicates and retries); CallbacksAcked
	// those answered 2xx.
	CallbacksSent  int `json:"callbacksSent"`
	CallbacksAcked int `json:"callbacksAcked"`
}

type reply struct {
	status int
	body   []byte
}

// New builds the simulators. Close stops their pending callbacks.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = time.Hour
	}
	if cfg.CallbackDelay <= 0 {
		cfg.CallbackDelay = 200 * time.Millisecond
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg: cfg, mux: http.NewServeMux(), logger: cfg.Logger, nonces: callback.NewMemoryNonces(),
		rng:    rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		faults: map[string]Faults{}, stats: map[string]*Stats{}, replies: map[string]reply{},
		tokens: map[string]time.Time{}, orders: map[string]*paymentOrder{}, waybills: map[string]*waybill{},
		apps: map[string]*application{}, idem: map[string]*sync.Mutex{}, ctx: ctx, cancel: cancel,
	}
	for _, svc := range Services {
		s.stats[svc] = &Stats{}
		s.idem[svc] = &sync.Mutex{}
	}
	s.routes()
	return s
}

// Handler serves every simulator.
func (s *Server) Handler() http.Handler { return s.mux }

// Close cancels the callbacks not yet sent and waits for those under way.
func (s *Server) Close() {
	s.cancel()
	s.wg.Wait()
}

// SetFaults sets the faults of one service, or of every service when service is "".
func (s *Server) SetFaults(service string, f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if service == "" {
		s.cfg.Faults = f
		s.faults = map[string]Faults{}
		return
	}
	s.faults[service] = f
}

// Stats returns the counts of a service.
func (s *Server) Stats(service string) Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.stats[service]; st != nil {
		return *st
	}
	return Stats{}
}

func (s *Server) count(service string, f func(*Stats)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s.stats[service])
}

func (s *Server) routes() {
	s.handle(Population, "GET /population/v1/persons/{idNumber}", false, s.person)
	s.handle(LegalPerson, "GET /legal-person/v1/entities/{uscc}", false, s.enterprise)
	s.handle(ELicense, "GET /e-license/v1/licenses", false, s.licenses)
	s.handle(ELicense, "GET /e-license/v1/licenses/{number}", false, s.license)
	s.handle(Department, "POST /housing/v1/applications", true, s.acceptApplication)
	s.handle(Department, "GET /housing/v1/applications/{id}", false, s.getApplication)
	s.handle(SMS, "POST /sms/v1/messages", true, s.sendSMS)
	s.handle(SMS, "GET /sms/v1/messages", false, s.listSMS)
	s.handle(Payment, "POST /payment/v1/orders", true, s.createOrder)
	s.handle(Payment, "GET /payment/v1/orders/{id}", false, s.getOrder)
	s.handle(Payment, "POST /payment/v1/orders/{id}/pay", true, s.payOrder)
	// The cashier is the applicant's browser page: no credentials, as on a real platform.
	s.mux.Handle("GET /payment/v1/orders/{id}/cashier", s.faulty(Payment, http.HandlerFunc(s.cashier)))
	s.mux.Handle("POST /payment/v1/orders/{id}/cashier", s.faulty(Payment, http.HandlerFunc(s.checkout)))
	s.handle(Logistics, "POST /logistics/v1/orders", true, s.createWaybill)
	s.handle(Logistics, "GET /logistics/v1/orders/{waybillNo}", false, s.getWaybill)
	s.mux.Handle("POST /oauth/token", s.faulty(OAuth, http.HandlerFunc(s.token)))
	s.mux.HandleFunc("GET /_sim", s.index)
	s.mux.HandleFunc("GET /_sim/stats", s.allStats)
	s.mux.HandleFunc("GET /_sim/callbacks", s.listCallbacks)
	s.mux.HandleFunc("PUT /_sim/faults/{service}", s.putFaults)
	s.mux.HandleFunc("DELETE /_sim/faults/{service}", s.putFaults)
}

// apiFunc is one endpoint: it gets the request and its (verified, unzipped) body and returns
// the status and the JSON to answer with.
type apiFunc func(r *http.Request, body []byte) (int, any)

// handle registers an endpoint of a service behind its faults and credentials; an idempotent
// endpoint answers a repeated Idempotency-Key with the first answer and does nothing else.
func (s *Server) handle(service, pattern string, idempotent bool, fn apiFunc) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := s.authorize(service, w, r)
		if !ok {
			return
		}
		key := r.Header.Get("Idempotency-Key")
		if !idempotent || key == "" {
			status, v := fn(r, body)
			writeJSON(w, status, v)
			return
		}
		// One push at a time per service keeps "apply once" simple; simulators need no more.
		s.idemMu(service).Lock()
		defer s.idemMu(service).Unlock()
		s.mu.Lock()
		prev, seen := s.replies[service+"\x00"+r.URL.Path+"\x00"+key]
		s.mu.Unlock()
		if seen {
			s.count(service, func(st *Stats) { st.Duplicates++ })
			w.Header().Set("Idempotent-Replayed", "true")
			writeRaw(w, prev.status, prev.body)
			return
		}
		status, v := fn(r, body)
		raw, _ := json.Marshal(v)
		if status < 500 {
			s.mu.Lock()
			s.replies[service+"\x00"+r.URL.Path+"\x00"+key] = reply{status, raw}
			s.mu.Unlock()
		}
		writeRaw(w, status, raw)
	})
	s.mux.Handle(pattern, s.faulty(service, h))
}

func (s *Server) idemMu(service string) *sync.Mutex { return s.idem[service] }

// faulty counts requests and injects the service's faults before next.
func (s *Server) faulty(service string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		f, ok := s.faults[service]
		if !ok {
			f = s.cfg.Faults
		}
		s.stats[service].Requests++
		var extra time.Duration
		if f.Jitter > 0 {
			extra = time.Duration(s.rng.Int64N(int64(f.Jitter)))
		}
		hang := f.TimeoutRate > 0 && s.rng.Float64() < f.TimeoutRate
		fail := f.Down || (f.ErrorRate > 0 && s.rng.Float64() < f.ErrorRate)
		if hang || fail {
			s.stats[service].Faulted++
		}
		s.mu.Unlock()
		if !sleep(r.Context(), f.Latency+extra) {
			return
		}
		if hang {
			d := f.Hang
			if d <= 0 {
				d = 30 * time.Second
			}
			if sleep(r.Context(), d) {
				writeJSON(w, http.StatusGatewayTimeout, apiError("系统处理超时"))
			}
			return
		}
		if fail {
			w.Header().Set("Retry-After", "1")
			writeJSON(w, http.StatusServiceUnavailable, apiError("系统维护中，暂停服务"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// sleep waits d or until ctx ends, and reports whether the wait ran its course.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// authorize checks the request's credentials against the service's and returns its body.
func (s *Server) authorize(service string, w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	a := s.cfg.Auth[service]
	refuse := func(msg string) ([]byte, bool) {
		s.count(service, func(st *Stats) { st.Refused++ })
		w.Header().Set("WWW-Authenticate", `Bearer realm="simulate"`)
		writeJSON(w, http.StatusUnauthorized, apiError(msg))
		return nil, false
	}
	if a.HMACSecret != "" && r.Header.Get(hmacsig.DefaultHeaders.Signature) != "" {
		v := &callback.Verifier{Secret: func(string) ([]byte, error) { return []byte(a.HMACSecret), nil },
			Headers: hmacsig.DefaultHeaders, Nonces: s.nonces, Scope: service, Now: s.cfg.Now}
		body, err := v.Verify(r)
		if err != nil {
			return refuse("签名校验失败：" + err.Error())
		}
		return body, true
	}
	body, err := readBody(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError("无法读取请求内容"))
		return nil, false
	}
	if a.open() {
		return body, true
	}
	authz := r.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(authz, "Bearer "); ok {
		if a.Bearer != "" && tok == a.Bearer {
			return body, true
		}
		if a.OAuth2 {
			s.mu.Lock()
			exp, issued := s.tokens[tok]
			s.mu.Unlock()
			if issued && s.cfg.Now().Before(exp) {
				return body, true
			}
			return refuse("访问令牌无效或已过期")
		}
	}
	if user, pass, ok := r.BasicAuth(); ok && a.Username != "" && user == a.Username && pass == a.Password {
		return body, true
	}
	return refuse("认证失败：缺少或错误的凭据")
}

func readBody(r *http.Request) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(io.LimitReader(zr, 512<<20))
	}
	return raw, nil
}

// token is the OAuth2 client credentials grant (RFC 6749 §4.4), with the client
// authenticated by Basic (preferred) or by form parameters.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	want, known := s.cfg.OAuthClients[id]
	if !known || want == "" || secret != want {
		s.count(OAuth, func(st *Stats) { st.Refused++ })
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "client id 或 secret 错误"})
		return
	}
	tok := "sim-" + hmacsig.NewNonce()
	s.mu.Lock()
	s.tokens[tok] = s.cfg.Now().Add(s.cfg.TokenTTL)
	s.stats[OAuth].Applied++
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer",
		"expires_in": int(s.cfg.TokenTTL / time.Second), "scope": r.PostForm.Get("scope")})
}

// RevokeTokens forgets every access token issued, as a token service does when its keys
// rotate: callers holding one are refused until they fetch a new one.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]time.Time{}
}

// nextID returns a fresh sequence number.
func (s *Server) nextID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return s.seq
}

func (s *Server) index(w http.ResponseWriter, _ *http.Request) {
	persons := make([]map[string]any, 0, len(demoPersons))
	for _, p := range DemoPersons() {
		persons = append(persons, map[string]any{"idNumber": p.IDNumber, "name": p.Name})
	}
	enterprises := make([]map[string]any, 0, len(demoEnterprises))
	for _, e := range DemoEnterprises() {
		enterprises = append(enterprises, map[string]any{"uscc": e.USCC, "name": e.Name})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"services": map[string]string{
			Population:  "GET /population/v1/persons/{idNumber}",
			LegalPerson: "GET /legal-person/v1/entities/{uscc}",
			ELicense:    "GET /e-license/v1/licenses?holder=&type=，GET /e-license/v1/licenses/{number}",
			Department:  "POST /housing/v1/applications，GET /housing/v1/applications/{id}",
			SMS:         "POST /sms/v1/messages，GET /sms/v1/messages",
			Payment:     "POST /payment/v1/orders，GET /payment/v1/orders/{id}，POST /payment/v1/orders/{id}/pay，GET/POST /payment/v1/orders/{id}/cashier（申请人的缴费页面）",
			Logistics:   "POST /logistics/v1/orders，GET /logistics/v1/orders/{waybillNo}",
			OAuth:       "POST /oauth/token",
		},
		"demoPersons": persons, "demoEnterprises": enterprises,
	})
}

func (s *Server) allStats(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	out := map[string]Stats{}
	for k, v := range s.stats {
		out[k] = *v
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) putFaults(w http.ResponseWriter, r *http.Request) {
	svc := r.PathValue("service")
	if svc == "all" {
		svc = ""
	} else if _, ok := s.stats[svc]; !ok {
		names := append([]string(nil), Services...)
		sort.Strings(names)
		writeJSON(w, http.StatusNotFound, apiError("没有服务 "+svc+"，可用："+strings.Join(names, "、")+" 或 all"))
		return
	}
	var f Faults
	if r.Method == http.MethodPut {
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
			writeJSON(w, http.StatusBadRequest, apiError("故障设置无法解析："+err.Error()))
			return
		}
	}
	s.SetFaults(svc, f)
	writeJSON(w, http.StatusOK, f)
}

func apiError(msg string) map[string]any { return map[string]any{"code": "error", "message": msg} }

func writeJSON(w http.ResponseWriter, status int, v any) {
	raw, err := json.Marshal(v)
	if err != nil {
		status, raw = http.StatusInternalServerError, []byte(`{"message":"编码失败"}`)
	}
	writeRaw(w, status, raw)
}

func writeRaw(w http.ResponseWriter, status int, raw []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(raw)
	w.Write([]byte("\n"))
}
