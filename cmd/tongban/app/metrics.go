package app

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/xuchang-gov/tongban/connectors/registry"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/observe"
	"github.com/xuchang-gov/tongban/runtime/store"
)

// metrics are what /metrics shows, in the Prometheus text format, with prometheus/client_golang.
// The packages that do the work know nothing of it: the store, the connectors and the outbox
// tell their hooks, the handlers name their route (observe.SetRoute), and this file turns what
// they tell into series. Labels are bounded: route templates, status codes, event types and
// connector names, never a path, a case number or a person.
type metrics struct {
	registry  *prometheus.Registry
	requests  *prometheus.HistogramVec
	waits     prometheus.Histogram
	events    *prometheus.CounterVec
	batch     prometheus.Histogram
	commits   prometheus.Histogram
	calls     *prometheus.HistogramVec
	delivered *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "tongban_http_request_duration_seconds",
			Help: "HTTP requests by route template (with its method) and status, and how long they took.", Buckets: prometheus.DefBuckets},
			[]string{"route", "code"}),
		waits: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tongban_inflight_wait_seconds",
			Help: "How long requests waited for an in-flight turn (with the body read ahead).", Buckets: prometheus.DefBuckets}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tongban_case_events_total",
			Help: "Audit events committed, by type: submitted, accepted, task-completed, certificate-issued, …"}, []string{"type"}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tongban_store_commit_units",
			Help: "Units of work per commit (SQLite group commit; 1 on PostgreSQL).", Buckets: prometheus.ExponentialBuckets(1, 2, 9)}),
		commits: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tongban_store_commit_seconds",
			Help: "Time from BEGIN to a durable COMMIT.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		calls: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "tongban_connector_call_seconds",
			Help: "Calls to outside systems with their retries, by connector and outcome.", Buckets: prometheus.DefBuckets},
			[]string{"connector", "outcome"}),
		delivered: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tongban_outbox_deliveries_total",
			Help: "Outbox delivery attempts by connector (or topic) and outcome."}, []string{"connector", "outcome"}),
	}
	m.registry.MustRegister(m.requests, m.waits, m.events, m.batch, m.commits, m.calls, m.delivered,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// storeHooks are the store's hooks that count commits and audit events.
func (m *metrics) storeHooks() store.Hooks {
	return store.Hooks{
		Commit: func(units int, took time.Duration) {
			m.batch.Observe(float64(units))
			m.commits.Observe(took.Seconds())
		},
		Event: func(typ string) { m.events.WithLabelValues(typ).Inc() },
	}
}

// connectorCall measures one call to an outside system.
func (m *metrics) connectorCall(connector string) func(error) {
	start := time.Now()
	return func(err error) { m.calls.WithLabelValues(connector, outcome(err)).Observe(time.Since(start).Seconds()) }
}

// delivery counts one outbox delivery.
func (m *metrics) delivery(msg *runtime.OutboxMessage) func(error) {
	return func(err error) { m.delivered.WithLabelValues(topicConnector(msg.Topic), outcome(err)).Inc() }
}

func outcome(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}

// topicConnector is the connector a topic pushes to, else the topic itself (texts, mail).
func topicConnector(topic string) string {
	if name, ok := runtime.PushConnector(topic); ok {
		return name
	}
	return topic
}

// routed names the route of the requests h, a ServeMux, serves by the pattern it matched,
// where no inner layer named a more precise one.
func routed(h *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		if pattern := r.Pattern; pattern != "" {
			if !strings.Contains(pattern, " ") {
				pattern = r.Method + " " + pattern
			}
			observe.SetRoute(r.Context(), pattern)
		}
	})
}

// waited measures how long the requests h serves waited since they arrived: in the in-flight
// limiter, for their turn.
func (m *metrics) waited(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if start, ok := r.Context().Value(startKey{}).(time.Time); ok {
			m.waits.Observe(time.Since(start).Seconds())
		}
		h.ServeHTTP(w, r)
	})
}

// collectState adds what is read at scrape time: the outbox's backlog from the store and the
// circuit breakers' states.
func (m *metrics) collectState(db *store.DB, reg *registry.Registry, now func() time.Time) {
	m.registry.MustRegister(stateCollector{db: db, reg: reg, now: now})
}

var (
	pendingDesc = prometheus.NewDesc("tongban_outbox_pending", "Outbox messages waiting for delivery, by connector (or topic).", []string{"connector"}, nil)
	oldestDesc  = prometheus.NewDesc("tongban_outbox_oldest_age_seconds", "Age of the oldest message waiting, by connector (or topic).", []string{"connector"}, nil)
	deadDesc    = prometheus.NewDesc("tongban_outbox_dead_letters", "Dead letters (attempts spent), by connector (or topic).", []string{"connector"}, nil)
	breakerDesc = prometheus.NewDesc("tongban_connector_breaker_state", "Circuit breaker of a connector: 0 closed, 1 half-open, 2 open.", []string{"connector"}, nil)
	scrapeDesc  = prometheus.NewDesc("tongban_outbox_backlog_up", "1 when the outbox backlog could be read at this scrape.", nil, nil)
)

// stateCollector reads the outbox backlog (one indexed query) and the breakers at each scrape.
type stateCollector struct {
	db  *store.DB
	reg *registry.Registry
	now func() time.Time
}

func (c stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{pendingDesc, oldestDesc, deadDesc, breakerDesc, scrapeDesc} {
		ch <- d
	}
}

func (c stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	backlogs, err := c.db.OutboxBacklogs(ctx)
	up := 1.0
	if err != nil {
		up = 0
	}
	ch <- prometheus.MustNewConstMetric(scrapeDesc, prometheus.GaugeValue, up)
	for _, b := range backlogs {
		name := topicConnector(b.Topic)
		ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(b.Pending), name)
		ch <- prometheus.MustNewConstMetric(deadDesc, prometheus.GaugeValue, float64(b.Dead), name)
		age := 0.0
		if !b.Oldest.IsZero() {
			age = max(c.now().Sub(b.Oldest).Seconds(), 0)
		}
		ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, age, name)
	}
	if c.reg == nil {
		return
	}
	for name, client := range c.reg.Clients() {
		ch <- prometheus.MustNewConstMetric(breakerDesc, prometheus.GaugeValue, breakerLevel[client.State()], name)
	}
}

// breakerLevel is a breaker's state (gobreaker's names) as a gauge.
var breakerLevel = map[string]float64{"closed": 0, "half-open": 1, "open": 2}

// metricsHandler serves the registry; with a token, only to callers that bring it as a bearer
// token, so that /metrics on the public address is closed to everyone else.
func (m *metrics) handler(token string) http.Handler {
	h := promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
	if token == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "需要监控令牌", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
