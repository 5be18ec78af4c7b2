// Package workbench is the staff's website (工作台), server-rendered like the portal and in its
// style: the to-do list with deadline colours, the case view with its timeline and the actions
// of each step (claim, opinion and outcome, return; 预审, 受理, 不予受理, 补齐补正), window
// acceptance (受理智能感知: the registers and past cases of an ID number or credit code, and a case
// started with the generated form), printing, and the dispatch monitor with its Excel export.
package workbench

import (
	"context"
	"embed"
	"net/http"
	"slices"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/page"
	"github.com/xuchang-gov/tongban/runtime/web/site"
)

// Auth is what the workbench needs of the accounts (runtime/web/account satisfies it).
type Auth = site.Auth

// Plans gives the compiled plan of a matter's newest published version.
type Plans = page.Plans

// Applicant is the person or enterprise a clerk serves at the window, as the registers know them.
type Applicant struct {
	Kind         string // "person" or "enterprise"
	Name         string
	IDNumber     string
	USCC         string
	Mobile       string
	DivisionCode string
}

// Window starts a case at the window for an applicant identified there, with the materials the
// clerk received on paper (scanned) and those deferred (容缺). The service does not offer this
// yet — SubmitCase accepts only applicant accounts — so it is optional: without it the workbench
// calls CaseService.SubmitCase as the clerk with channel "window" and shows the refusal.
type Window interface {
	SubmitAtWindow(ctx context.Context, clerk *runtime.User, a Applicant, req runtime.SubmitCase, received []string) (*runtime.CaseView, error)
}

// Changes says when cases may have changed (observe.Signal).
type Changes interface {
	// Changed returns a channel closed at the next change.
	Changed() <-chan struct{}
}

// Deps are the services the workbench calls.
type Deps struct {
	Matters runtime.MatterService
	Cases   runtime.CaseService
	Tasks   runtime.TaskService
	// Lookups asks the registers at the window and prefills its form; nil turns that off.
	Lookups runtime.LookupService
	// Exports writes the monitor's spreadsheets; nil hides the export.
	Exports runtime.ExportService
	// Datasets counts the monitor's cases.
	Datasets runtime.DatasetService
	// Scorecards ranks the units (成绩单); nil hides the scorecard.
	Scorecards runtime.ScorecardService
	// Changes wakes the live monitor when cases change; nil, it refreshes on a timer only.
	Changes Changes
	// Documents prints notices; nil hides them.
	Documents runtime.DocumentService
	// Messages answers consultations and complaints; nil hides them.
	Messages runtime.MessageService
	// Window starts window cases on behalf of applicants; see Window.
	Window Window
	// Accounts verifies online accounts at the window; nil hides that.
	Accounts AccountVerifier
	// Themes serves 一件事: the window's one acceptance, the coordinator's view, and the theme
	// and provenance of a member case; nil hides them.
	Themes runtime.ThemeService
	// Appointments sets how matters take appointments (预约); nil hides it.
	Appointments runtime.AppointmentService
	page.Site
}

//go:embed all:templates
var templates embed.FS

var notices = map[string]string{
	"claimed":        "已认领，请办理。",
	"done":           "已办理，办件已流转到下一环节。",
	"returned":       "已退回。",
	"accepted":       "已受理。可打印受理通知书和材料交接清单。",
	"not-accepted":   "已作出不予受理决定。可打印不予受理通知书。",
	"corrected":      "已要求申请人补齐补正，办理时限暂停计时。",
	"pre-reviewed":   "预审已完成。",
	"started":        "窗口办件已创建。",
	"answered":       "已答复，留言人可在“咨询投诉”中查看。",
	"paid":           "已确认现场缴费。",
	"escalated":      "已督办，办理人员可在办件记录中看到督办意见。",
	"verified":       "网上账户已完成实名核验，申请人现在可以在网上申办。",
	"theme-accepted": "已综合受理，各成员事项已进入各部门办理。",
	"appointments":   "预约设置已保存。",
}

type workbench struct {
	Deps
	pages *site.Set
}

