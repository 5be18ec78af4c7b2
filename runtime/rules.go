package runtime

import (
	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
)

// Applicant is the user as a matter's expressions see who applies (rules.CaseVars); nil for
// nobody signed in. Staff applying for themselves apply as a person.
func (u *User) Applicant() *rules.Applicant {
	if u == nil {
		return nil
	}
	kind := u.Kind
	if kind == "staff" {
		kind = "person"
	}
	return &rules.Applicant{Kind: kind, Name: u.Name, IDNumber: u.IDNumber, USCC: u.USCC, Mobile: u.Mobile, DivisionCode: u.DivisionCode}
}

// Facts is the case as a matter's expressions see it (rules.CaseVars).
func (c *Case) Facts() rules.Case {
	return rules.Case{Number: c.Number, Channel: c.Channel, Status: string(c.Status), Matter: c.Matter,
		OrgCode: c.OrgCode, DivisionCode: c.DivisionCode,
		SubmittedAt: c.SubmittedAt, AcceptedAt: c.AcceptedAt, ConcludedAt: c.ConcludedAt}
}

// FeeLines are the fees that apply to a case (definitions.MatterPlan.ApplyFees) as it records
// and shows them; empty, never nil, when none applies, so that a case stores and answers [].
func FeeLines(applied []definitions.AppliedFee) []FeeLine {
	out := []FeeLine{}
	for _, f := range applied {
		out = append(out, FeeLine{ID: f.ID, Name: f.Name, Kind: f.Kind, Amount: f.Amount})
	}
	return out
}
