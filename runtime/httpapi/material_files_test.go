package httpapi_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/service"
)

// TestStaffOpenMaterials: staff entitled to a case open each uploaded file, inline when it is a
// PDF, and every opening is in the account audit log; staff of an unrelated org and other
// applicants are told the file does not exist.
func TestStaffOpenMaterials(t *testing.T) {
	e := sqliteEnv(t)
	owner := e.Token(enterprise)
	c := e.apply(owner, "food-business-license", sample(t, "food-business-license"), true)
	number := c["number"].(string)
	at := "/api/v1/cases/" + number + "/materials/application/files/0"
	reviewer := e.Credential("wd-amr/reviewer")

	cases := []struct {
		name, token, path string
		status            int
		disposition       string
	}{
		{"the reviewer views it inline", reviewer.Token, at + "?inline=1", 200, "inline"},
		{"the reviewer downloads it", reviewer.Token, at, 200, "attachment"},
		{"the applicant downloads it", owner, at, 200, "attachment"},
		{"staff of another org", e.staff("xc-housing", "reviewer"), at, 404, ""},
		{"another applicant", e.Token(citizen), at, 404, ""},
		{"a file that is not there", reviewer.Token, strings.TrimSuffix(at, "0") + "9", 404, ""},
		{"no token", "", at, 401, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", e.URL+tc.path, nil)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tc.status, body)
			}
			if tc.status != 200 {
				return
			}
			if !strings.HasPrefix(res.Header.Get("Content-Disposition"), tc.disposition+";") || res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(body), "%PDF") {
				t.Fatalf("answer %v: %.20q", res.Header, body)
			}
		})
	}
	// The three openings that were answered, and none of the refused.
	events, _, err := e.Accounts.ListAccountEvents(ctx, runtime.AccountEventFilter{Type: service.EventMaterialOpened})
	if err != nil || len(events) != 3 || !strings.Contains(events[0].Detail, number) {
		t.Fatalf("audit log %v %v", events, err)
	}
}
