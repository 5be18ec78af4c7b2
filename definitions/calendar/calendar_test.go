package calendar_test

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/definitions/calendar"
)

// official2026 is the 2026 schedule of 国办发明电〔2025〕7号, typed in from the notice.
func official2026() calendar.Year {
	var holidays []calendar.Day
	for _, h := range []struct{ name, first, last string }{
		{"元旦", "2026-01-01", "2026-01-03"},
		{"春节", "2026-02-15", "2026-02-23"},
		{"清明节", "2026-04-04", "2026-04-06"},
		{"劳动节", "2026-05-01", "2026-05-05"},
		{"端午节", "2026-06-19", "2026-06-21"},
		{"中秋节", "2026-09-25", "2026-09-27"},
		{"国庆节", "2026-10-01", "2026-10-07"},
	} {
		holidays = append(holidays, dayRange(h.name, h.first, h.last)...)
	}
	return calendar.Year{
		Year:        2026,
		Description: "2026年全国年节放假安排（国办发明电〔2025〕7号）",
		Holidays:    holidays,
		Workdays: []calendar.Day{
			{Date: "2026-01-04", Name: "元旦调休上班"},
			{Date: "2026-02-14", Name: "春节调休上班"},
			{Date: "2026-02-28", Name: "春节调休上班"},
			{Date: "2026-05-09", Name: "劳动节调休上班"},
			{Date: "2026-09-20", Name: "国庆节调休上班"},
			{Date: "2026-10-10", Name: "国庆节调休上班"},
		},
	}
}

// dayRange lists every date from first to last, inclusive, under one name.
func dayRange(name, first, last string) []calendar.Day {
	var days []calendar.Day
	end := mustDate(last)
	for d := mustDate(first); !d.After(end); d = d.AddDate(0, 0, 1) {
		days = append(days, calendar.Day{Date: d.Format(time.DateOnly), Name: name})
	}
	return days
}

func mustDate(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func newCalendar2026(t testing.TB) *calendar.Calendar {
	t.Helper()
	c, err := calendar.New(official2026())
	if err != nil {
		t.Fatalf("New(2026): %v", err)
	}
	return c
}

func TestExampleFileMatchesNotice(t *testing.T) {
	data, err := os.ReadFile("../../examples/calendar/2026.json")
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var fromFile calendar.Year
	if err := dec.Decode(&fromFile); err != nil {
		t.Fatalf("decoding 2026.json: %v", err)
	}
	if want := official2026(); !reflect.DeepEqual(fromFile, want) {
		t.Errorf("2026.json differs from the notice:\n got %+v\nwant %+v", fromFile, want)
	}
	if _, err := calendar.New(fromFile); err != nil {
		t.Errorf("New(2026.json): %v", err)
	}
}

func TestIsWorkingDay(t *testing.T) {
	c := newCalendar2026(t)
	tests := []struct {
		date string
		want bool
		why  string
	}{
		{"2026-01-01", false, "元旦"},
		{"2026-01-04", true, "Sunday worked for 元旦"},
		{"2026-01-05", true, "ordinary Monday"},
		{"2026-01-10", false, "ordinary Saturday"},
		{"2026-02-14", true, "Saturday worked for 春节"},
		{"2026-02-15", false, "春节, a Sunday"},
		{"2026-02-16", false, "春节, a Monday"},
		{"2026-02-23", false, "last day of 春节"},
		{"2026-02-24", true, "first day back"},
		{"2026-02-28", true, "Saturday worked for 春节"},
		{"2026-04-06", false, "清明节, a Monday"},
		{"2026-05-05", false, "劳动节, a Tuesday"},
		{"2026-05-09", true, "Saturday worked for 劳动节"},
		{"2026-06-19", false, "端午节, a Friday"},
		{"2026-09-20", true, "Sunday worked for 国庆节"},
		{"2026-09-25", false, "中秋节, a Friday"},
		{"2026-10-07", false, "last day of 国庆节"},
		{"2026-10-08", true, "first day back"},
		{"2026-10-10", true, "Saturday worked for 国庆节"},
		{"2026-10-11", false, "ordinary Sunday"},
		{"2025-10-01", false, "2025 not covered: 国庆节 is fixed by law"},
		{"2025-10-06", true, "2025 not covered: a Monday"},
		{"2027-01-01", false, "2027 not covered: 元旦 is fixed by law"},
		{"2027-01-04", true, "2027 not covered: a Monday"},
		{"2027-05-03", true, "2027 not covered: a Monday after 劳动节"},
		{"2027-10-01", false, "2027 not covered: 国庆节 is fixed by law"},
		{"2027-10-04", true, "2027 not covered: a Monday after 国庆节's fixed days"},
		{"2027-01-02", false, "2027 not covered: a Saturday"},
	}
	for _, tc := range tests {
		t.Run(tc.date, func(t *testing.T) {
			if got := c.IsWorkingDay(mustDate(tc.date)); got != tc.want {
				t.Errorf("IsWorkingDay(%s) = %t, want %t (%s)", tc.date, got, tc.want, tc.why)
			}
		})
	}
}

func TestIsWorkingDayReadsTheDateInItsOwnLocation(t *testing.T) {
	c := newCalendar2026(t)
	shanghai := time.FixedZone("CST", 8*60*60)
	// 00:30 on 1 October in Beijing is still 30 September, a working day, in UTC.
	t1 := time.Date(2026, time.October, 1, 0, 30, 0, 0, shanghai)
	if c.IsWorkingDay(t1) {
		t.Errorf("IsWorkingDay(%s) = true, want false for 国庆节", t1)
	}
	if !c.IsWorkingDay(t1.UTC()) {
		t.Errorf("IsWorkingDay(%s) = false, want true for 30 September", t1.UTC())
	}
}

func TestAddWorkingDays(t *testing.T) {
	c := newCalendar2026(t)
	tests := []struct {
		name  string
		start string
		n     int
		want  string
	}{
		{"zero returns start", "2026-02-12", 0, "2026-02-12"},
		{"zero on a holiday returns it", "2026-10-01", 0, "2026-10-01"},
		{"next day", "2026-02-12", 1, "2026-02-13"},
		{"onto the worked Saturday before 春节", "2026-02-12", 2, "2026-02-14"},
		{"across 春节", "2026-02-12", 3, "2026-02-24"},
		{"onto the worked Saturday after 春节", "2026-02-27", 1, "2026-02-28"},
		{"back across 春节", "2026-02-24", -3, "2026-02-12"},
		{"onto the worked Sunday before 国庆节", "2026-09-18", 1, "2026-09-20"},
		{"across 国庆节", "2026-09-30", 1, "2026-10-08"},
		{"across 国庆节 onto its worked Saturday", "2026-09-30", 3, "2026-10-10"},
		{"across 国庆节 past the weekend", "2026-09-30", 4, "2026-10-12"},
		{"from inside 国庆节", "2026-10-01", 1, "2026-10-08"},
		{"back across 国庆节", "2026-10-08", -1, "2026-09-30"},
		{"20-day limit over 国庆节", "2026-09-28", 20, "2026-10-30"},
		{"across 劳动节", "2026-04-30", 1, "2026-05-06"},
		{"from uncovered 2025 across 元旦", "2025-12-31", 1, "2026-01-04"},
		{"into uncovered 2027, past 元旦", "2026-12-31", 1, "2027-01-04"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := c.AddWorkingDays(mustDate(tc.start), tc.n)
			if got.Format(time.DateOnly) != tc.want {
				t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tc.start, tc.n, got.Format(time.DateOnly), tc.want)
			}
		})
	}
}

