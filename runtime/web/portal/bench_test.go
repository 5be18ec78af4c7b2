package portal_test

import (
	"bytes"
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/runtime/web/form"
	"github.com/xuchang-gov/tongban/runtime/web/page"
	"github.com/xuchang-gov/tongban/runtime/web/webtest"
)

// BenchmarkRenderLargestForm lays out and renders the largest example form, construction-permit,
// filled with its sample application: what every apply page and every row action costs.
func BenchmarkRenderLargestForm(b *testing.B) {
	mp, _, err := webtest.New(b).Service.MatterPlan(ctx, "construction-permit", 0)
	if err != nil {
		b.Fatal(err)
	}
	data := webtest.Sample(b, "construction-permit")
	vars := page.Vars(mp, data, nil, "online", nil, time.Now())
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := form.Render(&buf, form.Build(mp, data, nil, vars)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "html-bytes")
}

// BenchmarkApplyPage serves the whole apply page of construction-permit through the program's
// handler: the session, the plan, the form, the materials, the fee preview and the page frame.
func BenchmarkApplyPage(b *testing.B) {
	e := webtest.New(b)
	req := e.Request(webtest.Enterprise, "GET", "/matters/construction-permit/apply", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		e.Handler.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
		io.Copy(io.Discard, w.Body)
	}
}
