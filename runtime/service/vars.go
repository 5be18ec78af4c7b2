package service

import (
	"encoding/json"
	"time"

	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime"
)

// materialState is what the case knows of one material, as expressions see it.
type materialState struct {
	Provided bool   `json:"provided"`
	Deferred bool   `json:"deferred"`
	Source   string `json:"source"`
	Files    int    `json:"files"`
}

// varsFor builds what expressions run over for a case.
func varsFor(c *runtime.Case, form any, applicant *runtime.User, materials map[string]materialState, now time.Time) rules.Vars {
	caseVars := map[string]any{
		"number": c.Number, "channel": c.Channel, "status": string(c.Status), "matter": c.Matter,
		"orgCode": c.OrgCode, "divisionCode": c.DivisionCode,
	}
	for k, t := range map[string]*time.Time{"submittedAt": c.SubmittedAt, "acceptedAt": c.AcceptedAt, "concludedAt": c.ConcludedAt} {
		if t != nil {
			caseVars[k] = *t
		}
	}
	return rules.Vars{
		"form":      form,
		"applicant": applicantVars(applicant),
		"case":      caseVars,
		"materials": materialStatesAny(materials),
		"now":       now,
	}
}

func applicantVars(u *runtime.User) map[string]any {
	if u == nil {
		return map[string]any{}
	}
	kind := u.Kind
	if kind == "staff" {
		kind = "person"
	}
	return map[string]any{
		"kind": kind, "name": u.Name, "idNumber": u.IDNumber, "uscc": u.USCC,
		"mobile": u.Mobile, "divisionCode": u.DivisionCode,
	}
}

// decodeForm turns stored form JSON into the values expressions see (numbers as float64).
func decodeForm(raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		return map[string]any{}, nil
	}
	var v any
	err := json.Unmarshal(raw, &v)
	return v, err
}
