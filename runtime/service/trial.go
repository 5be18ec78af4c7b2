package service

import (
	"context"
	"slices"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/trial"
)

// WithTrialClock makes c the service's clock and lets administrators move it (TrialService):
// for demo and test mode only, which is why the composition root passes it only there.
func WithTrialClock(c *trial.Clock) Option {
	return func(s *Service) { s.trial, s.clock = c, c.Now }
}

// trialAdmin refuses anyone but an administrator, and everyone when the clock is real.
func (s *Service) trialAdmin(u *runtime.User) error {
	if !slices.Contains(u.Roles, runtime.RoleAdmin) {
		return runtime.Errorf(runtime.EFORBIDDEN, "只有管理员可以调整平台时间或运行定时任务")
	}
	if s.trial == nil {
		return runtime.Errorf(runtime.EFORBIDDEN, "只有演示或测试模式（serve --demo --clock）可以调整平台时间或立即运行定时任务")
	}
	return nil
}

// TrialTime is the platform's time and whether it is a trial clock; any administrator may ask.
func (s *Service) TrialTime(ctx context.Context, u *runtime.User) (runtime.TrialTime, error) {
	if !slices.Contains(u.Roles, runtime.RoleAdmin) {
		return runtime.TrialTime{}, runtime.Errorf(runtime.EFORBIDDEN, "只有管理员可以查看平台时间")
	}
	return runtime.TrialTime{Now: s.now(), Trial: s.trial != nil}, nil
}

// MoveTrialClock sets the trial clock or moves it on, and says the time it now reads. The
// change is an audit-free act on purpose: it exists only where nothing is real.
func (s *Service) MoveTrialClock(ctx context.Context, u *runtime.User, change runtime.TrialClockChange) (runtime.TrialTime, error) {
	if err := s.trialAdmin(u); err != nil {
		return runtime.TrialTime{}, err
	}
	if change.AdvanceDays < 0 || change.AdvanceHours < 0 {
		return runtime.TrialTime{}, runtime.Invalid("平台时间只能向后拨", runtime.FieldError{Pointer: "/advanceDays", Message: "不能为负数"})
	}
	if change.At != nil {
		s.trial.Set(*change.At)
	}
	s.trial.Advance(time.Duration(change.AdvanceDays)*24*time.Hour + time.Duration(change.AdvanceHours)*time.Hour)
	s.logger.Info("trial clock moved", "by", u.ID, "now", s.now())
	return runtime.TrialTime{Now: s.now(), Trial: true}, nil
}

// FireTimers runs, now, every timer, escalation and 容缺 follow-up due by the trial clock.
func (s *Service) FireTimers(ctx context.Context, u *runtime.User) (runtime.FiredTimers, error) {
	if err := s.trialAdmin(u); err != nil {
		return runtime.FiredTimers{}, err
	}
	n, err := s.FireDueTimers(ctx)
	return runtime.FiredTimers{Fired: n, Now: s.now()}, err
}
