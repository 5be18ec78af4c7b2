// Package trial is the platform's adjustable clock for trials: in demo and test mode a person
// sets or advances the time the whole program sees, so that a matter with a 7-day 公示 can be
// tried end to end in minutes. Time keeps running from the instant set.
package trial

import (
	"sync"
	"time"
)

// Clock is real time moved by an offset that Set and Advance change.
type Clock struct {
	mu     sync.Mutex
	base   func() time.Time
	offset time.Duration
}

// New is a clock over base (time.Now when nil) that reads at now.
func New(base func() time.Time, at time.Time) *Clock {
	if base == nil {
		base = time.Now
	}
	c := &Clock{base: base}
	c.Set(at)
	return c
}

// Now is the trial time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base().Add(c.offset)
}

// Set makes the clock read at now.
func (c *Clock) Set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = at.Sub(c.base())
}

// Advance moves the clock on by d; a trial never goes back, so a negative d does nothing.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.offset += d
	}
}
