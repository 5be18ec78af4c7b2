package service

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"

	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime"
)

// decodeMaterials reads the material records stored with a case.
func decodeMaterials(raw []byte) ([]materialRecord, error) {
	var recs []materialRecord
	if len(raw) == 0 {
		return nil, nil
	}
	return recs, json.Unmarshal(raw, &recs)
}

// EventLicenseFallback is the audit event, at submission, of an e-license material that declares
// an upload fallback: whether the library gave it or what stood in for it, and why.
const EventLicenseFallback = "e-license-fallback"

// recordFallbacks records how each e-license material with a declared fallback was provided.
func (m *move) recordFallbacks() error {
	recs, err := decodeMaterials(m.c.Materials)
	if err != nil {
		return err
	}
	for _, r := range recs {
		mat := materialByID(m.mp, r.ID)
		if mat == nil || mat.Source != "e-license" || mat.Fallback == "" {
			continue
		}
		data := map[string]any{"material": r.ID, "via": licenseVia(mat, r), "files": len(r.Files)}
		if via := data["via"]; via == viaLibrary {
			data["number"] = r.License.Number
		} else {
			data["problem"] = r.licenseProblem()
		}
		m.record(EventLicenseFallback, data)
	}
	return nil
}

// followDeferred starts the follow-up of the case's deferred (容缺) materials whose deadline
// counts from this moment — submission, or acceptance where the material says so: the deadline
// itself, and for materials with a declared follow-up the reminder and the overdue watch.
func (m *move) followDeferred(atAcceptance bool) error {
	recs, err := decodeMaterials(m.c.Materials)
	if err != nil {
		return err
	}
	changed := false
	for i := range recs {
		r := &recs[i]
		mat := materialByID(m.mp, r.ID)
		if !r.Deferred || mat == nil || mat.FollowsFromAcceptance() != atAcceptance {
			continue
		}
		if atAcceptance {
			due := dueAfter(m.plan.Calendar, m.at, mat.DeferDays)
			r.DueAt, changed = &due, true
			m.record("deferral-started", map[string]any{"material": r.ID, "from": "acceptance", "dueAt": due})
		}
		if mat.FollowUp == nil || r.DueAt == nil {
			continue
		}
		watch := runtime.Task{CaseID: m.c.ID, Node: r.ID, OrgCode: m.mp.Def.Matter.Org.Code, Status: runtime.TaskOpen, CreatedAt: m.at}
		if after, ok := mat.RemindAfter(); ok {
			remind := dueAfter(m.plan.Calendar, m.at, after)
			reminder := watch
			reminder.Kind, reminder.Name, reminder.DueAt = runtime.TaskDeferReminder, "容缺补交提醒："+mat.Name, &remind
			m.tasks = append(m.tasks, reminder)
		}
		watch.Kind, watch.Name, watch.DueAt = runtime.TaskDeferDeadline, "容缺补交期限："+mat.Name, r.DueAt
		m.tasks = append(m.tasks, watch)
	}
	if !changed {
		return nil
	}
	m.c.Materials, err = json.Marshal(recs)
	return err
}

// outstandingDeferred names a required deferred material with a declared follow-up that has
// not been supplied, or is "". First-edition materials, without a follow-up, never hold back a
// certificate, as before.
func (m *move) outstandingDeferred() (string, error) {
	recs, err := decodeMaterials(m.c.Materials)
	if err != nil {
		return "", err
	}
	for _, r := range recs {
		if mat := materialByID(m.mp, r.ID); r.Deferred && r.Required && mat != nil && mat.FollowUp != nil {
			return mat.Name, nil
		}
	}
	return "", nil
}

