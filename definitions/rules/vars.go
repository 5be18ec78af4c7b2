package rules

import "time"

// Applicant is who applies, as `applicant` shows them (ApplicantType).
type Applicant struct {
	// Kind is "person" or "enterprise".
	Kind, Name, IDNumber, USCC, Mobile, DivisionCode, Address, LegalPerson string
}

// Case is a case as `case` shows it (CaseType). A form still being filled in is a case with
// only its channel and status.
type Case struct {
	Number, Channel, Status, Matter, OrgCode, DivisionCode string
	SubmittedAt, AcceptedAt, ConcludedAt                   *time.Time
	// Decision is "approve" or "deny" once decided.
	Decision string
}

// Material is what a case knows of one material, as `materials.<id>` shows it (MaterialType).
type Material struct {
	Provided, Deferred bool
	Source             string
	Files              int
}

// CaseVars are the variables every expression of a case runs over: `form`, `applicant`, `case`,
// `materials` by id, `now`, and `tasks`, empty until the caller adds what task forms recorded.
// A nil applicant (nobody signed in yet) is an empty `applicant`; the case's times that have
// not happened are absent, so that rules can ask for them; those that have are given in now's
// location, so that a date read from any of them is that zone's.
// Contexts add their own variables (a lookup's response, a certificate's license) to the result.
func CaseVars(form any, applicant *Applicant, c Case, materials map[string]Material, now time.Time) Vars {
	a := map[string]any{}
	if applicant != nil {
		a = map[string]any{
			"kind": applicant.Kind, "name": applicant.Name, "idNumber": applicant.IDNumber, "uscc": applicant.USCC,
			"mobile": applicant.Mobile, "divisionCode": applicant.DivisionCode,
			"address": applicant.Address, "legalPerson": applicant.LegalPerson,
		}
	}
	cv := map[string]any{
		"number": c.Number, "channel": c.Channel, "status": c.Status, "matter": c.Matter,
		"orgCode": c.OrgCode, "divisionCode": c.DivisionCode, "decision": c.Decision,
	}
	for k, t := range map[string]*time.Time{"submittedAt": c.SubmittedAt, "acceptedAt": c.AcceptedAt, "concludedAt": c.ConcludedAt} {
		if t != nil {
			cv[k] = t.In(now.Location())
		}
	}
	ms := make(map[string]any, len(materials))
	for id, m := range materials {
		ms[id] = map[string]any{"provided": m.Provided, "deferred": m.Deferred, "source": m.Source, "files": m.Files}
	}
	return Vars{"form": form, "applicant": a, "case": cv, "materials": ms, "now": now, "tasks": map[string]any{}}
}
