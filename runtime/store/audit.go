package store

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"

	"github.com/xuchang-gov/tongban/runtime"
)

// checkpointsKept is how many audit checkpoints the store keeps: verification compares the
// newest, and the few before it show when they were taken.
const checkpointsKept = 24

type checkpointRow struct {
	ID    int64 `gorm:"primaryKey"`
	At    time.Time
	Heads string
	MAC   string `gorm:"column:mac"`
}

func (checkpointRow) TableName() string { return "audit_checkpoints" }

// CaseHeads returns every case's head as its row records it, in case ID order, read at one
// instant.
func (db *DB) CaseHeads(ctx context.Context) ([]runtime.CaseHead, error) {
	var heads []runtime.CaseHead
	err := db.readOne(ctx, func(g *gorm.DB) error {
		return g.Raw("SELECT id AS case_id, number, event_count AS count, event_head AS head FROM cases ORDER BY id").Scan(&heads).Error
	})
	return heads, wrap(err, "case heads")
}

// SaveCheckpoint stores a checkpoint and returns it with its ID, removing all but the newest
// checkpointsKept.
func (db *DB) SaveCheckpoint(ctx context.Context, cp runtime.AuditCheckpoint) (runtime.AuditCheckpoint, error) {
	heads, err := json.Marshal(cp.Heads)
	if err != nil {
		return cp, wrap(err, "checkpoint heads")
	}
	row := checkpointRow{At: cp.At.UTC().Truncate(time.Microsecond), Heads: string(heads), MAC: cp.MAC}
	err = db.Write(ctx, func(tx *Tx) error {
		if err := tx.g.Create(&row).Error; err != nil {
			return err
		}
		return tx.g.Exec("DELETE FROM audit_checkpoints WHERE id <= ?", row.ID-checkpointsKept).Error
	})
	if err != nil {
		return cp, wrap(err, "save checkpoint")
	}
	cp.ID, cp.At = row.ID, row.At
	return cp, nil
}

// LatestCheckpoint returns the newest checkpoint; not_found when there is none.
func (db *DB) LatestCheckpoint(ctx context.Context) (*runtime.AuditCheckpoint, error) {
	var rows []checkpointRow
	err := db.readOne(ctx, func(g *gorm.DB) error {
		return g.Order("id DESC").Limit(1).Find(&rows).Error
	})
	if err != nil {
		return nil, wrap(err, "latest checkpoint")
	}
	if len(rows) == 0 {
		return nil, notFound("还没有留痕检查点")
	}
	cp := &runtime.AuditCheckpoint{ID: rows[0].ID, At: rows[0].At.UTC(), MAC: rows[0].MAC}
	if err := json.Unmarshal([]byte(rows[0].Heads), &cp.Heads); err != nil {
		return nil, wrap(err, "checkpoint heads")
	}
	return cp, nil
}
