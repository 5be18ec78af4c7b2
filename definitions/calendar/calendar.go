package calendar

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Calendar tells working days apart from days off. It is immutable once built, so one
// Calendar can serve every request at once.
//
// Years it was not given a schedule for fall back to Monday to Friday less the holidays fixed
// by law on their dates (元旦 1 January, 劳动节 1 May, 国庆节 1–3 October): a deadline far in the
// future is still counted, only without the lunar holidays and the 调休 the State Council has
// not yet announced, which is why such a count is provisional (Covers, CoversDays). The zero
// Calendar uses that fallback for every year.
type Calendar struct {
	years map[int]*yearDays
}

// yearDays says, for each day of one year indexed by YearDay()-1, whether it is worked.
type yearDays [366]bool

// New checks the schedules and builds a Calendar from them. It reports every problem it
// finds at once, one per line, each naming the year and the JSON pointer of the bad entry
// within that year's file, such as
//
//	year 2026: holidays/3/date: "2026-02-30" is not a date
//
// A schedule is wrong when a date is malformed or outside its year, a holiday or workday is
// listed twice, a date is both a holiday and a workday, a workday is not a Saturday or Sunday
// (every weekday is worked already), or a year is missing or given twice.
func New(years ...Year) (*Calendar, error) {
	c := &Calendar{years: make(map[int]*yearDays, len(years))}
	var problems []error
	for _, y := range years {
		if y.Year < 1 || y.Year > 9999 {
			// Most likely the "year" key is missing; naming a year would mislead.
			problems = append(problems, fmt.Errorf("year: %d is not a year", y.Year))
			continue
		}
		if _, dup := c.years[y.Year]; dup {
			problems = append(problems, fmt.Errorf("year %d: given twice", y.Year))
			continue
		}
		days, yearProblems := buildYear(y)
		for _, p := range yearProblems {
			problems = append(problems, fmt.Errorf("year %d: %s", y.Year, p))
		}
		c.years[y.Year] = days
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return c, nil
}

// Covers reports whether the Calendar has the official schedule for year, rather than
// falling back to Monday to Friday.
func (c *Calendar) Covers(year int) bool {
	_, ok := c.years[year]
	return ok
}

// CoversDays reports whether the Calendar has the official schedule of every year from the
// date of from to the date of to (read in their own locations), so that a count of working days
// between them is final rather than provisional.
func (c *Calendar) CoversDays(from, to time.Time) bool {
	return c.firstUncovered(min(from.Year(), to.Year()), max(from.Year(), to.Year())) == 0
}

// UncoveredWithin is the first year, from the date of from up to days days after it, that the
// Calendar has no schedule for, or 0 when it has them all: administrators import the next
// year's schedule before deadlines start reaching it.
func (c *Calendar) UncoveredWithin(from time.Time, days int) int {
	return c.firstUncovered(from.Year(), from.AddDate(0, 0, days).Year())
}

// firstUncovered is the first year from first to last without a schedule, or 0.
func (c *Calendar) firstUncovered(first, last int) int {
	for y := first; y <= last; y++ {
		if !c.Covers(y) {
			return y
		}
	}
	return 0
}

// buildYear marks the working days of one year and returns the problems in its schedule.
func buildYear(y Year) (*yearDays, []string) {
	days := new(yearDays)
	for d := time.Date(y.Year, time.January, 1, 0, 0, 0, 0, time.UTC); d.Year() == y.Year; d = d.AddDate(0, 0, 1) {
		days[d.YearDay()-1] = isMondayToFriday(d.Weekday())
	}

	var problems []string
	listedBy := map[int]string{} // day of the year → the entry that listed it, such as holidays/4
	for i, h := range y.Holidays {
		entry := fmt.Sprintf("holidays/%d", i)
		d, problem := parseDate(h.Date, y.Year)
		if problem == "" {
			if earlier, dup := listedBy[d.YearDay()]; dup {
				problem = fmt.Sprintf("%q repeats %s", h.Date, earlier)
			}
		}
		if problem != "" {
			problems = append(problems, entry+"/date: "+problem)
			continue
		}
		listedBy[d.YearDay()] = entry
		days[d.YearDay()-1] = false
	}
	for i, w := range y.Workdays {
		entry := fmt.Sprintf("workdays/%d", i)
		d, problem := parseDate(w.Date, y.Year)
		if problem == "" {
			problem = workdayProblem(w.Date, d, listedBy[d.YearDay()])
		}
		if problem != "" {
			problems = append(problems, entry+"/date: "+problem)
			continue
		}
		listedBy[d.YearDay()] = entry
		days[d.YearDay()-1] = true
	}
	return days, problems
}

// parseDate reads a YYYY-MM-DD date that must fall in year.
func parseDate(s string, year int) (time.Time, string) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Sprintf("%q is not a date", s)
	}
	if d.Year() != year {
		return time.Time{}, fmt.Sprintf("%q is not in %d", s, year)
	}
	return d, ""
}

// workdayProblem says what is wrong with an adjusted workday on date d, if anything;
// earlier is the entry that already listed d, or "".
func workdayProblem(date string, d time.Time, earlier string) string {
	switch {
	case strings.HasPrefix(earlier, "holidays/"):
		return fmt.Sprintf("%q is also a holiday (%s)", date, earlier)
	case earlier != "":
		return fmt.Sprintf("%q repeats %s", date, earlier)
	case isMondayToFriday(d.Weekday()):
		return fmt.Sprintf("%q is a %s, not a weekend day", date, d.Weekday())
	}
	return ""
}

func isMondayToFriday(w time.Weekday) bool {
	return w != time.Saturday && w != time.Sunday
}
