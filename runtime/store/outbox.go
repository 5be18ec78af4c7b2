package store

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"gorm.io/gorm"
	"slices"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
)

type outboxRow struct {
	ID             int64 `gorm:"primaryKey"`
	Topic          string
	Payload        *string
	IdempotencyKey string
	CaseID         *int64
	Status         string
	Attempts       int
	NextAttemptAt  time.Time
	LastError      string
	CreatedAt      time.Time
	DeliveredAt    *time.Time
}

func (outboxRow) TableName() string { return "outbox" }

func (r *outboxRow) domain() *runtime.OutboxMessage {
	m := &runtime.OutboxMessage{ID: r.ID, Topic: r.Topic, Payload: rawJSON(r.Payload), IdempotencyKey: r.IdempotencyKey,
		Status: r.Status, Attempts: r.Attempts, NextAttemptAt: r.NextAttemptAt.UTC(), LastError: r.LastError,
		CreatedAt: r.CreatedAt.UTC(), DeliveredAt: utcPtr(r.DeliveredAt)}
	if r.CaseID != nil {
		m.CaseID = *r.CaseID
	}
	return m
}

const outboxColumns = "id, topic, payload, idempotency_key, case_id, status, attempts, next_attempt_at, last_error, created_at, delivered_at"

// Enqueue stores a message for delivery and returns its ID. Use it through WithTx, in the
// transaction of the change the message announces, so that either both happen or neither.
func (db *DB) Enqueue(ctx context.Context, m runtime.OutboxMessage) (id int64, err error) {
	err = db.Write(ctx, func(tx *Tx) (err error) {
		id, err = tx.Enqueue(m)
		return err
	})
	return id, err
}

// Enqueue is DB.Enqueue inside a unit of work.
func (tx *Tx) Enqueue(m runtime.OutboxMessage) (int64, error) {
	if m.Topic == "" {
		return 0, runtime.Invalid("消息缺少主题", runtime.FieldError{Pointer: "/topic", Message: "缺少消息主题"})
	}
	payload, err := jsonText("/payload", m.Payload)
	if err != nil {
		return 0, err
	}
	if m.IdempotencyKey == "" {
		b := make([]byte, 16)
		rand.Read(b)
		m.IdempotencyKey = "tb-" + hex.EncodeToString(b)
	}
	var caseID *int64
	if m.CaseID != 0 {
		caseID = &m.CaseID
	}
	due := tx.now
	if !m.NextAttemptAt.IsZero() {
		due = m.NextAttemptAt.UTC().Truncate(time.Microsecond)
	}
	res := tx.g.Exec(`INSERT INTO outbox (topic, payload, idempotency_key, case_id, status, attempts, next_attempt_at, last_error, created_at)
		VALUES (?, ?, ?, ?, 'pending', 0, ?, '', ?) ON CONFLICT (idempotency_key) DO NOTHING`,
		m.Topic, payload, m.IdempotencyKey, caseID, due, tx.now)
	if res.Error != nil {
		if isForeignKey(res.Error) {
			return 0, notFound("消息所属的办件不存在")
		}
		return 0, wrap(res.Error, "enqueue")
	}
	var id int64
	err = tx.g.Raw("SELECT id FROM outbox WHERE idempotency_key = ?", m.IdempotencyKey).Scan(&id).Error
	return id, wrap(err, "enqueue")
}

// ClaimOutbox hands out up to n messages that are due, oldest first, and leases them for lease
// (default one minute): no other claimer gets them before the lease ends. The caller delivers
// each and reports MarkDelivered or MarkFailed; a message whose claimer died is handed out
// again when its lease ends — delivery is at least once. Several instances may claim at once:
// on PostgreSQL with FOR UPDATE SKIP LOCKED, so they take different messages without waiting;
// on SQLite the single writer runs one claim at a time.
func (db *DB) ClaimOutbox(ctx context.Context, n int, lease time.Duration) (msgs []*runtime.OutboxMessage, err error) {
	if n <= 0 {
		return nil, nil
	}
	if lease <= 0 {
		lease = time.Minute
	}
	err = db.Write(ctx, func(tx *Tx) error {
		var rows []outboxRow
		err := tx.g.Raw(`UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?
			WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?
				ORDER BY next_attempt_at, id LIMIT ?`+tx.db.forUpdate(true)+`)
			RETURNING `+outboxColumns, tx.now.Add(lease), tx.now, n).Scan(&rows).Error
		if err != nil {
			return wrap(err, "claim outbox")
		}
		msgs = make([]*runtime.OutboxMessage, len(rows))
		for i := range rows {
			msgs[i] = rows[i].domain()
		}
		slices.SortFunc(msgs, func(a, b *runtime.OutboxMessage) int { return cmp.Compare(a.ID, b.ID) })
		return nil
	})
	return msgs, err
}

// MarkDelivered records that a message arrived. Marking it again does nothing; it returns
// conflict for a dead letter (Replay it first) and not_found if there is no such message.
func (db *DB) MarkDelivered(ctx context.Context, id int64) error {
	return db.Write(ctx, func(tx *Tx) error {
		res := tx.g.Exec(`UPDATE outbox SET status = 'delivered', delivered_at = ?, last_error = ''
			WHERE id = ? AND status = 'pending'`, tx.now, id)
		if res.Error != nil || res.RowsAffected == 1 {
			return wrap(res.Error, "mark delivered")
		}
		m, err := tx.outboxMessage(id)
		if err != nil {
			return err
		}
		if m.Status == runtime.OutboxDead {
			return conflict("消息已转入死信，请先重放")
		}
		return nil
	})
}

