package workbench

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/cn"
	"github.com/xuchang-gov/tongban/definitions/formschema"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/form"
	"github.com/xuchang-gov/tongban/runtime/web/page"
	"github.com/xuchang-gov/tongban/runtime/web/site"
)

// windowPage is window acceptance (受理智能感知): who the applicant is by the registers, their
// e-licenses and past cases, and the matters a case can be started for.
type windowPage struct {
	Key       string
	Applicant *Applicant
	Problem   string
	// Register is the population or legal-person register's answer, as label and value pairs.
	Register     []pair
	RegisterName string
	Licenses     []license
	LicenseNote  string
	Cases        []runtime.CaseView
	CasesNote    string
	Matters      []runtime.MatterSummary
	// Pending is the applicant's online account waiting for a clerk to verify it, or nil.
	Pending *runtime.User
}

type pair struct{ Label, Value string }

type license struct {
	Type, Number, HolderName, Issuer, ValidUntil, Status string
}

// registerFields name the registers' fields in Chinese, in the order a clerk reads them: who,
// then where, then how to reach them and whether the record holds. Fields not named here
// follow, by name.
var registerFields = []struct{ key, label string }{
	{"name", "姓名/名称"}, {"idNumber", "身份证号"}, {"uscc", "统一社会信用代码"}, {"type", "类型"},
	{"sex", "性别"}, {"birthDate", "出生日期"}, {"ethnicity", "民族"},
	{"legalRepresentative", "法定代表人"}, {"legalPerson", "法定代表人"}, {"legalRepresentativeIdNumber", "法定代表人身份证号"},
	{"registeredCapital", "注册资本"}, {"establishedOn", "成立日期"}, {"businessScope", "经营范围"}, {"registrationAuthority", "登记机关"},
	{"householdDivisionName", "户籍所在地"}, {"householdDivision", "户籍所在地代码"}, {"householdAddress", "户籍地址"},
	{"address", "住址"}, {"divisionCode", "所在地代码"}, {"mobile", "手机号码"}, {"status", "状态"},
}

// registerFacts lists a register's answer as label and value pairs, in registerFields order;
// a label already shown with the same value (法定代表人 under both of its names) is not
// repeated.
func registerFacts(answer map[string]any) []pair {
	var out []pair
	add := func(label string, v any) {
		p := pair{label, fmt.Sprint(v)}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	known := map[string]bool{}
	for _, f := range registerFields {
		known[f.key] = true
		if v, ok := answer[f.key]; ok {
			add(f.label, v)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(answer)) {
		if !known[k] {
			add(k, answer[k])
		}
	}
	return out
}

// identify tells an ID number from a credit code; both are 18 characters with a checksum.
func identify(key string) (kind string, ok bool) {
	switch {
	case cn.ValidIDNumber(key):
		return "person", true
	case cn.ValidUSCC(key):
		return "enterprise", true
	}
	return "", false
}

func (b *workbench) window(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	ctx := r.Context()
	d := windowPage{Key: strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("key")))}
	status := http.StatusOK
	if d.Key != "" {
		if _, ok := identify(d.Key); !ok {
			d.Problem = "请输入有效的 18 位居民身份证号码或统一社会信用代码（校验位不符）"
			status = http.StatusBadRequest
		} else {
			b.lookUp(ctx, u, &d)
		}
	}
	b.pages.Render(w, r, "window", status, b.pages.Frame(r, "窗口受理", d))
}

// lookUp asks the registers and the e-license library about the key and lists the past cases.
func (b *workbench) lookUp(ctx context.Context, u *runtime.User, d *windowPage) {
	a, answer, err := b.applicant(ctx, u, d.Key)
	d.Applicant = a
	d.Pending = b.pendingAccount(ctx, a.Kind, d.Key)
	d.RegisterName = map[string]string{"person": "人口库", "enterprise": "法人库"}[a.Kind]
	if err != nil {
		d.Problem = d.RegisterName + "：" + runtime.ErrorMessage(err)
	}
	if m, ok := answer.(map[string]any); ok {
		d.Register = registerFacts(m)
	}
	if b.Lookups != nil {
		answer, err := b.Lookups.LookupFor(ctx, u, "e-license-library", d.Key)
		if err != nil {
			d.LicenseNote = "电子证照库：" + runtime.ErrorMessage(err)
		} else {
			raw, _ := json.Marshal(answer)
			json.Unmarshal(raw, &d.Licenses)
		}
	}
	// The case list filters by org, not by applicant: past cases are those of the user's org
	// whose form names the ID number or credit code.
	cases, total, err := b.Cases.ListCases(ctx, u, runtime.CaseFilter{Limit: 500})
	if err != nil {
		d.CasesNote = runtime.ErrorMessage(err)
	}
	for _, c := range cases {
		if strings.Contains(string(c.Form), `"`+d.Key+`"`) {
			d.Cases = append(d.Cases, c)
		}
	}
	if total > len(cases) {
		d.CasesNote = fmt.Sprintf("只查找了本机构最近的 %d 件办件", len(cases))
	}
	object := map[string]string{"person": "自然人", "enterprise": "法人"}[a.Kind]
	d.Matters, _ = b.Matters.ListMatters(ctx, runtime.MatterFilter{ServiceObject: object})
	// The user's own org's matters first.
	slices.SortStableFunc(d.Matters, func(x, y runtime.MatterSummary) int {
		return boolOrder(x.OrgCode != u.OrgCode) - boolOrder(y.OrgCode != u.OrgCode)
	})
}

