package httpapi_test

import (
	"net/http"
	"slices"
	"testing"
)

// analyst returns the token of the demo's analyst (事项梳理人员).
func (e *env) analyst() string {
	e.T.Helper()
	for _, c := range e.Credentials {
		if c.Kind == "staff" && slices.Contains(c.Roles, "analyst") {
			return c.Token
		}
	}
	e.T.Fatal("no demo analyst")
	return ""
}

// TestDashboards serves the three example dashboards published, has an analyst save a new one
// as a draft, refuses a widget off the grid or bound to a measure its dataset lacks, publishes
// it, and shows other staff only published dashboards and never a draft.
func TestDashboards(t *testing.T) {
	e := newEnv(t, "", nil)
	analyst, clerk := e.analyst(), e.staff("xc-amr", "clerk")

	list := e.expect(http.StatusOK)(e.call(clerk, "GET", "/api/v1/dashboards", nil))["items"].([]any)
	var slugs []string
	for _, d := range list {
		slugs = append(slugs, d.(map[string]any)["slug"].(string))
	}
	if !slices.Equal(slugs, []string{"city-overview", "department-workload", "hall-day"}) {
		t.Fatalf("example dashboards = %v", slugs)
	}
	city := e.expect(http.StatusOK)(e.call(clerk, "GET", "/api/v1/dashboards/city-overview", nil))
	if city["version"] != 1.0 || len(city["widgets"].([]any)) != 9 {
		t.Fatalf("city overview = %v", city)
	}

	spec := map[string]any{"slug": "my-board", "title": "我的看板", "widgets": []any{
		map[string]any{"id": "n", "type": "number", "x": 0, "y": 0, "w": 6, "h": 4, "dataset": "cases", "measure": "count", "range": "12m"},
		map[string]any{"id": "m", "type": "map", "x": 6, "y": 0, "w": 18, "h": 8, "dataset": "cases", "dimension": "district", "measure": "count"},
	}}
	bad := map[string]any{"slug": "my-board", "title": "我的看板", "widgets": []any{
		map[string]any{"id": "n", "type": "number", "x": 20, "y": 0, "w": 6, "h": 4, "dataset": "cases", "measure": "nothing"},
	}}
	out := e.expect(http.StatusBadRequest)(e.call(analyst, "PUT", "/api/v1/dashboards/my-board/draft", bad))["error"].(map[string]any)
	if fields := out["fields"].([]any); len(fields) != 2 {
		t.Fatalf("refusal = %v", out)
	}
	e.expect(http.StatusForbidden)(e.call(clerk, "PUT", "/api/v1/dashboards/my-board/draft", spec))
	draft := e.expect(http.StatusOK)(e.call(analyst, "PUT", "/api/v1/dashboards/my-board/draft", spec))
	if draft["version"] != 0.0 || draft["updatedBy"].(map[string]any)["name"] == "" {
		t.Fatalf("draft = %v", draft)
	}
	e.expect(http.StatusOK)(e.call(analyst, "GET", "/api/v1/dashboards/my-board?version=draft", nil))
	e.expect(http.StatusForbidden)(e.call(clerk, "GET", "/api/v1/dashboards/my-board?version=draft", nil))
	e.expect(http.StatusNotFound)(e.call(clerk, "GET", "/api/v1/dashboards/my-board", nil))
	if n := len(e.expect(http.StatusOK)(e.call(clerk, "GET", "/api/v1/dashboards", nil))["items"].([]any)); n != 3 {
		t.Fatalf("a clerk lists %d dashboards, want the 3 published", n)
	}

	pub := e.expect(http.StatusOK)(e.call(analyst, "POST", "/api/v1/dashboards/my-board/publish", nil))
	if pub["version"] != 1.0 {
		t.Fatalf("published = %v", pub)
	}
	got := e.expect(http.StatusOK)(e.call(clerk, "GET", "/api/v1/dashboards/my-board?version=1", nil))
	if w := got["widgets"].([]any); len(w) != 2 || w[1].(map[string]any)["type"] != "map" {
		t.Fatalf("read back = %v", got)
	}
	e.expect(http.StatusNotFound)(e.call(analyst, "POST", "/api/v1/dashboards/my-board/publish", nil))
}
