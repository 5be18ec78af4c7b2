// Package app is tongban's composition root: it opens the store and the blob folder, builds the
// services with printing and the connectors, and composes every HTTP surface — the JSON API with
// its uploads and callbacks, the portal, the workbench, the accounts and the verification page —
// into one handler. `tongban serve`, the commands that work on a data folder, and the end-to-end
// and web tests all build the program here, so that what is tested is what runs.
package app

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/xuchang-gov/tongban/connectors/httpconn"
	"github.com/xuchang-gov/tongban/connectors/outbox"
	"github.com/xuchang-gov/tongban/connectors/registry"
	"github.com/xuchang-gov/tongban/connectors/simulate"
	"github.com/xuchang-gov/tongban/designer"
	"github.com/xuchang-gov/tongban/examples"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/blob"
	"github.com/xuchang-gov/tongban/runtime/observe"
	"github.com/xuchang-gov/tongban/runtime/service"
	"github.com/xuchang-gov/tongban/runtime/store"
	"github.com/xuchang-gov/tongban/runtime/trial"
)

// Config is what a tongban is built from. Only Data is required.
type Config struct {
	// Data is the data folder: the embedded SQLite database, the material files, the key that
	// signs pre-upload references and, with Demo, the demo users' credentials.
	Data string
	// DB is a PostgreSQL DSN (postgres://…); empty keeps the store in SQLite under Data.
	DB string
	// PublicURL is the address people reach the server at: certificates' QR codes and the
	// callback addresses sent to outside systems are built on it.
	PublicURL string
	// ConnectorsBase, when set, points every connector at one address (a test system).
	ConnectorsBase string
	// Demo imports Definitions and creates the demo users, with the demo password for the
	// pages, when the data folder has none yet; without ConnectorsBase it also starts the
	// outside systems' simulators and points the connectors at them.
	Demo bool
	// Definitions is the bundle Demo imports; nil means the examples.
	Definitions fs.FS
	// Simulators configures the simulators Demo starts.
	Simulators simulate.Config
	// Getenv reads connector secrets and TONGBAN_SECRET; nil means os.Getenv.
	Getenv func(string) string
	// Logger receives what the server logs; nil means slog.Default().
	Logger *slog.Logger
	// Clock is the time; nil means time.Now. Tests pass their own.
	Clock func() time.Time
	// Trial, in demo mode only, is a clock administrators may set and advance through the API
	// (serve --clock); it replaces Clock.
	Trial *trial.Clock
	// MaxUploadBytes bounds a pre-upload (POST /api/v1/files); 0 takes the API's default.
	MaxUploadBytes int64
	// MaxInFlight is how many reads, and as many writes, are worked on at once; 0 takes a
	// number per core.
	MaxInFlight int
	// TrustedProxies are the reverse proxies whose X-Forwarded-For tells the client's address
	// (for lockouts and the audit log); from anyone else the header is not believed.
	TrustedProxies []netip.Prefix
	// SecureCookies marks the pages' cookies Secure with the __Host- prefix; an https PublicURL
	// does too.
	SecureCookies bool
	// SessionIdle is how long a session lives without a request; 0 takes the accounts' default.
	SessionIdle time.Duration
	// MetricsToken, when set, opens /metrics on Handler to callers bearing it; without it
	// Handler does not serve the metrics, and Metrics is for a listener of its own.
	MetricsToken string
	// OTLPEndpoint, when set, is where traces are sent (OTLP over HTTP, such as
	// http://collector:4318); empty traces nothing.
	OTLPEndpoint string
	// TraceSample is the share of requests traced (0–1) when no caller decided.
	TraceSample float64
	// SpanExporter, when set, receives every span as it ends (tests); it takes precedence over
	// OTLPEndpoint.
	SpanExporter sdktrace.SpanExporter
}

// App is a built tongban. Its fields are what the commands and tests reach into; Handler is
// everything the server answers.
type App struct {
	Config
	Store    *store.DB
	Service  *service.Service
	Accounts *service.Accounts
	// Lookups reach the registers through the lookup connectors of the newest published bundle.
	Lookups *service.Lookups
	// Registry holds the connectors of the newest published bundle; nil before anything is.
	Registry *registry.Registry
	// Deliverer sends the outbox to the connectors once Run starts it; nil without connectors.
	Deliverer *outbox.Deliverer
	// Simulators are the outside systems Demo started, or nil.
	Simulators *simulate.Local
	// Credentials are the demo users' (with Demo), as written to the data folder.
	Credentials []service.Credential
	// Published lists what Demo imported on this start (empty when the data folder had it).
	Published []service.ImportResult
	// Handler serves the JSON API, the uploads and callbacks, and every page.
	Handler http.Handler
	// Metrics serves the Prometheus metrics, for an address of its own (serve --metrics-addr).
	Metrics http.Handler
	// Changes is notified whenever a case's audit trail grows (a case changed) on this
	// instance; the live monitor waits on it.
	Changes *observe.Signal

	closers []func() error
	// tryConnector performs one lookup through a connector's config, as the registry would:
	// the designer's try.
	tryConnector designer.Lookup
	health       health
	metrics      *metrics
	tracing      *tracing // nil: not traced
	// secret is the data folder's key (fileSecret), which the demo simulators' secrets are
	// derived from.
	secret []byte
}

