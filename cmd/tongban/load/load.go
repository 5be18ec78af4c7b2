// Package load drives a running tongban over its real HTTP API with many concurrent clients and
// measures what it answers: throughput, latency percentiles, errors by kind, and the server's
// memory and CPU when /proc shows them. It is the logic of `tongban load`; the scenarios are
// what citizens and staff do: file the 食品经营许可 application (submit), read the portal
// (browse), work cases through to their end (approve), and a day's mixture of the three.
package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// The scenarios.
const (
	Submit  = "submit"
	Browse  = "browse"
	Approve = "approve"
	Mixed   = "mixed"
)

// Scenarios lists the scenario names, for usage texts.
var Scenarios = []string{Submit, Browse, Approve, Mixed}

// Credential is a demo user as `tongban serve --demo` writes them to demo-credentials.json.
type Credential struct {
	Name  string   `json:"name"`
	Kind  string   `json:"kind"`
	Org   string   `json:"org,omitempty"`
	Roles []string `json:"roles,omitempty"`
	Token string   `json:"token"`
}

// Config is one run.
type Config struct {
	// Target is the server's base URL, http://127.0.0.1:8080; it must be loopback unless
	// AllowRemote is set.
	Target      string
	AllowRemote bool
	Scenario    string
	// Clients is how many clients run at once, each on its own connection.
	Clients int
	// The run stops at Duration, or once Requests requests have been sent, whichever comes
	// first; at least one of them must be set. Transactions under way then stop where they are
	// and are not counted; requests in flight are awaited and counted.
	Duration time.Duration
	Requests int64
	// Warmup runs the clients this long before measuring starts (and Duration with it), so
	// that the figures are of the steady state rather than of 3,000 connections opening at once
	// and of transactions that could not finish within the run.
	Warmup time.Duration
	// Timeout bounds each request; Slow is the latency counted as "slow" (the procurement's 2 s).
	Timeout time.Duration
	Slow    time.Duration
	// Credentials are the demo users; Applicant names the one who files (default the demo
	// enterprise 许昌瑞祥置业有限公司).
	Credentials []Credential
	Applicant   string
	// Matter is the matter filed (default food-business-license) and Form its filled form.
	Matter string
	Form   json.RawMessage
	// SeparateUploads files each application as a draft, one upload per material and the
	// submission, instead of naming files uploaded beforehand in one request.
	SeparateUploads bool
	// Prepare is how many submitted cases approve and mixed get ready before the clock starts
	// (default twice the clients for approve, a tenth of them for mixed); browse prepares a few
	// for its progress lookups.
	Prepare int
	// Mix is mixed's ratio of browse, submit and approve transactions (default 80:15:5).
	Mix [3]int
	// ServerPID is the server's process, for its memory and CPU; 0 looks it up by the port
	// when the target is this machine.
	ServerPID int
	// Log receives progress lines during the run; nil for none.
	Log io.Writer
}

// Result is what a run measured. Latencies are in milliseconds.
type Result struct {
	Scenario       string    `json:"scenario"`
	Target         string    `json:"target"`
	Clients        int       `json:"clients"`
	Started        time.Time `json:"started"`
	ElapsedSeconds float64   `json:"elapsedSeconds"`
	// WarmupSeconds ran before the measured ElapsedSeconds, unmeasured.
	WarmupSeconds float64 `json:"warmupSeconds,omitempty"`
	// RequestsPerTransaction describes the scenario's transaction, for the reader.
	RequestsPerTransaction map[string]string `json:"requestsPerTransaction"`
	Prepared               int               `json:"prepared"`

	TransactionCount   int64      `json:"transactions"`
	TransactionsPerSec float64    `json:"transactionsPerSec"`
	Transactions       []TxResult `json:"byTransaction"`

	Requests       int64   `json:"requests"`
	RequestsPerSec float64 `json:"requestsPerSec"`
	Latency        Latency `json:"latency"`
	// SlowRequests took longer than Config.Slow.
	SlowRequests  int64   `json:"slowRequests"`
	SlowThreshold float64 `json:"slowThresholdMs"`
	// ErrorCount is the requests that failed; Errors splits them by kind: "status 500",
	// "timeout", "connection reset", "connection refused", "connection", "bad answer".
	ErrorCount int64            `json:"errors"`
	Errors     map[string]int64 `json:"errorsByKind"`
	Ops        []OpResult       `json:"byRequest"`

	// Server is the server's process when it could be read; Client is this load tool's.
	Server *Process `json:"server,omitempty"`
	Client *Process `json:"client,omitempty"`
	// Notes say what stopped the run early or what could not be measured.
	Notes []string `json:"notes,omitempty"`
}

// runner is one run under way.
type runner struct {
	cfg    Config
	base   string
	client *http.Client
	stats  atomic.Pointer[stats] // swapped for a fresh one when the warm-up ends
	stop   atomic.Bool           // no new requests once set
	sent   atomic.Int64          // requests started while measuring, for Config.Requests
	budget int64                 // Config.Requests, or 0 while preparing
	runID  string

	fix *fixture
}