func TestAddWorkingDaysKeepsClockAndLocation(t *testing.T) {
	c := newCalendar2026(t)
	shanghai := time.FixedZone("CST", 8*60*60)
	start := time.Date(2026, time.February, 12, 9, 30, 0, 0, shanghai)
	want := time.Date(2026, time.February, 24, 9, 30, 0, 0, shanghai)
	if got := c.AddWorkingDays(start, 3); !got.Equal(want) || got.Location() != shanghai {
		t.Errorf("AddWorkingDays(%s, 3) = %s, want %s", start, got, want)
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	c := newCalendar2026(t)
	tests := []struct {
		name     string
		from, to string
		want     int
	}{
		{"same day", "2026-02-12", "2026-02-12", 0},
		{"across 春节", "2026-02-12", "2026-02-24", 3},
		{"backwards across 春节", "2026-02-24", "2026-02-12", -3},
		{"February", "2026-01-31", "2026-02-28", 16},
		{"October", "2026-09-30", "2026-10-31", 18},
		{"inside 国庆节", "2026-10-01", "2026-10-07", 0},
		// 261 weekdays, 19 of them holidays, plus 6 worked weekend days.
		{"all of 2026", "2025-12-31", "2026-12-31", 248},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.WorkingDaysBetween(mustDate(tc.from), mustDate(tc.to)); got != tc.want {
				t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tc.from, tc.to, got, tc.want)
			}
		})
	}
}

func TestWorkingDaysBetweenUndoesAddWorkingDays(t *testing.T) {
	c := newCalendar2026(t)
	// Starts on working days, holidays and worked weekends, around both ends of the year.
	for _, start := range []string{"2025-12-20", "2026-02-14", "2026-02-15", "2026-09-30", "2026-10-03", "2026-12-25"} {
		for n := 0; n <= 40; n++ {
			end := c.AddWorkingDays(mustDate(start), n)
			if got := c.WorkingDaysBetween(mustDate(start), end); got != n {
				t.Errorf("WorkingDaysBetween(%s, AddWorkingDays(%s, %d) = %s) = %d", start, start, n, end.Format(time.DateOnly), got)
			}
			// Backwards the count is the same days with the sign flipped.
			if got := c.WorkingDaysBetween(end, mustDate(start)); got != -n {
				t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", end.Format(time.DateOnly), start, got, -n)
			}
		}
	}
}

func TestCovers(t *testing.T) {
	c := newCalendar2026(t)
	for year, want := range map[int]bool{2025: false, 2026: true, 2027: false} {
		if got := c.Covers(year); got != want {
			t.Errorf("Covers(%d) = %t, want %t", year, got, want)
		}
	}
}

