package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
)

// TestSharedDefinitions edits the bundle's shared definitions through the design API of the
// real server: only an admin may; removing a role that a matter's task names is refused with
// the place that names it; a holiday added to the calendar is published with every matter and
// moves deadlines as the runtime defines them (a running case keeps the calendar of the version
// it was started on; a case accepted afterwards counts with the new one); and a lookup
// connector's try reaches the population database simulator and answers its mapped result.
func TestSharedDefinitions(t *testing.T) {
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.FixedZone("CST", 8*3600)) // a Monday
	e := &env{apptest.Start(t, app.Config{Clock: func() time.Time { return now }})}
	admin := e.staff("xc-gov", "admin")
	shared := e.expect(200)(e.call(admin, "GET", "/api/v1/design/shared", nil))
	files := shared["files"].(map[string]any)
	for _, name := range []string{"orgs.json", "calendar/2026.json", "connectors/population-db.json", "print/acceptance-notice.json"} {
		want, err := os.ReadFile("../../examples/" + name)
		if err != nil {
			t.Fatal(err)
		}
		// byte for byte as in the examples: what the studio round-trips is the file itself
		if got, _ := files[name].(string); got != string(want) {
			t.Errorf("shared file %s differs from the example's:\n%s", name, got)
		}
	}
	if !strings.Contains(jsonText(shared["usedBy"].(map[string]any)["print/acceptance-notice.json"]), "food-business-license") {
		t.Errorf("usedBy of the acceptance notice = %v", shared["usedBy"])
	}
	e.expect(403)(e.call(e.staff("wd-amr", "clerk"), "GET", "/api/v1/design/shared", nil))

	t.Run("a role a task names cannot go", func(t *testing.T) {
		var orgs map[string]any
		_ = json.Unmarshal([]byte(files["orgs.json"].(string)), &orgs)
		for _, o := range orgs["orgs"].([]any) {
			if o := o.(map[string]any); o["code"] == "wd-amr" {
				var kept []any
				for _, r := range o["roles"].([]any) {
					if r != "inspector" {
						kept = append(kept, r)
					}
				}
				o["roles"] = kept
			}
		}
		change := map[string]any{"files": map[string]any{"orgs.json": jsonText(orgs)}}
		check := e.expect(200)(e.call(admin, "POST", "/api/v1/design/shared/check", change))
		if check["errors"].(float64) == 0 || !strings.Contains(jsonText(check["problems"]), "food-business-license/workflow.json") || !strings.Contains(jsonText(check["problems"]), "inspector") {
			t.Fatalf("check = %v", check)
		}
		refused := e.expect(400)(e.call(admin, "POST", "/api/v1/design/shared/publish", change))
		if !strings.Contains(jsonText(refused), "food-business-license/workflow.json") {
			t.Fatalf("refusal = %v", refused)
		}
	})

	accepted := func() map[string]any {
		c := e.apply(e.Token(enterprise), "food-business-license", sample(t, "food-business-license"), true)
		n := c["number"].(string)
		e.expect(200)(e.call(e.staff("wd-amr", "clerk"), "POST", "/api/v1/cases/"+n+"/pre-review", map[string]any{"opinion": "预审通过"}))
		return e.expect(200)(e.call(e.staff("wd-amr", "clerk"), "POST", "/api/v1/cases/"+n+"/accept", map[string]any{"opinion": "予以受理"}))
	}
	dueDay := func(c map[string]any) string {
		due, _ := time.Parse(time.RFC3339, c["deadline"].(map[string]any)["dueAt"].(string))
		return due.In(now.Location()).Format("2006-01-02")
	}
	t.Run("a holiday added moves deadlines as the runtime defines", func(t *testing.T) {
		before := accepted()
		if got := dueDay(before); got != "2026-06-08" {
			t.Fatalf("5 working days from Monday 1 June end on %s, want 2026-06-08", got)
		}
		var cal map[string]any
		_ = json.Unmarshal([]byte(files["calendar/2026.json"].(string)), &cal)
		cal["holidays"] = append(cal["holidays"].([]any), map[string]any{"date": "2026-06-03", "name": "测试假日"})
		out := e.expect(200)(e.call(admin, "POST", "/api/v1/design/shared/publish", map[string]any{"files": map[string]any{"calendar/2026.json": jsonText(cal)}, "comment": "增补假日"}))
		if !strings.Contains(jsonText(out["published"]), "food-business-license") {
			t.Fatalf("published = %v", out)
		}
		history := e.expect(200)(e.call(admin, "GET", "/api/v1/design/matters/food-business-license/history", nil))
		if !strings.Contains(jsonText(history), "shared.changed") || !strings.Contains(jsonText(history), "calendar/2026.json") {
			t.Errorf("history = %v", history)
		}
		running := e.expect(200)(e.call(e.staff("wd-amr", "clerk"), "GET", "/api/v1/cases/"+before["number"].(string), nil))
		if got := dueDay(running); got != "2026-06-08" {
			t.Errorf("the running case's deadline moved to %s: a case keeps the calendar of its version", got)
		}
		if got := dueDay(accepted()); got != "2026-06-09" {
			t.Errorf("a case accepted after the holiday was added is due %s, want 2026-06-09", got)
		}
	})

	t.Run("a shared notice previewed with a change, for a matter that uses it", func(t *testing.T) {
		var notice map[string]any
		_ = json.Unmarshal([]byte(files["print/acceptance-notice.json"].(string)), &notice)
		notice["elements"] = append(notice["elements"].([]any), map[string]any{"type": "text", "x": 20, "y": 270, "w": 8, "h": 4, "value": "matter.name + matter.name", "sizePt": 12})
		body, _ := json.Marshal(map[string]any{"files": map[string]any{"print/acceptance-notice.json": jsonText(notice)}})
		req, _ := http.NewRequest("POST", e.URL+"/api/v1/design/shared/print/acceptance-notice?matter=food-business-license&format=png", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+admin)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		errs, _ := url.PathUnescape(resp.Header.Get("X-Print-Errors"))
		n := len(notice["elements"].([]any)) - 1
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !strings.Contains(errs, fmt.Sprintf(`"/elements/%d"`, n)) {
			t.Fatalf("%d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), errs)
		}
	})

	t.Run("a connector's try against the simulator", func(t *testing.T) {
		id := e.Credential("张伟").IDNumber
		got := e.expect(200)(e.call(admin, "POST", "/api/v1/design/shared/connectors/try", map[string]any{"connector": "population-db", "key": id}))
		if got["ok"] != true || !strings.Contains(jsonText(got["result"]), "张伟") {
			t.Fatalf("try = %v", got)
		}
		missing := e.expect(200)(e.call(admin, "POST", "/api/v1/design/shared/connectors/try", map[string]any{"connector": "population-db", "key": "110101199001011237"}))
		if missing["ok"] != false || !strings.Contains(missing["error"].(string), "查无此人") {
			t.Fatalf("try of an unknown ID = %v", missing)
		}
		e.expect(400)(e.call(admin, "POST", "/api/v1/design/shared/connectors/try", map[string]any{"connector": "sms-gateway", "key": "x"}))
	})
}