// DemoCredentialsFile is where Demo keeps the demo users' tokens in the data folder, for
// people and scripts.
const DemoCredentialsFile = "demo-credentials.json"

// Open opens the store and the blob folder of cfg and builds the services over them, with the
// printing component and the data folder's file secret: what the commands that work on a data
// folder need. It connects no connectors and serves nothing; New does.
func Open(ctx context.Context, cfg Config, opts ...service.Option) (*App, error) {
	if cfg.Getenv == nil {
		cfg.Getenv = os.Getenv
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Trial != nil {
		if !cfg.Demo {
			return nil, errors.New("可调整的平台时间（--clock）只能用于演示或测试模式（--demo）")
		}
		cfg.Clock = cfg.Trial.Now
		opts = append(opts, service.WithTrialClock(cfg.Trial))
	}
	tr, err := newTracing(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("调用链导出配置有误：%w", err)
	}
	m := newMetrics()
	changes := new(observe.Signal)
	hooks := m.storeHooks()
	count := hooks.Event
	hooks.Event = func(typ string) { count(typ); changes.Notify() }
	db, err := OpenStore(ctx, cfg, store.WithHooks(hooks))
	if err != nil {
		return nil, errors.Join(err, tr.shutdown())
	}
	db.Now = cfg.Clock
	a := &App{Config: cfg, Store: db, Lookups: new(service.Lookups), Changes: changes, metrics: m, tracing: tr}
	a.closers = append(a.closers, tr.shutdown, db.Close)
	blobs, err := blob.NewDir(filepath.Join(cfg.Data, "blobs"))
	if err != nil {
		return nil, a.fail(err)
	}
	secret, err := fileSecret(cfg.Data, cfg.Getenv)
	if err != nil {
		return nil, a.fail(err)
	}
	opts = append(append(printing(), service.WithFileSecret(secret), service.WithLookups(a.Lookups), service.WithClock(cfg.Clock),
		service.WithVerifyURL(strings.TrimSuffix(cfg.PublicURL, "/")+"/verify/")), opts...)
	if cfg.Demo {
		opts = append(opts, service.WithDemoPasswords())
	}
	a.secret = secret
	a.Service = service.New(db, blobs, cfg.Logger, opts...)
	if err := a.Service.LoadOrgs(ctx); err != nil {
		return nil, a.fail(err)
	}
	a.Accounts = accountService(a.Lookups, db, a.Service.Orgs, cfg)
	return a, nil
}

// OpenStore opens the store alone: PostgreSQL when cfg.DB is set, else SQLite in cfg.Data.
func OpenStore(ctx context.Context, cfg Config, opts ...store.Option) (*store.DB, error) {
	dsn, where := cfg.DB, "PostgreSQL"
	if dsn == "" {
		dsn, where = cfg.Data, "数据目录 "+cfg.Data+" 中的 SQLite"
	}
	db, err := store.Open(ctx, dsn, opts...)
	if err != nil {
		return nil, fmt.Errorf("无法打开数据库（%s）：%w", where, err)
	}
	return db, nil
}

// New builds the whole program on cfg: Open, then with Demo the example matters and demo users
// and the simulators, then the connectors of the newest published bundle and the handler.
// Background work (outbox delivery, timers) starts with Run.
func New(ctx context.Context, cfg Config, opts ...service.Option) (*App, error) {
	a, err := Open(ctx, cfg, opts...)
	if err != nil {
		return nil, err
	}
	if a.Demo {
		if err := a.prepareDemo(ctx); err != nil {
			return nil, a.fail(fmt.Errorf("准备演示数据失败：%w", err))
		}
	}
	base, getenv := a.ConnectorsBase, a.Getenv
	if a.Demo && base == "" {
		simCfg := a.Config.Simulators
		simCfg.SecretKey = a.secret
		sims, err := simulate.StartLocal(simCfg)
		if err != nil {
			return nil, a.fail(fmt.Errorf("无法启动模拟器：%w", err))
		}
		a.Simulators = sims
		a.closers = append(a.closers, sims.Close)
		base, getenv = sims.URL, sims.Getenv(getenv)
	}
	conns := httpconn.Options{Getenv: getenv, Call: a.connectorCall}
	if a.tracing != nil {
		conns.HTTPClient = httpClient()
	}
	a.tryConnector = tryConnector(conns, base)
	reg, bundle, err := wireConnectors(ctx, a.Service, a.Lookups, base, conns)
	if err != nil {
		return nil, a.fail(fmt.Errorf("连接器配置有误：%w", err))
	}
	a.Registry = reg
	spool, err := spoolFolder(a.Data)
	if err != nil {
		return nil, a.fail(err)
	}
	turns := newInFlight(cmp.Or(a.MaxInFlight, maxInFlight()), spool)
	var inbound map[string]http.Handler
	if reg != nil {
		a.Deliverer = deliverer(a.Store, reg, a.PublicURL, a.Logger)
		connectPushes(a.Lookups, reg, a.PublicURL)
		a.Deliverer.Deliver = a.delivery
		inbound = callbacks(a.Service, bundle, getenv, turns, a.Logger)
	}
	a.metrics.collectState(a.Store, reg, a.Clock)
	a.Metrics = a.metrics.handler("")
	a.Handler = a.handler(inbound, turns)
	return a, nil
}

// Server is the HTTP server of the handler. Its timeouts keep a client that sends or reads
// slowly from holding a connection for long: a request has a minute to arrive (a form with its
// files and a resumable upload get longer, as they go), its answer a minute more, and an idle
// connection is closed after two.
func (a *App) Server() *http.Server {
	return &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute}
}

