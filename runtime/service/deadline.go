package service

import (
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/calendar"
	"github.com/xuchang-gov/tongban/runtime"
)

// deadlineOf reports a case against its promised limit: the working days left (negative when
// overdue) and the warning colour. A stopped clock (补正, 特别程序) counts from when it stopped.
func deadlineOf(c *runtime.Case, cal *calendar.Calendar, now time.Time) runtime.Deadline {
	d := runtime.Deadline{DueAt: c.DueAt, Warning: "normal", Stopped: c.StoppedAt != nil}
	if c.DueAt == nil || c.ConcludedAt != nil {
		return d
	}
	at := now
	if c.StoppedAt != nil {
		at = *c.StoppedAt
	}
	d.RemainingDays = cal.WorkingDaysBetween(dateOf(at), dateOf(*c.DueAt))
	switch {
	case d.RemainingDays < 0:
		d.Warning = "red"
	case d.RemainingDays <= 1:
		d.Warning = "yellow"
	}
	return d
}

// dueAfter is the end of the day d after start (zero: the same day), in working or natural days.
func dueAfter(cal *calendar.Calendar, start time.Time, d definitions.Duration) time.Time {
	day := dateOf(start)
	if !d.IsZero() {
		day = d.After(cal, day)
	}
	return day.Add(24*time.Hour - time.Second)
}

// extendBy moves a deadline on by the working days a stopped clock was stopped.
func extendBy(cal *calendar.Calendar, due, stoppedAt, resumedAt time.Time) time.Time {
	stopped := cal.WorkingDaysBetween(dateOf(stoppedAt), dateOf(resumedAt))
	if stopped <= 0 {
		return due
	}
	return dueAfter(cal, due, definitions.Days(stopped))
}

func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}
