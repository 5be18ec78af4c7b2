package service

import (
	"context"
	"slices"
	"strings"

	"github.com/xuchang-gov/tongban/runtime"
)

// Escalate records a supervisor's 督办 of a running case they may see (the dispatch monitor's
// escalation action): the note goes on the case's audit trail, where the handling staff and
// the monitor see it.
func (s *Service) Escalate(ctx context.Context, u *runtime.User, number, note string) (*runtime.CaseView, error) {
	if u == nil || u.Kind != "staff" || !slices.Contains(u.OrgRoles, "supervisor") {
		return nil, runtime.Errorf(runtime.EFORBIDDEN, "只有督办岗可以督办")
	}
	note = strings.TrimSpace(note)
	if note == "" || len([]rune(note)) > 500 {
		return nil, runtime.Invalid("请填写督办意见（不超过 500 字）", runtime.FieldError{Pointer: "/note", Message: "请填写督办意见（不超过 500 字）"})
	}
	c, err := s.visibleCase(ctx, u, number)
	if err != nil {
		return nil, err
	}
	if c.ConcludedAt != nil {
		return nil, runtime.Errorf(runtime.ECONFLICT, "办件已办结，无需督办")
	}
	data := map[string]any{"case": c.Number, "note": note, "by": u.Name, "org": u.OrgCode, "dueAt": c.DueAt}
	if _, err := s.db.AppendEvents(ctx, c.ID, []runtime.Event{event("supervisor-escalated", actorOf(u), s.now(), data)}); err != nil {
		return nil, err
	}
	return s.view(ctx, u, c)
}
