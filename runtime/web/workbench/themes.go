package workbench

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/site"
)

// memberOf is what a member case's page shows of its theme: the theme case and, field by field,
// where the form's values came from.
type memberOf struct {
	*runtime.MemberOf
	Fields []sourcedField
}

// sourcedField is one field of a member case's form with its provenance (字段来源).
type sourcedField struct {
	Pointer, Label, Source string
}

// memberOf reads the theme of a member case; nil for a case that is no theme's member.
func (b *workbench) memberOf(ctx context.Context, u *runtime.User, number string, mp *definitions.MatterPlan) *memberOf {
	if b.Themes == nil {
		return nil
	}
	of, err := b.Themes.MemberOf(ctx, u, number)
	if err != nil {
		if runtime.ErrorCode(err) != runtime.ENOTFOUND {
			b.Logger.WarnContext(ctx, "member case without its theme", "case", number, "err", err)
		}
		return nil
	}
	out := &memberOf{MemberOf: of}
	for _, ptr := range slices.Sorted(func(yield func(string) bool) {
		for k := range of.Sources {
			if !yield(k) {
				return
			}
		}
	}) {
		src := of.Sources[ptr]
		f := sourcedField{Pointer: ptr, Label: ptr}
		if mp != nil {
			if field := mp.Form.Root().Lookup(ptr); field != nil {
				f.Label = field.Label()
			}
		}
		switch {
		case src.Certificate != "":
			f.Source = "前置事项证照 " + src.Certificate + "（" + src.Expr + "）"
		case src.From != "":
			f.Source = "一表「" + strings.TrimSpace(src.Label) + "」" + src.From
		default:
			f.Source = "表达式 " + src.Expr
		}
		out.Fields = append(out.Fields, f)
	}
	return out
}

// themes is the coordinator's list of 一件事: those awaiting the window's acceptance first.
func (b *workbench) themes(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	list, err := b.Themes.ThemeCases(r.Context(), u)
	if err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	b.pages.Render(w, r, "themes", http.StatusOK, b.pages.Frame(r, "一件事", list))
}

// themeCasePage is the coordinator's view of one theme case with the window's acceptance.
type themeCasePage struct {
	Theme    *runtime.ThemeCaseView
	Problems []string
	Opinion  string
}

func (b *workbench) themeCase(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	b.showTheme(w, r, u, http.StatusOK, nil, "")
}

func (b *workbench) showTheme(w http.ResponseWriter, r *http.Request, u *runtime.User, status int, problem error, opinion string) {
	v, err := b.Themes.GetThemeCase(r.Context(), u, r.PathValue("number"))
	if err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	d := themeCasePage{Theme: v, Opinion: opinion}
	if problem != nil {
		d.Problems = append(d.Problems, runtime.ErrorMessage(problem))
	}
	b.pages.Render(w, r, "theme", status, b.pages.Frame(r, v.ThemeName+" "+v.Number, d))
}

// themeAcceptance is the window's one acceptance of a theme case (综合受理), or its refusal.
func (b *workbench) themeAcceptance(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	if err := site.ParseForm(w, r, b.Auth, 64<<10); err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	number := r.PathValue("number")
	opinion := r.PostFormValue("opinion")
	outcome := "accept"
	if r.PostFormValue("decision") == "not-accept" {
		outcome = "not-accept"
	}
	if _, err := b.Themes.AcceptTheme(r.Context(), u, number, runtime.TaskAction{Outcome: outcome, Opinion: opinion}); err != nil {
		if code := runtime.ErrorCode(err); code == runtime.EINVALID || code == runtime.ECONFLICT || code == runtime.EFORBIDDEN {
			b.showTheme(w, r, u, http.StatusBadRequest, err, opinion)
			return
		}
		b.pages.Fail(w, r, err)
		return
	}
	site.SeeOther(w, r, "/work/themes/"+url.PathEscape(number), "theme-accepted")
}
