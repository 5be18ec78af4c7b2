package service

import (
	"context"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
)

// RunTimers completes timers that have run out until ctx ends, checking every interval. Several
// processes may run it on one database: each due timer is claimed by one of them.
func (s *Service) RunTimers(ctx context.Context, interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	var checkpointed time.Time
	for {
		if len(s.fileSecret) >= 16 && time.Since(checkpointed) >= checkpointEvery {
			if _, err := s.Checkpoint(ctx); err != nil && ctx.Err() == nil {
				s.logger.Error("audit checkpoint", "err", err)
			} else {
				checkpointed = time.Now()
			}
		}
		if _, err := s.FireDueTimers(ctx); err != nil && ctx.Err() == nil {
			s.logger.Error("timers", "err", err)
		}
		if _, err := s.RenderPendingCertificates(ctx); err != nil && ctx.Err() == nil {
			s.logger.Error("certificates", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// FireDueTimers completes every timer due by now and sends every escalation due, and returns how
// many it handled. Work another instance handled first is skipped.
func (s *Service) FireDueTimers(ctx context.Context) (int, error) {
	due, err := s.db.DueTimers(ctx, s.now(), 100)
	if err != nil {
		return 0, err
	}
	handled := 0
	for _, t := range due {
		switch t.Kind {
		case runtime.TaskEscalation:
			err = s.escalate(ctx, t)
		case runtime.TaskDeferReminder, runtime.TaskDeferDeadline:
			err = s.followUpDue(ctx, t)
		default:
			err = s.CompleteWaiting(ctx, t.CaseID, t.Token, "", "system:timer")
		}
		switch runtime.ErrorCode(err) {
		case "":
			handled++
		case runtime.ECONFLICT:
		default:
			return handled, err
		}
	}
	swept, err := s.sweepAppointments(ctx)
	return handled + swept, err
}

// escalate warns the supervisor of a person's task still open after its escalation period: an
// audit event the supervisor's worklist and the monitor show. (No message is queued: staff have
// no channel an outside system could reach them by yet.) A task done meanwhile needs no warning.
func (s *Service) escalate(ctx context.Context, watch *runtime.Task) error {
	return s.db.WithTx(ctx, func(tx runtime.Tx) error {
		open, err := tx.OpenTasks(watch.CaseID)
		if err != nil {
			return err
		}
		var late *runtime.Task
		for _, t := range open {
			if t.Kind == runtime.TaskPerson && t.Token == watch.Token {
				late = t
			}
		}
		outcome := "not-needed"
		if late != nil {
			outcome = "escalated"
		}
		if err := tx.CloseTask(watch.ID, outcome); err != nil || late == nil {
			return err
		}
		c, err := tx.GetCase(watch.CaseID)
		if err != nil {
			return err
		}
		data := map[string]any{"case": c.Number, "task": late.ID, "node": late.Node, "name": late.Name,
			"assignee": late.OrgCode + "/" + late.Role, "supervisor": watch.OrgCode + "/" + watch.Role, "dueAt": late.DueAt}
		_, err = tx.AppendEvents(c.ID, []runtime.Event{event("escalated", "system:timer", s.now(), data)})
		return err
	})
}
