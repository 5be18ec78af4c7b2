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

// TestBrowserHall drives the loop a citizen lives through the real server and a headless
// Chromium: the fees paid online at the payment platform's page, the workbench showing them
// paid, and the approver opening an uploaded PDF from the case page.
func TestBrowserHall(t *testing.T) {
	s := newBrowserSuite(t)
	s.runFlows([]browserFlow{{"PayOnlineAndOpenMaterials", flowPayOnline}})
}

// apiAnswer calls the JSON API with a demo user's token and decodes the answer.
func (s *browserSuite) apiAnswer(token, method, path string, body io.Reader, contentType string) (int, map[string]any) {
	s.t.Helper()
	status, raw := s.send(token, method, path, body, contentType)
	var out map[string]any
	json.Unmarshal(raw, &out)
	return status, out
}

// send sends one request to the suite's server with a demo user's token and returns the
// status and the body of the answer.
func (s *browserSuite) send(token, method, path string, body io.Reader, contentType string) (int, []byte) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.url+path, body)
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
	return resp.StatusCode, raw
}

// applyByAPI files the sample application of a matter for a demo applicant, uploading a PDF
// for each material the submission asks for.
func (s *browserSuite) applyByAPI(token, slug string) string {
	s.t.Helper()
	form, _ := json.Marshal(sampleForm(s.t, slug))
	draft, _ := json.Marshal(map[string]any{"matter": slug, "form": json.RawMessage(form), "draft": true})
	_, c := s.apiAnswer(token, "POST", "/api/v1/cases", bytes.NewReader(draft), "application/json")
	number, _ := c["number"].(string)
	status, out := s.apiAnswer(token, "POST", "/api/v1/cases/"+number+"/submit", strings.NewReader("{}"), "application/json")
	if status == 200 {
		return number
	}
	fields, _ := out["error"].(map[string]any)["fields"].([]any)
	for _, f := range fields {
		material, ok := strings.CutPrefix(f.(map[string]any)["pointer"].(string), "/materials/")
		if !ok {
			s.t.Fatalf("submission refused: %v", out)
		}
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		part, _ := w.CreateFormFile("file", "材料.pdf")
		part.Write([]byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"))
		w.Close()
		if status, out := s.apiAnswer(token, "POST", "/api/v1/cases/"+number+"/materials/"+material, &buf, w.FormDataContentType()); status != 201 {
			s.t.Fatalf("upload %s: %d %v", material, status, out)
		}
	}
	if status, out := s.apiAnswer(token, "POST", "/api/v1/cases/"+number+"/submit", strings.NewReader("{}"), "application/json"); status != 200 {
		s.t.Fatalf("submit: %d %v", status, out)
	}
	return number
}

// completeByAPI completes the case's open task at node as staff.
func (s *browserSuite) completeByAPI(token, number, node, outcome string) {
	s.t.Helper()
	_, list := s.apiAnswer(token, "GET", "/api/v1/tasks", nil, "")
	for _, it := range list["items"].([]any) {
		task := it.(map[string]any)
		if task["caseNumber"] == number && task["node"] == node && task["status"] != "done" {
			body := fmt.Sprintf(`{"outcome":%q,"opinion":"经审查，同意"}`, outcome)
			if status, out := s.apiAnswer(token, "POST", fmt.Sprintf("/api/v1/tasks/%v/complete", task["id"]), strings.NewReader(body), "application/json"); status != 200 {
				s.t.Fatalf("complete %s: %d %v", node, status, out)
			}
			return
		}
	}
	s.t.Fatalf("no open task %s of %s", node, number)
}

// flowPayOnline: a 不动产权证书补发 accepted and reviewed waits for its fees; the citizen pays
// them at the platform's page from 去缴费 and comes back; the workbench shows them paid, and the
// reviewer opens an uploaded PDF from the case page.
func flowPayOnline(s *browserSuite) {
	t := s.t
	applicant := s.demoUser("张伟", "", "")
	number := s.applyByAPI(applicant.Token, "real-estate-certificate-reissue")
	clerk := s.demoUser("", "xc-realestate", "clerk")
	if status, out := s.apiAnswer(clerk.Token, "POST", "/api/v1/cases/"+number+"/accept", strings.NewReader(`{"opinion":"予以受理"}`), "application/json"); status != 200 {
		t.Fatalf("accept: %d %v", status, out)
	}
	s.completeByAPI(s.demoUser("", "xc-realestate", "reviewer").Token, number, "review", "approve")

	citizen, _ := s.personTab("张伟")
	citizen.open("/cases/" + number)
	citizen.mustSee("未缴纳", "去缴费")
	citizen.clickAndLoad("#pay")
	if !strings.Contains(citizen.location(), "/payment/v1/orders/") {
		t.Fatalf("去缴费 led to %s", citizen.location())
	}
	citizen.mustSee("统一公共支付平台", number, "确认支付")
	citizen.shot("cashier")
	citizen.clickAndLoad("#pay")
	citizen.mustSee("缴费已完成")
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(citizen.text(), "已缴纳"); time.Sleep(300 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the paid callback did not arrive:\n%s", citizen.pageText())
		}
		citizen.open("/cases/" + number)
	}

	reviewer := s.staffTab("xc-realestate", "reviewer")
	reviewer.open("/work/cases/" + number)
	reviewer.mustSee("已缴费", "下载")
	reviewer.shot("case-materials")
	link := evalIn[string](reviewer, `document.querySelector('.files a[href*="/materials/"][href$="inline=1"]').href`)
	reviewer.fetchPDF(link)
}
