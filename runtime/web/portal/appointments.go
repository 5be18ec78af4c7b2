package portal

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/site"
)

// slotsPage is the choice of a day and a slot to book a matter at the window.
type slotsPage struct {
	Slug, Name string
	Days       []runtime.DaySlots
	Problem    string
}

// appointmentsPage lists the applicant's appointments.
type appointmentsPage struct {
	Items []appointmentItem
}

type appointmentItem struct {
	runtime.Appointment
	Matter, StatusName string
	Cancellable        bool
}

var appointmentStatus = map[string]string{runtime.AppointmentBooked: "已预约", runtime.AppointmentCancelled: "已取消",
	runtime.AppointmentArrived: "已到达", runtime.AppointmentNoShow: "未到（爽约）"}

func (p *portal) slots(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	p.showSlots(w, r, http.StatusOK, "")
}

func (p *portal) showSlots(w http.ResponseWriter, r *http.Request, status int, problem string) {
	slug := r.PathValue("slug")
	g, err := p.Matters.MatterGuide(r.Context(), slug)
	if err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	days, err := p.Appointments.OpenSlots(r.Context(), "matter:"+slug)
	if err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	d := slotsPage{Slug: slug, Name: g.Name, Days: days, Problem: problem}
	p.pages.Render(w, r, "slots", status, p.pages.Frame(r, "预约："+g.Name, d))
}

// book books the slot chosen, as "day slot".
func (p *portal) book(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	if err := site.ParseForm(w, r, p.Auth, 64<<10); err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	day, slot, _ := strings.Cut(r.PostFormValue("slot"), " ")
	_, err := p.Appointments.BookAppointment(r.Context(), u, "matter:"+r.PathValue("slug"), day, slot)
	switch runtime.ErrorCode(err) {
	case "":
		site.SeeOther(w, r, "/appointments", "booked")
	case runtime.EINVALID, runtime.ECONFLICT:
		p.showSlots(w, r, site.Status(err), runtime.ErrorMessage(err))
	default:
		p.pages.Fail(w, r, err)
	}
}

func (p *portal) myAppointments(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	list, err := p.Appointments.MyAppointments(r.Context(), u)
	if err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	var d appointmentsPage
	for _, a := range list {
		item := appointmentItem{Appointment: a, Matter: strings.TrimPrefix(a.Scope, "matter:"), StatusName: appointmentStatus[a.Status],
			Cancellable: a.Status == runtime.AppointmentBooked}
		if g, err := p.Matters.MatterGuide(r.Context(), item.Matter); err == nil {
			item.Matter = g.Name
		}
		d.Items = append(d.Items, item)
	}
	p.pages.Render(w, r, "appointments", http.StatusOK, p.pages.Frame(r, "我的预约", d))
}

func (p *portal) cancelAppointment(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	if err := site.ParseForm(w, r, p.Auth, 64<<10); err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err := p.Appointments.CancelAppointment(r.Context(), u, id); err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	site.SeeOther(w, r, "/appointments", "cancelled")
}

// ticketPage is the queue machine: the matters to queue for, the check-in box, and the ticket
// just taken.
type ticketPage struct {
	Matters []runtime.MatterSummary
	Ticket  *runtime.Ticket
	Problem string
}

func (p *portal) ticketMachine(w http.ResponseWriter, r *http.Request) {
	p.showTicket(w, r, http.StatusOK, nil, "")
}

func (p *portal) showTicket(w http.ResponseWriter, r *http.Request, status int, t *runtime.Ticket, problem string) {
	matters, err := p.Matters.ListMatters(r.Context(), runtime.MatterFilter{})
	if err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	p.pages.Render(w, r, "ticket", status, p.pages.Frame(r, "取号", ticketPage{Matters: matters, Ticket: t, Problem: problem}))
}

// takeTicket gives a ticket for the matter chosen, or for the appointment whose check-in code
// was typed; signed in on the phone, the ticket is the applicant's.
func (p *portal) takeTicket(w http.ResponseWriter, r *http.Request) {
	if err := site.ParseForm(w, r, p.Auth, 64<<10); err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	var t *runtime.Ticket
	var err error
	if code := r.PostFormValue("code"); code != "" {
		t, err = p.Appointments.CheckIn(r.Context(), code)
	} else {
		source, u := "kiosk", p.Auth.User(r)
		if u != nil {
			source = "portal"
		}
		t, err = p.Appointments.TakeTicket(r.Context(), u, r.PostFormValue("matter"), source)
	}
	switch runtime.ErrorCode(err) {
	case "":
		p.showTicket(w, r, http.StatusOK, t, "")
	case runtime.EINVALID, runtime.ECONFLICT, runtime.ENOTFOUND:
		p.showTicket(w, r, site.Status(err), nil, runtime.ErrorMessage(err))
	default:
		p.pages.Fail(w, r, err)
	}
}
