package rules_test

import (
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/definitions/rules"
)

// TestCaseVars: expressions see the applicant, the case and its materials in the shapes of the
// typed environment; nobody signed in is an empty applicant, and times not yet reached are absent.
func TestCaseVars(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	submitted := now.Add(-time.Hour)
	env := rules.NewEnv(nil, []string{"idCard"}, nil, nil)
	tests := []struct {
		name      string
		applicant *rules.Applicant
		c         rules.Case
		expr      string
		want      any
	}{
		{"nobody signed in", nil, rules.Case{Channel: "online", Status: "draft"}, `applicant.kind ?? "none"`, "none"},
		{"the applicant", &rules.Applicant{Kind: "person", Name: "张伟"}, rules.Case{}, `applicant.kind + ":" + applicant.name`, "person:张伟"},
		{"a time not reached", nil, rules.Case{Number: "XC1"}, `case.submittedAt == nil && case.number == "XC1"`, true},
		{"a time reached", nil, rules.Case{SubmittedAt: &submitted}, `case.submittedAt.Before(now)`, true},
		{"a material", nil, rules.Case{}, `materials.idCard.provided && materials.idCard.files == 2`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := env.Compile(tc.expr, rules.Any)
			if err != nil {
				t.Fatal(err)
			}
			vars := rules.CaseVars(map[string]any{}, tc.applicant, tc.c, map[string]rules.Material{"idCard": {Provided: true, Files: 2, Source: "upload"}}, now)
			got, err := p.Run(vars)
			if err != nil || got != tc.want {
				t.Fatalf("%s = %v (%v), want %v", tc.expr, got, err, tc.want)
			}
		})
	}
}