// MarkFailed records a failed delivery: the message is due again after backoff (by default 30
// seconds doubling with each attempt, at most an hour), or, once it has been tried as often as
// WithOutboxMaxAttempts allows, becomes a dead letter that waits for a person (ListDeadLetters,
// Replay). It returns not_found if there is no such message and conflict if it is not pending.
func (db *DB) MarkFailed(ctx context.Context, id int64, reason string, backoff time.Duration) error {
	return db.Write(ctx, func(tx *Tx) error {
		m, err := tx.outboxMessage(id)
		if err != nil {
			return err
		}
		if m.Status != runtime.OutboxPending {
			return conflict("消息不在待投递状态")
		}
		if backoff <= 0 {
			backoff = min(30*time.Second<<min(max(m.Attempts-1, 0), 10), time.Hour)
		}
		status := runtime.OutboxPending
		if m.Attempts >= tx.db.cfg.outboxMaxTries {
			status = runtime.OutboxDead
		}
		err = tx.g.Exec(`UPDATE outbox SET status = ?, last_error = ?, next_attempt_at = ? WHERE id = ?`,
			status, reason, tx.now.Add(backoff), id).Error
		return wrap(err, "mark failed")
	})
}

func (tx *Tx) outboxMessage(id int64) (*runtime.OutboxMessage, error) {
	var rows []outboxRow
	err := tx.g.Raw("SELECT "+outboxColumns+" FROM outbox WHERE id = ?"+tx.db.forUpdate(false), id).Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "get outbox message")
	}
	if len(rows) == 0 {
		return nil, notFound("消息不存在")
	}
	return rows[0].domain(), nil
}

// ListDeadLetters returns the messages that ran out of attempts, oldest first.
func (db *DB) ListDeadLetters(ctx context.Context, offset, limit int) ([]*runtime.OutboxMessage, error) {
	offset, limit = page(offset, limit)
	var rows []outboxRow
	err := db.readOne(ctx, func(g *gorm.DB) error {
		return g.Where("status = ?", runtime.OutboxDead).Order("id").Offset(offset).Limit(limit).Find(&rows).Error
	})
	if err != nil {
		return nil, wrap(err, "list dead letters")
	}
	out := make([]*runtime.OutboxMessage, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// Replay makes a dead letter due now with a fresh count of attempts, after a person has fixed
// what made it fail. It returns conflict if the message is not dead and not_found if there is
// no such message.
func (db *DB) Replay(ctx context.Context, id int64) error {
	return db.Write(ctx, func(tx *Tx) error {
		res := tx.g.Exec(`UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?
			WHERE id = ? AND status = 'dead'`, tx.now, id)
		if res.Error != nil || res.RowsAffected == 1 {
			return wrap(res.Error, "replay")
		}
		if _, err := tx.outboxMessage(id); err != nil {
			return err
		}
		return conflict("只有死信可以重放")
	})
}

// OutboxBacklog is what waits in the outbox for one topic: messages still to deliver, since
// when the oldest of them waits, and dead letters.
type OutboxBacklog struct {
	Topic   string
	Pending int
	Oldest  time.Time // zero when nothing is pending
	Dead    int
}

// OutboxBacklogs returns the backlog of every topic that has pending messages or dead letters,
// by topic. It reads the pending and dead messages only, through their partial indexes, so a
// metrics scrape does not walk the delivered history.
func (db *DB) OutboxBacklogs(ctx context.Context) ([]OutboxBacklog, error) {
	var counts []struct {
		Topic, Status string
		N             int
		First         int64 // the oldest message: IDs grow with time
	}
	var firsts []outboxRow
	err := db.read(ctx, func(tx *Tx) error {
		err := tx.g.Raw(`SELECT topic, status, COUNT(*) AS n, MIN(id) AS first FROM outbox
			WHERE status = 'pending' GROUP BY topic, status
			UNION ALL SELECT topic, status, COUNT(*) AS n, MIN(id) AS first FROM outbox
			WHERE status = 'dead' GROUP BY topic, status`).Scan(&counts).Error
		if err != nil || len(counts) == 0 {
			return err
		}
		var ids []int64
		for _, c := range counts {
			if c.Status == runtime.OutboxPending {
				ids = append(ids, c.First)
			}
		}
		return tx.g.Select("id, topic, created_at").Where("id IN ?", ids).Find(&firsts).Error
	})
	if err != nil {
		return nil, wrap(err, "outbox backlog")
	}
	oldest := map[string]time.Time{}
	for _, r := range firsts {
		oldest[r.Topic] = r.CreatedAt.UTC()
	}
	byTopic := map[string]*OutboxBacklog{}
	for _, c := range counts {
		b := byTopic[c.Topic]
		if b == nil {
			b = &OutboxBacklog{Topic: c.Topic, Oldest: oldest[c.Topic]}
			byTopic[c.Topic] = b
		}
		if c.Status == runtime.OutboxDead {
			b.Dead = c.N
		} else {
			b.Pending = c.N
		}
	}
	out := make([]OutboxBacklog, 0, len(byTopic))
	for _, b := range byTopic {
		out = append(out, *b)
	}
	slices.SortFunc(out, func(a, b OutboxBacklog) int { return cmp.Compare(a.Topic, b.Topic) })
	return out, nil
}
