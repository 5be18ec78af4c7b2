package store

import (
	"context"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
)

type messageRow struct {
	ID         int64 `gorm:"primaryKey"`
	Kind       string
	Matter     string
	OrgCode    string
	CaseNumber string
	UserID     int64
	Body       string
	AskedAt    time.Time
	Answer     string
	AnsweredBy *int64
	AnsweredAt *time.Time
}

func (messageRow) TableName() string { return "messages" }

func (r *messageRow) domain() runtime.Message {
	m := runtime.Message{ID: r.ID, Kind: r.Kind, Matter: r.Matter, CaseNumber: r.CaseNumber, Body: r.Body,
		AskedBy: r.UserID, AskedAt: r.AskedAt.UTC(), Answer: r.Answer}
	if r.AnsweredBy != nil {
		m.AnsweredBy = *r.AnsweredBy
	}
	if r.AnsweredAt != nil {
		at := r.AnsweredAt.UTC()
		m.AnsweredAt = &at
	}
	return m
}

// CreateMessage stores a consultation or complaint addressed to the org orgCode.
func (db *DB) CreateMessage(ctx context.Context, m runtime.Message, orgCode string) (*runtime.Message, error) {
	row := messageRow{Kind: m.Kind, Matter: m.Matter, OrgCode: orgCode, CaseNumber: m.CaseNumber,
		UserID: m.AskedBy, Body: m.Body, AskedAt: m.AskedAt.UTC()}
	err := db.Write(ctx, func(tx *Tx) error { return wrap(tx.g.Create(&row).Error, "create message") })
	if err != nil {
		return nil, err
	}
	out := row.domain()
	return &out, nil
}

// MessagesOf lists the messages one user asked, newest first.
func (db *DB) MessagesOf(ctx context.Context, userID int64, limit int) ([]runtime.Message, error) {
	return db.listMessages(ctx, "user_id = ?", userID, "id DESC", limit)
}

// MessagesFor lists the messages addressed to an org, unanswered first, then newest.
func (db *DB) MessagesFor(ctx context.Context, orgCode string, limit int) ([]runtime.Message, error) {
	return db.listMessages(ctx, "org_code = ?", orgCode, "CASE WHEN answered_at IS NULL THEN 0 ELSE 1 END, id DESC", limit)
}

func (db *DB) listMessages(ctx context.Context, where string, arg any, order string, limit int) (out []runtime.Message, err error) {
	err = db.read(ctx, func(tx *Tx) error {
		var rows []messageRow
		if err := tx.g.Where(where, arg).Order(order).Limit(limit).Find(&rows).Error; err != nil {
			return wrap(err, "list messages")
		}
		for i := range rows {
			out = append(out, rows[i].domain())
		}
		return nil
	})
	return out, err
}

// AnswerMessage records the answer of a message addressed to orgCode; not_found when there is
// no such message for that org, conflict when it was answered already.
func (tx *Tx) AnswerMessage(id int64, orgCode string, answer string, by int64, at time.Time) (*runtime.Message, error) {
	var row messageRow
	if err := tx.g.Where("id = ? AND org_code = ?", id, orgCode).Limit(1).Find(&row).Error; err != nil {
		return nil, wrap(err, "get message")
	}
	if row.ID == 0 {
		return nil, notFound("没有编号为 %d 的留言", id)
	}
	at = at.UTC()
	res := tx.g.Model(&messageRow{}).Where("id = ? AND answered_at IS NULL", id).
		Updates(map[string]any{"answer": answer, "answered_by": by, "answered_at": at})
	if res.Error != nil {
		return nil, wrap(res.Error, "answer message")
	}
	if res.RowsAffected == 0 {
		return nil, conflict("此留言已经答复过")
	}
	row.Answer, row.AnsweredBy, row.AnsweredAt = answer, &by, &at
	out := row.domain()
	return &out, nil
}
