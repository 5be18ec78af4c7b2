package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"
)

// api sends one request to the suite's server with a demo user's token and decodes the answer
// into out (when given); it fails the test unless the status is want.
func (s *browserSuite) api(token, method, path, contentType string, body []byte, want int, out any) {
	s.t.Helper()
	status, raw := s.send(token, method, path, bytes.NewReader(body), contentType)
	if status != want {
		s.t.Fatalf("%s %s: %d %s", method, path, status, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			s.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// TestBrowserMonitorIsLive keeps the city supervisor's 智能调度监控 open in Chromium while an
// enterprise applies for 食品经营许可 online and the district's clerk accepts it through the API:
// the case appears in the monitor's list and moves to 审批中 without a reload.
func TestBrowserMonitorIsLive(t *testing.T) {
	s := newBrowserSuite(t)
	monitor := s.staffTab("xc-service-center", "supervisor")
	monitor.open("/work/monitor")
	monitor.mustSee("智能调度监控", "共 0 件")
	evalIn[bool](monitor, `(window.__notReloaded = true)`)

	enterprise := s.demoUser("许昌瑞祥置业有限公司", "", "")
	body, _ := json.Marshal(map[string]any{"matter": "food-business-license", "form": sampleForm(t, "food-business-license"), "draft": true})
	var created struct{ Number string }
	s.api(enterprise.Token, "POST", "/api/v1/cases", "application/json", body, http.StatusCreated, &created)
	// The submission names what is missing: upload it, or defer what may be deferred (容缺).
	req, _ := http.NewRequest("POST", s.url+"/api/v1/cases/"+created.Number+"/submit", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer "+enterprise.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var refused struct {
		Error struct {
			Fields []struct{ Pointer, Message string }
		}
	}
	json.NewDecoder(resp.Body).Decode(&refused)
	resp.Body.Close()
	deferred := []string{}
	for _, f := range refused.Error.Fields {
		id, ok := strings.CutPrefix(f.Pointer, "/materials/")
		if !ok {
			continue
		}
		if strings.Contains(f.Message, "容缺") {
			deferred = append(deferred, id)
			continue
		}
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		part, _ := w.CreateFormFile("file", "材料.pdf")
		part.Write([]byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"))
		w.Close()
		s.api(enterprise.Token, "POST", "/api/v1/cases/"+created.Number+"/materials/"+id, w.FormDataContentType(), buf.Bytes(), http.StatusCreated, nil)
	}
	submitted := time.Now()
	body, _ = json.Marshal(map[string]any{"deferred": deferred})
	s.api(enterprise.Token, "POST", "/api/v1/cases/"+created.Number+"/submit", "application/json", body, http.StatusOK, nil)
	monitor.waitFor(fmt.Sprintf(`document.body.innerText.includes(%q) && document.body.innerText.includes("共 1 件")`, created.Number))
	t.Logf("the online case showed %s after its submission", time.Since(submitted).Round(time.Millisecond))
	monitor.mustSee("已提交", "未起算")
	monitor.shot("monitor-online-case")

	clerk := s.demoUser("", "wd-amr", "clerk")
	accepted := time.Now()
	s.api(clerk.Token, "POST", "/api/v1/cases/"+created.Number+"/accept", "application/json", []byte(`{"opinion":"材料齐全"}`), http.StatusOK, nil)
	monitor.waitFor(`[...document.querySelectorAll("[data-live] td[data-label='状态']")].some(td => td.innerText.includes("审批中"))`)
	t.Logf("the acceptance showed %s after it", time.Since(accepted).Round(time.Millisecond))
	if !evalIn[bool](monitor, `window.__notReloaded === true`) {
		t.Fatal("the monitor reloaded the page")
	}
	monitor.shot("monitor-accepted")
}
