package app_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
	"github.com/xuchang-gov/tongban/runtime"
)

// printErrors decodes the element errors a print preview lists in its header.
func printErrors(t *testing.T, h http.Header) []runtime.FieldError {
	t.Helper()
	raw, err := url.PathUnescape(h.Get("X-Print-Errors"))
	if err != nil {
		t.Fatal(err)
	}
	var out []runtime.FieldError
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		t.Fatalf("X-Print-Errors %q: %v", raw, err)
	}
	return out
}

// paperPNG is a picture of pre-printed paper: one flat colour.
func paperPNG(t *testing.T, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 297, 210))
	for y := range 210 {
		for x := range 297 {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDesignPrintPreview previews the food business licence's certificate through the real
// server: the PDF the certificate code writes, a PNG of the page at true proportions, the
// studio's unsaved template standing in for the saved one, every element that cannot be laid
// out listed by pointer, a background picture saved into the draft and drawn under an
// overprint, and the print variables with their documentation.
func TestDesignPrintPreview(t *testing.T) {
	s := apptest.Start(t, app.Config{})
	analyst := staff(t, s, "梳理", "wd-amr", runtime.RoleAnalyst)
	const slug = "food-business-license"
	var d runtime.DraftView
	analyst.json("POST", "matters/"+slug+"/draft", nil, 200, &d)
	preview := "matters/" + slug + "/draft/print/certificate"

	t.Run("PDF by the certificate code", func(t *testing.T) {
		analyst.t = t
		status, body, h := analyst.do("POST", preview, []byte(`{}`))
		if status != 200 || h.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(body, []byte("%PDF")) {
			t.Fatalf("%d %s %.40q", status, h.Get("Content-Type"), body)
		}
		if errs := printErrors(t, h); len(errs) != 0 {
			t.Fatalf("errors %+v", errs)
		}
		if bin, err := exec.LookPath("pdftotext"); err == nil {
			path := filepath.Join(t.TempDir(), "c.pdf")
			_ = os.WriteFile(path, body, 0o644)
			out, err := exec.Command(bin, path, "-").Output()
			if err != nil || !strings.Contains(string(out), "示例-0001") {
				t.Fatalf("pdftotext: %v %s", err, out)
			}
		}
	})
	t.Run("PNG of the page", func(t *testing.T) {
		analyst.t = t
		status, body, h := analyst.do("POST", preview+"?format=png", []byte(`{}`))
		if status != 200 || h.Get("Content-Type") != "image/png" {
			t.Fatalf("%d %s %s", status, h.Get("Content-Type"), body)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(body))
		if err != nil || cfg.Width != 297*5 || cfg.Height != 210*5 {
			t.Fatalf("PNG %+v %v, want 1485×1050 (A4 landscape at 5 px/mm)", cfg, err)
		}
	})
	t.Run("a bad format", func(t *testing.T) {
		analyst.t = t
		var e errorAnswer
		analyst.json("POST", preview+"?format=gif", []byte(`{}`), 400, &e)
		if e.Error.Fields[0].Pointer != "/format" {
			t.Fatalf("%+v", e)
		}
	})
	t.Run("no such template", func(t *testing.T) {
		analyst.t = t
		analyst.json("POST", "matters/"+slug+"/draft/print/nothing", []byte(`{}`), 404, nil)
	})

	tmpl := d.Files["print/certificate.json"]
	var doc map[string]any
	if err := json.Unmarshal([]byte(tmpl), &doc); err != nil {
		t.Fatal(err)
	}
	elements := doc["elements"].([]any)
	t.Run("each element that cannot be laid out is listed", func(t *testing.T) {
		analyst.t = t
		// a required element that comes out empty, and a long text in a small box that may not shrink
		elements = append(elements,
			map[string]any{"type": "text", "x": 20, "y": 190, "w": 40, "h": 6, "value": "license.holder[0:0]", "label": "空字段", "required": true},
			map[string]any{"type": "text", "x": 70, "y": 190, "w": 10, "h": 4, "value": "license.holder + license.holder + license.holder", "sizePt": 12})
		doc["elements"] = elements
		unsaved, _ := json.Marshal(doc)
		body, _ := json.Marshal(runtime.PrintPreviewRequest{Files: map[string]string{"print/certificate.json": string(unsaved)}})
		status, out, h := analyst.do("POST", preview+"?format=png", body)
		if status != 200 {
			t.Fatalf("%d %s", status, out)
		}
		errs := printErrors(t, h)
		n := len(elements)
		if len(errs) != 2 || errs[0].Pointer != "/elements/"+strconv.Itoa(n-2) || errs[1].Pointer != "/elements/"+strconv.Itoa(n-1) ||
			!strings.Contains(errs[0].Message, "缺少内容") {
			t.Fatalf("errors %+v", errs)
		}
		elements = elements[:n-2]
		doc["elements"] = elements
	})
	t.Run("a background picture under an overprint", func(t *testing.T) {
		analyst.t = t
		var saved runtime.SavedFile
		analyst.json("PUT", "matters/"+slug+"/draft/files/print/paper.png", paperPNG(t, color.RGBA{255, 240, 200, 255}), 200, &saved, "If-Match", strconv.Itoa(d.Revision), "Content-Type", "image/png")
		analyst.json("POST", "matters/"+slug+"/draft", nil, 200, &d)
		if len(d.Images) != 1 || d.Images[0] != "print/paper.png" || d.Files["print/paper.png"] != "" {
			t.Fatalf("draft images %v", d.Images)
		}
		status, got, h := analyst.do("GET", "matters/"+slug+"/draft/files/print/paper.png", nil)
		if status != 200 || h.Get("Content-Type") != "image/png" {
			t.Fatalf("%d %s", status, h.Get("Content-Type"))
		}
		_ = got
		doc["background"], doc["mode"] = "paper.png", "overprint"
		unsaved, _ := json.Marshal(doc)
		body, _ := json.Marshal(runtime.PrintPreviewRequest{Files: map[string]string{"print/certificate.json": string(unsaved)}, Background: true, OffsetXMM: 2})
		status, out, h := analyst.do("POST", preview+"?format=png", body)
		if status != 200 {
			t.Fatalf("%d %s", status, out)
		}
		img, err := png.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		if r, g, b, _ := img.At(3, 3).RGBA(); r>>8 != 255 || g>>8 != 240 || b>>8 != 200 {
			t.Fatalf("corner %d %d %d, want the paper's colour", r>>8, g>>8, b>>8)
		}
		if errs := printErrors(t, h); len(errs) != 0 {
			t.Fatalf("errors %+v", errs)
		}
		analyst.json("PUT", "matters/"+slug+"/draft/files/print/paper.txt", []byte("x"), 400, nil, "If-Match", strconv.Itoa(d.Revision))
		analyst.json("PUT", "matters/"+slug+"/draft/files/print/fake.png", []byte("not a picture"), 400, nil, "If-Match", strconv.Itoa(d.Revision))
	})
	t.Run("the print variables", func(t *testing.T) {
		analyst.t = t
		var v runtime.PrintVariables
		analyst.json("GET", "matters/"+slug+"/print-variables", nil, 200, &v)
		docs := map[string]string{}
		for _, p := range v.Variables {
			docs[p.Name] = p.Type + " " + p.Doc
		}
		for name, want := range map[string]string{"license.number": "string 证照编号", "notice.dueAt": "time 期限", "fees.total": "float 应收合计", "matter.orgName": "string 实施机构", "now": "time"} {
			if !strings.HasPrefix(docs[name], want) {
				t.Errorf("%s = %q, want %q…", name, docs[name], want)
			}
		}
		if rows := v.Rows["notice.items"]; len(rows) != 3 || rows[0].Name != "row.amount" {
			t.Errorf("rows of notice.items = %+v", rows)
		}
	})
}

// BenchmarkDesignPrintPreview is the studio's print preview round trip for a certificate: a
// request with the unsaved template to the real server and the PNG back.
func BenchmarkDesignPrintPreview(b *testing.B) {
	s := apptest.Start(b, app.Config{})
	ctx := b.Context()
	u, _ := s.Store.CreateUser(ctx, runtime.User{Name: "梳理", Kind: "staff", OrgCode: "wd-amr", Roles: []runtime.Role{runtime.RoleAnalyst}})
	token, _ := s.Store.CreateToken(ctx, u.ID, "bench", nil)
	call := func(method, path string, body []byte) []byte {
		req, _ := http.NewRequest(method, s.URL+"/api/v1/design/"+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("%s %s: %v %v", method, path, err, resp)
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(resp.Body)
		return buf.Bytes()
	}
	var d runtime.DraftView
	_ = json.Unmarshal(call("POST", "matters/food-business-license/draft", nil), &d)
	body, _ := json.Marshal(runtime.PrintPreviewRequest{Files: map[string]string{"print/certificate.json": d.Files["print/certificate.json"]}})
	for _, format := range []string{"png", "pdf"} {
		b.Run(format, func(b *testing.B) {
			for b.Loop() {
				call("POST", "matters/food-business-license/draft/print/certificate?format="+format, body)
			}
		})
	}
}
