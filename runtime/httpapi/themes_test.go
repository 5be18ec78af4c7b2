package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/runtime/store/storetest"
)

const barbershop = "barbershop-opening"

// themeSample is an example theme's sample combined form.
func themeSample(t testing.TB, slug string) map[string]any {
	raw, err := os.ReadFile("../../examples/themes/" + slug + "/sample.json")
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	json.Unmarshal(raw, &v)
	return v
}

// applyTheme files a theme application as the portal does: the guide's required uploads
// uploaded beforehand, then the combined form with their references in one request.
func (e *env) applyTheme(token, slug string, form map[string]any) map[string]any {
	e.T.Helper()
	guide := e.expect(200)(e.call("", "GET", "/api/v1/themes/"+slug, nil))
	var materials []map[string]any
	for _, m := range guide["materials"].([]any) {
		m := m.(map[string]any)
		if m["source"] != "upload" || m["requirement"] != "required" {
			continue
		}
		name, content := fileFor(m["fileTypes"].([]any))
		ref := e.expect(201)(e.uploadFile(token, name, content))["ref"]
		materials = append(materials, map[string]any{"id": m["id"], "files": []any{ref}})
	}
	return e.expect(201)(e.call(token, "POST", "/api/v1/theme-cases", map[string]any{"theme": slug, "form": form, "materials": materials}))
}

// queuedSMS claims the outbox's messages and returns the parameters of the SMS of template.
func (e *env) queuedSMS(template string) map[string]any {
	e.T.Helper()
	msgs, err := e.Store.ClaimOutbox(ctx, 500, time.Minute)
	if err != nil {
		e.T.Fatal(err)
	}
	for _, m := range msgs {
		var sms struct {
			Template string
			Params   map[string]any
		}
		if json.Unmarshal(m.Payload, &sms) == nil && sms.Template == template {
			return sms.Params
		}
	}
	e.T.Fatalf("no SMS %s in the outbox", template)
	return nil
}

// expectPDF downloads a document and checks that it is a PDF.
func (e *env) expectPDF(token, url string) {
	e.T.Helper()
	if status, raw := e.get(token, url); status != 200 || !bytes.HasPrefix(raw, []byte("%PDF")) {
		e.T.Fatalf("GET %s: %d %.80s", url, status, raw)
	}
}

