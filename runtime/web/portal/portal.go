// Package portal is the citizens' website (互联网政务服务门户), server-rendered with
// html/template: finding a matter, reading its guide, applying with the generated form (without
// JavaScript; static/form.js makes the visibility rules live and saves drafts as the applicant
// types), drafts, uploads, my cases with their timeline, corrections answered in place,
// documents, evaluation, and the public progress lookup.
package portal

import (
	"embed"
	"net/http"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/page"
	"github.com/xuchang-gov/tongban/runtime/web/site"
)

// Auth is what the portal needs of the accounts (runtime/web/account satisfies it).
type Auth = site.Auth

// Plans gives the compiled plan of a matter's newest published version.
type Plans = page.Plans

// Deps are the services the portal calls.
type Deps struct {
	Matters runtime.MatterService
	Cases   runtime.CaseService
	// Documents prints notices; nil hides them.
	Documents runtime.DocumentService
	// Certificates serves certificate downloads; nil hides them.
	Certificates runtime.CertificateService
	// Lookups prefills a new application from the account and the registers; nil leaves it empty.
	Lookups runtime.LookupService
	// Messages takes consultations and complaints; nil hides them.
	Messages runtime.MessageService
	// Scorecards publishes the scorecard (/scorecard); nil hides it.
	Scorecards runtime.ScorecardService
	// Themes serves 一件事 and ThemeForms their combined forms; Files keeps a theme
	// application's files before it is filed. Themes nil hides them.
	Themes     runtime.ThemeService
	ThemeForms ThemeForms
	Files      runtime.FileService
	// Appointments books the hall's windows (预约); nil hides them.
	Appointments runtime.AppointmentService
	// Hot lists the slugs of the hot services (热门服务) in order; empty shows the first matters.
	Hot []string
	page.Site
}

//go:embed all:templates
var templates embed.FS

// notices are the messages shown after a redirect, by the msg parameter.
var notices = map[string]string{
	"saved":      "草稿已保存，可随时在“我的办件”中继续填写。",
	"submitted":  "申请已提交。请记下办件编号和查询码，可凭它们随时查询进度。",
	"corrected":  "补正材料已提交，办理时限恢复计时。",
	"evaluated":  "感谢您的评价！",
	"booked":     "预约成功。签到码已发短信给您，到达服务大厅后在取号机输入签到码取号。",
	"cancelled":  "预约已取消。",
	"paid":       "缴费已完成。支付平台确认到账后，本页显示“已缴纳”。",
	"asked":      "留言已提交，实施机关答复后会显示在下方。",
	"uploaded":   "材料已上传。",
	"signed-out": "您已退出登录。",
}

type portal struct {
	Deps
	pages *site.Set
}

// New returns the portal's handler. It serves /, /matters/…, /cases…, /progress and /static/;
// mount it at the root, beside /api/ and /account/.
func New(d Deps) http.Handler {
	d.Site = d.Site.WithDefaults()
	pages := d.Site.MustParse(templates, "templates", site.Options{Name: "portal", Brand: "许昌市政务服务网", Notices: notices,
		Menu: []site.Link{{Href: "/", Label: "首页"}, {Href: "/cases", Label: "我的办件"}, {Href: "/licenses", Label: "我的证照"}, {Href: "/progress", Label: "进度查询"}, {Href: "/messages", Label: "咨询投诉"}, {Href: "/scorecard", Label: "成绩单"}}})
	p := &portal{Deps: d, pages: pages}
	mux := http.NewServeMux()
	mux.Handle("GET /static/", site.Static())
	mux.HandleFunc("GET /{$}", p.home)
	mux.HandleFunc("GET /matters/{slug}", p.guide)
	mux.HandleFunc("GET /matters/{slug}/apply", p.signedIn(p.applyForm))
	mux.HandleFunc("POST /matters/{slug}/apply", p.signedIn(p.apply))
	mux.HandleFunc("GET /cases", p.signedIn(p.myCases))
	mux.HandleFunc("GET /cases/{number}", p.signedIn(p.caseView))
	mux.HandleFunc("POST /cases/{number}/correction", p.signedIn(p.correct))
	mux.HandleFunc("POST /cases/{number}/evaluation", p.signedIn(p.evaluate))
	// A link, not a form: the pages' form-action policy keeps a form's redirect on this site,
	// and asking for the case's one order again changes nothing.
	mux.HandleFunc("GET /cases/{number}/payment", p.signedIn(p.pay))
	mux.HandleFunc("GET /cases/{number}/notices/{name}", p.signedIn(p.notice))
	mux.HandleFunc("GET /cases/{number}/certificates/{cert}", p.signedIn(p.certificate))
	if d.Certificates != nil {
		mux.HandleFunc("GET /licenses", p.signedIn(p.licenses))
	}
	if d.Appointments != nil {
		mux.HandleFunc("GET /matters/{slug}/appointment", p.signedIn(p.slots))
		mux.HandleFunc("POST /matters/{slug}/appointment", p.signedIn(p.book))
		mux.HandleFunc("GET /appointments", p.signedIn(p.myAppointments))
		mux.HandleFunc("POST /appointments/{id}/cancel", p.signedIn(p.cancelAppointment))
		// The hall's queue machine (取号机), also used on the phone: no sign-in needed.
		mux.HandleFunc("GET /hall/ticket", p.ticketMachine)
		mux.HandleFunc("POST /hall/ticket", p.takeTicket)
	}
	if d.Messages != nil {
		mux.HandleFunc("GET /messages", p.signedIn(p.messages))
		mux.HandleFunc("POST /messages", p.signedIn(p.ask))
	}
	if d.Themes != nil {
		mux.HandleFunc("GET /themes/{slug}", p.themeGuide)
		mux.HandleFunc("GET /themes/{slug}/apply", p.signedIn(p.themeApplyForm))
		mux.HandleFunc("POST /themes/{slug}/apply", p.signedIn(p.themeApply))
		mux.HandleFunc("GET /theme-cases/{number}", p.signedIn(p.themeCase))
	}
	mux.HandleFunc("GET /progress", p.progress)
	if d.Scorecards != nil {
		mux.HandleFunc("GET /scorecard", p.scorecard)
	}
	mux.HandleFunc("/", p.pages.NotFound)
	return mux
}

// signedIn runs h for a signed-in user and sends visitors to sign in first.
func (p *portal) signedIn(h func(w http.ResponseWriter, r *http.Request, u *runtime.User)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u := p.Auth.User(r)
		if u == nil {
			http.Redirect(w, r, p.pages.LoginURL(r), http.StatusSeeOther)
			return
		}
		h(w, r, u)
	}
}
