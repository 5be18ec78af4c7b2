package runtime

import (
	"fmt"
	"time"
	_ "time/tzdata" // the binary needs no zone files of the system it runs on
)

// Zone is the platform's time zone, Asia/Shanghai unless serve's --zone says otherwise: days,
// deadlines (ending 23:59:59 in it), "today", notices and case numbers are read in it, while
// instants are stored in UTC. Set it (SetZone) before the platform serves.
var Zone = mustLoadZone("Asia/Shanghai")

// SetZone makes the named IANA zone the platform's.
func SetZone(name string) error {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return fmt.Errorf("时区 %q 无效：%w", name, err)
	}
	Zone = loc
	return nil
}

// Day is the date of t in the platform's zone, at its midnight there.
func Day(t time.Time) time.Time {
	y, m, d := t.In(Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, Zone)
}

// EndOfDay is the last second of t's date in the platform's zone, when a deadline on it ends.
func EndOfDay(t time.Time) time.Time {
	y, m, d := t.In(Zone).Date()
	return time.Date(y, m, d, 23, 59, 59, 0, Zone)
}

func mustLoadZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}