func TestZeroCalendarCountsMondayToFridayLessFixedHolidays(t *testing.T) {
	var c calendar.Calendar
	if got := c.AddWorkingDays(mustDate("2026-09-30"), 1); got.Format(time.DateOnly) != "2026-10-05" {
		t.Errorf("zero Calendar: AddWorkingDays(2026-09-30, 1) = %s, want 2026-10-05 (1–3 October fixed)", got.Format(time.DateOnly))
	}
}

func TestNewRejects(t *testing.T) {
	day := func(date string) calendar.Day { return calendar.Day{Date: date, Name: "测试"} }
	year2026 := func(holidays, workdays []calendar.Day) calendar.Year {
		return calendar.Year{Year: 2026, Holidays: holidays, Workdays: workdays}
	}
	tests := []struct {
		name  string
		years []calendar.Year
		want  string
	}{
		{
			"date that does not exist",
			[]calendar.Year{year2026([]calendar.Day{day("2026-02-15"), day("2026-02-16"), day("2026-02-17"), day("2026-02-30")}, nil)},
			`year 2026: holidays/3/date: "2026-02-30" is not a date`,
		},
		{
			"date in another format",
			[]calendar.Year{year2026(nil, []calendar.Day{day("2026/01/04")})},
			`year 2026: workdays/0/date: "2026/01/04" is not a date`,
		},
		{
			"date outside its year",
			[]calendar.Year{year2026([]calendar.Day{day("2025-12-31")}, nil)},
			`year 2026: holidays/0/date: "2025-12-31" is not in 2026`,
		},
		{
			"holiday listed twice",
			[]calendar.Year{year2026([]calendar.Day{day("2026-01-01"), day("2026-01-01")}, nil)},
			`year 2026: holidays/1/date: "2026-01-01" repeats holidays/0`,
		},
		{
			"workday listed twice",
			[]calendar.Year{year2026(nil, []calendar.Day{day("2026-01-04"), day("2026-01-04")})},
			`year 2026: workdays/1/date: "2026-01-04" repeats workdays/0`,
		},
		{
			"date both holiday and workday",
			[]calendar.Year{year2026([]calendar.Day{day("2026-02-15")}, []calendar.Day{day("2026-02-15")})},
			`year 2026: workdays/0/date: "2026-02-15" is also a holiday (holidays/0)`,
		},
		{
			"workday on a weekday",
			[]calendar.Year{year2026(nil, []calendar.Day{day("2026-01-05")})},
			`year 2026: workdays/0/date: "2026-01-05" is a Monday, not a weekend day`,
		},
		{
			"year given twice",
			[]calendar.Year{official2026(), official2026()},
			`year 2026: given twice`,
		},
		{
			"year missing",
			[]calendar.Year{{Holidays: []calendar.Day{day("2026-01-01")}}},
			`year: 0 is not a year`,
		},
		{
			"every problem at once",
			[]calendar.Year{year2026([]calendar.Day{day("2026-13-01"), day("2027-01-01")}, []calendar.Day{day("2026-01-06")})},
			`year 2026: holidays/0/date: "2026-13-01" is not a date` + "\n" +
				`year 2026: holidays/1/date: "2027-01-01" is not in 2026` + "\n" +
				`year 2026: workdays/0/date: "2026-01-06" is a Tuesday, not a weekend day`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := calendar.New(tc.years...)
			if err == nil {
				t.Fatalf("New succeeded, want error %q", tc.want)
			}
			if c != nil {
				t.Errorf("New returned a Calendar along with its error")
			}
			if err.Error() != tc.want {
				t.Errorf("New error:\n%s\nwant:\n%s", err, tc.want)
			}
		})
	}
}

func BenchmarkAddWorkingDays(b *testing.B) {
	c := newCalendar2026(b)
	start := mustDate("2026-09-28")
	for b.Loop() {
		c.AddWorkingDays(start, 20)
	}
}

func TestCoversDays(t *testing.T) {
	c := newCalendar2026(t)
	tests := []struct {
		from, to string
		want     bool
	}{
		{"2026-01-01", "2026-12-31", true},
		{"2026-12-20", "2027-01-05", false},
		{"2027-01-05", "2026-12-20", false},
		{"2025-12-31", "2026-01-05", false},
	}
	for _, tc := range tests {
		if got := c.CoversDays(mustDate(tc.from), mustDate(tc.to)); got != tc.want {
			t.Errorf("CoversDays(%s, %s) = %t, want %t", tc.from, tc.to, got, tc.want)
		}
	}
}

func TestUncoveredWithin(t *testing.T) {
	c := newCalendar2026(t)
	tests := []struct {
		from string
		days int
		want int
	}{
		{"2026-10-01", 60, 0},
		{"2026-11-02", 60, 2027},
		{"2025-12-01", 10, 2025},
	}
	for _, tc := range tests {
		if got := c.UncoveredWithin(mustDate(tc.from), tc.days); got != tc.want {
			t.Errorf("UncoveredWithin(%s, %d) = %d, want %d", tc.from, tc.days, got, tc.want)
		}
	}
}
