package service

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/store"
)

// RequestCorrection is 补齐补正: staff holding an open step of the case (acceptance or review) ask
// the applicant to complete or fix materials. The clock stops until the applicant answers.
func (s *Service) RequestCorrection(ctx context.Context, u *runtime.User, number, opinion string, materials []string) (*runtime.CaseView, error) {
	if err := mustBeStaff(u); err != nil {
		return nil, err
	}
	if opinion == "" {
		return nil, runtime.Invalid("请写明需要补正的内容", runtime.FieldError{Pointer: "/opinion", Message: "必填"})
	}
	var out *runtime.Case
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		c, err := tx.GetCaseByNumber(number)
		if err != nil {
			return caseNotFound(number)
		}
		switch c.Status {
		case runtime.StatusSubmitted, runtime.StatusPreReviewed, runtime.StatusInApproval:
		default:
			return runtime.Errorf(runtime.ECONFLICT, "只有受理或审查中的办件可以要求补齐补正（当前：%s）", runtime.StatusNames[c.Status])
		}
		tasks, err := tx.OpenTasks(c.ID)
		if err != nil {
			return err
		}
		var step *runtime.Task
		for _, t := range tasks {
			if t.Kind == runtime.TaskPerson && t.OrgCode == u.OrgCode && containsRole(u, t.Role) {
				step = t
			}
		}
		if step == nil {
			return caseNotFound(number)
		}
		_, mp, err := s.matterOf(ctx, c)
		if err != nil {
			return err
		}
		for i, id := range materials {
			if materialByID(mp, id) == nil {
				return runtime.Invalid("没有这项材料", runtime.FieldError{Pointer: fmt.Sprintf("/materials/%d", i), Message: "没有材料 " + id})
			}
		}
		now := s.now()
		c.Status, c.StoppedAt = runtime.StatusCorrection, &now
		if err := tx.UpdateCase(c); err != nil {
			return err
		}
		out = c
		_, err = tx.AppendEvents(c.ID, []runtime.Event{event("correction-requested", actorOf(u), now,
			map[string]any{"opinion": opinion, "materials": materials, "task": step.ID})})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.view(ctx, u, out)
}

func containsRole(u *runtime.User, role string) bool {
	for _, r := range u.OrgRoles {
		if r == role {
			return true
		}
	}
	return false
}

// ResumeCorrection is the applicant's answer to a correction request, with a corrected form if
// any: the clock runs again and the deadline moves on by the working days it stood still.
func (s *Service) ResumeCorrection(ctx context.Context, u *runtime.User, number string, form json.RawMessage) (*runtime.CaseView, error) {
	var out *runtime.Case
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		c, err := tx.GetCaseByNumber(number)
		if err != nil || c.ApplicantID != u.ID {
			return caseNotFound(number)
		}
		if c.Status != runtime.StatusCorrection {
			return runtime.Errorf(runtime.ECONFLICT, "办件 %s 没有待补正的内容", number)
		}
		plan, mp, err := s.matterOf(ctx, c)
		if err != nil {
			return err
		}
		if len(form) > 0 {
			if c.Form, err = checkForm(mp, form, false); err != nil {
				return err
			}
		}
		now := s.now()
		stopped := *c.StoppedAt
		if c.DueAt != nil {
			due := extendBy(plan.Calendar, *c.DueAt, stopped, now)
			c.DueAt = &due
		}
		c.Status, c.StoppedAt = runtime.StatusSubmitted, nil
		if c.AcceptedAt != nil {
			c.Status = runtime.StatusInApproval
		}
		if err := tx.UpdateCase(c); err != nil {
			return err
		}
		out = c
		_, err = tx.AppendEvents(c.ID, []runtime.Event{event("correction-resumed", actorOf(u), now,
			map[string]any{"stoppedDays": plan.Calendar.WorkingDaysBetween(dateOf(stopped), dateOf(now))})})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.view(ctx, u, out)
}
