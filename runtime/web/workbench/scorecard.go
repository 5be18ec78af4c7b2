package workbench

import (
	"net/http"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/page"
)

// scorecard is 政务服务成绩单 within the user's scope, each org drilling down to the monitor.
func (b *workbench) scorecard(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	sc, err := b.Scorecards.Scorecard(r.Context(), u, r.URL.Query().Get("period"))
	if err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	b.pages.Render(w, r, "scorecard", http.StatusOK, b.pages.Frame(r, sc.Title,
		page.NewScorecardPage(sc, "本机构及下级机构（督办岗为其督办范围）的在用事项和办件。", "/work/scorecard", "/work/monitor?org=", "/work/scorecard.xlsx")))
}

// scorecardExport writes the scorecard as a spreadsheet.
func (b *workbench) scorecardExport(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	out := &download{w: w, name: "政务服务成绩单.xlsx"}
	err := b.Scorecards.ExportScorecard(r.Context(), u, r.URL.Query().Get("period"), out)
	if err != nil && !out.started {
		b.pages.Fail(w, r, err)
	} else if err != nil {
		b.Logger.Error("scorecard export failed after it started", "err", err)
	}
}
