package definitions_test

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/calendar"
)

// exampleCalendar is the example bundle's 2026 calendar, with its National Day holiday and the
// adjusted working Saturday 2026-10-10.
func exampleCalendar(t *testing.T) *calendar.Calendar {
	t.Helper()
	raw, err := os.ReadFile(examplesDir + "/calendar/2026.json")
	if err != nil {
		t.Fatal(err)
	}
	var y calendar.Year
	if err := json.Unmarshal(raw, &y); err != nil {
		t.Fatal(err)
	}
	cal, err := calendar.New(y)
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func TestDurationAfter(t *testing.T) {
	cal := exampleCalendar(t)
	start := time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		file string
		want string
	}{
		{"7 natural days of 公示", `{"days": 7, "count": "natural"}`, "2026-10-07"},
		{"5 working days over National Day", `{"days": 5, "count": "working"}`, "2026-10-13"},
		{"a bare number counts working days", `5`, "2026-10-13"},
		{"count left out counts working days", `{"days": 5}`, "2026-10-13"},
		{"no days is the same day", `0`, "2026-09-30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d definitions.Duration
			if err := json.Unmarshal([]byte(tt.file), &d); err != nil {
				t.Fatal(err)
			}
			if got := d.After(cal, start).Format(time.DateOnly); got != tt.want {
				t.Errorf("%s after 2026-09-30 = %s, want %s", tt.file, got, tt.want)
			}
		})
	}
}

// TestDurationFileForm keeps first-edition files as they are: working days are written as the
// bare number, natural days as the object.
func TestDurationFileForm(t *testing.T) {
	tests := []struct{ in, want string }{
		{`7`, `7`},
		{`{"days": 7, "count": "working"}`, `7`},
		{`{"days": 7}`, `7`},
		{`{"days": 7, "count": "natural"}`, `{"days":7,"count":"natural"}`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var d definitions.Duration
			if err := json.Unmarshal([]byte(tt.in), &d); err != nil {
				t.Fatal(err)
			}
			out, err := json.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tt.want {
				t.Errorf("got %s, want %s", out, tt.want)
			}
		})
	}
}
