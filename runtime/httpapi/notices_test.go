package httpapi_test

import (
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/connectors/simulate"
)

// TestNoticesSayWhatHappened prints notices through the API and reads what they were filled
// with: a handover list does not claim the e-license library supplied a material it failed to
// fetch, and a fee notice's 收费依据 is the item's basis, as `tongban print` shows it.
func TestNoticesSayWhatHappened(t *testing.T) {
	e := newNoticeEnv(t, app.Config{})
	print := func(token, number, name string) string {
		t.Helper()
		status, notice := e.print(token, number, name)
		if status != 200 {
			t.Fatalf("%s: %d", name, status)
		}
		return jsonText(notice["items"])
	}

	e.Simulators.SetFaults(simulate.ELicense, simulate.Faults{Down: true})
	n := e.apply(e.Token(elder), "senior-longevity-allowance", sample(t, "senior-longevity-allowance"), false)["number"].(string)
	e.Simulators.SetFaults(simulate.ELicense, simulate.Faults{})
	if items := print(e.staff("wd-civil", "clerk"), n, "material-handover-list"); strings.Contains(items, "电子证照库自动获取") || !strings.Contains(items, "电子证照库未能获取") {
		t.Errorf("the handover list of a case whose e-license lookup failed: %s", items)
	}

	n = e.apply(e.Token(citizen), "real-estate-certificate-reissue", sample(t, "real-estate-certificate-reissue"), false)["number"].(string)
	if items := print(e.staff("xc-realestate", "clerk"), n, "fee-payment-notice"); !strings.Contains(items, "发改价格规〔2016〕2559号") {
		t.Errorf("the fee notice does not give the items' basis: %s", items)
	}
}

// TestGuideListsEveryStep: the matter guide's steps include waits such as the 公示 of 低保.
func TestGuideListsEveryStep(t *testing.T) {
	e := newEnv(t, "", nil)
	g := e.expect(200)(e.call(e.Token(citizen), "GET", "/api/v1/matters/minimum-living-allowance", nil))
	found := false
	for _, s := range g["steps"].([]any) {
		s := s.(map[string]any)
		found = found || (s["node"] == "publicity" && s["type"] == "timer" && s["limitDays"] == 7.0 && s["limitCount"] == "natural")
	}
	if !found {
		t.Fatalf("the guide leaves the 公示 out: %v", g["steps"])
	}
}
