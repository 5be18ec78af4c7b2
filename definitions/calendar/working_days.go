package calendar

import "time"

// oneDay steps a date at midnight UTC, where every day is exactly 24 hours long.
const oneDay = 24 * time.Hour

// IsWorkingDay reports whether the date of t is a working day. The date is t's year, month
// and day in t's own location, so callers pass times in Asia/Shanghai (or dates built in UTC)
// and get the answer for the date they see.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	if days, ok := c.years[t.Year()]; ok {
		return days[t.YearDay()-1]
	}
	return isMondayToFriday(t.Weekday()) && !isFixedHoliday(t.Month(), t.Day())
}

// isFixedHoliday reports whether a date is a holiday the law fixes on it (全国年节及纪念日放假
// 办法), known before the year's schedule is published.
func isFixedHoliday(m time.Month, d int) bool {
	return m == time.January && d == 1 || m == time.May && d == 1 || m == time.October && d <= 3
}

// AddWorkingDays returns the date n working days after start, at start's clock time and in
// its location. Day 1 is the first working day after start, whatever start itself is, which is
// how a time limit counted from the day of acceptance (受理) ends; n = 0 returns start, and a
// negative n counts backwards to the |n|th working day before start.
func (c *Calendar) AddWorkingDays(start time.Time, n int) time.Time {
	step := oneDay
	if n < 0 {
		step, n = -oneDay, -n
	}
	day := dateOf(start)
	for n > 0 {
		day = day.Add(step)
		if c.IsWorkingDay(day) {
			n--
		}
	}
	return time.Date(day.Year(), day.Month(), day.Day(),
		start.Hour(), start.Minute(), start.Second(), start.Nanosecond(), start.Location())
}

// WorkingDaysBetween counts the working days after the date of from up to and including the
// date of to, so that WorkingDaysBetween(start, c.AddWorkingDays(start, n)) is n for n ≥ 0.
// When to is before from it is the negated count from to to from, so a deadline passed three
// working days ago gives -3 whatever day today is.
func (c *Calendar) WorkingDaysBetween(from, to time.Time) int {
	first, last, sign := dateOf(from), dateOf(to), 1
	if last.Before(first) {
		first, last, sign = last, first, -1
	}
	count := 0
	for day := first.Add(oneDay); !day.After(last); day = day.Add(oneDay) {
		if c.IsWorkingDay(day) {
			count++
		}
	}
	return sign * count
}

// dateOf returns t's date, as read in t's location, at midnight UTC.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
