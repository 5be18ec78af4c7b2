package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
)

// certServer is the real program on SQLite, printing wired in, as `serve --demo` builds it.
type certServer struct {
	t   *testing.T
	srv *apptest.Server
}

func newCertServer(t *testing.T) *certServer {
	return &certServer{t: t, srv: apptest.Start(t, app.Config{})}
}

// token is the API token of a demo user by name, or of staff by role within org.
func (s *certServer) token(name, org string) string {
	if org != "" {
		return s.srv.Token(org + "/" + name)
	}
	return s.srv.Token(name)
}

func (s *certServer) do(token, method, path string, body io.Reader, contentType string) (int, []byte) {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.srv.URL+path, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

func (s *certServer) json(token, method, path string, body any) map[string]any {
	s.t.Helper()
	raw, _ := json.Marshal(body)
	status, out := s.do(token, method, path, bytes.NewReader(raw), "application/json")
	var v map[string]any
	if json.Unmarshal(out, &v) != nil {
		var list []any
		json.Unmarshal(out, &list)
		v = map[string]any{"items": list}
	}
	if status >= 300 {
		s.t.Fatalf("%s %s: %d %s", method, path, status, out)
	}
	return v
}

// TestCertificateQRCodeLeadsToItsVerification issues a real 营业执照 (个体工商户) through the
// server, scans the QR code of the rendered PDF, and follows it to the verification page: valid,
// then revoked.
func TestCertificateQRCodeLeadsToItsVerification(t *testing.T) {
	for _, tool := range []string{"pdftoppm", "zbarimg"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is missing: run printing/pdf/install-test-tools.sh", tool)
		}
	}
	s := newCertServer(t)
	applicant := s.token("张伟", "")
	form, _ := os.ReadFile("../../examples/matters/sole-proprietor-registration/sample.json")
	draft := s.json(applicant, "POST", "/api/v1/cases", map[string]any{"matter": "sole-proprietor-registration", "form": json.RawMessage(form), "draft": true})
	n := draft["number"].(string)
	for _, material := range []string{"premisesProof", "familyRelationProof"} {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		part, _ := w.CreateFormFile("file", "证明.pdf")
		part.Write([]byte("%PDF-1.4\n%%EOF\n"))
		w.Close()
		if status, out := s.do(applicant, "POST", "/api/v1/cases/"+n+"/materials/"+material, &buf, w.FormDataContentType()); status != 201 {
			t.Fatalf("upload %s: %d %s", material, status, out)
		}
	}
	s.json(applicant, "POST", "/api/v1/cases/"+n+"/submit", map[string]any{})
	s.json(s.token("clerk", "wd-amr"), "POST", "/api/v1/cases/"+n+"/accept", map[string]any{"opinion": "予以受理"})
	decider := s.token("decider", "wd-amr")
	tasks := s.json(decider, "GET", "/api/v1/tasks", nil)
	var id float64
	for _, it := range tasks["items"].([]any) {
		if it.(map[string]any)["caseNumber"] == n {
			id = it.(map[string]any)["id"].(float64)
		}
	}
	s.json(decider, "POST", "/api/v1/tasks/"+jsonNumber(id)+"/complete", map[string]any{"outcome": "approve", "opinion": "准予登记"})

	events := s.json(applicant, "GET", "/api/v1/cases/"+n+"/events", nil)
	cert := ""
	for _, e := range events["items"].([]any) {
		if e.(map[string]any)["type"] == "certificate-issued" {
			cert = e.(map[string]any)["data"].(map[string]any)["number"].(string)
		}
	}
	status, doc := s.do(applicant, "GET", "/api/v1/certificates/"+cert+"/document", nil, "")
	if status != 200 || !bytes.HasPrefix(doc, []byte("%PDF-")) {
		t.Fatalf("document: %d %q", status, doc[:min(len(doc), 40)])
	}
	if status, _ := s.do(s.token("李秀兰", ""), "GET", "/api/v1/certificates/"+cert+"/document", nil, ""); status != 404 {
		t.Fatalf("another applicant downloaded the certificate: %d", status)
	}
	dir := t.TempDir()
	pdfPath := filepath.Join(dir, "cert.pdf")
	os.WriteFile(pdfPath, doc, 0o644)
	if out, err := exec.Command("pdftoppm", "-r", "150", "-png", pdfPath, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	out, err := exec.Command("zbarimg", append([]string{"--quiet", "--raw"}, pages...)...).Output()
	if err != nil {
		t.Fatalf("zbarimg found no QR code: %v", err)
	}
	url := strings.TrimSpace(string(out))
	if url != s.srv.URL+"/verify/"+cert {
		t.Fatalf("QR code holds %q", url)
	}
	page := func() string {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if p := page(); !strings.Contains(p, "证照有效") || !strings.Contains(p, cert) || strings.Contains(p, "411002197906180522") {
		t.Fatalf("verification page of a valid certificate:\n%s", p)
	}
	s.json(decider, "POST", "/api/v1/certificates/"+cert+"/revocation", map[string]any{"reason": "经营者申请注销登记"})
	if p := page(); !strings.Contains(p, "证照已注销") {
		t.Fatalf("verification page of a revoked certificate:\n%s", p)
	}

	// Archiving writes a package that tongban archive verify accepts, holding the certificate,
	// the materials and the audit trail.
	clerk := s.token("clerk", "wd-amr")
	s.json(clerk, "POST", "/api/v1/cases/"+n+"/archive", nil)
	status, zipped := s.do(clerk, "GET", "/api/v1/cases/"+n+"/archive", nil, "")
	if status != 200 {
		t.Fatalf("archive download: %d %s", status, zipped)
	}
	zipPath := filepath.Join(dir, "archive.zip")
	os.WriteFile(zipPath, zipped, 0o644)
	if code, out, errOut := run(t, ".", "archive", "verify", zipPath); code != 0 {
		t.Fatalf("archive verify: exit %d %s%s", code, out, errOut)
	}
	for _, want := range []string{"documents/" + cert + ".pdf", "materials/premisesProof/01-", "audit.json", "manifest.json"} {
		if !bytes.Contains(zipped, []byte(want)) {
			t.Errorf("archive lacks %s", want)
		}
	}
	if status, _ := s.do(applicant, "GET", "/api/v1/cases/"+n+"/archive", nil, ""); status != 403 {
		t.Errorf("an applicant downloaded the archive: %d", status)
	}
}

func jsonNumber(f float64) string {
	raw, _ := json.Marshal(f)
	return string(raw)
}

func TestExportsThroughTheAPI(t *testing.T) {
	s := newCertServer(t)
	form, _ := os.ReadFile("../../examples/matters/sole-proprietor-registration/sample.json")
	s.json(s.token("张伟", ""), "POST", "/api/v1/cases", map[string]any{"matter": "sole-proprietor-registration", "form": json.RawMessage(form), "draft": true})
	status, body := s.do(s.token("clerk", "wd-amr"), "GET", "/api/v1/exports/cases.xlsx", nil, "")
	if status != 200 {
		t.Fatalf("export: %d %s", status, body)
	}
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("办件清单")
	if len(rows) != 2 || rows[0][0] != "办件编号" || rows[1][1] != "个体工商户设立登记" || rows[1][3] != "草稿" {
		t.Fatalf("rows %v", rows)
	}
	if status, _ := s.do(s.token("clerk", "wd-amr"), "GET", "/api/v1/exports/statistics.xlsx", nil, ""); status != 200 {
		t.Fatalf("statistics: %d", status)
	}
	if status, _ := s.do(s.token("张伟", ""), "GET", "/api/v1/exports/cases.xlsx", nil, ""); status != 403 {
		t.Fatalf("an applicant exported the case list: %d", status)
	}
}

// TestNoticesThroughTheAPI prints the notices of a 食品经营许可 case as it moves: the handover
// list and fee notice once submitted, the correction notice while correction is asked, the
// acceptance notice once accepted; the text read back from each PDF says what it must.
func TestNoticesThroughTheAPI(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext is missing: run printing/pdf/install-test-tools.sh")
	}
	s := newCertServer(t)
	owner := s.token("许昌瑞祥置业有限公司", "")
	form, _ := os.ReadFile("../../examples/matters/food-business-license/sample.json")
	var sample map[string]any
	json.Unmarshal(form, &sample)
	sample["deliveryMethod"] = "邮政快递"
	sample["postal"] = map[string]any{"recipient": "王建业", "mobile": "13803741234", "address": "许昌市魏都区七一路88号"}
	n := s.json(owner, "POST", "/api/v1/cases", map[string]any{"matter": "food-business-license", "form": sample, "draft": true})["number"].(string)
	raw, _ := json.Marshal(map[string]any{})
	status, out := s.do(owner, "POST", "/api/v1/cases/"+n+"/submit", bytes.NewReader(raw), "application/json")
	var refusal struct {
		Error struct {
			Fields []struct{ Pointer, Message string }
		}
	}
	json.Unmarshal(out, &refusal)
	var deferred []string
	for _, f := range refusal.Error.Fields {
		id := strings.TrimPrefix(f.Pointer, "/materials/")
		if strings.Contains(f.Message, "容缺") {
			deferred = append(deferred, id)
			continue
		}
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		part, _ := w.CreateFormFile("file", "材料.pdf")
		part.Write([]byte("%PDF-1.4\n%%EOF\n"))
		w.Close()
		if st, body := s.do(owner, "POST", "/api/v1/cases/"+n+"/materials/"+id, &buf, w.FormDataContentType()); st != 201 {
			t.Fatalf("upload %s: %d %s", id, st, body)
		}
	}
	if status != 400 {
		t.Fatalf("first submission: %d %s", status, out)
	}
	s.json(owner, "POST", "/api/v1/cases/"+n+"/submit", map[string]any{"deferred": deferred})
	text := func(name string) string {
		t.Helper()
		status, pdf := s.do(owner, "GET", "/api/v1/cases/"+n+"/notices/"+name, nil, "")
		if status != 200 {
			t.Fatalf("%s: %d %s", name, status, pdf)
		}
		path := filepath.Join(t.TempDir(), name+".pdf")
		os.WriteFile(path, pdf, 0o644)
		out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(strings.Fields(string(out)), "")
	}
	for name, want := range map[string][]string{
		"material-handover-list": {"材料交接清单", n, "食品经营许可申请书", "容缺"},
		"fee-payment-notice":     {"缴费通知单", "证照邮寄费", "壹拾贰元整"},
	} {
		got := text(name)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s lacks %q:\n%s", name, w, got)
			}
		}
	}
	if status, _ := s.do(owner, "GET", "/api/v1/cases/"+n+"/notices/acceptance-notice", nil, ""); status != 409 {
		t.Errorf("an acceptance notice before acceptance: %d", status)
	}
	clerk := s.token("clerk", "wd-amr")
	s.json(clerk, "POST", "/api/v1/cases/"+n+"/correction", map[string]any{"opinion": "申请书未加盖公章，请补正", "materials": []string{"application"}})
	if got := text("correction-notice"); !strings.Contains(got, "补正告知书") || !strings.Contains(got, "申请书未加盖公章") {
		t.Errorf("correction notice:\n%s", got)
	}
	s.json(owner, "POST", "/api/v1/cases/"+n+"/correction/resume", map[string]any{})
	s.json(clerk, "POST", "/api/v1/cases/"+n+"/accept", map[string]any{"opinion": "材料齐全，予以受理"})
	if got := text("acceptance-notice"); !strings.Contains(got, "受理通知书") || !strings.Contains(got, "许昌瑞祥置业有限公司") {
		t.Errorf("acceptance notice:\n%s", got)
	}
}
