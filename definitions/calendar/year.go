// Package calendar counts working days on the official holiday calendar with adjusted working weekends (调休).
//
// Each year the State Council's General Office publishes which days are holidays and which
// weekend days are worked instead (调休). That notice is kept as one JSON file per year in the
// format of Year, edited by administrators; New checks the files and builds an immutable
// Calendar that time limits (承诺时限, 法定时限) are counted on.
package calendar

// Year is one year's official holiday schedule, the content of one file such as
// examples/calendar/2026.json.
type Year struct {
	Year int `json:"year"`
	// Description names the notice the schedule comes from, such as 国办发明电〔2025〕7号.
	Description string `json:"description,omitempty"`
	// Holidays lists every day off, weekend days inside a holiday included.
	Holidays []Day `json:"holidays"`
	// Workdays lists the Saturdays and Sundays that are worked to make the holidays longer.
	Workdays []Day `json:"workdays"`
}

// Day is one date of a Year.
type Day struct {
	Date string `json:"date"` // YYYY-MM-DD
	Name string `json:"name"` // such as 春节 or 春节调休上班, shown to people
}
