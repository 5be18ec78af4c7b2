package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"testing"

	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
)

// sendRaw sends a request with a bearer token (none when empty) and answers its status and body.
func sendRaw(t *testing.T, s *apptest.Server, token, method, path, contentType string, body []byte, headers ...string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// applySenior files a 高龄津贴 application as 王桂英 does on the portal — a draft, its two
// materials, the submission — which the rules approve at once and which ends with a
// certificate. It answers the case number.
func applySenior(t *testing.T, s *apptest.Server) string {
	t.Helper()
	form, err := os.ReadFile("../../../examples/matters/senior-longevity-allowance/sample.json")
	if err != nil {
		t.Fatal(err)
	}
	token := s.Token("王桂英")
	body, _ := json.Marshal(map[string]any{"matter": "senior-longevity-allowance", "form": json.RawMessage(form), "draft": true})
	status, out := sendRaw(t, s, token, "POST", "/api/v1/cases", "application/json", body, "Idempotency-Key", t.Name())
	if status != http.StatusCreated {
		t.Fatalf("draft: %d %s", status, out)
	}
	var created struct{ Number string }
	json.Unmarshal(out, &created)
	for _, m := range []string{"paymentCard", "powerOfAttorney"} {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		part, _ := w.CreateFormFile("file", "材料.pdf")
		part.Write([]byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"))
		w.Close()
		if status, out := sendRaw(t, s, token, "POST", "/api/v1/cases/"+created.Number+"/materials/"+m, w.FormDataContentType(), buf.Bytes()); status != http.StatusCreated {
			t.Fatalf("upload %s: %d %s", m, status, out)
		}
	}
	if status, out := sendRaw(t, s, token, "POST", "/api/v1/cases/"+created.Number+"/submit", "application/json", []byte(`{}`)); status != http.StatusOK {
		t.Fatalf("submit: %d %s", status, out)
	}
	return created.Number
}
