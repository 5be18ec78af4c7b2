package store

import (
	"context"
	"fmt"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
)

type ticketRow struct {
	ID            int64 `gorm:"primaryKey"`
	HallGroup     string
	Day           string
	Seq           int
	Number        string
	Matter        string
	Source        string
	UserID        *int64
	AppointmentID *int64
	Status        string
	CreatedAt     time.Time
}

func (ticketRow) TableName() string { return "tickets" }

// TakeTicket implements runtime.TicketStore: the day's counter of the group is raised and
// read in one statement, which PostgreSQL's row lock and SQLite's one writer both serialise.
func (db *DB) TakeTicket(ctx context.Context, t runtime.Ticket, prefix string) (*runtime.Ticket, error) {
	var out runtime.Ticket
	err := db.Write(ctx, func(tx *Tx) error {
		if t.AppointmentID != 0 {
			res := tx.g.Exec("UPDATE appointments SET status = ? WHERE id = ? AND status = ? AND day = ?",
				runtime.AppointmentArrived, t.AppointmentID, runtime.AppointmentBooked, t.Day)
			if res.Error != nil {
				return wrap(res.Error, "check in")
			}
			if res.RowsAffected == 0 {
				return conflict("这个预约不是今天的，或已签到、已取消")
			}
		}
		if err := tx.g.Exec("INSERT INTO ticket_counters (hall_group, day, seq) VALUES (?, ?, 0) ON CONFLICT DO NOTHING", t.Group, t.Day).Error; err != nil {
			return wrap(err, "open counter")
		}
		var seq int
		if err := tx.g.Raw("UPDATE ticket_counters SET seq = seq + 1 WHERE hall_group = ? AND day = ? RETURNING seq", t.Group, t.Day).Scan(&seq).Error; err != nil {
			return wrap(err, "count ticket")
		}
		row := ticketRow{HallGroup: t.Group, Day: t.Day, Seq: seq, Number: fmt.Sprintf("%s%03d", prefix, seq), Matter: t.Matter,
			Source: t.Source, Status: "waiting", CreatedAt: tx.now}
		if t.UserID != 0 {
			row.UserID = &t.UserID
		}
		if t.AppointmentID != 0 {
			row.AppointmentID = &t.AppointmentID
		}
		if err := tx.g.Create(&row).Error; err != nil {
			return wrap(err, "take ticket")
		}
		var ahead int64
		if err := tx.g.Model(&ticketRow{}).Where("hall_group = ? AND day = ? AND status = ? AND seq < ?", t.Group, t.Day, "waiting", seq).
			Count(&ahead).Error; err != nil {
			return wrap(err, "count waiting")
		}
		out = runtime.Ticket{ID: row.ID, Group: row.HallGroup, Day: row.Day, Seq: row.Seq, Number: row.Number, Matter: row.Matter,
			Source: row.Source, UserID: t.UserID, AppointmentID: t.AppointmentID, Status: row.Status, CreatedAt: row.CreatedAt.UTC(), Ahead: int(ahead)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// AppointmentByCode implements runtime.TicketStore.
func (db *DB) AppointmentByCode(ctx context.Context, code string) (*runtime.Appointment, error) {
	var out runtime.Appointment
	err := db.read(ctx, func(tx *Tx) error {
		var row appointmentRow
		if err := tx.g.Where("code = ?", code).Limit(1).Find(&row).Error; err != nil {
			return wrap(err, "find appointment")
		}
		if row.ID == 0 {
			return notFound("没有签到码为 %s 的预约", code)
		}
		out = row.domain()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