// followUpDue handles a deferred material's reminder or deadline that came due: nothing when
// the material was supplied or the case has ended; otherwise an SMS to the applicant, or the
// material's overdue rule (escalate, stop the clock, or conclude as not approved).
func (s *Service) followUpDue(ctx context.Context, watch *runtime.Task) error {
	return s.db.WithTx(ctx, func(tx runtime.Tx) error {
		m, err := s.loadMove(ctx, tx, watch.CaseID, nil)
		if err != nil {
			return err
		}
		m.actor = "system:timer"
		recs, err := decodeMaterials(m.c.Materials)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(recs, func(r materialRecord) bool { return r.ID == watch.Node })
		mat := materialByID(m.mp, watch.Node)
		if i < 0 || !recs[i].Deferred || recs[i].DueAt == nil || m.c.ConcludedAt != nil || mat == nil || mat.FollowUp == nil {
			return tx.CloseTask(watch.ID, "not-needed")
		}
		rec := &recs[i]
		data := map[string]any{"material": rec.ID, "name": mat.Name, "dueAt": rec.DueAt}
		if watch.Kind == runtime.TaskDeferReminder {
			if err := tx.CloseTask(watch.ID, "reminded"); err != nil {
				return err
			}
			m.record("deferred-reminded", data)
			applicant, err := tx.GetUser(m.c.ApplicantID)
			if err != nil {
				return err
			}
			params := map[string]any{"matter": m.mp.Def.Matter.Name, "case": m.c.Number, "code": m.c.QueryCode,
				"material": mat.Name, "deadline": rules.Display(*rec.DueAt)}
			if err := s.queueSMS(tx, m.plan, m.c, applicant, "deferred-material-due", params); err != nil {
				return err
			}
			return s.commit(tx, m)
		}
		if err := tx.CloseTask(watch.ID, "overdue"); err != nil {
			return err
		}
		fu := mat.FollowUp
		data["onOverdue"] = fu.OnOverdue
		switch fu.OnOverdue {
		case "escalate":
			data["supervisor"] = cmp.Or(fu.EscalateTo.Org, m.mp.Def.Matter.Org.Code) + "/" + fu.EscalateTo.Role
			m.record("deferred-overdue", data)
		case "stop-clock":
			m.record("deferred-overdue", data)
			if m.c.StoppedAt == nil && m.c.DueAt != nil {
				at := m.at
				m.c.StoppedAt, rec.StoppedClock = &at, true
				m.record("clock-stopped", map[string]any{"material": rec.ID, "reason": "deferred-overdue"})
			}
		case "not-approved":
			m.record("deferred-overdue", data)
			if err := cancelOpenWork(tx, m.c.ID); err != nil {
				return err
			}
			m.conclude("denied")
		}
		if m.c.Materials, err = json.Marshal(recs); err != nil {
			return err
		}
		return s.commit(tx, m)
	})
}

// cancelOpenWork withdraws every open task of a case that ends outside its workflow.
func cancelOpenWork(tx runtime.Tx, caseID int64) error {
	open, err := tx.OpenTasks(caseID)
	if err != nil {
		return err
	}
	done := map[int]bool{}
	for _, t := range open {
		if !done[t.Token] {
			done[t.Token] = true
			if err := tx.CancelToken(caseID, t.Token); err != nil {
				return err
			}
		}
	}
	return nil
}

// deferredSupplied is the record of a deferred material handed in after submission, inside
// the unit of work that keeps the file: its follow-up watches end, and a clock its deadline
// stopped runs again. It returns the events to append.
func (s *Service) deferredSupplied(ctx context.Context, tx runtime.Tx, c *runtime.Case, rec *materialRecord, actor string) ([]runtime.Event, error) {
	now := s.now()
	events := []runtime.Event{event("deferred-supplied", actor, now, map[string]any{"material": rec.ID, "dueAt": rec.DueAt})}
	open, err := tx.OpenTasks(c.ID)
	if err != nil {
		return nil, err
	}
	for _, t := range open {
		if (t.Kind == runtime.TaskDeferReminder || t.Kind == runtime.TaskDeferDeadline) && t.Node == rec.ID {
			if err := tx.CloseTask(t.ID, "supplied"); err != nil {
				return nil, err
			}
		}
	}
	if rec.StoppedClock && c.StoppedAt != nil {
		plan, _, err := s.matterOf(ctx, c)
		if err != nil {
			return nil, err
		}
		days := restartClock(c, plan.Calendar, now)
		events = append(events, event("clock-resumed", actor, now, map[string]any{"material": rec.ID, "reason": "deferred-supplied", "stoppedDays": days, "dueAt": c.DueAt}))
	}
	rec.Deferred, rec.DueAt, rec.StoppedClock = false, nil, false
	return events, nil
}
