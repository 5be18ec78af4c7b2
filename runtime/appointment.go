package runtime

import (
	"context"
	"time"
)

// AppointmentConfig is how a matter, or a hall's window group, takes appointments (预约): slot
// length, places per slot, opening hours on working days, and days closed.
type AppointmentConfig struct {
	// Scope is what is booked: "matter:<slug>" or "group:<code>".
	Scope       string `json:"scope"`
	Enabled     bool   `json:"enabled"`
	SlotMinutes int    `json:"slotMinutes" jsonschema:"minimum=5,maximum=240,description=每个时段的分钟数"`
	Capacity    int    `json:"capacity" jsonschema:"minimum=1,maximum=500,description=每个时段可预约人数"`
	// Opens and Closes are the hall's hours on a working day, "09:00" and "17:00".
	Opens  string `json:"opens"`
	Closes string `json:"closes"`
	// Blackout are the days closed to appointments although working days, "2026-12-24".
	Blackout []string `json:"blackout,omitempty"`
	// Days is how many days ahead one may book.
	Days      int       `json:"days"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Appointment statuses.
const (
	AppointmentBooked    = "booked"
	AppointmentCancelled = "cancelled"
	AppointmentArrived   = "arrived"
	AppointmentNoShow    = "no-show"
)

// Appointment is one booking of a slot.
type Appointment struct {
	ID     int64  `json:"id"`
	Scope  string `json:"scope"`
	Day    string `json:"day"`  // 2026-12-09, in the platform's zone
	Slot   string `json:"slot"` // 09:30, the slot's start
	UserID int64  `json:"userId"`
	Status string `json:"status"`
	// Code is what the citizen shows or types at the kiosk to check in.
	Code      string    `json:"code"`
	CreatedAt time.Time `json:"createdAt"`
}

// SlotCount is how many of a slot's places are booked.
type SlotCount struct {
	Day, Slot string
	Booked    int
}

// AppointmentStore keeps the appointment configs and the bookings.
type AppointmentStore interface {
	// AppointmentConfig returns the config of a scope; ENOTFOUND when it has none.
	AppointmentConfig(ctx context.Context, scope string) (*AppointmentConfig, error)
	// SaveAppointmentConfig creates or replaces the config of its scope.
	SaveAppointmentConfig(ctx context.Context, c AppointmentConfig) error
	// BookAppointment books a place in the slot unless capacity places are taken (ECONFLICT,
	// also when the user holds a booking of that slot already): the count and the booking are
	// one atomic step, so that concurrent bookings never exceed the capacity.
	BookAppointment(ctx context.Context, a Appointment, capacity int) (*Appointment, error)
	// CancelAppointment cancels a booked appointment of the user's and frees its place;
	// ENOTFOUND when the user has no such booked appointment.
	CancelAppointment(ctx context.Context, id, userID int64) error
	// AppointmentsOf lists a user's appointments, newest day first.
	AppointmentsOf(ctx context.Context, userID int64, limit int) ([]Appointment, error)
	// SlotCounts lists the booked places of a scope's slots from day from to day to.
	SlotCounts(ctx context.Context, scope, from, to string) ([]SlotCount, error)
	// SweepAppointments records as no-shows the bookings of days before today still booked,
	// and claims up to limit bookings of the day remindFor not yet reminded, marking them
	// reminded: each is returned to one caller only.
	SweepAppointments(ctx context.Context, today, remindFor string, limit int) (remind []Appointment, noShows int, err error)
}

// DaySlots are a day's appointment slots with the places left in each.
type DaySlots struct {
	Day   string     `json:"day"`
	Slots []OpenSlot `json:"slots"`
}

// OpenSlot is one slot and how many places it has left.
type OpenSlot struct {
	Start string `json:"start"`
	Left  int    `json:"left"`
}

// AppointmentService takes appointments (预约) for matters.
type AppointmentService interface {
	// AppointmentSettings returns a scope's config; one never set is disabled.
	AppointmentSettings(ctx context.Context, scope string) (*AppointmentConfig, error)
	// SetAppointmentConfig saves a config, for staff of the matter's org who accept or
	// supervise, or administrators (EFORBIDDEN otherwise; EINVALID naming the fields).
	SetAppointmentConfig(ctx context.Context, u *User, c AppointmentConfig) error
	// OpenSlots lists the bookable slots with the places left; none when disabled.
	OpenSlots(ctx context.Context, scope string) ([]DaySlots, error)
	// BookAppointment books the applicant a place (ECONFLICT when the slot is full).
	BookAppointment(ctx context.Context, u *User, scope, day, slot string) (*Appointment, error)
	MyAppointments(ctx context.Context, u *User) ([]Appointment, error)
	// TakeTicket gives a queue ticket for a matter's window group today (u may be nil at the
	// kiosk); CheckIn turns today's appointment with the code into one.
	TakeTicket(ctx context.Context, u *User, matter, source string) (*Ticket, error)
	CheckIn(ctx context.Context, code string) (*Ticket, error)
	// CancelAppointment frees the place of one of the applicant's bookings.
	CancelAppointment(ctx context.Context, u *User, id int64) error
}

// Ticket is a queue number taken in the hall (取号): per window group per day, A001 onward.
type Ticket struct {
	ID     int64  `json:"id"`
	Group  string `json:"group"`
	Day    string `json:"day"`
	Seq    int    `json:"seq"`
	Number string `json:"number"`
	Matter string `json:"matter,omitempty"`
	// Source is kiosk, portal or appointment.
	Source        string    `json:"source"`
	UserID        int64     `json:"userId,omitempty"`
	AppointmentID int64     `json:"appointmentId,omitempty"`
	Status        string    `json:"status"`
	CreatedAt     time.Time `json:"createdAt"`
	// Ahead is how many of the group's tickets of the day wait before this one; WaitMinutes
	// the expected wait it makes.
	Ahead       int `json:"ahead"`
	WaitMinutes int `json:"waitMinutes"`
}

// TicketStore numbers the hall's queue tickets.
type TicketStore interface {
	// TakeTicket gives t the next number of its group and day (prefix and three digits), and
	// checks in its appointment (arrived) in the same step when it has one: concurrent takers
	// never share a number. An appointment not booked for that day is ECONFLICT.
	TakeTicket(ctx context.Context, t Ticket, prefix string) (*Ticket, error)
	// AppointmentByCode finds a booking by its check-in code; ENOTFOUND when there is none.
	AppointmentByCode(ctx context.Context, code string) (*Appointment, error)
}
