package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserDashboardBuilder has the demo analyst build a new dashboard (数据看板) in the
// studio through the real server: four widgets added from the palette, one dragged and three with the keyboard (a
// number card, a line over months, a bar by district and the 许昌 map), each bound to a dataset
// from the panel's lists, saved, published and opened in big-screen mode, whose figures are the
// dataset's as the API answers them for the same analyst. It then measures an example
// dashboard of eight widgets to first paint.
func TestBrowserDashboardBuilder(t *testing.T) {
	s := newBrowserSuite(t)
	tb := s.staffTab(studioOrg, "analyst")
	tb.open("/designer/#/dashboards/analyst-board")
	tb.do(chromedp.WaitVisible(chromedp.CSS(".dash-palette")))

	panel := func(label string) string { return fmt.Sprintf(`input[aria-label=%q]`, label) }
	add := func(kind string, bind [][2]string) {
		t.Helper()
		before := evalIn[int](tb, `document.querySelectorAll('.dash-cell').length`)
		evalIn[bool](tb, fmt.Sprintf(`(document.querySelector(%q).focus(), true)`, ".dash-kind[data-kind="+kind+"]"))
		tb.do(chromedp.KeyEvent(kb.Enter))
		tb.waitFor(fmt.Sprintf(`document.querySelectorAll('.dash-cell').length === %d`, before+1))
		for _, b := range bind {
			tb.chooseIn(panel(b[0]), b[1])
		}
	}
	// The first widget is dragged from the palette onto the grid, as a mouse does (HTML drag
	// and drop); the others are added with the keyboard.
	evalIn[bool](tb, `(window.__dt = new DataTransfer(), document.querySelector('.dash-kind[data-kind=number]').dispatchEvent(new DragEvent('dragstart', {bubbles: true, dataTransfer: window.__dt})), true)`)
	over := `(() => { const g = document.querySelector('.dash-canvas .react-grid-layout'); const r = g.getBoundingClientRect();
		const o = {bubbles: true, cancelable: true, dataTransfer: window.__dt, clientX: r.left + 10, clientY: r.top + 5};
		g.dispatchEvent(new DragEvent('dragenter', o)); g.dispatchEvent(new DragEvent('dragover', o)); return true })()`
	evalIn[bool](tb, over)
	tb.waitFor(`!!document.querySelector('.react-grid-placeholder')`)
	evalIn[bool](tb, strings.Replace(over, `g.dispatchEvent(new DragEvent('dragenter', o)); g.dispatchEvent(new DragEvent('dragover', o));`, `g.dispatchEvent(new DragEvent('drop', o));`, 1))
	tb.waitFor(`document.querySelectorAll('.dash-cell').length === 1`)
	for _, b := range [][2]string{{"数据集", "事项目录"}, {"度量", "事项数"}} {
		tb.chooseIn(panel(b[0]), b[1])
	}
	add("line", [][2]string{{"数据集", "办件"}, {"维度", "月份"}, {"度量", "办件量"}, {"时间范围", "近 12 个月"}})
	add("bar", [][2]string{{"数据集", "事项目录"}, {"维度", "县（市、区）"}, {"度量", "事项数"}})
	add("map", [][2]string{{"数据集", "事项目录"}, {"度量", "网上可办数"}})
	// The live preview shows the bound widgets while the analyst configures them.
	tb.waitFor(`document.querySelectorAll('.dash-canvas .dash-widget[data-type=bar] svg').length > 0 && document.querySelectorAll('.dash-canvas .dash-tile').length === 7`)
	tb.shot("dashboard-builder")

	tb.press("保存草稿")
	tb.waitFor(`[...document.querySelectorAll('.ant-message-notice')].some(n => n.textContent.includes('草稿已保存'))`)
	tb.press("发布")
	tb.waitFor(`[...document.querySelectorAll('.ant-message-notice')].some(n => n.textContent.includes('已发布第 1 版'))`)
	tb.waitFor(`!![...document.querySelectorAll('a.ant-btn')].find(a => a.textContent.replace(/\s/g, '') === '大屏' && a.getAttribute('aria-disabled') !== 'true')`)
	evalIn[bool](tb, `([...document.querySelectorAll('a.ant-btn')].find(a => a.textContent.replace(/\s/g, '') === '大屏').click(), true)`)
	tb.waitFor(`!!document.querySelector('[data-testid=big-screen]') && document.querySelectorAll('.dash-screen .dash-widget').length === 4 && !document.querySelector('.dash-screen .dash-empty')`)
	tb.waitFor(`document.querySelectorAll('.dash-screen svg').length >= 2`)
	tb.mustSee("每 60 秒刷新")

	token := s.demoUser("", studioOrg, "analyst").Token
	query := func(q string) (out struct {
		Rows   [][]any
		Labels map[string]map[string]string
	}) {
		s.api(token, "POST", "/api/v1/datasets/query", "application/json", []byte(q), http.StatusOK, &out)
		return out
	}
	number := query(`{"dataset":"catalog","measures":["count"]}`).Rows[0][1-1].(float64)
	if got := evalIn[string](tb, `document.querySelector('.dash-screen [data-type=number] [data-testid=value]').textContent`); got != fmt.Sprint(number) {
		t.Errorf("the number card shows %s, the dataset %v", got, number)
	}
	bars := query(`{"dataset":"catalog","dimensions":["district"],"measures":["count"]}`)
	if len(bars.Rows) == 0 {
		t.Fatal("the analyst's catalog has no district")
	}
	var want []string
	for _, r := range bars.Rows {
		want = append(want, bars.Labels["district"][r[0].(string)]+" "+fmt.Sprint(r[1]))
	}
	got := evalIn[[]string](tb, `[...document.querySelectorAll('.dash-screen [data-type=bar] [data-testid=data] tr')].map(tr => tr.querySelector('th').textContent + ' ' + tr.querySelector('td').textContent)`)
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("the bar chart's data = %q, the dataset's %q", got, want)
	}
	if svg := evalIn[string](tb, `document.querySelector('.dash-screen [data-type=bar] svg').textContent`); !strings.Contains(svg, fmt.Sprint(bars.Rows[0][1])) {
		t.Errorf("the bar chart draws no %v: %q", bars.Rows[0][1], svg)
	}
	online := query(`{"dataset":"catalog","dimensions":["district"],"measures":["online"]}`)
	for _, r := range online.Rows {
		tile := evalIn[string](tb, fmt.Sprintf(`(document.querySelector('.dash-screen .dash-tile[data-code=%q] b') || {}).textContent || ''`, r[0]))
		if tile != fmt.Sprint(r[1]) {
			t.Errorf("the map's tile %s shows %q, the dataset %v", r[0], tile, r[1])
		}
	}
	months := query(fmt.Sprintf(`{"dataset":"cases","dimensions":["month"],"measures":["count"],"from":%q,"to":%q}`,
		evalIn[string](tb, `(() => { const t = new Date(new Date().toLocaleDateString('sv-SE', {timeZone: 'Asia/Shanghai'}) + 'T00:00:00Z'); return new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() - 11, 1)).toISOString().slice(0, 10) })()`),
		evalIn[string](tb, `(() => { const t = new Date(new Date().toLocaleDateString('sv-SE', {timeZone: 'Asia/Shanghai'}) + 'T00:00:00Z'); return new Date(t.getTime() + 86400000).toISOString().slice(0, 10) })()`)))
	if n := evalIn[int](tb, `document.querySelectorAll('.dash-screen [data-type=line] [data-testid=data] tr').length`); n != len(months.Rows) {
		t.Errorf("the line shows %d months, the dataset %d", n, len(months.Rows))
	}
	tb.shot("dashboard-big-screen")

	var board struct {
		Version int
		Widgets []json.RawMessage
	}
	s.api(token, "GET", "/api/v1/dashboards/analyst-board", "", nil, http.StatusOK, &board)
	if board.Version != 1 || len(board.Widgets) != 4 {
		t.Errorf("the published dashboard = %+v", board)
	}

	// First paint of a dashboard of eight widgets: from the navigation until every widget shows
	// its figures (charts drawn).
	tb.do(chromedp.Navigate("about:blank"))
	tb.open("/designer/#/dashboards/department-workload/view")
	tb.waitFor(`document.querySelectorAll('.dash-view .dash-widget').length === 8 && ![...document.querySelectorAll('.dash-view .dash-body')].some(b => b.textContent.includes('正在载入')) && document.querySelectorAll('.dash-view .dash-chart svg').length === 4`)
	t.Logf("a dashboard of eight widgets painted its figures %.0f ms after the navigation", evalIn[float64](tb, `performance.now()`))
}
