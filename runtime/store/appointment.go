package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
)

type appointmentRow struct {
	ID        int64 `gorm:"primaryKey"`
	Scope     string
	Day       string
	Slot      string
	UserID    int64
	Status    string
	Code      string
	CreatedAt time.Time
}

func (appointmentRow) TableName() string { return "appointments" }

func (r *appointmentRow) domain() runtime.Appointment {
	return runtime.Appointment{ID: r.ID, Scope: r.Scope, Day: r.Day, Slot: r.Slot, UserID: r.UserID, Status: r.Status,
		Code: r.Code, CreatedAt: r.CreatedAt.UTC()}
}

// AppointmentConfig implements runtime.AppointmentStore.
func (db *DB) AppointmentConfig(ctx context.Context, scope string) (*runtime.AppointmentConfig, error) {
	var out *runtime.AppointmentConfig
	err := db.read(ctx, func(tx *Tx) error {
		var row struct {
			Config    string
			UpdatedAt time.Time
		}
		res := tx.g.Raw("SELECT config, updated_at FROM appointment_configs WHERE scope = ?", scope).Scan(&row)
		if res.Error != nil {
			return wrap(res.Error, "get appointment config")
		}
		if res.RowsAffected == 0 {
			return notFound("%s 没有预约设置", scope)
		}
		var c runtime.AppointmentConfig
		if err := json.Unmarshal([]byte(row.Config), &c); err != nil {
			return wrap(err, "decode appointment config")
		}
		c.Scope, c.UpdatedAt = scope, row.UpdatedAt.UTC()
		out = &c
		return nil
	})
	return out, err
}

// SaveAppointmentConfig implements runtime.AppointmentStore.
func (db *DB) SaveAppointmentConfig(ctx context.Context, c runtime.AppointmentConfig) error {
	raw, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return db.Write(ctx, func(tx *Tx) error {
		return wrap(tx.g.Exec(`INSERT INTO appointment_configs (scope, config, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (scope) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at`,
			c.Scope, string(raw), tx.now).Error, "save appointment config")
	})
}

// BookAppointment implements runtime.AppointmentStore: the slot's count is raised only while
// it is below capacity, in one statement, so that on PostgreSQL a booking that waited for
// another's row lock sees the raised count, and on SQLite the one writer does them in turn.
func (db *DB) BookAppointment(ctx context.Context, a runtime.Appointment, capacity int) (*runtime.Appointment, error) {
	var out runtime.Appointment
	err := db.Write(ctx, func(tx *Tx) error {
		var mine int64
		if err := tx.g.Model(&appointmentRow{}).Where("scope = ? AND day = ? AND slot = ? AND user_id = ? AND status = ?",
			a.Scope, a.Day, a.Slot, a.UserID, runtime.AppointmentBooked).Count(&mine).Error; err != nil {
			return wrap(err, "find booking")
		}
		if mine > 0 {
			return conflict("您已预约了 %s %s 的这个时段", a.Day, a.Slot)
		}
		if err := tx.g.Exec("INSERT INTO appointment_slots (scope, day, slot, booked) VALUES (?, ?, ?, 0) ON CONFLICT DO NOTHING",
			a.Scope, a.Day, a.Slot).Error; err != nil {
			return wrap(err, "open slot")
		}
		res := tx.g.Exec("UPDATE appointment_slots SET booked = booked + 1 WHERE scope = ? AND day = ? AND slot = ? AND booked < ?",
			a.Scope, a.Day, a.Slot, capacity)
		if res.Error != nil {
			return wrap(res.Error, "take place")
		}
		if res.RowsAffected == 0 {
			return conflict("%s %s 的时段已约满，请选择其他时段", a.Day, a.Slot)
		}
		row := appointmentRow{Scope: a.Scope, Day: a.Day, Slot: a.Slot, UserID: a.UserID, Status: runtime.AppointmentBooked,
			Code: a.Code, CreatedAt: tx.now}
		if err := tx.g.Create(&row).Error; err != nil {
			if isUnique(err) {
				return conflict("您已预约了 %s %s 的这个时段", a.Day, a.Slot)
			}
			return wrap(err, "book")
		}
		out = row.domain()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// CancelAppointment implements runtime.AppointmentStore.
func (db *DB) CancelAppointment(ctx context.Context, id, userID int64) error {
	return db.Write(ctx, func(tx *Tx) error {
		var row appointmentRow
		if err := tx.g.Where("id = ? AND user_id = ? AND status = ?", id, userID, runtime.AppointmentBooked).Limit(1).Find(&row).Error; err != nil {
			return wrap(err, "get appointment")
		}
		if row.ID == 0 {
			return notFound("没有这个预约")
		}
		if err := tx.g.Model(&row).Update("status", runtime.AppointmentCancelled).Error; err != nil {
			return wrap(err, "cancel appointment")
		}
		return wrap(tx.g.Exec("UPDATE appointment_slots SET booked = booked - 1 WHERE scope = ? AND day = ? AND slot = ? AND booked > 0",
			row.Scope, row.Day, row.Slot).Error, "free place")
	})
}

// AppointmentsOf implements runtime.AppointmentStore.
func (db *DB) AppointmentsOf(ctx context.Context, userID int64, limit int) ([]runtime.Appointment, error) {
	var out []runtime.Appointment
	err := db.read(ctx, func(tx *Tx) error {
		var rows []appointmentRow
		if err := tx.g.Where("user_id = ?", userID).Order("day DESC, slot DESC, id DESC").Limit(limit).Find(&rows).Error; err != nil {
			return wrap(err, "list appointments")
		}
		for i := range rows {
			out = append(out, rows[i].domain())
		}
		return nil
	})
	return out, err
}

// SlotCounts implements runtime.AppointmentStore.
func (db *DB) SlotCounts(ctx context.Context, scope, from, to string) ([]runtime.SlotCount, error) {
	var out []runtime.SlotCount
	err := db.read(ctx, func(tx *Tx) error {
		return wrap(tx.g.Raw("SELECT day, slot, booked FROM appointment_slots WHERE scope = ? AND day >= ? AND day <= ? ORDER BY day, slot",
			scope, from, to).Scan(&out).Error, "count slots")
	})
	return out, err
}

// SweepAppointments implements runtime.AppointmentStore. The claim repeats its condition
// outside the subquery, so that on PostgreSQL a sweep that waited for another's row locks
// skips the rows that one reminded.
func (db *DB) SweepAppointments(ctx context.Context, today, remindFor string, limit int) ([]runtime.Appointment, int, error) {
	var remind []runtime.Appointment
	var noShows int
	err := db.Write(ctx, func(tx *Tx) error {
		res := tx.g.Exec("UPDATE appointments SET status = ? WHERE status = ? AND day < ?", runtime.AppointmentNoShow, runtime.AppointmentBooked, today)
		if res.Error != nil {
			return wrap(res.Error, "record no-shows")
		}
		noShows = int(res.RowsAffected)
		var rows []appointmentRow
		err := tx.g.Raw(`UPDATE appointments SET reminded_at = ? WHERE status = ? AND day = ? AND reminded_at IS NULL AND id IN
			(SELECT id FROM appointments WHERE status = ? AND day = ? AND reminded_at IS NULL ORDER BY id LIMIT ?)
			RETURNING id, scope, day, slot, user_id, status, code, created_at`,
			tx.now, runtime.AppointmentBooked, remindFor, runtime.AppointmentBooked, remindFor, limit).Scan(&rows).Error
		if err != nil {
			return wrap(err, "claim reminders")
		}
		for i := range rows {
			remind = append(remind, rows[i].domain())
		}
		return nil
	})
	return remind, noShows, err
}
