package service

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
)

var _ runtime.AppointmentService = (*Service)(nil)

// MatterScope is the appointment scope of a matter.
func MatterScope(slug string) string { return "matter:" + slug }

// AppointmentSettings returns a scope's appointment config; a scope never configured takes
// none (Enabled false).
func (s *Service) AppointmentSettings(ctx context.Context, scope string) (*runtime.AppointmentConfig, error) {
	c, err := s.db.AppointmentConfig(ctx, scope)
	if runtime.ErrorCode(err) == runtime.ENOTFOUND {
		return &runtime.AppointmentConfig{Scope: scope, SlotMinutes: 30, Capacity: 5, Opens: "09:00", Closes: "17:00", Days: 7}, nil
	}
	return c, err
}

// SetAppointmentConfig saves how a matter takes appointments, by staff of its org who accept
// or supervise its cases, or an administrator.
func (s *Service) SetAppointmentConfig(ctx context.Context, u *runtime.User, c runtime.AppointmentConfig) error {
	slug, ok := strings.CutPrefix(c.Scope, "matter:")
	if !ok {
		return runtime.Invalid("预约范围应为 matter:<事项编号>", runtime.FieldError{Pointer: "/scope", Message: "不认识的预约范围"})
	}
	mp, _, err := s.MatterPlan(ctx, slug, 0)
	if err != nil {
		return err
	}
	admin := slices.Contains(u.Roles, runtime.RoleAdmin)
	own := u.Kind == "staff" && slices.Contains(s.subtree(u.OrgCode), mp.Def.Matter.Org.Code) &&
		(slices.Contains(u.OrgRoles, "clerk") || slices.Contains(u.OrgRoles, "supervisor"))
	if !admin && !own {
		return runtime.Errorf(runtime.EFORBIDDEN, "只有实施机构的窗口人员、督办人员或管理员可以设置本事项的预约")
	}
	var problems []runtime.FieldError
	bad := func(at, msg string) { problems = append(problems, runtime.FieldError{Pointer: at, Message: msg}) }
	if c.SlotMinutes < 5 || c.SlotMinutes > 240 {
		bad("/slotMinutes", "时段长度应为 5 到 240 分钟")
	}
	if c.Capacity < 1 || c.Capacity > 500 {
		bad("/capacity", "每个时段可预约人数应为 1 到 500")
	}
	if c.Days < 1 || c.Days > 60 {
		bad("/days", "可提前预约的天数应为 1 到 60")
	}
	opens, err1 := time.Parse("15:04", c.Opens)
	closes, err2 := time.Parse("15:04", c.Closes)
	if err1 != nil || err2 != nil || !opens.Before(closes) {
		bad("/opens", "开放时间应写成 09:00 和 17:00 这样，且开始早于结束")
	}
	for i, d := range c.Blackout {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			bad(fmt.Sprintf("/blackout/%d", i), "日期应写成 2026-12-24")
		}
	}
	if len(problems) > 0 {
		return runtime.Invalid("预约设置有误", problems...)
	}
	return s.db.SaveAppointmentConfig(ctx, c)
}

// OpenSlots lists the slots one may book in a scope: from now on, the config's days ahead,
// working days of the matter's calendar only, blackout days left out.
func (s *Service) OpenSlots(ctx context.Context, scope string) ([]runtime.DaySlots, error) {
	c, err := s.AppointmentSettings(ctx, scope)
	if err != nil || !c.Enabled {
		return nil, err
	}
	_, plan, _, err := s.latest(ctx, strings.TrimPrefix(scope, "matter:"))
	if err != nil {
		return nil, err
	}
	now := s.now().In(runtime.Zone)
	first := runtime.Day(now)
	last := first.AddDate(0, 0, c.Days)
	counts, err := s.db.SlotCounts(ctx, scope, first.Format(time.DateOnly), last.Format(time.DateOnly))
	if err != nil {
		return nil, err
	}
	booked := map[string]int{}
	for _, n := range counts {
		booked[n.Day+" "+n.Slot] = n.Booked
	}
	var out []runtime.DaySlots
	for day := first; !day.After(last); day = day.AddDate(0, 0, 1) {
		d := day.Format(time.DateOnly)
		if !plan.Calendar.IsWorkingDay(day) || slices.Contains(c.Blackout, d) {
			continue
		}
		ds := runtime.DaySlots{Day: d}
		for _, start := range slotStarts(c) {
			at, _ := time.ParseInLocation(time.DateOnly+" 15:04", d+" "+start, runtime.Zone)
			if at.After(now) {
				ds.Slots = append(ds.Slots, runtime.OpenSlot{Start: start, Left: max(c.Capacity-booked[d+" "+start], 0)})
			}
		}
		if len(ds.Slots) > 0 {
			out = append(out, ds)
		}
	}
	return out, nil
}

