package portal

import (
	"net/http"

	"github.com/xuchang-gov/tongban/runtime/web/page"
)

// scorecard publishes 政务服务成绩单 for everyone: the platform's units, figures only.
func (p *portal) scorecard(w http.ResponseWriter, r *http.Request) {
	sc, err := p.Scorecards.PublicScorecard(r.Context(), r.URL.Query().Get("period"))
	if err != nil {
		p.pages.Fail(w, r, err)
		return
	}
	p.pages.Render(w, r, "scorecard", http.StatusOK, p.pages.Frame(r, sc.Title, page.NewScorecardPage(sc, "全市各单位、各县（市、区）的政务服务成绩，只有汇总数字，不含任何个人信息。", "/scorecard", "", "")))
}
