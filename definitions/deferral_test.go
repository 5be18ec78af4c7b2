package definitions_test

import (
	"testing"

	"github.com/xuchang-gov/tongban/definitions"
)

// TestDeferralReminder: the reminder comes the given days before the deadline, counted as the
// deadline counts; no follow-up or no days sends none; the deadline counts from acceptance only
// when declared.
func TestDeferralReminder(t *testing.T) {
	natural := definitions.Duration{Days: 7, Count: definitions.Natural}
	for _, c := range []struct {
		name           string
		m              definitions.Material
		after          definitions.Duration
		remind, accept bool
	}{
		{"第一版：无跟进", definitions.Material{DeferDays: definitions.Days(5)}, definitions.Duration{}, false, false},
		{"受理起算，提前1个工作日", definitions.Material{DeferDays: definitions.Days(5), FollowUp: &definitions.FollowUp{From: "acceptance", RemindDaysBefore: 1}}, definitions.Days(4), true, true},
		{"自然日，提前2天", definitions.Material{DeferDays: natural, FollowUp: &definitions.FollowUp{RemindDaysBefore: 2}}, definitions.Duration{Days: 5, Count: definitions.Natural}, true, false},
		{"不提醒", definitions.Material{DeferDays: natural, FollowUp: &definitions.FollowUp{From: "submission"}}, definitions.Duration{}, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			after, remind := c.m.RemindAfter()
			if after != c.after || remind != c.remind || c.m.FollowsFromAcceptance() != c.accept {
				t.Errorf("RemindAfter = %v, %v; FollowsFromAcceptance = %v", after, remind, c.m.FollowsFromAcceptance())
			}
		})
	}
}
