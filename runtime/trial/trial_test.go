package trial_test

import (
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/runtime/trial"
)

func TestClock(t *testing.T) {
	real := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	base := func() time.Time { return real }
	start := time.Date(2026, 9, 30, 1, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		move func(c *trial.Clock)
		want time.Time
	}{
		{"reads as set", func(*trial.Clock) {}, start},
		{"advances", func(c *trial.Clock) { c.Advance(7 * 24 * time.Hour) }, start.AddDate(0, 0, 7)},
		{"never goes back by advancing", func(c *trial.Clock) { c.Advance(-time.Hour) }, start},
		{"set again", func(c *trial.Clock) { c.Set(start.AddDate(0, 1, 0)) }, start.AddDate(0, 1, 0)},
		{"real time keeps running", func(*trial.Clock) { real = real.Add(time.Minute) }, start.Add(time.Minute)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			real = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
			c := trial.New(base, start)
			tc.move(c)
			if got := c.Now(); !got.Equal(tc.want) {
				t.Errorf("Now = %v, want %v", got, tc.want)
			}
		})
	}
}
