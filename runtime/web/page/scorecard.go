package page

import (
	"net/url"

	"github.com/xuchang-gov/tongban/runtime"
)

// ScoreTable is one ranked table of the scorecard (partials.html, "scorecard-table"); Drill,
// when set, links each unit to it with the unit's code appended.
type ScoreTable struct {
	Caption string
	Rows    []runtime.ScoreRow
	Drill   string
}

// ScorecardPage is what the workbench's and the portal's scorecard pages show: the period's
// card, where the period form goes, its tables and, for staff, the spreadsheet's address.
type ScorecardPage struct {
	Card *runtime.Scorecard
	// About says whose figures they are.
	About  string
	Action string
	Tables []ScoreTable
	Export string
}

// NewScorecardPage lays out a scorecard: the orgs (linked to drill, if any) and the
// counties/districts.
func NewScorecardPage(sc *runtime.Scorecard, about, action, drill, export string) ScorecardPage {
	p := ScorecardPage{Card: sc, About: about, Action: action, Tables: []ScoreTable{
		{Caption: "各单位排名", Rows: sc.Orgs, Drill: drill},
		{Caption: "各县（市、区）排名", Rows: sc.Districts},
	}}
	if export != "" {
		p.Export = export + "?" + url.Values{"period": {sc.Period}}.Encode()
	}
	return p
}
