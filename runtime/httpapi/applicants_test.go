package httpapi_test

import (
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/runtime/store"
	"github.com/xuchang-gov/tongban/runtime/store/storetest"
)

// TestServiceObjectsDecideWhoMayApply: an enterprise cannot file a matter for 自然人 only, nor a
// person one for 法人 only, as a draft or as a submission; the refusal says why and no case is
// stored.
func TestServiceObjectsDecideWhoMayApply(t *testing.T) {
	e := newEnv(t, func(t testing.TB) *store.DB { return storetest.OpenSQLite(t) }, nil)
	tests := []struct {
		who, matter string
		draft       bool
	}{
		{enterprise, "sole-proprietor-registration", true},
		{enterprise, "senior-longevity-allowance", false},
		{citizen, "construction-permit", true},
		{citizen, "public-venue-hygiene-license", false},
	}
	for _, tc := range tests {
		t.Run(tc.who+" "+tc.matter, func(t *testing.T) {
			token := e.token(tc.who)
			before := len(e.expect(200)(e.call(token, "GET", "/api/v1/cases", nil))["items"].([]any))
			out := e.expect(403)(e.call(token, "POST", "/api/v1/cases", map[string]any{"matter": tc.matter, "form": sample(t, tc.matter), "draft": tc.draft}))
			if msg := out["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "服务对象") {
				t.Errorf("refusal %q does not name the service objects", msg)
			}
			if after := len(e.expect(200)(e.call(token, "GET", "/api/v1/cases", nil))["items"].([]any)); after != before {
				t.Errorf("%d cases stored by the refused application", after-before)
			}
		})
	}
	// Either kind may file a matter that serves both.
	e.expect(201)(e.call(e.token(citizen), "POST", "/api/v1/cases", map[string]any{"matter": "food-business-license", "form": map[string]any{}, "draft": true}))
	e.expect(201)(e.call(e.token(enterprise), "POST", "/api/v1/cases", map[string]any{"matter": "food-business-license", "form": map[string]any{}, "draft": true}))
}
