package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
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
	req, err := http.NewRequest(method, s.url+path, bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		s.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			s.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// TestBrowserMonitorIsLive keeps the city supervisor's 智能调度监控 open in Chromium while a
// citizen applies for 高龄津贴 online and the district's reviewer approves it through the API:
// the case appears in the monitor's list and moves to 准予许可 without a reload.
func TestBrowserMonitorIsLive(t *testing.T) {
	s := newBrowserSuite(t)
	monitor := s.staffTab("xc-service-center", "supervisor")
	monitor.open("/work/monitor")
	monitor.mustSee("智能调度监控", "共 0 件")
	evalIn[bool](monitor, `(window.__notReloaded = true)`)

	citizen := s.demoUser("王桂英", "", "")
	form := sampleForm(t, "senior-longevity-allowance")
	body, _ := json.Marshal(map[string]any{"matter": "senior-longevity-allowance", "form": form, "draft": true})
	var created struct{ Number string }
	s.api(citizen.Token, "POST", "/api/v1/cases", "application/json", body, http.StatusCreated, &created)
	for _, m := range []string{"paymentCard", "powerOfAttorney"} {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		part, _ := w.CreateFormFile("file", "材料.pdf")
		part.Write([]byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"))
		w.Close()
		s.api(citizen.Token, "POST", "/api/v1/cases/"+created.Number+"/materials/"+m, w.FormDataContentType(), buf.Bytes(), http.StatusCreated, nil)
	}
	submitted := time.Now()
	s.api(citizen.Token, "POST", "/api/v1/cases/"+created.Number+"/submit", "application/json", []byte(`{}`), http.StatusOK, nil)
	monitor.waitFor(fmt.Sprintf(`document.body.innerText.includes(%q) && document.body.innerText.includes("共 1 件")`, created.Number))
	t.Logf("the online case showed %s after its submission", time.Since(submitted).Round(time.Millisecond))
	monitor.shot("monitor-online-case")

	reviewer := s.demoUser("", "wd-civil", "reviewer")
	var tasks struct {
		Items []struct {
			ID         int64
			CaseNumber string
		}
	}
	s.api(reviewer.Token, "GET", "/api/v1/tasks", "", nil, http.StatusOK, &tasks)
	var task int64
	for _, tk := range tasks.Items {
		if tk.CaseNumber == created.Number {
			task = tk.ID
		}
	}
	if task == 0 {
		t.Fatalf("no task of %s for the reviewer: %+v", created.Number, tasks)
	}
	approved := time.Now()
	s.api(reviewer.Token, "POST", fmt.Sprintf("/api/v1/tasks/%d/complete", task), "application/json", []byte(`{"outcome":"approve","opinion":"同意"}`), http.StatusOK, nil)
	monitor.waitFor(`[...document.querySelectorAll("[data-live] td[data-label='状态']")].some(td => td.innerText.includes("准予许可") || td.innerText.includes("已送达") || td.innerText.includes("已制证"))`)
	t.Logf("the approval showed %s after it", time.Since(approved).Round(time.Millisecond))
	if !evalIn[bool](monitor, `window.__notReloaded === true`) {
		t.Fatal("the monitor reloaded the page")
	}
	if strings.Contains(monitor.text(), "未计时") {
		t.Error("a concluded case is counted as 未计时")
	}
	monitor.shot("monitor-approved")
}