// spoolFolder is the data folder's folder of request bodies being read, emptied of those a
// previous run left.
func spoolFolder(data string) (string, error) {
	dir := filepath.Join(data, "spool")
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	return dir, os.MkdirAll(dir, 0o700)
}

// Run does the background work until ctx ends: outbox delivery to the connectors and the
// timers (deadlines, escalations, certificates left without their document). It returns once
// both have stopped, so that the store can then be closed under nothing.
func (a *App) Run(ctx context.Context) {
	var wg sync.WaitGroup
	if a.Deliverer != nil {
		wg.Go(func() {
			a.health.deliverer.Store(true)
			defer a.health.deliverer.Store(false)
			a.Deliverer.Run(ctx)
		})
	}
	a.health.timers.Store(true)
	defer a.health.timers.Store(false)
	a.Service.RunTimers(ctx, 30*time.Second)
	wg.Wait()
}

// Close releases what Open and New opened, newest first.
func (a *App) Close() error {
	var err error
	for i := len(a.closers) - 1; i >= 0; i-- {
		err = errors.Join(err, a.closers[i]())
	}
	a.closers = nil
	return err
}

// fail closes what is open and returns err.
func (a *App) fail(err error) error {
	return errors.Join(err, a.Close())
}

// prepareDemo imports the definitions and creates the demo users once per data folder; later
// starts reuse them.
func (a *App) prepareDemo(ctx context.Context) error {
	path := filepath.Join(a.Data, DemoCredentialsFile)
	raw, err := os.ReadFile(path)
	if err == nil {
		if err := json.Unmarshal(raw, &a.Credentials); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return nil
	}
	bundle := a.Definitions
	if bundle == nil {
		bundle = examples.Bundle
	}
	results, problems, err := a.Service.Import(ctx, bundle, true)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return problems
	}
	a.Published = results
	if err := a.Service.PublishDashboards(ctx, examples.Dashboards, "dashboards"); err != nil {
		return err
	}
	if a.Credentials, err = a.Service.SeedDemo(ctx); err != nil {
		return err
	}
	out, err := json.MarshalIndent(a.Credentials, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, out, 0o600)
}

// connectorCall is told of every call to an outside system: it is measured and, inside a
// traced request or delivery, traced.
func (a *App) connectorCall(ctx context.Context, connector string) (context.Context, func(error)) {
	measured := a.metrics.connectorCall(connector)
	if a.tracing == nil || !trace.SpanFromContext(ctx).SpanContext().IsSampled() {
		return ctx, measured
	}
	ctx, traced := a.tracing.client(ctx, "connector "+connector, attribute.String("tongban.connector", connector))
	return ctx, func(err error) { traced(err); measured(err) }
}

// delivery is told of every outbox delivery: it is counted and traced, as a trace of its own
// (the delivery happens apart from the request that enqueued the message).
func (a *App) delivery(ctx context.Context, m *runtime.OutboxMessage) (context.Context, func(error)) {
	counted := a.metrics.delivery(m)
	if a.tracing == nil {
		return ctx, counted
	}
	ctx, traced := a.tracing.client(observe.WithTracer(ctx, a.tracing.trace), "outbox deliver "+topicConnector(m.Topic),
		attribute.String("tongban.topic", m.Topic), attribute.Int64("tongban.outbox.id", m.ID))
	return ctx, func(err error) { traced(err); counted(err) }
}
