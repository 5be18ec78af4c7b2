package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/profiler"
	"github.com/chromedp/chromedp"
)

// TestStudioSpeed measures the studio in Chromium through the real server and logs the figures
// (it asserts no time, as no test here does): how long the largest example (construction-permit)
// takes to open, to the form designer's rows on screen and to the end of the last long task,
// and the typing latency in a 300-field form — from each key's event to the frame after it.
// Run it with -v to read them.
func TestStudioSpeed(t *testing.T) {
	s := newBrowserSuite(t)
	admin := s.staffTab("xc-gov", "admin")
	token := s.demoToken("xc-gov", "admin")

	// Opening: each run a fresh page load of the editor, the draft already open.
	if status, body := designCall(t, s.url, "POST", "/matters/construction-permit/draft", "", "Authorization", "Bearer "+token); status != 200 {
		t.Fatalf("opening the draft: %d %s", status, body)
	}
	if _, err := chromedp.Call(admin.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: openProbe}); err != nil {
		t.Fatal(err)
	}
	var shown, idle, long, api []float64
	for i := range 5 {
		admin.do(chromedp.Navigate("about:blank"))
		stop := func() {}
		if i == 4 {
			stop = admin.profile("open")
		}
		admin.do(chromedp.Navigate(s.url + "/designer/#/m/construction-permit"))
		admin.waitFor(`window.__tbOpen && window.__tbOpen.shown > 0`)
		admin.do(chromedp.Sleep(2 * time.Second))
		stop()
		r := evalIn[struct{ Shown, Idle, Long, API float64 }](admin, `window.__tbOpen.report()`)
		shown, idle, long, api = append(shown, r.Shown), append(idle, r.Idle), append(long, r.Long), append(api, r.API)
	}
	t.Logf("construction-permit: form designer shown %s ms; main thread idle (last long task ended) %s ms; long tasks %s ms in all; the last API answer before it came at %s ms (5 loads, median first)",
		figures(shown), figures(idle), figures(long), figures(api))

	// Typing: the title of the 150th of 300 fields, key by key, 120 ms apart.
	slug := "speed-300"
	if status, body := designCall(t, s.url, "POST", "/matters", `{"slug":"`+slug+`","name":"三百个字段的事项","orgCode":"wd-amr"}`, "Authorization", "Bearer "+token); status != 201 {
		t.Fatalf("creating %s: %d %s", slug, status, body)
	}
	props, order, ui := map[string]any{}, []string{}, map[string]any{}
	for i := 1; i <= 300; i++ {
		k := fmt.Sprintf("f%d", i)
		props[k] = map[string]any{"type": "string", "title": fmt.Sprintf("第 %d 个字段", i)}
		order = append(order, k)
		ui[k] = map[string]any{"widget": "text"}
	}
	schema, _ := json.Marshal(map[string]any{"type": "object", "properties": props})
	layout, _ := json.Marshal(map[string]any{"sections": []any{map[string]any{"id": "main", "title": "申请信息", "fields": order}}, "fields": ui})
	revision := 1
	for _, f := range []struct{ name, body string }{{"form.schema.json", string(schema)}, {"form.ui.json", string(layout)}} {
		status, body := designCall(t, s.url, "PUT", "/matters/"+slug+"/draft/files/"+f.name, f.body, "Authorization", "Bearer "+token, "If-Match", fmt.Sprint(revision))
		if status != 200 {
			t.Fatalf("PUT %s: %d %s", f.name, status, body)
		}
		revision++
	}
	admin.openStudio(slug)
	admin.waitFor(`document.querySelectorAll('.field-row').length === 300`)
	admin.do(chromedp.Click(chromedp.CSS(`.field-row[aria-label^="第 150 个字段"]`), chromedp.NodeVisible))
	title := pointerID("form.schema.json", "/properties/f150/title")
	admin.do(chromedp.Click(chromedp.ID(title), chromedp.NodeVisible))
	evalIn[bool](admin, typingProbe)
	stop := admin.profile("typing")
	for _, r := range "abcdefghijklmnopqrst" {
		admin.do(chromedp.KeyEvent(string(r)), chromedp.Sleep(120*time.Millisecond))
	}
	admin.do(chromedp.Sleep(time.Second))
	stop()
	lat := evalIn[[]float64](admin, `window.__tbKeys`)
	got := evalIn[string](admin, fmt.Sprintf(`document.getElementById(%q).value`, title))
	if !strings.HasSuffix(got, "qrst") {
		t.Errorf("the title reads %q after typing", got)
	}
	t.Logf("300-field form, typing a field's title: latency per key %s ms (%d keys, median first)", figures(lat), len(lat))
}

// profile starts the page's CPU profiler when TONGBAN_STUDIO_PROFILE names a folder; the
// function it returns stops it and writes name.cpuprofile there (open it in Chromium's DevTools).
func (tb *tab) profile(name string) func() {
	dir := os.Getenv("TONGBAN_STUDIO_PROFILE")
	if dir == "" {
		return func() {}
	}
	t := tb.s.t
	if _, err := chromedp.Call(tb.ctx, profiler.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tb.ctx, profiler.Start, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	return func() {
		r, err := chromedp.Call(tb.ctx, profiler.Stop, cdp.Empty{})
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(r.Profile)
		if err := os.WriteFile(filepath.Join(dir, name+".cpuprofile"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// openProbe runs before the studio's own scripts: it notes when the form designer's rows are
// first on screen and every long task, and report says how long opening took, and when the
// last answer of the API (session, draft) came before that: the rest is the page's own work.
const openProbe = `
window.__tbOpen = {shown: 0, tasks: []};
new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__tbOpen.tasks.push([e.startTime, e.duration]); }).observe({type: 'longtask', buffered: true});
const tbWatch = () => {
	if (document.querySelector('.field-row, .section-box')) requestAnimationFrame(() => (window.__tbOpen.shown = performance.now()));
	else requestAnimationFrame(tbWatch);
};
if (location.hash.startsWith('#/m/')) tbWatch();
window.__tbOpen.report = () => {
	const o = window.__tbOpen;
	const ends = o.tasks.map(([s, d]) => s + d);
	const api = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/') && e.responseEnd < o.shown);
	return {shown: o.shown, idle: Math.max(o.shown, ...ends), long: o.tasks.reduce((n, [, d]) => n + d, 0), api: Math.max(0, ...api.map((e) => e.responseEnd))};
};
`

// typingProbe measures each key from its keydown's time stamp to the frame after its input
// event has been handled (a task queued from the next animation frame runs once that frame is
// produced).
const typingProbe = `(() => {
	window.__tbKeys = [];
	let down = 0;
	window.addEventListener('keydown', (e) => (down = e.timeStamp), true);
	window.addEventListener('input', () => {
		const t0 = down;
		requestAnimationFrame(() => { const ch = new MessageChannel(); ch.port1.onmessage = () => window.__tbKeys.push(performance.now() - t0); ch.port2.postMessage(0); });
	}, true);
	return true;
})()`

// figures lists measurements as "median (min–max)".
func figures(xs []float64) string {
	if len(xs) == 0 {
		return "none"
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return fmt.Sprintf("%.0f (%.0f–%.0f, p90 %.0f)", s[len(s)/2], s[0], s[len(s)-1], s[len(s)*9/10])
}