// New returns the workbench's handler for everything under /work/. Its pages use the portal's
// stylesheet at /static/, which the portal serves.
func New(d Deps) http.Handler {
	d.Site = d.Site.WithDefaults()
	pages := d.Site.MustParse(templates, "templates", site.Options{Name: "workbench", Brand: "许昌市政务服务 · 工作台", Home: "/work/", Notices: notices,
		Menu: []site.Link{{Href: "/work/", Label: "待办"}, {Href: "/work/window", Label: "窗口受理"}, {Href: "/work/themes", Label: "一件事"}, {Href: "/work/monitor", Label: "调度监控"}, {Href: "/work/scorecard", Label: "成绩单"}, {Href: "/work/appointments", Label: "预约设置"}, {Href: "/work/messages", Label: "留言答复"}}})
	b := &workbench{Deps: d, pages: pages}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /work/{$}", b.staff(b.todo))
	mux.HandleFunc("POST /work/tasks/{id}/claim", b.staff(b.claim))
	mux.HandleFunc("POST /work/tasks/{id}/complete", b.staff(b.complete))
	mux.HandleFunc("POST /work/tasks/{id}/return", b.staff(b.giveBack))
	mux.HandleFunc("GET /work/cases/{number}", b.staff(b.caseView))
	mux.HandleFunc("POST /work/cases/{number}/acceptance", b.staff(b.acceptance))
	mux.HandleFunc("POST /work/cases/{number}/pre-review", b.staff(b.preReview))
	mux.HandleFunc("POST /work/cases/{number}/correction", b.staff(b.correction))
	mux.HandleFunc("POST /work/cases/{number}/payment", b.staff(b.payment))
	mux.HandleFunc("GET /work/cases/{number}/notices/{name}", b.staff(b.notice))
	mux.HandleFunc("GET /work/window", b.staff(b.window))
	mux.HandleFunc("GET /work/window/apply/{slug}", b.staff(b.windowForm))
	mux.HandleFunc("POST /work/window/apply/{slug}", b.staff(b.windowApply))
	mux.HandleFunc("POST /work/window/verify", b.staff(b.verifyAccount))
	mux.HandleFunc("GET /work/monitor", b.staff(b.monitor))
	mux.HandleFunc("GET /work/monitor/live", b.staff(b.live))
	mux.HandleFunc("POST /work/cases/{number}/escalate", b.staff(b.escalate))
	mux.HandleFunc("GET /work/monitor/{file}", b.staff(b.export))
	if d.Scorecards != nil {
		mux.HandleFunc("GET /work/scorecard", b.staff(b.scorecard))
		mux.HandleFunc("GET /work/scorecard.xlsx", b.staff(b.scorecardExport))
	}
	if d.Appointments != nil {
		mux.HandleFunc("GET /work/appointments", b.staff(b.appointments))
		mux.HandleFunc("POST /work/appointments", b.staff(b.saveAppointments))
	}
	if d.Messages != nil {
		mux.HandleFunc("GET /work/messages", b.staff(b.messages))
		mux.HandleFunc("POST /work/messages/{id}/answer", b.staff(b.answer))
	}
	if d.Themes != nil {
		mux.HandleFunc("GET /work/themes", b.staff(b.themes))
		mux.HandleFunc("GET /work/themes/{number}", b.staff(b.themeCase))
		mux.HandleFunc("POST /work/themes/{number}/acceptance", b.staff(b.themeAcceptance))
	}
	mux.HandleFunc("/work/", b.pages.NotFound)
	return mux
}

// staff runs h for a signed-in member of staff; visitors sign in first, applicants are refused.
func (b *workbench) staff(h func(w http.ResponseWriter, r *http.Request, u *runtime.User)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u := b.Auth.User(r)
		switch {
		case u == nil:
			http.Redirect(w, r, b.pages.LoginURL(r), http.StatusSeeOther)
		case u.Kind != "staff":
			b.pages.Fail(w, r, runtime.Errorf(runtime.EFORBIDDEN, "工作台只对工作人员开放"))
		default:
			h(w, r, u)
		}
	}
}

// isClerk tells whether the user holds the window role.
func isClerk(u *runtime.User) bool { return slices.Contains(u.OrgRoles, "clerk") }
