package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
	"github.com/xuchang-gov/tongban/connectors/simulate"
)

// TestTraces follows requests with an in-process exporter: a request that brings a W3C trace
// context (from the proxy, or an outside system calling back) continues its trace, its span is
// named by the route and carries the case number, and it has child spans for the store's
// units of work and the connector calls, whose trace context reaches the outside system; pages
// have a render span, and outbox deliveries are traced.
func TestTraces(t *testing.T) {
	sims, err := simulate.StartLocal(simulate.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sims.Close()
	target, _ := url.Parse(sims.URL)
	var mu sync.Mutex
	var sent []string // the traceparent headers the outside systems received
	proxy := httputil.NewSingleHostReverseProxy(target)
	outside := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		sent = append(sent, r.Header.Get("Traceparent"))
		mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	defer outside.Close()
	exp := tracetest.NewInMemoryExporter()
	s := apptest.Start(t, app.Config{SpanExporter: exp, TraceSample: 1, ConnectorsBase: outside.URL, Getenv: sims.Getenv(os.Getenv)})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { s.Run(ctx); close(ran) }()
	t.Cleanup(func() { cancel(); <-ran })

	const traceID, parent = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	form, _ := os.ReadFile("../../../examples/matters/sole-proprietor-registration/sample.json")
	body, _ := json.Marshal(map[string]any{"matter": "sole-proprietor-registration", "form": json.RawMessage(form), "draft": true})
	status, out := sendRaw(t, s, s.Token("张伟"), "POST", "/api/v1/cases", "application/json", body,
		"Idempotency-Key", "traced", "Traceparent", "00-"+traceID+"-"+parent+"-01")
	if status != http.StatusCreated {
		t.Fatalf("draft: %d %s", status, out)
	}
	var created struct{ Number string }
	json.Unmarshal(out, &created)
	number := applySenior(t, s)
	if status, _ := sendRaw(t, s, "", "GET", "/", "", nil); status != http.StatusOK {
		t.Fatalf("home page: %d", status)
	}
	for deadline := time.Now().Add(10 * time.Second); s.Deliverer.Stats().Delivered == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the deliverer sent nothing within 10 s")
		}
	}
	time.Sleep(100 * time.Millisecond) // the delivery's span ends after its send
	spans := exp.GetSpans()
	named := func(prefix string) tracetest.SpanStubs {
		var out tracetest.SpanStubs
		for _, sp := range spans {
			if strings.HasPrefix(sp.Name, prefix) {
				out = append(out, sp)
			}
		}
		return out
	}
	attr := func(sp tracetest.SpanStub, key string) string {
		for _, a := range sp.Attributes {
			if string(a.Key) == key {
				return a.Value.Emit()
			}
		}
		return ""
	}
	creates := named("POST /api/v1/cases")
	var create tracetest.SpanStub
	for _, sp := range creates {
		if sp.SpanContext.TraceID().String() == traceID {
			create = sp
		}
	}
	if create.Name != "POST /api/v1/cases" || create.Parent.SpanID().String() != parent || attr(create, "tongban.case") != created.Number {
		t.Fatalf("the request span continuing the caller's trace: %q parent %s case %q; want POST /api/v1/cases, %s, %s",
			create.Name, create.Parent.SpanID(), attr(create, "tongban.case"), parent, created.Number)
	}
	writes := 0
	for _, sp := range named("store.write") {
		if sp.Parent.SpanID() == create.SpanContext.SpanID() {
			writes++
		}
	}
	if writes == 0 {
		t.Error("the request's unit of work has no span under it")
	}
	submits := named("POST /api/v1/cases/:number/submit")
	if len(submits) != 1 || attr(submits[0], "tongban.case") != number {
		t.Fatalf("submit spans: %d, want one with case %s", len(submits), number)
	}
	calls := named("connector e-license-library")
	if len(calls) == 0 || calls[0].SpanContext.TraceID() != submits[0].SpanContext.TraceID() {
		t.Fatalf("%d spans of e-license calls, want them in the submission's trace", len(calls))
	}
	mu.Lock()
	propagated := false
	for _, h := range sent {
		propagated = propagated || strings.Contains(h, submits[0].SpanContext.TraceID().String())
	}
	mu.Unlock()
	if !propagated {
		t.Errorf("no outside system received the submission's trace context: %q", sent)
	}
	if len(named("render page")) == 0 {
		t.Error("no render span for the home page")
	}
	if len(named("outbox deliver")) == 0 {
		t.Error("no span of an outbox delivery")
	}
	var buf bytes.Buffer
	for _, sp := range spans {
		buf.WriteString(sp.Name + "\n")
	}
	t.Logf("%d spans:\n%s", len(spans), buf.String())
}
