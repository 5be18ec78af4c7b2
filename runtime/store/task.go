package store

import (
	"context"
	"fmt"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"gorm.io/gorm"
)

type taskRow struct {
	ID        int64 `gorm:"primaryKey"`
	CaseID    int64
	Kind      string
	Token     int
	Node      string
	Name      string
	OrgCode   string
	Role      string
	ClaimedBy *int64
	Status    string
	Outcome   string
	Opinion   string
	CreatedAt time.Time
	DueAt     *time.Time
	ClaimedAt *time.Time
	DoneAt    *time.Time
}

func (taskRow) TableName() string { return "tasks" }

func (r *taskRow) domain() *runtime.Task {
	t := &runtime.Task{ID: r.ID, CaseID: r.CaseID, Kind: runtime.TaskKind(r.Kind), Token: r.Token, Node: r.Node, Name: r.Name, OrgCode: r.OrgCode, Role: r.Role,
		Status: runtime.TaskStatus(r.Status), Outcome: r.Outcome, Opinion: r.Opinion, CreatedAt: r.CreatedAt.UTC(),
		DueAt: utcPtr(r.DueAt), DoneAt: utcPtr(r.DoneAt)}
	if r.ClaimedBy != nil {
		t.ClaimedBy = *r.ClaimedBy
	}
	return t
}

// CreateTasks opens tasks and returns them with IDs. Each needs a case, a node, an org and a
// role; the store sets Status open and CreatedAt.
func (db *DB) CreateTasks(ctx context.Context, tasks []runtime.Task) (out []*runtime.Task, err error) {
	err = db.Write(ctx, func(tx *Tx) (err error) {
		out, err = tx.CreateTasks(tasks)
		return err
	})
	return out, err
}

