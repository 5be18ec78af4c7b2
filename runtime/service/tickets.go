package service

import (
	"context"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
)

// minutesPerTicket is what the expected wait counts for each ticket ahead, until the hall
// measures its own service times.
const minutesPerTicket = 10

// ticketGroup is the window group a matter's tickets queue in, its implementing org, and the
// letter its numbers start with (the org's place in the org tree, A to Z).
func (s *Service) ticketGroup(ctx context.Context, matter string) (group, prefix string, err error) {
	mp, _, err := s.MatterPlan(ctx, matter, 0)
	if err != nil {
		return "", "", err
	}
	group, prefix = mp.Def.Matter.Org.Code, "A"
	for i, o := range s.Orgs() {
		if o.Code == group {
			prefix = string(rune('A' + i%26))
		}
	}
	return group, prefix, nil
}

// TakeTicket gives a ticket for a matter's window group today, at the kiosk (u nil) or on the
// phone (u the applicant), with the tickets ahead and the expected wait.
func (s *Service) TakeTicket(ctx context.Context, u *runtime.User, matter, source string) (*runtime.Ticket, error) {
	if source != "kiosk" && source != "portal" {
		return nil, runtime.Invalid("取号渠道应为 kiosk 或 portal")
	}
	group, prefix, err := s.ticketGroup(ctx, matter)
	if err != nil {
		return nil, err
	}
	t := runtime.Ticket{Group: group, Day: s.now().In(runtime.Zone).Format(time.DateOnly), Matter: matter, Source: source}
	if u != nil {
		t.UserID = u.ID
	}
	return s.issued(s.db.TakeTicket(ctx, t, prefix))
}

// CheckIn turns today's appointment with the check-in code into a ticket of its matter's
// group: the appointment is then arrived.
func (s *Service) CheckIn(ctx context.Context, code string) (*runtime.Ticket, error) {
	a, err := s.db.AppointmentByCode(ctx, strings.TrimSpace(code))
	if err != nil {
		return nil, runtime.Errorf(runtime.ENOTFOUND, "签到码不正确，请核对短信中的 8 位签到码")
	}
	matter := strings.TrimPrefix(a.Scope, "matter:")
	group, prefix, err := s.ticketGroup(ctx, matter)
	if err != nil {
		return nil, err
	}
	t := runtime.Ticket{Group: group, Day: s.now().In(runtime.Zone).Format(time.DateOnly), Matter: matter, Source: "appointment",
		UserID: a.UserID, AppointmentID: a.ID}
	return s.issued(s.db.TakeTicket(ctx, t, prefix))
}

// issued adds the expected wait to a ticket just taken.
func (s *Service) issued(t *runtime.Ticket, err error) (*runtime.Ticket, error) {
	if err != nil {
		return nil, err
	}
	t.WaitMinutes = t.Ahead * minutesPerTicket
	return t, nil
}
