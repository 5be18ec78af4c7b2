package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/connectors/simulate"
)

// TestPrefillAndWindowLookupsAskTheRegisters asks the population database and the legal-person
// database (simulators on a real port) through the configured lookup connectors: the elder
// applying for herself is prefilled from her own record.
func TestPrefillAndWindowLookupsAskTheRegisters(t *testing.T) {
	e := newEnv(t, "", nil)
	form := sample(t, "senior-longevity-allowance")
	person := form["elder"].(map[string]any)
	person["idNumber"] = e.Credential(elder).IDNumber
	delete(person, "name")
	delete(person, "householdDivision")
	out := e.expect(200)(e.call(e.Token(elder), "POST", "/api/v1/matters/senior-longevity-allowance/prefill", map[string]any{"form": form}))
	var filled map[string]any
	raw, _ := json.Marshal(out["form"])
	json.Unmarshal(raw, &filled)
	got := filled["elder"].(map[string]any)
	if got["name"] == nil || got["name"] == "" || !strings.HasPrefix(got["householdDivision"].(string), "4110") {
		t.Fatalf("prefilled elder %v (notes %v)", got, out["notes"])
	}
	clerk := e.staff("wd-amr", "clerk")
	answer := e.expect(200)(e.call(clerk, "GET", "/api/v1/lookups/population-db/"+e.Credential(citizen).IDNumber, nil))
	if !strings.Contains(jsonText(answer), `"name":"张伟"`) {
		t.Fatalf("population database answer %s", jsonText(answer))
	}
	// The register answers that it holds no such person: not found, as serve reports it.
	e.expect(404)(e.call(clerk, "GET", "/api/v1/lookups/population-db/110101198001010010", nil))
	e.expect(403)(e.call(e.Token(citizen), "GET", "/api/v1/lookups/population-db/"+e.Credential(citizen).IDNumber, nil))
	e.expect(403)(e.call(e.staff("wd-civil", "reviewer"), "GET", "/api/v1/lookups/population-db/"+e.Credential(citizen).IDNumber, nil))
}

func jsonText(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}

// TestELicenseLibraryDownHandsTheCaseToAPerson makes the e-license library fail: the 高龄津贴
// cannot be decided automatically, so it goes to a person, with the reason on the material.
func TestELicenseLibraryDownHandsTheCaseToAPerson(t *testing.T) {
	e := newEnv(t, "", nil)
	e.Simulators.SetFaults(simulate.ELicense, simulate.Faults{Down: true})
	c := e.apply(e.Token(elder), "senior-longevity-allowance", sample(t, "senior-longevity-allowance"), false)
	if status(c) != "submitted" {
		t.Fatalf("status %v, want waiting for a person", status(c))
	}
	for _, m := range c["materials"].([]any) {
		m := m.(map[string]any)
		if m["id"] == "elderIdCard" {
			if l, _ := m["license"].(map[string]any); l == nil || !strings.Contains(fmt.Sprint(l["problem"]), "电子证照库") {
				t.Fatalf("the reason is not recorded: %v", m)
			}
		}
	}
	e.act(c["number"].(string), "wd-civil", "reviewer", "review", "approve")
}

func TestDeadLettersAreForAdmins(t *testing.T) {
	e := newEnv(t, "", nil)
	e.expect(403)(e.call(e.staff("wd-amr", "clerk"), "GET", "/api/v1/outbox/dead-letters", nil))
	list := e.expect(200)(e.call(e.staff("xc-gov", "admin"), "GET", "/api/v1/outbox/dead-letters", nil))
	if list["total"].(float64) != 0 {
		t.Fatalf("dead letters %v", list)
	}
	e.expect(404)(e.call(e.staff("xc-gov", "admin"), "POST", "/api/v1/outbox/999/replay", nil))
}
