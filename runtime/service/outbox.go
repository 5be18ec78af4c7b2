package service

import (
	"context"
	"slices"

	"github.com/xuchang-gov/tongban/runtime"
)

func mustBeAdmin(u *runtime.User) error {
	if !slices.Contains(u.Roles, runtime.RoleAdmin) {
		return runtime.Errorf(runtime.EFORBIDDEN, "只有管理员可以管理消息队列")
	}
	return nil
}

// ListDeadLetters lists the outbox messages that gave up after their retries.
func (s *Service) ListDeadLetters(ctx context.Context, u *runtime.User, offset, limit int) ([]runtime.DeadLetter, error) {
	if err := mustBeAdmin(u); err != nil {
		return nil, err
	}
	msgs, err := s.db.ListDeadLetters(ctx, offset, limit)
	if err != nil {
		return nil, err
	}
	out := make([]runtime.DeadLetter, len(msgs))
	for i, m := range msgs {
		out[i] = runtime.DeadLetter{ID: m.ID, Topic: m.Topic, CaseID: m.CaseID, Attempts: m.Attempts,
			LastError: m.LastError, CreatedAt: m.CreatedAt, Payload: m.Payload}
	}
	return out, nil
}

// ReplayMessage sends a dead letter again, from its first attempt.
func (s *Service) ReplayMessage(ctx context.Context, u *runtime.User, id int64) error {
	if err := mustBeAdmin(u); err != nil {
		return err
	}
	return s.db.Replay(ctx, id)
}