// errStopped ends a transaction when the run is over.
var errStopped = errors.New("load: run over")

// Run prepares the scenario, drives the server for the configured time or count, and returns
// what it measured. An error means the run could not be made (bad config, the server does not
// answer or refuses the setup); errors during the measured part are in the result.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	u, err := CheckTarget(cfg.Target, cfg.AllowRemote)
	if err != nil {
		return nil, err
	}
	tr := newTransport(cfg.Clients)
	defer tr.CloseIdleConnections()
	r := &runner{cfg: cfg, base: u.String(), client: &http.Client{Transport: tr, Timeout: cfg.Timeout},
		runID: strconv.FormatInt(time.Now().UnixNano(), 36)}
	r.stats.Store(newStats())
	res := &Result{Scenario: cfg.Scenario, Target: r.base, Clients: cfg.Clients, SlowThreshold: ms(cfg.Slow.Microseconds())}

	// Set up: find the users, learn what the application needs, file the cases the scenario
	// reads or works on. None of it is measured.
	r.logf("准备 preparing %s …", cfg.Scenario)
	if r.fix, err = r.prepare(ctx); err != nil {
		return nil, err
	}
	res.Prepared = r.fix.prepared
	res.RequestsPerTransaction = r.fix.perTx()
	if cfg.Scenario != Mixed {
		res.RequestsPerTransaction = map[string]string{cfg.Scenario: res.RequestsPerTransaction[cfg.Scenario]}
	}

	// Run the clients; measure once the warm-up is over.
	r.budget = cfg.Requests
	r.stats.Store(newStats())
	pid := cfg.ServerPID
	if port, _ := strconv.Atoi(u.Port()); pid == 0 && port > 0 && isLoopback(u.Hostname()) {
		pid = listenerPID(port)
	}
	r.logf("开始 start: %d 个客户端 clients, %s", cfg.Clients, cfg.limitText())
	progress := r.progress(time.Now())
	var wg sync.WaitGroup
	for i := range cfg.Clients {
		wg.Go(func() {
			pprof.Do(ctx, pprof.Labels("load", "client"), func(ctx context.Context) { r.runClient(ctx, i) })
		})
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	if cfg.Warmup > 0 {
		select {
		case <-time.After(cfg.Warmup):
		case <-done:
		case <-ctx.Done():
		}
		r.stats.Store(newStats())
		r.sent.Store(0)
		r.logf("预热结束 warm-up over, 开始计量 measuring")
	}
	res.Started = time.Now()
	if cfg.Duration > 0 {
		timer := time.AfterFunc(cfg.Duration, func() { r.stop.Store(true) })
		defer timer.Stop()
	}
	server, client := r.watch(res, pid)
	<-done
	elapsed := time.Since(res.Started)
	close(progress)
	if ctx.Err() != nil {
		res.Notes = append(res.Notes, "被中断 interrupted")
	}
	if r.fix.exhausted.Load() {
		res.Notes = append(res.Notes, fmt.Sprintf("准备的 %d 件办件都已取走，客户端随之停止 all prepared cases were taken (--prepare 加大可跑满时长)", r.fix.prepared))
	}

	res.ElapsedSeconds = elapsed.Seconds()
	res.WarmupSeconds = cfg.Warmup.Seconds()
	r.stats.Load().fill(res, elapsed, cfg.Slow)
	if server != nil {
		res.Server = server.stop(elapsed)
	}
	if client != nil {
		res.Client = client.stop(elapsed)
	}
	return res, nil
}

// watch starts sampling the server's process (and this one's) when the measuring starts.
func (r *runner) watch(res *Result, pid int) (server, client *procWatch) {
	var err error
	switch {
	case pid <= 0:
		res.Notes = append(res.Notes, "不知道服务进程（--server-pid），未测服务端内存 server memory not measured")
	case pid == os.Getpid():
		res.Notes = append(res.Notes, "服务在本进程内 server runs in this process: 内存与 CPU 含压测客户端 memory and CPU include the load tool")
		fallthrough
	default:
		if server, err = watchProc(pid, 200*time.Millisecond); err != nil {
			res.Notes = append(res.Notes, fmt.Sprintf("读不到服务进程 %d 的内存：%v", pid, err))
			server = nil
		}
	}
	if pid != os.Getpid() {
		client, _ = watchProc(os.Getpid(), 200*time.Millisecond)
	}
	return server, client
}