func boolOrder(b bool) int {
	if b {
		return 1
	}
	return 0
}

// applicant identifies the person or enterprise of a key through its register.
func (b *workbench) applicant(ctx context.Context, u *runtime.User, key string) (*Applicant, any, error) {
	kind, _ := identify(key)
	a := &Applicant{Kind: kind}
	connector := "population-db"
	if kind == "person" {
		a.IDNumber = key
	} else {
		a.USCC, connector = key, "legal-person-db"
	}
	if b.Lookups == nil {
		return a, nil, runtime.Errorf(runtime.EUNAVAILABLE, "未连接%s", map[string]string{"person": "人口库", "enterprise": "法人库"}[kind])
	}
	answer, err := b.Lookups.LookupFor(ctx, u, connector, key)
	if err != nil {
		return a, nil, err
	}
	if m, ok := answer.(map[string]any); ok {
		str := func(k string) string { s, _ := m[k].(string); return s }
		a.Name, a.Mobile = str("name"), str("mobile")
		a.DivisionCode = str("householdDivision")
		if a.DivisionCode == "" {
			a.DivisionCode = str("divisionCode")
		}
	}
	return a, answer, nil
}

// asUser is the applicant as the matter's expressions and prefill rules see an account.
func (a *Applicant) asUser() *runtime.User {
	return &runtime.User{Kind: a.Kind, Name: a.Name, IDNumber: a.IDNumber, USCC: a.USCC, Mobile: a.Mobile, DivisionCode: a.DivisionCode}
}

// windowApplyPage is the generated form of a window case, with the material checklist.
type windowApplyPage struct {
	Slug, Name, Key string
	Applicant       *Applicant
	Action          string
	Form            template.HTML
	Materials       []page.Material
	Received        []string
	Problems        []string
	Notes           []string
	Fees            []runtime.FeeLine
	FeeTotal        float64
	FeeNote         string
	// Owner names the clerk, so that what the page keeps of the typing in the browser comes
	// back to no one else (form.js).
	Owner int64
}

func (b *workbench) windowForm(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	ctx := r.Context()
	key := strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("key")))
	if _, ok := identify(key); !ok {
		b.pages.Fail(w, r, runtime.Invalid("请先输入申请人的身份证号或统一社会信用代码"))
		return
	}
	mp, _, err := b.Plans.MatterPlan(ctx, r.PathValue("slug"), 0)
	if err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	a, _, err := b.applicant(ctx, u, key)
	st := &windowState{mp: mp, clerk: u.ID, key: key, applicant: a, data: map[string]any{}}
	if err != nil {
		st.notes = append(st.notes, "未能从登记库带出申请人信息："+runtime.ErrorMessage(err))
	}
	if b.Lookups != nil {
		// Prefill as the applicant: the rules read `applicant`, which is who stands at the window.
		if pre, err := b.Lookups.Prefill(ctx, a.asUser(), mp.Def.Slug, nil); err == nil {
			json.Unmarshal(pre.Form, &st.data)
			for _, n := range pre.Notes {
				st.notes = append(st.notes, "未能自动填写："+n.Message)
			}
		}
	}
	b.renderWindow(w, r, st, http.StatusOK)
}

type windowState struct {
	mp        *definitions.MatterPlan
	clerk     int64
	key       string
	applicant *Applicant
	data      map[string]any
	problems  []formschema.FieldError
	materials map[string]string
	received  []string
	deferred  []string
	general   []string
	notes     []string
}