// slotStarts are the starts of a day's slots: every SlotMinutes from Opens while a whole slot
// fits before Closes.
func slotStarts(c *runtime.AppointmentConfig) []string {
	opens, _ := time.Parse("15:04", c.Opens)
	closes, _ := time.Parse("15:04", c.Closes)
	var out []string
	for t := opens; !t.Add(time.Duration(c.SlotMinutes) * time.Minute).After(closes); t = t.Add(time.Duration(c.SlotMinutes) * time.Minute) {
		out = append(out, t.Format("15:04"))
	}
	return out
}

// BookAppointment books the applicant a place in one of the scope's open slots and texts them
// the confirmation with the check-in code.
func (s *Service) BookAppointment(ctx context.Context, u *runtime.User, scope, day, slot string) (*runtime.Appointment, error) {
	if err := mustApply(u); err != nil {
		return nil, err
	}
	c, err := s.AppointmentSettings(ctx, scope)
	if err != nil {
		return nil, err
	}
	if !c.Enabled {
		return nil, runtime.Errorf(runtime.ECONFLICT, "本事项不接受预约")
	}
	days, err := s.OpenSlots(ctx, scope)
	if err != nil {
		return nil, err
	}
	open := slices.ContainsFunc(days, func(d runtime.DaySlots) bool {
		return d.Day == day && slices.ContainsFunc(d.Slots, func(o runtime.OpenSlot) bool { return o.Start == slot })
	})
	if !open {
		return nil, runtime.Invalid("请选择可预约的日期和时段", runtime.FieldError{Pointer: "/slot", Message: day + " " + slot + " 不可预约"})
	}
	code, err := appointmentCode()
	if err != nil {
		return nil, err
	}
	a, err := s.db.BookAppointment(ctx, runtime.Appointment{Scope: scope, Day: day, Slot: slot, UserID: u.ID, Code: code}, c.Capacity)
	if err != nil {
		return nil, err
	}
	s.textAppointment(ctx, u, a, "appointment-booked")
	return a, nil
}

// textAppointment queues an appointment's SMS to the applicant, when the matter's bundle has
// an SMS gateway; the booking stands whether or not the text can be queued.
func (s *Service) textAppointment(ctx context.Context, u *runtime.User, a *runtime.Appointment, template string) {
	_, plan, mp, err := s.latest(ctx, strings.TrimPrefix(a.Scope, "matter:"))
	if err != nil || u.Mobile == "" || !pushes(plan, SMSConnector) {
		return
	}
	payload, _ := json.Marshal(map[string]any{"mobile": u.Mobile, "template": template,
		"params": map[string]any{"matter": mp.Def.Matter.Name, "day": a.Day, "slot": a.Slot, "code": a.Code, "place": mp.Def.Matter.Place}})
	err = s.db.WithTx(ctx, func(tx runtime.Tx) error {
		_, err := tx.Enqueue(runtime.OutboxMessage{Topic: runtime.PushTopic(SMSConnector), Payload: payload,
			IdempotencyKey: fmt.Sprintf("sms:appointment:%d:%s", a.ID, template)})
		return err
	})
	if err != nil {
		s.logger.WarnContext(ctx, "appointment text not queued", "appointment", a.ID, "err", err)
	}
}

// appointmentCode is a check-in code of eight digits, typed at the kiosk.
func appointmentCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(100_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%08d", n.Int64()), nil
}

// MyAppointments lists the applicant's appointments, newest day first.
func (s *Service) MyAppointments(ctx context.Context, u *runtime.User) ([]runtime.Appointment, error) {
	if err := mustApply(u); err != nil {
		return nil, err
	}
	return s.db.AppointmentsOf(ctx, u.ID, 50)
}

// CancelAppointment cancels one of the applicant's booked appointments, freeing its place.
func (s *Service) CancelAppointment(ctx context.Context, u *runtime.User, id int64) error {
	if err := mustApply(u); err != nil {
		return err
	}
	return s.db.CancelAppointment(ctx, id, u.ID)
}

// sweepAppointments records yesterday's and older unkept bookings as no-shows and texts the
// reminder of tomorrow's, and returns how many it handled.
func (s *Service) sweepAppointments(ctx context.Context) (int, error) {
	today := runtime.Day(s.now())
	remind, noShows, err := s.db.SweepAppointments(ctx, today.Format(time.DateOnly), today.AddDate(0, 0, 1).Format(time.DateOnly), 100)
	if err != nil {
		return 0, err
	}
	for i := range remind {
		u, err := s.db.GetUser(ctx, remind[i].UserID)
		if err != nil {
			return noShows + i, err
		}
		s.textAppointment(ctx, u, &remind[i], "appointment-reminder")
	}
	return noShows + len(remind), nil
}
