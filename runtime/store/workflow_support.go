package store

import (
	"context"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"gorm.io/gorm"
)

// This file holds what the service layer needs to step a case's workflow inside one unit of
// work: reading the case and its people inside the transaction, withdrawing or finishing the
// work waiting at an engine token, timers, and evaluations.

// GetCaseByNumber is DB.GetCaseByNumber inside a unit of work.
func (tx *Tx) GetCaseByNumber(number string) (*runtime.Case, error) {
	return tx.findCase("number = ?", number)
}

// GetTask is DB.GetTask inside a unit of work.
func (tx *Tx) GetTask(id int64) (*runtime.Task, error) { return tx.db.getTask(tx.g, id) }

// GetUser is DB.GetUser inside a unit of work.
func (tx *Tx) GetUser(id int64) (*runtime.User, error) { return tx.user(id) }

// OpenTasks returns a case's tasks that are open or claimed, oldest first.
func (tx *Tx) OpenTasks(caseID int64) ([]*runtime.Task, error) {
	var rows []taskRow
	err := tx.g.Where("case_id = ? AND status IN ?", caseID, []string{"open", "claimed"}).Order("id").Find(&rows).Error
	if err != nil {
		return nil, wrap(err, "open tasks")
	}
	out := make([]*runtime.Task, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// CancelToken withdraws the open work of a case at one engine token.
func (tx *Tx) CancelToken(caseID int64, token int) error {
	err := tx.g.Exec(`UPDATE tasks SET status = 'cancelled', done_at = ?
		WHERE case_id = ? AND token = ? AND status IN ('open', 'claimed')`, tx.now, caseID, token).Error
	return wrap(err, "cancel token")
}

// FinishToken marks the open work at an engine token done with an outcome: a timer that ran
// out, a callback that answered, a payment confirmed. It returns conflict when there is no open work at the token,
// so that two instances firing the same timer complete it once.
func (tx *Tx) FinishToken(caseID int64, token int, outcome string) error {
	res := tx.g.Exec(`UPDATE tasks SET status = 'done', outcome = ?, done_at = ?
		WHERE case_id = ? AND token = ? AND status IN ('open', 'claimed') AND kind IN ('timer', 'connector', 'delivery', 'payment')`, outcome, tx.now, caseID, token)
	if res.Error != nil {
		return wrap(res.Error, "finish token")
	}
	if res.RowsAffected == 0 {
		return conflict("这项等待已经完成")
	}
	return nil
}

// CloseTask marks one open task done with an outcome; conflict when it is no longer open (another
// instance got there first).
func (tx *Tx) CloseTask(id int64, outcome string) error {
	res := tx.g.Exec(`UPDATE tasks SET status = 'done', outcome = ?, done_at = ? WHERE id = ? AND status = 'open'`, outcome, tx.now, id)
	if res.Error != nil {
		return wrap(res.Error, "close task")
	}
	if res.RowsAffected == 0 {
		return conflict("任务已经处理")
	}
	return nil
}

// DueTimers returns up to n open timer and escalation tasks due by now, oldest first.
func (db *DB) DueTimers(ctx context.Context, now time.Time, n int) (tasks []*runtime.Task, err error) {
	err = db.read(ctx, func(tx *Tx) error {
		var rows []taskRow
		err := tx.g.Where("kind IN ? AND status = 'open' AND due_at <= ?", []string{string(runtime.TaskTimer), string(runtime.TaskEscalation), string(runtime.TaskDeferReminder), string(runtime.TaskDeferDeadline)}, now.UTC()).
			Order("due_at, id").Limit(n).Find(&rows).Error
		if err != nil {
			return wrap(err, "due timers")
		}
		for i := range rows {
			tasks = append(tasks, rows[i].domain())
		}
		return nil
	})
	return tasks, err
}

type evaluationRow struct {
	CaseID    int64 `gorm:"primaryKey"`
	UserID    int64
	Score     int
	Comment   string
	CreatedAt time.Time
}

func (evaluationRow) TableName() string { return "evaluations" }

// SaveEvaluation records the applicant's rating of a case; a case is rated once (conflict after).
func (tx *Tx) SaveEvaluation(caseID, userID int64, e runtime.Evaluation) error {
	err := tx.g.Create(&evaluationRow{CaseID: caseID, UserID: userID, Score: e.Score, Comment: e.Comment, CreatedAt: e.At.UTC()}).Error
	if isUnique(err) {
		return conflict("此办件已经评价过")
	}
	return wrap(err, "save evaluation")
}

// GetEvaluation returns the rating of a case; not_found when there is none.
func (db *DB) GetEvaluation(ctx context.Context, caseID int64) (e *runtime.Evaluation, err error) {
	err = db.read(ctx, func(tx *Tx) error {
		var rows []evaluationRow
		if err := tx.g.Where("case_id = ?", caseID).Limit(1).Find(&rows).Error; err != nil {
			return wrap(err, "get evaluation")
		}
		if len(rows) == 0 {
			return notFound("尚未评价")
		}
		e = &runtime.Evaluation{Score: rows[0].Score, Comment: rows[0].Comment, At: rows[0].CreatedAt.UTC()}
		return nil
	})
	return e, err
}

// HandOverTask passes a task claimed by one user to another who holds the task's role in its
// org (转办); to 0 puts it back in the pool for anyone of the role (释放). Conflict when the task
// is not claimed by from; forbidden when to lacks the role.
func (tx *Tx) HandOverTask(taskID, from, to int64) (*runtime.Task, error) {
	var res *gorm.DB
	if to == 0 {
		res = tx.g.Exec(`UPDATE tasks SET status = 'open', claimed_by = NULL, claimed_at = NULL
			WHERE id = ? AND status = 'claimed' AND claimed_by = ?`, taskID, from)
	} else {
		res = tx.g.Exec(`UPDATE tasks SET claimed_by = ?, claimed_at = ?
			WHERE id = ? AND status = 'claimed' AND claimed_by = ? AND EXISTS (
				SELECT 1 FROM user_org_roles r JOIN users u ON u.id = r.user_id
				WHERE r.user_id = ? AND r.org_code = tasks.org_code AND r.role = tasks.role AND NOT u.disabled)`,
			to, tx.now, taskID, from, to)
	}
	if res.Error != nil {
		return nil, wrap(res.Error, "hand over task")
	}
	t, err := tx.db.getTask(tx.g, taskID)
	if err != nil {
		return nil, err
	}
	if res.RowsAffected == 0 {
		if t.Status != runtime.TaskClaimed || t.ClaimedBy != from {
			return nil, conflict("任务未由您认领或已办结")
		}
		return nil, runtime.Errorf(runtime.EFORBIDDEN, "接手人在 %s 没有 %s 岗位", t.OrgCode, t.Role)
	}
	return t, nil
}

// Context is the context the unit of work runs with.
func (tx *Tx) Context() context.Context { return tx.g.Statement.Context }

// RecordInbound notes an inbound message (a callback) by its id inside the unit of work that
// applies it, and reports whether it was seen before: applied at most once, even when the
// sender repeats it or two instances receive it together.
func (tx *Tx) RecordInbound(id, connector string) (duplicate bool, err error) {
	res := tx.g.Exec(`INSERT INTO inbound_messages (id, connector, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		connector+":"+id, connector, tx.now)
	if res.Error != nil {
		return false, wrap(res.Error, "record inbound message")
	}
	return res.RowsAffected == 0, nil
}
