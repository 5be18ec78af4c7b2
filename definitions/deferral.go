package definitions

// FollowUp says how a deferred (容缺) material is chased after the case goes on without it: from
// when its deadline counts, how long before the deadline the applicant is reminded, and what
// the platform does when the deadline passes with the material still outstanding.
type FollowUp struct {
	// From is "submission" (the default, as in the first edition) or "acceptance".
	From string `json:"from,omitempty" jsonschema:"title=补交时限起算,enum=submission,enum=acceptance,description=submission 自提交起算（默认）；acceptance 自受理起算"`
	// RemindDaysBefore is how many days (counted as the deadline counts) before the deadline the
	// applicant gets an SMS; 0 sends none.
	RemindDaysBefore int `json:"remindDaysBefore,omitempty" jsonschema:"title=到期前几天短信提醒,minimum=0"`
	// OnOverdue is what happens when the deadline passes: escalate to EscalateTo, stop the
	// clock until the material comes, or conclude the case as not approved.
	OnOverdue  string    `json:"onOverdue" jsonschema:"title=逾期未补交时,enum=escalate,enum=stop-clock,enum=not-approved,description=escalate 督办；stop-clock 停止计时直到补交；not-approved 按不予批准办结"`
	EscalateTo *Assignee `json:"escalateTo,omitempty" jsonschema:"title=督办人（逾期督办时）"`
}

// FollowsFromAcceptance tells whether the material's deferral deadline counts from acceptance.
func (m *Material) FollowsFromAcceptance() bool {
	return m.FollowUp != nil && m.FollowUp.From == "acceptance"
}

// RemindAfter is how long after the deadline starts the applicant is reminded, and whether
// they are at all: the deadline less the reminder's days, counted the same way.
func (m *Material) RemindAfter() (Duration, bool) {
	if m.FollowUp == nil || m.FollowUp.RemindDaysBefore <= 0 {
		return Duration{}, false
	}
	return Duration{Days: m.DeferDays.Days - m.FollowUp.RemindDaysBefore, Count: m.DeferDays.Count}, true
}

// checkFollowUp checks a material's 容缺 follow-up, at its pointer at.
func checkFollowUp(b *Bundle, m *MatterDef, c compiler, at string, mat *Material) {
	fu := mat.FollowUp
	if fu == nil {
		return
	}
	at += "/followUp"
	if !mat.Deferrable {
		c.r.add(at, "只有允许容缺（deferrable）的材料才有容缺跟进 followUp")
	}
	if fu.RemindDaysBefore > 0 && fu.RemindDaysBefore >= mat.DeferDays.Days {
		c.r.add(at+"/remindDaysBefore", "提前 %d 天提醒不在补交时限%s之内", fu.RemindDaysBefore, mat.DeferDays)
	}
	switch {
	case fu.OnOverdue == "escalate":
		(&workflowCheck{bundle: b, matter: m, c: c}).checkAssignee(at+"/escalateTo", fu.EscalateTo)
	case fu.EscalateTo != nil:
		c.r.add(at+"/escalateTo", "只有逾期督办（onOverdue: escalate）时才有督办人 escalateTo")
	}
}