// windowApply handles the posts of the window form: rows, live refresh, and starting the case.
func (b *workbench) windowApply(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	ctx := r.Context()
	if err := site.ParseForm(w, r, b.Auth, b.MaxUploadBytes); err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	mp, _, err := b.Plans.MatterPlan(ctx, r.PathValue("slug"), 0)
	if err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	key := strings.ToUpper(r.PostFormValue("_applicant"))
	if _, ok := identify(key); !ok {
		b.pages.Fail(w, r, runtime.Invalid("申请人的身份证号或统一社会信用代码有误"))
		return
	}
	// Every post looks the applicant up again: the page names them, and the form's rules read
	// `applicant` on a refresh as they did when the form was first shown.
	a, _, lookupErr := b.applicant(ctx, u, key)
	action := r.PostFormValue("_action")
	decode := form.DecodeForEditing
	if action == "submit" {
		decode = form.Decode
	}
	data, problems := decode(mp.Form, r.PostForm)
	st := &windowState{mp: mp, clerk: u.ID, key: key, applicant: a, data: data, problems: problems,
		received: r.PostForm["_received"], deferred: r.PostForm["_defer"], materials: map[string]string{}}
	if form.ApplyRowAction(st.data, action) || action != "submit" {
		b.renderWindow(w, r, st, http.StatusOK)
		return
	}
	if len(st.problems) > 0 {
		b.renderWindow(w, r, st, http.StatusBadRequest)
		return
	}
	if lookupErr != nil {
		st.general = append(st.general, "无法确认申请人身份："+runtime.ErrorMessage(lookupErr))
		b.renderWindow(w, r, st, site.Status(lookupErr))
		return
	}
	raw, _ := json.Marshal(data)
	req := runtime.SubmitCase{Matter: mp.Def.Slug, Form: raw, Channel: "window", Deferred: st.deferred}
	var v *runtime.CaseView
	if b.Window != nil {
		v, err = b.Window.SubmitAtWindow(ctx, u, *a, req, st.received)
	} else {
		v, err = b.Cases.SubmitCase(ctx, u, req)
	}
	if err != nil {
		switch runtime.ErrorCode(err) {
		case runtime.EINVALID, runtime.EFORBIDDEN, runtime.ECONFLICT:
			st.addProblems(err)
			b.renderWindow(w, r, st, site.Status(err))
		default:
			b.pages.Fail(w, r, err)
		}
		return
	}
	site.SeeOther(w, r, "/work/cases/"+url.PathEscape(v.Number), "started")
}

// addProblems puts a refusal's fields beside the form's fields and the materials.
func (st *windowState) addProblems(err error) {
	r := page.SortRefusal(err, "（可勾选“容缺”）")
	st.problems, st.general = append(st.problems, r.Form...), append(st.general, r.General...)
	maps.Copy(st.materials, r.Materials)
}

func (b *workbench) renderWindow(w http.ResponseWriter, r *http.Request, st *windowState, status int) {
	mp := st.mp
	materials := map[string]rules.Material{}
	for _, m := range mp.Def.Materials.Materials {
		got := slices.Contains(st.received, m.ID)
		materials[m.ID] = rules.Material{Provided: got, Deferred: slices.Contains(st.deferred, m.ID), Source: m.Source, Files: map[bool]int{true: 1}[got]}
	}
	vars := page.Vars(mp, st.data, st.applicant.asUser(), "window", materials, b.Now())
	f := form.Build(mp, st.data, st.problems, vars)
	f.Refused = status >= http.StatusBadRequest
	d := windowApplyPage{Slug: mp.Def.Slug, Name: mp.Def.Matter.Name, Key: st.key, Applicant: st.applicant,
		// The key in the address too: a post whose session has expired is sent to sign in and
		// back to this address, which shows the form only for a key (form.js restores the typing).
		Action: "/work/window/apply/" + url.PathEscape(mp.Def.Slug) + "?key=" + url.QueryEscape(st.key), Received: st.received,
		Problems: st.general, Notes: st.notes, Owner: st.clerk}
	for _, m := range mp.Def.Materials.Materials {
		row := page.MaterialRow(mp, m, vars)
		row.Deferred, row.Problem = slices.Contains(st.deferred, m.ID), st.materials[m.ID]
		if row.Problem != "" {
			f.Extra = append(f.Extra, form.Issue{Target: "received-" + m.ID, Label: row.Name, Message: row.Problem})
		}
		d.Materials = append(d.Materials, row)
	}
	var err error
	if d.Form, err = form.RenderHTML(f); err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	d.Fees, d.FeeTotal, d.FeeNote = page.FeePreview(mp, vars)
	b.pages.Render(w, r, "window_apply", status, b.pages.Frame(r, form.Title(f, "窗口受理："+mp.Def.Matter.Name), d))
}
