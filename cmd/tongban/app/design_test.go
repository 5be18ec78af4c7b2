package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
)

// designClient calls the design API as one user.
type designClient struct {
	t     *testing.T
	base  string
	token string
}

func (c designClient) do(method, path string, body []byte, headers ...string) (int, []byte, http.Header) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+"/api/v1/design/"+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if len(body) > 0 {
		// The API takes a JSON body only when it is declared JSON (415 otherwise).
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out, resp.Header
}

// json calls and decodes the answer into v, failing unless the status is want.
func (c designClient) json(method, path string, body any, want int, v any, headers ...string) {
	c.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	default:
		raw, _ = json.Marshal(b)
	}
	status, out, _ := c.do(method, path, raw, headers...)
	if status != want {
		c.t.Fatalf("%s %s = %d, want %d: %s", method, path, status, want, out)
	}
	if v != nil {
		if err := json.Unmarshal(out, v); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, out)
		}
	}
}

func staff(t *testing.T, s *apptest.Server, name, org string, roles ...runtime.Role) designClient {
	ctx := context.Background()
	u, err := s.Store.CreateUser(ctx, runtime.User{Name: name, Kind: "staff", OrgCode: org, Roles: roles})
	if err != nil {
		t.Fatal(err)
	}
	token, err := s.Store.CreateToken(ctx, u.ID, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	return designClient{t: t, base: s.URL, token: token}
}

type errorAnswer struct {
	Error struct {
		Code     string                  `json:"code"`
		Message  string                  `json:"message"`
		Fields   []runtime.FieldError    `json:"fields"`
		Problems []runtime.DesignProblem `json:"problems"`
	} `json:"error"`
}

// TestDesignFidelityRoundTrip opens a draft of every example matter through the API, puts
// every file back unchanged, and finds the check clean and the diff against the published
// version empty.
func TestDesignFidelityRoundTrip(t *testing.T) {
	s := apptest.Start(t, app.Config{})
	admin := staff(t, s, "管理员", "xc-gov", runtime.RoleAdmin)
	var list struct{ Items []runtime.DesignMatter }
	admin.json("GET", "matters", nil, 200, &list)
	if len(list.Items) < 5 {
		t.Fatalf("matters = %+v", list.Items)
	}
	for _, m := range list.Items {
		t.Run(m.Slug, func(t *testing.T) {
			admin.t = t
			var d runtime.DraftView
			admin.json("POST", "matters/"+m.Slug+"/draft", nil, 200, &d)
			for name, content := range d.Files {
				var saved runtime.SavedFile
				admin.json("PUT", "matters/"+m.Slug+"/draft/files/"+name, []byte(content), 200, &saved, "If-Match", strconv.Itoa(d.Revision))
				d.Revision = saved.Revision
				status, got, hdr := admin.do("GET", "matters/"+m.Slug+"/draft/files/"+name, nil)
				if status != 200 || string(got) != content || hdr.Get("ETag") != strconv.Quote(strconv.Itoa(d.Revision)) {
					t.Fatalf("file %s read back %d %q (etag %s)", name, status, got, hdr.Get("ETag"))
				}
			}
			var check runtime.CheckResult
			admin.json("POST", "matters/"+m.Slug+"/draft/check", nil, 200, &check)
			if check.Errors != 0 {
				t.Fatalf("check = %+v", check)
			}
			var diff runtime.MatterDiff
			admin.json("GET", "matters/"+m.Slug+"/diff?to=draft", nil, 200, &diff)
			if len(diff.Changes) != 0 {
				t.Fatalf("diff = %+v", diff.Changes)
			}
		})
	}
}

// TestDesignLifecycle walks a draft through the API: a stale save, checks with line:col, a
// refused and an accepted publication, send-back, rollback, preview, try, roles and bad input.
func TestDesignLifecycle(t *testing.T) {
	s := apptest.Start(t, app.Config{})
	const slug = "food-business-license"
	analyst := staff(t, s, "梳理甲", "wd-amr", runtime.RoleAnalyst)
	second := staff(t, s, "梳理乙", "wd-amr", runtime.RoleAnalyst)
	publisher := staff(t, s, "审核丙", "wd-amr", runtime.RolePublisher)
	stranger := staff(t, s, "外单位梳理", "xc-housing", runtime.RoleAnalyst)
	citizen := designClient{t: t, base: s.URL, token: s.Token("张伟")}

	var d runtime.DraftView
	analyst.json("POST", "matters/"+slug+"/draft", nil, 200, &d)
	var again runtime.DraftView
	second.json("POST", "matters/"+slug+"/draft", nil, 200, &again)
	if again.Revision != d.Revision || again.OpenedBy.Name != "梳理甲" {
		t.Fatalf("second open = %+v", again.DraftInfo)
	}
	fees := d.Files["fees.json"]
	broken := strings.Replace(fees, `"amount": "12"`, `"amount": "form.aera * 2"`, 1)
	rev := strconv.Itoa(d.Revision)
	second.json("PUT", "matters/"+slug+"/draft/files/fees.json", []byte(broken), 200, nil, "If-Match", rev)

	t.Run("stale save names who saved", func(t *testing.T) {
		var e errorAnswer
		analyst.t = t
		analyst.json("PUT", "matters/"+slug+"/draft/files/fees.json", []byte(fees), 409, &e, "If-Match", rev)
		if !strings.Contains(e.Error.Message, "梳理乙") {
			t.Fatalf("409 = %+v", e)
		}
	})
	analyst.t = t
	var cur runtime.DraftView
	analyst.json("GET", "matters/"+slug+"/draft", nil, 200, &cur)

	t.Run("check and expression check give line:col", func(t *testing.T) {
		var check runtime.CheckResult
		analyst.json("POST", "matters/"+slug+"/draft/check", nil, 200, &check)
		if check.Errors != 1 || check.Problems[0].File != "fees.json" || check.Problems[0].Pointer != "/items/0/amount" || check.Problems[0].Column == 0 {
			t.Fatalf("check = %+v", check)
		}
		var bad, good runtime.ExpressionResult
		analyst.json("POST", "expressions/check", runtime.ExpressionCheck{Slug: slug, File: "fees.json", Pointer: "/items/0/amount", Source: "1 +\n form.aera"}, 200, &bad)
		if bad.OK || bad.Line != 2 || bad.Column == 0 {
			t.Fatalf("bad expression = %+v", bad)
		}
		analyst.json("POST", "expressions/check", runtime.ExpressionCheck{Slug: slug, File: "fees.json", Pointer: "/items/0/condition", Source: `form.deliveryMethod == "邮政快递"`}, 200, &good)
		if !good.OK || good.Type != "bool" {
			t.Fatalf("good expression = %+v", good)
		}
	})

	t.Run("bad input is refused and changes nothing", func(t *testing.T) {
		big := bytes.Repeat([]byte(" "), 50<<20)
		for _, c := range []struct {
			name, method, path string
			body               []byte
			status             int
			mention            string
		}{
			{"file outside the format", "PUT", "matters/" + slug + "/draft/files/evil.json", []byte(`{}`), 400, "evil.json"},
			{"50 MB file", "PUT", "matters/" + slug + "/draft/files/fees.json", big, 413, "2 MB"},
			{"malformed JSON", "PUT", "matters/" + slug + "/draft/files/fees.json", []byte(`{"items": [}`), 400, "JSON"},
			{"slug with ../", "POST", "matters", []byte(`{"slug": "../etc"}`), 400, "事项标识"},
			{"1 MB expression", "POST", "expressions/check", []byte(fmt.Sprintf(`{"slug":%q,"file":"fees.json","pointer":"/items/0/amount","source":%q}`, slug, strings.Repeat("1+", 1<<19))), 400, "表达式"},
			{"malformed request", "POST", "expressions/check", []byte(`{"slug": 1}`), 400, "/slug"},
		} {
			status, out, _ := analyst.do(c.method, c.path, c.body, "If-Match", strconv.Itoa(cur.Revision))
			if status != c.status || !strings.Contains(string(out), c.mention) {
				t.Errorf("%s: %d %s", c.name, status, out)
			}
		}
		var after runtime.DraftView
		analyst.json("GET", "matters/"+slug+"/draft", nil, 200, &after)
		if after.Revision != cur.Revision || after.Files["fees.json"] != broken {
			t.Fatalf("draft changed: revision %d → %d", cur.Revision, after.Revision)
		}
	})

	t.Run("roles", func(t *testing.T) {
		if status, out, _ := citizen.do("GET", "matters", nil); status != 403 {
			t.Errorf("citizen: %d %s", status, out)
		}
		if status, out, _ := stranger.do("GET", "matters/"+slug+"/draft", nil); status != 404 {
			t.Errorf("analyst of another org: %d %s", status, out)
		}
		if status, out, _ := analyst.do("POST", "matters/"+slug+"/draft/publish", []byte(`{}`)); status != 403 {
			t.Errorf("analyst publishing: %d %s", status, out)
		}
	})

	t.Run("publish refused, sent back, fixed and published, rolled back", func(t *testing.T) {
		var e errorAnswer
		publisher.json("POST", "matters/"+slug+"/draft/publish", runtime.PublishRequest{Acknowledge: true}, 400, &e)
		if len(e.Error.Problems) == 0 || e.Error.Problems[0].File != "fees.json" {
			t.Fatalf("refusal = %+v", e)
		}
		analyst.json("POST", "matters/"+slug+"/draft/request", runtime.DraftAction{Comment: "请审核"}, 200, nil)
		var back runtime.DraftView
		publisher.json("POST", "matters/"+slug+"/draft/send-back", runtime.DraftAction{Comment: "收费金额有误"}, 200, &back)
		if back.Status != runtime.DraftReturned || back.Comment != "收费金额有误" {
			t.Fatalf("sent back = %+v", back.DraftInfo)
		}
		fixed := strings.Replace(fees, `"amount": "12"`, `"amount": "15"`, 1)
		analyst.json("PUT", "matters/"+slug+"/draft/files/fees.json", []byte(fixed), 200, nil, "If-Match", strconv.Itoa(back.Revision))
		var diff runtime.MatterDiff
		analyst.json("GET", "matters/"+slug+"/diff", nil, 200, &diff)
		if len(diff.Changes) != 1 || diff.Changes[0].Kind != runtime.DiffFee || diff.Changes[0].ID != "postage" {
			t.Fatalf("diff = %+v", diff.Changes)
		}
		var pub runtime.Published
		publisher.json("POST", "matters/"+slug+"/draft/publish", runtime.PublishRequest{Acknowledge: true}, 200, &pub)
		if pub.Version != d.Version {
			t.Fatalf("published = %+v, draft was version %d", pub, d.Version)
		}
		var rolled runtime.Published
		publisher.json("POST", "matters/"+slug+"/rollback", runtime.RollbackRequest{Version: d.Base}, 200, &rolled)
		if rolled.Version != pub.Version+1 {
			t.Fatalf("rolled back = %+v", rolled)
		}
		var history struct{ Items []runtime.DesignEvent }
		publisher.json("GET", "matters/"+slug+"/history", nil, 200, &history)
		types := []string{}
		for _, e := range history.Items {
			types = append(types, e.Type)
		}
		want := "rolled-back published draft.saved publication.sent-back publication.requested draft.saved draft.opened"
		if strings.Join(types, " ") != want {
			t.Fatalf("history = %v", types)
		}
	})

	t.Run("preview and try", func(t *testing.T) {
		analyst.json("POST", "matters/"+slug+"/draft", nil, 200, nil)
		status, page, hdr := analyst.do("POST", "matters/"+slug+"/draft/preview", []byte(`{"look": "kiosk", "sample": true}`))
		if status != 200 || !strings.Contains(string(page), `<form class="apply"`) || !strings.Contains(hdr.Get("Content-Security-Policy"), "frame-ancestors 'self'") {
			t.Fatalf("preview %d %s: %.300s", status, hdr.Get("Content-Security-Policy"), page)
		}
		var try runtime.TryResult
		analyst.json("POST", "matters/"+slug+"/draft/try", runtime.TryRequest{}, 200, &try)
		if !try.Valid || len(try.Materials) == 0 || len(try.Steps) == 0 {
			t.Fatalf("try = %+v", try)
		}
	})
}

// TestDesignChecksBounds: through the design API, a 2,500-deep form schema is refused when it
// is saved, with the pointer where it goes too deep; a draft with a 1,000,000-character fee or
// a fee over the expression engine's memory budget is checked at once with a problem naming the
// file and pointer, and cannot be published.
func TestDesignChecksBounds(t *testing.T) {
	s := apptest.Start(t, app.Config{})
	const slug = "food-business-license"
	analyst := staff(t, s, "梳理甲", "wd-amr", runtime.RoleAnalyst)
	publisher := staff(t, s, "审核丙", "wd-amr", runtime.RolePublisher)
	var d runtime.DraftView
	analyst.json("POST", "matters/"+slug+"/draft", nil, 200, &d)
	deep := strings.Replace(d.Files["form.schema.json"], `"properties": {`,
		`"properties": {"deep": `+strings.Repeat(`{"type": "object", "properties": {"x": `, 2500)+`{"type": "string"}`+strings.Repeat("}}", 2500)+",", 1)
	fees := d.Files["fees.json"]
	var e errorAnswer
	analyst.json("PUT", "matters/"+slug+"/draft/files/form.schema.json", []byte(deep), 400, &e, "If-Match", strconv.Itoa(d.Revision))
	if f := e.Error.Fields; len(f) != 1 || f[0].Pointer != "/properties/deep"+strings.Repeat("/properties/x", 31) || f[0].Message != "嵌套过深：对象和数组最多嵌套 64 层" {
		t.Fatalf("saving the deep schema: %+v", e.Error)
	}
	for _, c := range []struct {
		name, file, content string
		want                definitions.Problem
	}{
		{"long expression", "fees.json", strings.Replace(fees, `"amount": "12"`, `"amount": "`+strings.Repeat("1 + ", 250_000)+`1"`, 1),
			definitions.Problem{File: "fees.json", Pointer: "/items/0/amount", Message: "表达式错误：表达式过长：1000001 个字符，最多 10000 个"}},
		{"over the memory budget", "fees.json", strings.Replace(fees, `"amount": "12"`, `"amount": "12 + len(1..3000000)"`, 1),
			definitions.Problem{File: "fees.json", Pointer: "/items/0/amount", Message: "表达式错误：表达式运行时要建立约 3000000 个元素的范围或列表，超出上限 1000000：请缩小范围"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			analyst.t, publisher.t = t, t
			var cur runtime.DraftView
			analyst.json("GET", "matters/"+slug+"/draft", nil, 200, &cur)
			analyst.json("PUT", "matters/"+slug+"/draft/files/"+c.file, []byte(c.content), 200, nil, "If-Match", strconv.Itoa(cur.Revision))
			var check runtime.CheckResult
			analyst.json("POST", "matters/"+slug+"/draft/check", nil, 200, &check)
			found := false
			for _, p := range check.Problems {
				found = found || (p.File == c.want.File && p.Pointer == c.want.Pointer && p.Message == c.want.Message)
			}
			if !found {
				t.Fatalf("check lacks %v: %+v", c.want, check.Problems)
			}
			var e errorAnswer
			publisher.json("POST", "matters/"+slug+"/draft/publish", runtime.PublishRequest{Acknowledge: true}, 400, &e)
			analyst.json("GET", "matters/"+slug+"/draft", nil, 200, &cur)
			analyst.json("PUT", "matters/"+slug+"/draft/files/"+c.file, []byte(fees), 200, nil, "If-Match", strconv.Itoa(cur.Revision))
		})
	}
}