// CreateTasks is DB.CreateTasks inside a unit of work.
func (tx *Tx) CreateTasks(tasks []runtime.Task) ([]*runtime.Task, error) {
	if len(tasks) == 0 {
		return nil, nil
	}
	rows := make([]taskRow, len(tasks))
	for i, t := range tasks {
		if t.Kind == "" {
			t.Kind = runtime.TaskPerson
		}
		required := []struct{ v, name, msg string }{{t.Node, "node", "缺少流程节点"}}
		if t.Kind == runtime.TaskPerson || t.Kind == runtime.TaskDelivery || t.Kind == runtime.TaskEscalation {
			required = append(required, struct{ v, name, msg string }{t.OrgCode, "orgCode", "缺少办理机构"},
				struct{ v, name, msg string }{t.Role, "role", "缺少办理角色"})
		}
		var fields []runtime.FieldError
		for _, f := range required {
			if f.v == "" {
				fields = append(fields, runtime.FieldError{Pointer: fmt.Sprintf("/tasks/%d/%s", i, f.name), Message: f.msg})
			}
		}
		if fields != nil {
			return nil, runtime.Invalid("任务信息不完整", fields...)
		}
		rows[i] = taskRow{CaseID: t.CaseID, Kind: string(t.Kind), Token: t.Token, Node: t.Node, Name: t.Name, OrgCode: t.OrgCode, Role: t.Role,
			Status: string(runtime.TaskOpen), CreatedAt: tx.now, DueAt: storedTime(t.DueAt)}
	}
	if err := tx.g.Create(&rows).Error; err != nil {
		if isForeignKey(err) {
			return nil, notFound("任务所属的办件不存在")
		}
		return nil, wrap(err, "insert tasks")
	}
	out := make([]*runtime.Task, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// GetTask returns a task by ID; not_found if there is none.
func (db *DB) GetTask(ctx context.Context, id int64) (*runtime.Task, error) {
	var t *runtime.Task
	err := db.readOne(ctx, func(g *gorm.DB) (err error) {
		t, err = db.getTask(g, id)
		return err
	})
	return t, err
}

func (db *DB) getTask(g *gorm.DB, id int64) (*runtime.Task, error) {
	var rows []taskRow
	if err := g.Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return nil, wrap(err, "get task")
	}
	if len(rows) == 0 {
		return nil, notFound("任务不存在")
	}
	return rows[0].domain(), nil
}

// ClaimTask gives an open task to a user who holds the task's role in the task's org. Of
// several users claiming one task at once exactly one wins; the others get conflict. Claiming a
// task one already holds returns it. It returns forbidden if the user lacks the role (or is
// disabled) and not_found if there is no such task.
func (db *DB) ClaimTask(ctx context.Context, taskID, userID int64) (t *runtime.Task, err error) {
	err = db.Write(ctx, func(tx *Tx) (err error) {
		t, err = tx.ClaimTask(taskID, userID)
		return err
	})
	return t, err
}

// ClaimTask is DB.ClaimTask inside a unit of work.
func (tx *Tx) ClaimTask(taskID, userID int64) (*runtime.Task, error) {
	// One conditional UPDATE: on PostgreSQL a second claimer blocks on the row, then re-checks
	// status = 'open' against the committed row and matches nothing.
	res := tx.g.Exec(`UPDATE tasks SET status = 'claimed', claimed_by = ?, claimed_at = ?
		WHERE id = ? AND status = 'open' AND EXISTS (
			SELECT 1 FROM user_org_roles r JOIN users u ON u.id = r.user_id
			WHERE r.user_id = ? AND r.org_code = tasks.org_code AND r.role = tasks.role AND NOT u.disabled)`,
		userID, tx.now, taskID, userID)
	if res.Error != nil {
		return nil, wrap(res.Error, "claim task")
	}
	t, err := tx.db.getTask(tx.g, taskID)
	if err != nil {
		return nil, err
	}
	switch {
	case res.RowsAffected == 1:
		return t, nil
	case t.Status == runtime.TaskClaimed && t.ClaimedBy == userID:
		return t, nil
	case t.Status != runtime.TaskOpen:
		return nil, conflict("任务已被认领或已办结")
	}
	return nil, runtime.Errorf(runtime.EFORBIDDEN, "您在 %s 没有 %s 角色，不能认领此任务", t.OrgCode, t.Role)
}

// CompleteTask closes a task the user has claimed, with the outcome (e.g. approve, deny,
// return) and the opinion they wrote. It returns conflict if the task is not claimed by this
// user (or is already done) and not_found if there is no such task.
func (db *DB) CompleteTask(ctx context.Context, taskID, userID int64, outcome, opinion string) (t *runtime.Task, err error) {
	err = db.Write(ctx, func(tx *Tx) (err error) {
		t, err = tx.CompleteTask(taskID, userID, outcome, opinion)
		return err
	})
	return t, err
}

// CompleteTask is DB.CompleteTask inside a unit of work.
func (tx *Tx) CompleteTask(taskID, userID int64, outcome, opinion string) (*runtime.Task, error) {
	res := tx.g.Exec(`UPDATE tasks SET status = 'done', outcome = ?, opinion = ?, done_at = ?
		WHERE id = ? AND status = 'claimed' AND claimed_by = ?`, outcome, opinion, tx.now, taskID, userID)
	if res.Error != nil {
		return nil, wrap(res.Error, "complete task")
	}
	t, err := tx.db.getTask(tx.g, taskID)
	if err != nil {
		return nil, err
	}
	if res.RowsAffected == 0 {
		return nil, conflict("任务未由您认领或已办结")
	}
	return t, nil
}

// CancelTasks cancels a case's tasks that are not done — open or claimed — for example when a
// parallel branch is no longer needed or the applicant withdraws. It returns how many it
// cancelled.
func (tx *Tx) CancelTasks(caseID int64) (int, error) {
	res := tx.g.Exec(`UPDATE tasks SET status = 'cancelled', done_at = ?
		WHERE case_id = ? AND status IN ('open', 'claimed')`, tx.now, caseID)
	return int(res.RowsAffected), wrap(res.Error, "cancel tasks")
}

// ListTasks returns the tasks f selects, oldest first (the order people should work in), and
// how many there are in all.
func (db *DB) ListTasks(ctx context.Context, f runtime.TaskQuery) (tasks []*runtime.Task, total int, err error) {
	err = db.read(ctx, func(tx *Tx) error {
		q := tx.g.Model(&taskRow{})
		if f.CaseID != 0 {
			q = q.Where("case_id = ?", f.CaseID)
		}
		if len(f.Kinds) > 0 {
			kinds := make([]string, len(f.Kinds))
			for i, k := range f.Kinds {
				kinds[i] = string(k)
			}
			q = q.Where("kind IN ?", kinds)
		}
		if len(f.OrgCodes) > 0 {
			q = q.Where("org_code IN ?", f.OrgCodes)
		}
		if len(f.Roles) > 0 {
			q = q.Where("role IN ?", f.Roles)
		}
		if len(f.Status) > 0 {
			q = q.Where("status IN ?", f.Status)
		}
		if f.ClaimedBy != 0 {
			q = q.Where("claimed_by = ?", f.ClaimedBy)
		}
		q = q.Session(&gorm.Session{}) // each use below starts from the filter alone
		offset, limit := page(f.Offset, f.Limit)
		var rows []taskRow
		if err := q.Order("id").Offset(offset).Limit(limit).Find(&rows).Error; err != nil {
			return err
		}
		n, err := pageTotal(q, offset, limit, len(rows))
		if err != nil {
			return err
		}
		total = n
		tasks = make([]*runtime.Task, len(rows))
		for i := range rows {
			tasks[i] = rows[i].domain()
		}
		return nil
	})
	return tasks, total, wrap(err, "list tasks")
}