// get answers a GET with its status and body as sent.
func (e *env) get(token, url string) (int, []byte) {
	e.T.Helper()
	req, _ := http.NewRequest("GET", e.URL+url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// member returns the member of a theme case view.
func member(t testing.TB, v map[string]any, id string) map[string]any {
	t.Helper()
	for _, m := range v["members"].([]any) {
		if m := m.(map[string]any); m["member"] == id {
			return m
		}
	}
	t.Fatalf("no member %s in %v", id, v["members"])
	return nil
}

func fileHashes(m map[string]any) []string {
	var out []string
	files, _ := m["files"].([]any)
	for _, f := range files {
		out = append(out, f.(map[string]any)["sha256"].(string))
	}
	return out
}

// TestBarbershopTheme drives 开办理发店一件事 through the real HTTP API on every database: found
// by search, applied for with one form, accepted once at the window, the business licence
// approved, the hygiene licence started with that licence, approved, and the theme concluded;
// and, on another application, a denied business licence stopping the hygiene licence.
func TestBarbershopTheme(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn func(t testing.TB) string) {
		e := newEnv(t, dsn(t), nil)
		citizenToken := e.Token(citizen)
		window := e.staff("xc-service-center", "clerk")

		found := e.expect(200)(e.call("", "GET", "/api/v1/themes?q=开理发店", nil))["items"].([]any)
		if len(found) != 1 || found[0].(map[string]any)["slug"] != barbershop {
			t.Fatalf("search 开理发店: %v", found)
		}
		guide := e.expect(200)(e.call("", "GET", "/api/v1/themes/"+barbershop, nil))
		var premises map[string]any
		for _, m := range guide["materials"].([]any) {
			if m := m.(map[string]any); m["id"] == "premisesProof" {
				premises = m
			}
		}
		if premises == nil || premises["shared"] != true || premises["maxSizeMB"] != 10.0 || len(premises["members"].([]any)) != 2 {
			t.Fatalf("shared premises proof with the strictest rules: %v", premises)
		}

		t.Run("一表申报、综合受理、前后置、统一出件", func(t *testing.T) {
			v := e.applyTheme(citizenToken, barbershop, themeSample(t, barbershop))
			number := v["number"].(string)
			license, hygiene := member(t, v, "license"), member(t, v, "hygiene")
			if v["status"] != "submitted" || license["state"] != "started" || hygiene["state"] != "waiting" || hygiene["caseNumber"] != nil {
				t.Fatalf("after submission: %v", v)
			}
			licenseCase := license["caseNumber"].(string)

			decider := e.staff("wd-amr", "decider")
			of := e.expect(200)(e.call(decider, "GET", "/api/v1/cases/"+licenseCase+"/theme", nil))
			sources := of["sources"].(map[string]any)
			if of["themeCase"] != number || sources["/businessName"].(map[string]any)["from"] != "/shop/name" ||
				sources["/employees"].(map[string]any)["expr"] != "len(form.staff)" {
				t.Fatalf("provenance of the business licence's fields: %v", of)
			}
			c := e.expect(200)(e.call(decider, "GET", "/api/v1/cases/"+licenseCase, nil))
			shared := fileHashes(materialOf(t, c, "premisesProof"))
			if len(shared) != 1 || c["form"].(map[string]any)["businessName"] != "许昌市魏都区秀芳理发店" {
				t.Fatalf("business licence case: %v", c)
			}

			e.expect(403)(e.call(e.staff("wd-amr", "clerk"), "POST", "/api/v1/theme-cases/"+number+"/accept", map[string]any{}))
			v = e.expect(200)(e.call(window, "POST", "/api/v1/theme-cases/"+number+"/accept", map[string]any{"opinion": "材料齐全，一次受理"}))
			if v["status"] != "accepted" || member(t, v, "license")["caseStatus"] != "in-approval" {
				t.Fatalf("after the window's acceptance: %v", v)
			}
			e.expect(409)(e.call(window, "POST", "/api/v1/theme-cases/"+number+"/accept", map[string]any{}))

			e.act(licenseCase, "wd-amr", "decider", "decision", "approve")
			v = e.expect(200)(e.call(citizenToken, "GET", "/api/v1/theme-cases/"+number, nil))
			license, hygiene = member(t, v, "license"), member(t, v, "hygiene")
			if license["state"] != "done" || len(license["certificates"].([]any)) != 1 || hygiene["state"] != "started" || hygiene["caseStatus"] != "in-approval" {
				t.Fatalf("after the business licence: %v", v)
			}
			uscc := license["certificates"].([]any)[0].(string)
			hygieneCase := hygiene["caseNumber"].(string)
			reviewer := e.staff("xc-health", "reviewer")
			h := e.expect(200)(e.call(reviewer, "GET", "/api/v1/cases/"+hygieneCase, nil))
			if h["form"].(map[string]any)["uscc"] != uscc || !strings.HasPrefix(uscc, "92411002") {
				t.Fatalf("hygiene licence form: uscc %v, certificate %s", h["form"], uscc)
			}
			if l := materialOf(t, h, "businessLicense")["license"].(map[string]any); l["number"] != uscc {
				t.Fatalf("business licence material: %v", l)
			}
			if got := fileHashes(materialOf(t, h, "premisesProof")); !slices.Equal(got, shared) {
				t.Fatalf("premises proof: hygiene %v, licence %v: not the one stored file", got, shared)
			}
			of = e.expect(200)(e.call(reviewer, "GET", "/api/v1/cases/"+hygieneCase+"/theme", nil))
			if src := of["sources"].(map[string]any)["/uscc"].(map[string]any); src["certificate"] != uscc {
				t.Fatalf("provenance of /uscc: %v", src)
			}

			e.actAll(hygieneCase, "xc-health", step{"reviewer", "review", "approve"}, step{"inspector", "inspect", "approve"},
				step{"checker", "check", "approve"}, step{"decider", "decide", "approve"}, step{"clerk", "deliver", ""})
			v = e.expect(200)(e.call(citizenToken, "GET", "/api/v1/theme-cases/"+number, nil))
			if v["status"] != "concluded" || v["result"] != "approved" || member(t, v, "hygiene")["state"] != "done" {
				t.Fatalf("after the hygiene licence: %v", v)
			}
			if sms := e.queuedSMS("theme-concluded"); !strings.Contains(sms["certificates"].(string), uscc) {
				t.Fatalf("one SMS for both certificates: %v", sms)
			}
			for _, m := range v["members"].([]any) {
				for _, cert := range m.(map[string]any)["certificates"].([]any) {
					e.expectPDF(citizenToken, "/api/v1/certificates/"+cert.(string)+"/document")
				}
			}
			e.verifyChain(licenseCase)
			e.verifyChain(hygieneCase)
		})

		t.Run("前置事项不予许可：后置事项不启动并告知申请人", func(t *testing.T) {
			v := e.applyTheme(citizenToken, barbershop, themeSample(t, barbershop))
			number := v["number"].(string)
			e.expect(200)(e.call(window, "POST", "/api/v1/theme-cases/"+number+"/accept", map[string]any{}))
			licenseCase := member(t, v, "license")["caseNumber"].(string)
			e.act(licenseCase, "wd-amr", "decider", "decision", "deny")
			v = e.expect(200)(e.call(citizenToken, "GET", "/api/v1/theme-cases/"+number, nil))
			hygiene := member(t, v, "hygiene")
			if v["status"] != "concluded" || v["result"] != "denied" || hygiene["state"] != "stopped" ||
				!strings.Contains(hygiene["reason"].(string), "个体工商户设立登记") || hygiene["caseNumber"] != nil {
				t.Fatalf("after the denial: %v", v)
			}
			if sms := e.queuedSMS("theme-member-stopped"); sms["matter"] != "公共场所卫生许可证核发" || !strings.Contains(sms["reason"].(string), "不予许可") {
				t.Fatalf("applicant told: %v", sms)
			}
		})

		t.Run("一表有误：指明成员事项和字段，什么也不建", func(t *testing.T) {
			form := themeSample(t, barbershop)
			form["shop"].(map[string]any)["address"] = "魏文路"
			status, out := e.call(citizenToken, "POST", "/api/v1/theme-cases", map[string]any{"theme": barbershop, "form": form})
			if status != 400 {
				t.Fatalf("status %d: %v", status, out)
			}
			fields, _ := json.Marshal(out["error"].(map[string]any)["fields"])
			if !strings.Contains(string(fields), "/form/shop/address") {
				t.Fatalf("problems: %s", fields)
			}
		})
	})
}

