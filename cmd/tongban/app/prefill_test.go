package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
	"github.com/xuchang-gov/tongban/connectors/simulate"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/service"
)

// TestPrefillPrivacy: prefill fills the applicant's own record; a third person named in the
// form (an elder another citizen applies for) fills nothing the applicant did not type — they
// learn only whether what they typed matches; staff lookups are for the roles that accept
// cases; and every lookup is in the account audit log, with whose number and why.
func TestPrefillPrivacy(t *testing.T) {
	srv := apptest.Start(t, app.Config{})
	elder := srv.Credential("王桂英")
	record, err := simulate.LookupPerson(elder.IDNumber, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	prefill := func(token string, person map[string]any) (map[string]any, map[string]string) {
		t.Helper()
		status, body := call(t, srv, token, http.MethodPost, "/api/v1/matters/senior-longevity-allowance/prefill",
			map[string]any{"form": map[string]any{"elder": person}})
		if status != http.StatusOK {
			t.Fatalf("prefill: status %d %v", status, body)
		}
		var form struct {
			Elder map[string]any `json:"elder"`
		}
		raw, _ := json.Marshal(body["form"])
		json.Unmarshal(raw, &form)
		notes := map[string]string{}
		for _, n := range body["notes"].([]any) {
			n := n.(map[string]any)
			notes[n["pointer"].(string)] = n["message"].(string)
		}
		return form.Elder, notes
	}

	t.Run("the applicant's own record", func(t *testing.T) {
		got, _ := prefill(elder.Token, map[string]any{"idNumber": elder.IDNumber})
		if got["name"] != record.Name || got["householdAddress"] != record.HouseholdAddress {
			t.Errorf("own record prefilled as %v, want %s at %s", got, record.Name, record.HouseholdAddress)
		}
	})
	t.Run("someone else's record", func(t *testing.T) {
		citizen := srv.Token("张伟")
		got, _ := prefill(citizen, map[string]any{"idNumber": elder.IDNumber})
		if got["name"] != nil || got["householdAddress"] != nil || got["householdDivision"] != nil {
			t.Errorf("another person's record leaked into the form: %v", got)
		}
		_, notes := prefill(citizen, map[string]any{"idNumber": elder.IDNumber, "name": record.Name})
		if notes["/elder/name"] != "与登记信息一致" {
			t.Errorf("the right name typed: notes %v", notes)
		}
		got, notes = prefill(citizen, map[string]any{"idNumber": elder.IDNumber, "name": "李某某"})
		if notes["/elder/name"] != "与登记信息不一致，请核对" || got["name"] != "李某某" || got["householdAddress"] != nil {
			t.Errorf("a wrong name typed: %v, notes %v", got, notes)
		}
	})
	t.Run("staff lookups", func(t *testing.T) {
		path := "/api/v1/lookups/population-db/" + elder.IDNumber
		if status, body := call(t, srv, srv.Token("wd-civil/reviewer"), http.MethodGet, path, nil); status != http.StatusForbidden {
			t.Errorf("a reviewer: status %d %v, want 403", status, body)
		}
		if status, body := call(t, srv, srv.Token("wd-amr/clerk"), http.MethodGet, path, nil); status != http.StatusOK {
			t.Errorf("a clerk: status %d %v, want 200", status, body)
		}
	})
	t.Run("audited", func(t *testing.T) {
		events, _, err := srv.Store.ListAccountEvents(context.Background(), runtime.AccountEventFilter{Type: service.EventLookup, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		masked := service.MaskIdentifier(elder.IDNumber)
		var prefills, window int
		for _, e := range events {
			if !strings.Contains(e.Detail, masked) || strings.Contains(e.Detail, elder.IDNumber) {
				continue
			}
			switch {
			case strings.Contains(e.Detail, "表单预填"):
				prefills++
			case strings.Contains(e.Detail, "受理智能感知"):
				window++
			}
		}
		// Four prefills, each asking for the record once; the clerk's lookup (the reviewer's was refused).
		if prefills != 4 || window != 1 {
			t.Errorf("audited %d prefill lookups and %d window lookups, want 4 and 1: %v", prefills, window, events)
		}
	})
}
