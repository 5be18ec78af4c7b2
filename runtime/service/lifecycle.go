package service

import (
	"context"
	"slices"

	"github.com/xuchang-gov/tongban/runtime"
)

// transition moves a case between statuses outside the workflow graph (预审, 归档), for a staff
// member who holds a role in the case's own org, and records it.
func (s *Service) transition(ctx context.Context, u *runtime.User, number string, from []runtime.Status, to runtime.Status, typ string, data any) (*runtime.CaseView, error) {
	if err := mustBeStaff(u); err != nil {
		return nil, err
	}
	var out *runtime.Case
	err := s.db.WithTx(ctx, func(tx runtime.Tx) error {
		c, err := tx.GetCaseByNumber(number)
		if err != nil || !slices.Contains(s.subtree(u.OrgCode), c.OrgCode) {
			return caseNotFound(number)
		}
		if !slices.Contains(from, c.Status) {
			return runtime.Errorf(runtime.ECONFLICT, "办件当前为「%s」，不能%s", runtime.StatusNames[c.Status], runtime.StatusNames[to])
		}
		c.Status = to
		if err := tx.UpdateCase(c); err != nil {
			return err
		}
		out = c
		_, err = tx.AppendEvents(c.ID, []runtime.Event{event(typ, actorOf(u), s.now(), data)})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.view(ctx, u, out)
}

// PreReview records 预审 of an online submission by a clerk of the case's org.
func (s *Service) PreReview(ctx context.Context, u *runtime.User, number string, a runtime.TaskAction) (*runtime.CaseView, error) {
	if !slices.Contains(u.OrgRoles, "clerk") {
		return nil, runtime.Errorf(runtime.EFORBIDDEN, "只有窗口人员可以预审")
	}
	opinion, err := checkOpinion(a.Opinion, "")
	if err != nil {
		return nil, err
	}
	return s.transition(ctx, u, number, []runtime.Status{runtime.StatusSubmitted}, runtime.StatusPreReviewed,
		"pre-reviewed", map[string]any{"opinion": opinion})
}
