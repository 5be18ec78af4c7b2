package store_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/store"
)

// testAppointmentsConcurrent: 200 people book the same slot of 10 places at once; exactly ten
// get one, the count says ten, and a cancellation frees one place for the next. A person
// cannot book one slot twice.
func testAppointmentsConcurrent(t *testing.T, db *store.DB) {
	const people, places = 200, 10
	users := make([]*runtime.User, people)
	for i := range users {
		users[i] = must[*runtime.User](t)(db.CreateUser(ctx, runtime.User{Name: fmt.Sprintf("预约人%03d", i), Kind: "person"}))
	}
	slot := runtime.Appointment{Scope: "matter:food-business-license", Day: "2026-12-09", Slot: "09:30"}
	var wg sync.WaitGroup
	booked := make(chan *runtime.Appointment, people)
	refused := make(chan error, people)
	for i, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := slot
			a.UserID, a.Code = u.ID, fmt.Sprintf("YY%04d", i)
			got, err := db.BookAppointment(ctx, a, places)
			if err != nil {
				refused <- err
				return
			}
			booked <- got
		}()
	}
	wg.Wait()
	close(booked)
	close(refused)
	if len(booked) != places {
		t.Fatalf("%d bookings of %d places", len(booked), places)
	}
	for err := range refused {
		wantCode(t, err, runtime.ECONFLICT)
	}
	counts := must[[]runtime.SlotCount](t)(db.SlotCounts(ctx, slot.Scope, slot.Day, slot.Day))
	if len(counts) != 1 || counts[0].Booked != places {
		t.Fatalf("counts %+v", counts)
	}
	first := <-booked
	holders := map[int64]bool{first.UserID: true}
	for a := range booked {
		holders[a.UserID] = true
	}
	again := slot
	again.UserID, again.Code = first.UserID, "YYAGAIN"
	_, err := db.BookAppointment(ctx, again, places+1)
	wantCode(t, err, runtime.ECONFLICT)
	if err := db.CancelAppointment(ctx, first.ID, first.UserID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, db.CancelAppointment(ctx, first.ID, first.UserID), runtime.ENOTFOUND)
	next := slot
	for _, u := range users {
		if !holders[u.ID] {
			next.UserID = u.ID
		}
	}
	next.Code = "YYNEXT"
	if _, err := db.BookAppointment(ctx, next, places); err != nil {
		t.Fatal(err)
	}
	_, err = db.BookAppointment(ctx, runtime.Appointment{Scope: slot.Scope, Day: slot.Day, Slot: slot.Slot, UserID: first.UserID, Code: "YYFULL"}, places)
	wantCode(t, err, runtime.ECONFLICT)
	counts = must[[]runtime.SlotCount](t)(db.SlotCounts(ctx, slot.Scope, slot.Day, slot.Day))
	if counts[0].Booked != places {
		t.Fatalf("after a cancellation and a booking: %+v", counts)
	}
	mine := must[[]runtime.Appointment](t)(db.AppointmentsOf(ctx, first.UserID, 10))
	if len(mine) != 1 || mine[0].Status != runtime.AppointmentCancelled {
		t.Fatalf("the cancelled booking: %+v", mine)
	}
}

// testTicketsConcurrent: 100 tickets taken at once in one group get A001…A100, each once; the
// next group and the next day start again at 001; an appointment checks in once, on its day.
func testTicketsConcurrent(t *testing.T, db *store.DB) {
	const n = 100
	var wg sync.WaitGroup
	numbers := make(chan string, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk, err := db.TakeTicket(ctx, runtime.Ticket{Group: "wd-amr", Day: "2026-12-09", Source: "kiosk"}, "A")
			if err != nil {
				t.Error(err)
				return
			}
			numbers <- tk.Number
		}()
	}
	wg.Wait()
	close(numbers)
	seen := map[string]bool{}
	for num := range numbers {
		if seen[num] {
			t.Fatalf("%s given twice", num)
		}
		seen[num] = true
	}
	for i := 1; i <= n; i++ {
		if !seen[fmt.Sprintf("A%03d", i)] {
			t.Fatalf("A%03d not given: %v", i, seen)
		}
	}
	other := must[*runtime.Ticket](t)(db.TakeTicket(ctx, runtime.Ticket{Group: "xc-health", Day: "2026-12-09", Source: "kiosk"}, "B"))
	next := must[*runtime.Ticket](t)(db.TakeTicket(ctx, runtime.Ticket{Group: "wd-amr", Day: "2026-12-10", Source: "kiosk"}, "A"))
	if other.Number != "B001" || next.Number != "A001" || next.Ahead != 0 {
		t.Fatalf("other group %+v, next day %+v", other, next)
	}
	u := must[*runtime.User](t)(db.CreateUser(ctx, runtime.User{Name: "预约签到人", Kind: "person"}))
	a := must[*runtime.Appointment](t)(db.BookAppointment(ctx, runtime.Appointment{Scope: "matter:food-business-license", Day: "2026-12-10",
		Slot: "10:00", UserID: u.ID, Code: "QD000001"}, 5))
	if got := must[*runtime.Appointment](t)(db.AppointmentByCode(ctx, "QD000001")); got.ID != a.ID {
		t.Fatalf("by code %+v", got)
	}
	_, err := db.TakeTicket(ctx, runtime.Ticket{Group: "wd-amr", Day: "2026-12-09", Source: "appointment", AppointmentID: a.ID}, "A")
	wantCode(t, err, runtime.ECONFLICT)
	in := must[*runtime.Ticket](t)(db.TakeTicket(ctx, runtime.Ticket{Group: "wd-amr", Day: "2026-12-10", Source: "appointment", AppointmentID: a.ID, UserID: u.ID}, "A"))
	if in.Number != "A002" || in.Ahead != 1 {
		t.Fatalf("checked in %+v", in)
	}
	_, err = db.TakeTicket(ctx, runtime.Ticket{Group: "wd-amr", Day: "2026-12-10", Source: "appointment", AppointmentID: a.ID}, "A")
	wantCode(t, err, runtime.ECONFLICT)
	if got := must[[]runtime.Appointment](t)(db.AppointmentsOf(ctx, u.ID, 5)); got[0].Status != runtime.AppointmentArrived {
		t.Fatalf("appointment %+v", got)
	}
}

// testAppointmentSweep: concurrent sweeps claim each reminder once; a past booking becomes a
// no-show.
func testAppointmentSweep(t *testing.T, db *store.DB) {
	u := must[*runtime.User](t)(db.CreateUser(ctx, runtime.User{Name: "提醒人", Kind: "person"}))
	for i, day := range []string{"2026-12-08", "2026-12-10", "2026-12-10"} {
		must[*runtime.Appointment](t)(db.BookAppointment(ctx, runtime.Appointment{Scope: "matter:m", Day: day, Slot: fmt.Sprintf("1%d:00", i),
			UserID: u.ID, Code: fmt.Sprintf("SW%06d", i)}, 5))
	}
	var wg sync.WaitGroup
	claimed := make(chan int, 4)
	noShows := make(chan int, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			remind, gone, err := db.SweepAppointments(ctx, "2026-12-09", "2026-12-10", 10)
			if err != nil {
				t.Error(err)
				return
			}
			claimed <- len(remind)
			noShows <- gone
		}()
	}
	wg.Wait()
	close(claimed)
	close(noShows)
	total, gone := 0, 0
	for n := range claimed {
		total += n
	}
	for n := range noShows {
		gone += n
	}
	if total != 2 || gone != 1 {
		t.Fatalf("%d reminders claimed, %d no-shows", total, gone)
	}
}
