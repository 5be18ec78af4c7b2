package definitions

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/xuchang-gov/tongban/definitions/calendar"
)

// The ways a Duration counts its days.
const (
	// Working counts working days on the holiday calendar (工作日), the default.
	Working = "working"
	// Natural counts calendar days (自然日), as publicity periods (公示) usually do.
	Natural = "natural"
)

// Duration is a span of days wherever the format states one (a step's limit, a timer, an
// escalation, a 容缺 deadline). In a file it is either a bare number of working days, the
// first edition's form, or {"days": 7, "count": "natural"}. An empty Count means working days
// and is written back as the bare number, so first-edition files stay byte for byte as they are.
type Duration struct {
	Days  int    `json:"days" jsonschema:"title=天数,minimum=0"`
	Count string `json:"count,omitempty" jsonschema:"title=计日方式,enum=working,enum=natural,description=working 工作日（默认，按节假日和调休）；natural 自然日"`
}

// Days is a Duration of n working days.
func Days(n int) Duration { return Duration{Days: n} }

// IsNatural reports whether d counts calendar days rather than working days.
func (d Duration) IsNatural() bool { return d.Count == Natural }

// IsZero reports whether d is no time at all.
func (d Duration) IsZero() bool { return d.Days == 0 }

// After returns the day d after start, at start's clock time: the Days-th calendar day, or the
// Days-th working day on cal (day 1 being the first working day after start).
func (d Duration) After(cal *calendar.Calendar, start time.Time) time.Time {
	if d.IsNatural() {
		return start.AddDate(0, 0, d.Days)
	}
	if cal == nil {
		cal, _ = calendar.New()
	}
	return cal.AddWorkingDays(start, d.Days)
}

// String is d as people read it: 5个工作日, 7个自然日.
func (d Duration) String() string {
	if d.IsNatural() {
		return fmt.Sprintf("%d个自然日", d.Days)
	}
	return fmt.Sprintf("%d个工作日", d.Days)
}

// UnmarshalJSON reads either form.
func (d *Duration) UnmarshalJSON(raw []byte) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] != '{' {
		*d = Duration{}
		return json.Unmarshal(raw, &d.Days)
	}
	type plain Duration
	var p plain
	if err := json.Unmarshal(raw, &p); err != nil {
		return err
	}
	*d = Duration(p)
	if d.Count == Working {
		d.Count = ""
	}
	return nil
}

// MarshalJSON writes working days as the bare number and natural days as the object.
func (d Duration) MarshalJSON() ([]byte, error) {
	if !d.IsNatural() {
		return json.Marshal(d.Days)
	}
	type plain Duration
	return json.Marshal(plain(d))
}
