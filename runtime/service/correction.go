package service

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/definitions/calendar"

	"github.com/xuchang-gov/tongban/runtime"
)

// RequestCorrection is 补齐补正: staff holding an open step of the case (acceptance or review) ask
// the applicant to complete or fix materials. The clock stops until the applicant answers.
func (s *Service) RequestCorrection(ctx context.Context, u *runtime.User, number, opinion string, materials []string) (*runtime.CaseView, error) {
	if err := mustBeStaff(u); err != nil {
		return nil, err
	}
	opinion, err := checkOpinion(opinion, "correction")
	if err != nil {
		return nil, err
	}
	var out *runtime.Case
	err = s.db.WithTx(ctx, func(tx runtime.Tx) error {
		c, err := tx.GetCaseByNumber(number)
		if err != nil {
			return caseNotFound(number)
		}
		tasks, err := tx.OpenTasks(c.ID)
		if err != nil {
			return err
		}
		// Staff of an org with no part in the case learn nothing of it, not even its status.
		if !slices.Contains(s.subtree(u.OrgCode), c.OrgCode) && !slices.ContainsFunc(tasks, func(t *runtime.Task) bool { return t.OrgCode == u.OrgCode }) {
			return caseNotFound(number)
		}
		switch c.Status {
		case runtime.StatusSubmitted, runtime.StatusPreReviewed, runtime.StatusInApproval:
		default:
			return runtime.Errorf(runtime.ECONFLICT, "只有受理或审查中的办件可以要求补齐补正（当前：%s）", runtime.StatusNames[c.Status])
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
		if c.StoppedAt != nil {
			return runtime.Errorf(runtime.ECONFLICT, "特别程序进行中，结束后才能要求补正")
		}
		now := s.now()
		from := c.Status
		c.Status, c.StoppedAt = runtime.StatusCorrection, &now
		if err := tx.UpdateCase(c); err != nil {
			return err
		}
		plan, _, err := s.matterOf(ctx, c)
		if err != nil {
			return err
		}
		if err := s.notifyMove(tx, plan, mp, c, nil, from, opinion); err != nil {
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
	err := s.db.WithTx(ctx, func(tx runtime.Tx) error {
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
			if c.Form, _, err = checkForm(mp, form, false); err != nil {
				return err
			}
		}
		now := s.now()
		stoppedDays := restartClock(c, plan.Calendar, now)
		c.Status = runtime.StatusSubmitted
		if c.AcceptedAt != nil {
			c.Status = runtime.StatusInApproval
		}
		if err := tx.UpdateCase(c); err != nil {
			return err
		}
		out = c
		_, err = tx.AppendEvents(c.ID, []runtime.Event{event("correction-resumed", actorOf(u), now,
			map[string]any{"stoppedDays": stoppedDays})})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.view(ctx, u, out)
}

// restartClock ends a stopped clock: the deadline moves on by the working days it stood still,
// which it returns.
func restartClock(c *runtime.Case, cal *calendar.Calendar, now time.Time) int {
	stopped := *c.StoppedAt
	if c.DueAt != nil {
		due := extendBy(cal, *c.DueAt, stopped, now)
		c.DueAt = &due
	}
	c.StoppedAt = nil
	return cal.WorkingDaysBetween(runtime.Day(stopped), runtime.Day(now))
}

var specialProcedures = map[string]string{
	"hearing": "听证", "expert-review": "专家评审", "inspection": "现场勘验", "testing": "检验检测", "appraisal": "鉴定",
}

// SpecialProcedure starts or ends a special procedure, for staff holding an open step of the
// accepted case: the clock stops while it runs and the deadline moves on by its working days.
func (s *Service) SpecialProcedure(ctx context.Context, u *runtime.User, number string, p runtime.SpecialProcedure) (*runtime.CaseView, error) {
	if err := mustBeStaff(u); err != nil {
		return nil, err
	}
	name, known := specialProcedures[p.Kind]
	if p.Kind != "" && !known {
		return nil, runtime.Invalid("特别程序的种类不对", runtime.FieldError{Pointer: "/kind", Message: "应为 hearing、expert-review、inspection、testing 或 appraisal"})
	}
	if p.Kind != "" && strings.TrimSpace(p.Reason) == "" {
		return nil, runtime.Invalid("请写明启动特别程序的理由", runtime.FieldError{Pointer: "/reason", Message: "必填"})
	}
	var out *runtime.Case
	err := s.db.WithTx(ctx, func(tx runtime.Tx) error {
		c, err := tx.GetCaseByNumber(number)
		if err != nil {
			return caseNotFound(number)
		}
		tasks, err := tx.OpenTasks(c.ID)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(tasks, func(t *runtime.Task) bool {
			return t.Kind == runtime.TaskPerson && t.OrgCode == u.OrgCode && containsRole(u, t.Role)
		}) {
			return caseNotFound(number)
		}
		if c.Status != runtime.StatusInApproval {
			return runtime.Errorf(runtime.ECONFLICT, "只有审批中的办件可以启动或结束特别程序")
		}
		plan, _, err := s.matterOf(ctx, c)
		if err != nil {
			return err
		}
		now := s.now()
		var e runtime.Event
		switch {
		case p.Kind != "" && c.StoppedAt != nil:
			return runtime.Errorf(runtime.ECONFLICT, "已有特别程序在进行，结束后才能启动新的")
		case p.Kind != "":
			c.StoppedAt = &now
			e = event("special-procedure-started", actorOf(u), now, map[string]any{"kind": p.Kind, "name": name, "reason": p.Reason})
		case c.StoppedAt == nil:
			return runtime.Errorf(runtime.ECONFLICT, "没有正在进行的特别程序")
		default:
			days := restartClock(c, plan.Calendar, now)
			e = event("special-procedure-ended", actorOf(u), now, map[string]any{"stoppedDays": days, "reason": p.Reason})
		}
		if err := tx.UpdateCase(c); err != nil {
			return err
		}
		out = c
		_, err = tx.AppendEvents(c.ID, []runtime.Event{e})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.view(ctx, u, out)
}
