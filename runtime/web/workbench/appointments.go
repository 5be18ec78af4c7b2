package workbench

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/site"
)

// appointmentsPage sets how one of the org's matters takes appointments.
type appointmentsPage struct {
	Matters  []runtime.MatterSummary
	Slug     string
	Config   *runtime.AppointmentConfig
	Blackout string
	Problems []string
}

func (b *workbench) appointments(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	b.showAppointments(w, r, u, http.StatusOK, r.URL.Query().Get("matter"), nil, nil)
}

func (b *workbench) showAppointments(w http.ResponseWriter, r *http.Request, u *runtime.User, status int, slug string, c *runtime.AppointmentConfig, problem error) {
	ctx := r.Context()
	matters, err := b.Matters.ListMatters(ctx, runtime.MatterFilter{OrgCode: u.OrgCode})
	if err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	d := appointmentsPage{Matters: matters, Slug: slug}
	if d.Slug == "" && len(matters) > 0 {
		d.Slug = matters[0].Slug
	}
	if d.Slug != "" {
		if c == nil {
			if c, err = b.Appointments.AppointmentSettings(ctx, "matter:"+d.Slug); err != nil {
				b.pages.Fail(w, r, err)
				return
			}
		}
		d.Config, d.Blackout = c, strings.Join(c.Blackout, "\n")
	}
	if problem != nil {
		d.Problems = []string{runtime.ErrorMessage(problem)}
		var e *runtime.Error
		if errors.As(problem, &e) {
			for _, f := range e.Fields {
				d.Problems = append(d.Problems, f.Message)
			}
		}
	}
	b.pages.Render(w, r, "appointments", status, b.pages.Frame(r, "预约设置", d))
}

func (b *workbench) saveAppointments(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	if err := site.ParseForm(w, r, b.Auth, 64<<10); err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	f := r.PostFormValue
	num := func(name string) int { n, _ := strconv.Atoi(strings.TrimSpace(f(name))); return n }
	slug := f("matter")
	c := runtime.AppointmentConfig{Scope: "matter:" + slug, Enabled: f("enabled") == "1", SlotMinutes: num("slotMinutes"),
		Capacity: num("capacity"), Opens: strings.TrimSpace(f("opens")), Closes: strings.TrimSpace(f("closes")), Days: num("days"),
		Blackout: strings.Fields(f("blackout"))}
	if err := b.Appointments.SetAppointmentConfig(r.Context(), u, c); err != nil {
		switch runtime.ErrorCode(err) {
		case runtime.EINVALID, runtime.EFORBIDDEN:
			b.showAppointments(w, r, u, site.Status(err), slug, &c, err)
		default:
			b.pages.Fail(w, r, err)
		}
		return
	}
	site.SeeOther(w, r, "/work/appointments?matter="+slug, "appointments")
}