func (cfg *Config) defaults() error {
	switch cfg.Scenario {
	case Submit, Browse, Approve, Mixed:
	default:
		return fmt.Errorf("未知的场景 %q（可选 submit、browse、approve、mixed）", cfg.Scenario)
	}
	if cfg.Clients <= 0 {
		return fmt.Errorf("--clients 应大于 0")
	}
	if cfg.Duration <= 0 && cfg.Requests <= 0 {
		return fmt.Errorf("须给出 --duration 或 --requests")
	}
	if len(cfg.Credentials) == 0 {
		return fmt.Errorf("没有演示账号（demo-credentials.json）")
	}
	if cfg.Warmup < 0 {
		return fmt.Errorf("--warmup 不能为负")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Slow <= 0 {
		cfg.Slow = 2 * time.Second
	}
	if cfg.Applicant == "" {
		cfg.Applicant = "许昌瑞祥置业有限公司"
	}
	if cfg.Matter == "" {
		cfg.Matter = "food-business-license"
	}
	if len(cfg.Form) == 0 {
		return fmt.Errorf("没有 %s 的申请表", cfg.Matter)
	}
	if cfg.Mix == [3]int{} {
		cfg.Mix = [3]int{80, 15, 5}
	}
	if cfg.Mix[0] < 0 || cfg.Mix[1] < 0 || cfg.Mix[2] < 0 || cfg.Mix[0]+cfg.Mix[1]+cfg.Mix[2] == 0 {
		return fmt.Errorf("--mix 的比例应为非负整数且不全为 0")
	}
	if cfg.Prepare <= 0 {
		switch cfg.Scenario {
		case Approve:
			cfg.Prepare = 2 * cfg.Clients
		case Mixed:
			cfg.Prepare = max(cfg.Clients/10, 20)
		default:
			cfg.Prepare = 20
		}
	}
	return nil
}

func (cfg *Config) limitText() string {
	if cfg.Warmup > 0 {
		c := *cfg
		c.Warmup = 0
		return fmt.Sprintf("预热 warm-up %s + %s", cfg.Warmup, c.limitText())
	}
	switch {
	case cfg.Duration > 0 && cfg.Requests > 0:
		return fmt.Sprintf("%s 或 or %d 个请求 requests", cfg.Duration, cfg.Requests)
	case cfg.Duration > 0:
		return cfg.Duration.String()
	}
	return fmt.Sprintf("%d 个请求 requests", cfg.Requests)
}

// runClient is one client: transactions of the scenario, one after another, until the run ends.
func (r *runner) runClient(ctx context.Context, id int) {
	rng := rand.New(rand.NewPCG(uint64(id), uint64(time.Now().UnixNano())))
	for seq := 0; !r.stop.Load() && ctx.Err() == nil; seq++ {
		kind := r.cfg.Scenario
		if kind == Mixed {
			kind = r.pick(rng)
		}
		start := time.Now()
		err := r.transaction(ctx, kind, id, seq, rng)
		switch {
		case errors.Is(err, errNoCase) && r.cfg.Scenario == Approve:
			return
		case errors.Is(err, errNoCase):
			kind = Browse // mixed with no case to approve yet reads the portal instead
			start = time.Now()
			err = r.browse(ctx, rng)
		}
		if errors.Is(err, errStopped) || ctx.Err() != nil {
			return
		}
		r.stats.Load().transaction(kind, time.Since(start), err)
		if err != nil {
			// A failed transaction is counted; the client goes on with the next, after a pause
			// that keeps a server in trouble from being hammered by instant retries.
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// pick chooses mixed's next transaction by the configured ratio.
func (r *runner) pick(rng *rand.Rand) string {
	m := r.cfg.Mix
	n := rng.IntN(m[0] + m[1] + m[2])
	switch {
	case n < m[0]:
		return Browse
	case n < m[0]+m[1]:
		return Submit
	}
	return Approve
}

func (r *runner) transaction(ctx context.Context, kind string, id, seq int, rng *rand.Rand) error {
	switch kind {
	case Submit:
		c, err := r.submit(ctx, fmt.Sprintf("load-%s-%d-%d", r.runID, id, seq))
		if err == nil && r.cfg.Scenario == Mixed && openTask(c.tasks) != nil {
			r.fix.pool.put(c) // mixed: what citizens file, staff work on
		}
		return err
	case Browse:
		return r.browse(ctx, rng)
	default:
		return r.approve(ctx)
	}
}

// send is do with the run's stop rules: no request once the run is over or the request budget
// is spent.
func (r *runner) send(ctx context.Context, q request) error {
	if r.stop.Load() {
		return errStopped
	}
	if r.budget > 0 {
		if n := r.sent.Add(1); n >= r.budget {
			r.stop.Store(true)
			if n > r.budget {
				return errStopped
			}
		}
	}
	return r.do(ctx, q)
}

// progress prints a line every five seconds until the returned channel is closed.
func (r *runner) progress(start time.Time) chan struct{} {
	done := make(chan struct{})
	if r.cfg.Log == nil {
		return done
	}
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		var last int64
		lastAt := start
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				st := r.stats.Load()
				n := st.requests.Load()
				if n < last { // the warm-up's figures were just put aside
					last = 0
				}
				r.logf("  %5.0fs  %8.0f 请求/秒 req/s  累计 total %d  错误 errors %d",
					now.Sub(start).Seconds(), float64(n-last)/now.Sub(lastAt).Seconds(), n, st.failed.Load())
				last, lastAt = n, now
			}
		}
	}()
	return done
}

func (r *runner) logf(format string, args ...any) {
	if r.cfg.Log != nil {
		fmt.Fprintf(r.cfg.Log, format+"\n", args...)
	}
}
