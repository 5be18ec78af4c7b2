package service

import (
	"context"
	"time"
)

// RunTimers completes timers that have run out until ctx ends, checking every interval. Several
// processes may run it on one database: each due timer is claimed by one of them.
func (s *Service) RunTimers(ctx context.Context, interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		if _, err := s.FireDueTimers(ctx); err != nil && ctx.Err() == nil {
			s.logger.Error("timers", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// FireDueTimers completes every timer due by now and returns how many it completed.
func (s *Service) FireDueTimers(ctx context.Context) (int, error) {
	due, err := s.db.DueTimers(ctx, s.now(), 100)
	if err != nil {
		return 0, err
	}
	for _, t := range due {
		if err := s.CompleteWaiting(ctx, t.CaseID, t.Token, "", "system:timer"); err != nil {
			return 0, err
		}
	}
	return len(due), nil
}
