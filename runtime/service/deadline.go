package service

import (
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/calendar"
	"github.com/xuchang-gov/tongban/runtime"
)

// deadlineOf reports a case against its promised limit: the working days left (negative when
// overdue), the warning colour, and whether the count from acceptance or now to the due day
// reaches a year without a published calendar. A stopped clock (补正, 特别程序) counts from when
// it stopped.
func deadlineOf(c *runtime.Case, cal *calendar.Calendar, now time.Time) runtime.Deadline {
	d := runtime.Deadline{DueAt: c.DueAt, Warning: "normal", Stopped: c.StoppedAt != nil, StoppedSince: c.StoppedAt, Concluded: c.ConcludedAt != nil}
	if c.DueAt == nil || c.ConcludedAt != nil {
		return d
	}
	at := now
	if c.StoppedAt != nil {
		at = *c.StoppedAt
	}
	due := runtime.Day(*c.DueAt)
	d.RemainingDays = cal.WorkingDaysBetween(runtime.Day(at), due)
	d.Provisional = !cal.CoversDays(runtime.Day(at), due) || c.AcceptedAt != nil && !cal.CoversDays(runtime.Day(*c.AcceptedAt), due)
	switch {
	case d.RemainingDays < 0:
		d.Warning = "red"
	case d.RemainingDays <= 1:
		d.Warning = "yellow"
	}
	return d
}

// dueAfter is the end of the day d after start (zero: the same day), in working or natural days,
// days read in the platform's zone.
func dueAfter(cal *calendar.Calendar, start time.Time, d definitions.Duration) time.Time {
	day := runtime.Day(start)
	if !d.IsZero() {
		day = d.After(cal, day)
	}
	return runtime.EndOfDay(day)
}

// extendBy moves a deadline on by the working days a stopped clock was stopped.
func extendBy(cal *calendar.Calendar, due, stoppedAt, resumedAt time.Time) time.Time {
	stopped := cal.WorkingDaysBetween(runtime.Day(stoppedAt), runtime.Day(resumedAt))
	if stopped <= 0 {
		return due
	}
	return dueAfter(cal, due, definitions.Days(stopped))
}
