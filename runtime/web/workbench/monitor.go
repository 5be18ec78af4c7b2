package workbench

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/page"
)

// monitorLimit is how many of the newest cases the monitor counts; the service offers no
// aggregate yet.
const monitorLimit = 1000

// monitorPage is the dispatch monitor (智能调度监控): every case the user may list, counted by
// state, channel, deadline and matter, and the cases of the chosen filter.
type monitorPage struct {
	Status, Channel, Warning, Matter string
	ByStatus, ByChannel, ByWarning   []count
	ByMatter                         []count
	Cases                            []runtime.CaseView
	Total, Counted                   int
	Exports                          bool
	Query                            string
}

// count is one cell of the monitor: a value of a dimension, how many cases, and the filter link.
type count struct {
	Key, Name string
	N         int
	Class     string
}

var warnings = []struct{ key, name, class string }{
	{"red", "已超期", "due-late"}, {"yellow", "即将到期", "due-warn"}, {"normal", "正常", "due-ok"},
	{"stopped", "计时暂停", "due-stopped"}, {"none", "未计时", "due-none"},
}

// warningOf is the deadline state a case is counted under.
func warningOf(v runtime.CaseView) string {
	switch {
	case v.ConcludedAt != nil || v.Deadline.DueAt == nil:
		return "none"
	case v.Deadline.Stopped:
		return "stopped"
	case v.Deadline.Warning == "red" || v.Deadline.Warning == "yellow":
		return v.Deadline.Warning
	}
	return "normal"
}

func (b *workbench) monitor(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	q := r.URL.Query()
	d := monitorPage{Status: q.Get("status"), Channel: q.Get("channel"), Warning: q.Get("warning"), Matter: q.Get("matter"), Exports: b.Exports != nil}
	all, total, err := b.Cases.ListCases(r.Context(), u, runtime.CaseFilter{Limit: monitorLimit})
	if err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	d.Total, d.Counted = total, len(all)
	statuses, channels, warns, matters := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	matterNames := map[string]string{}
	for _, c := range all {
		if c.Status == runtime.StatusDraft {
			d.Counted--
			continue // drafts are the applicants' own until submitted
		}
		statuses[string(c.Status)]++
		channels[c.Channel]++
		warns[warningOf(c)]++
		matters[c.Matter]++
		matterNames[c.Matter] = c.MatterName
		if (d.Status == "" || string(c.Status) == d.Status) && (d.Channel == "" || c.Channel == d.Channel) &&
			(d.Warning == "" || warningOf(c) == d.Warning) && (d.Matter == "" || c.Matter == d.Matter) {
			d.Cases = append(d.Cases, c)
		}
	}
	for _, s := range []runtime.Status{runtime.StatusSubmitted, runtime.StatusPreReviewed, runtime.StatusCorrection, runtime.StatusInApproval,
		runtime.StatusApproved, runtime.StatusCertificated, runtime.StatusDelivered, runtime.StatusDenied, runtime.StatusNotAccepted, runtime.StatusArchived} {
		if n := statuses[string(s)]; n > 0 {
			d.ByStatus = append(d.ByStatus, count{Key: string(s), Name: page.StatusName(s), N: n})
		}
	}
	for _, ch := range []string{"online", "window", "cross-region"} {
		if n := channels[ch]; n > 0 {
			d.ByChannel = append(d.ByChannel, count{Key: ch, Name: page.ChannelName(ch), N: n})
		}
	}
	for _, wn := range warnings {
		if n := warns[wn.key]; n > 0 {
			d.ByWarning = append(d.ByWarning, count{Key: wn.key, Name: wn.name, N: n, Class: wn.class})
		}
	}
	for m, n := range matters {
		d.ByMatter = append(d.ByMatter, count{Key: m, Name: matterNames[m], N: n})
	}
	slices.SortFunc(d.ByMatter, func(a, c count) int { return c.N - a.N })
	// The export takes the filters the service supports: status and matter.
	v := url.Values{}
	if d.Status != "" {
		v.Set("status", d.Status)
	}
	if d.Matter != "" {
		v.Set("matter", d.Matter)
	}
	d.Query = v.Encode()
	b.pages.Render(w, r, "monitor", http.StatusOK, b.pages.Frame(r, "调度监控", d))
}

// export writes the monitor's spreadsheets: the case list (cases.xlsx) or the per-matter counts
// (statistics.xlsx).
func (b *workbench) export(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	file := r.PathValue("file")
	if b.Exports == nil || (file != "cases.xlsx" && file != "statistics.xlsx") {
		b.pages.NotFound(w, r)
		return
	}
	out := &download{w: w, name: map[string]string{"cases.xlsx": "办件清单.xlsx", "statistics.xlsx": "办件统计.xlsx"}[file]}
	var err error
	if file == "cases.xlsx" {
		q := r.URL.Query()
		_, err = b.Exports.ExportCases(r.Context(), u, runtime.CaseFilter{Status: runtime.Status(q.Get("status")), Matter: q.Get("matter")}, out)
	} else {
		err = b.Exports.ExportStatistics(r.Context(), u, out)
	}
	if err != nil && !out.started {
		b.pages.Fail(w, r, err)
	} else if err != nil {
		b.Logger.Error("export failed after it started", "file", file, "err", err)
	}
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// download sets the headers of a spreadsheet on its first byte, so that an error found before
// can still be an error page.
type download struct {
	w       http.ResponseWriter
	name    string
	started bool
}

var _ io.Writer = (*download)(nil)

func (d *download) Write(p []byte) (int, error) {
	if !d.started {
		d.started = true
		d.w.Header().Set("Content-Type", xlsxType)
		d.w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+strings.ReplaceAll(url.PathEscape(d.name), "'", "%27"))
		d.w.Header().Set("Cache-Control", "private, no-store")
		d.w.WriteHeader(http.StatusOK)
	}
	return d.w.Write(p)
}
