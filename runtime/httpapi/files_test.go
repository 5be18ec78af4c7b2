package httpapi_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

func (e *env) uploadFile(token, name string, content []byte) (int, map[string]any) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	part, _ := w.CreateFormFile("file", name)
	part.Write(content)
	w.Close()
	req, _ := http.NewRequest("POST", e.URL+"/api/v1/files", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	return e.send(req)
}

// TestOneRequestApplication uploads the files first, then files the whole 食品经营许可 in one
// request naming them; references are the uploader's alone and checked against each material.
func TestOneRequestApplication(t *testing.T) {
	e := sqliteEnv(t)
	owner := e.Token(enterprise)
	pdf := e.expect(201)(e.uploadFile(owner, "材料.pdf", []byte("%PDF-1.4\n%%EOF\n")))
	exe := e.expect(201)(e.uploadFile(owner, "申请书.pdf", []byte("MZ\x90\x00\x03\x00\x00\x00")))
	ref := pdf["ref"].(string)
	materials := []map[string]any{}
	for _, id := range []string{"application", "facilitiesLayoutProcess", "safetyRules", "cateringLayout", "specialRoomDescription", "networkOperationInfo"} {
		materials = append(materials, map[string]any{"id": id, "files": []string{ref}})
	}
	body := map[string]any{"matter": "food-business-license", "form": sample(t, "food-business-license"), "materials": materials, "deferred": []string{"managerTraining"}}
	c := e.expect(201)(e.call(owner, "POST", "/api/v1/cases", body, "Idempotency-Key", "one-request-1"))
	if status(c) != "submitted" {
		t.Fatalf("status %v", status(c))
	}
	again := e.expect(201)(e.call(owner, "POST", "/api/v1/cases", body, "Idempotency-Key", "one-request-1"))
	if again["number"] != c["number"] {
		t.Fatal("a retry made a second case")
	}

	cases := []struct {
		name    string
		token   string
		file    string
		pointer string
	}{
		{"someone else's file", e.Token(citizen), ref, "/materials/0/files/0"},
		{"a forged reference", owner, strings.Replace(ref, ".", "x.", 1), "/materials/0/files/0"},
		{"a program named .pdf", owner, exe["ref"].(string), "/materials/0/files/0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.snapshot()
			bad := map[string]any{"matter": "food-business-license", "form": sample(t, "food-business-license"),
				"materials": []map[string]any{{"id": "application", "files": []string{tc.file}}}}
			out := e.expect(400)(e.call(tc.token, "POST", "/api/v1/cases", bad))
			if !namesField(out["error"].(map[string]any), tc.pointer) {
				t.Fatalf("error %v", out)
			}
			if e.snapshot() != before {
				t.Fatal("a refused submission changed the store")
			}
		})
	}
}

// TestUploadedNamesAndAnswerHeaders: an uploaded file's name loses invisible characters and
// a Windows device name, and every API answer declares nosniff and refuses to be framed.
func TestUploadedNamesAndAnswerHeaders(t *testing.T) {
	e := sqliteEnv(t)
	owner := e.Token(enterprise)
	for in, want := range map[string]string{"营业\u200b执照\u200d.pdf": "营业执照.pdf", "CON.pdf": "_CON.pdf"} {
		if f := e.expect(201)(e.uploadFile(owner, in, []byte("%PDF-1.4\n%%EOF\n"))); f["name"] != want {
			t.Errorf("%q stored as %v, want %q", in, f["name"], want)
		}
	}
	for _, path := range []string{"/api/v1/matters", "/api/v1/certificates/JY41100299999999/verification", "/api/v1/nothing"} {
		resp, err := http.Get(e.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if h := resp.Header; h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" ||
			!strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s answered with headers %v", path, h)
		}
	}
}