// TestNewbornThemeChain drives 新生儿出生一件事 through its chain of 前后置: each member starts
// when the one before concludes, with that one's certificate as its material and its number in
// the form, accepted by the window's one acceptance; the theme concludes with the last.
func TestNewbornThemeChain(t *testing.T) {
	e := newEnv(t, "", nil)
	found := e.expect(200)(e.call("", "GET", "/api/v1/themes?q=出生", nil))["items"].([]any)
	if len(found) != 1 || found[0].(map[string]any)["slug"] != "newborn" || found[0].(map[string]any)["totalDays"] != 10.0 {
		t.Fatalf("search 出生: %v", found)
	}
	citizenToken := e.Token(citizen)
	v := e.applyTheme(citizenToken, "newborn", themeSample(t, "newborn"))
	number := v["number"].(string)
	for id, want := range map[string]string{"birthCert": "started", "household": "waiting", "insurance": "waiting", "card": "waiting"} {
		if got := member(t, v, id)["state"]; got != want {
			t.Fatalf("%s is %v after submission, want %s", id, got, want)
		}
	}
	e.expect(200)(e.call(e.staff("xc-service-center", "clerk"), "POST", "/api/v1/theme-cases/"+number+"/accept", map[string]any{}))
	chain := []struct {
		member, org, field string
		steps              []step
	}{
		{"birthCert", "xc-health", "", []step{{"decider", "decide", "approve"}}},
		{"household", "wd-psb", "/baby/birthCertificateNumber", []step{{"reviewer", "review", "approve"}, {"decider", "decide", "approve"}}},
		{"insurance", "xc-healthcare-security", "/insured/householdRecordNumber", []step{{"reviewer", "review", "approve"}}},
		{"card", "xc-hrss", "/holder/insuranceNumber", []step{{"reviewer", "review", "approve"}}},
	}
	previous := ""
	for _, link := range chain {
		v = e.expect(200)(e.call(citizenToken, "GET", "/api/v1/theme-cases/"+number, nil))
		m := member(t, v, link.member)
		if m["state"] != "started" || m["caseStatus"] != "in-approval" {
			t.Fatalf("%s: %v", link.member, m)
		}
		caseNumber := m["caseNumber"].(string)
		if link.field != "" {
			of := e.expect(200)(e.call(e.staff(link.org, "reviewer"), "GET", "/api/v1/cases/"+caseNumber+"/theme", nil))
			if src := of["sources"].(map[string]any)[link.field].(map[string]any); src["certificate"] != previous {
				t.Fatalf("%s%s filled from %v, want certificate %s", link.member, link.field, src, previous)
			}
		}
		e.actAll(caseNumber, link.org, link.steps...)
		v = e.expect(200)(e.call(citizenToken, "GET", "/api/v1/theme-cases/"+number, nil))
		previous = member(t, v, link.member)["certificates"].([]any)[0].(string)
	}
	if v["status"] != "concluded" || v["result"] != "approved" {
		t.Fatalf("after the chain: %v", v)
	}
}
