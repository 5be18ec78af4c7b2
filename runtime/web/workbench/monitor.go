package workbench

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/page"
	"github.com/xuchang-gov/tongban/runtime/web/site"
)

// monitorLimit is how many of the newest cases the monitor's list filters.
const monitorLimit = 100

// monitorPage is the dispatch monitor (智能调度监控): the cases of the user's scope counted by
// time-limit state, status, channel and matter (by the cases dataset, so over every case), and
// the newest cases of the chosen filter.
type monitorPage struct {
	Status, Channel, Warning, Matter, Org string
	ByStatus, ByChannel, ByWarning        []count
	ByMatter, ByOrg, ByDistrict           []count
	// DeptSystem counts the cases waiting in a department's own approval system.
	DeptSystem float64
	Cases      []monitorRow
	Total      int
	Exports    bool
	// Query is the export's filters; Live the page's own, for its live stream.
	Query, Live string
}

// monitorRow is a listed case; Escalate offers the supervisor 督办 on a case that is overdue or
// due within a working day.
type monitorRow struct {
	runtime.CaseView
	Escalate bool
}

// count is one cell of the monitor: a value of a dimension, how many cases, and the filter link.
type count struct {
	Key, Name string
	N         int
	Class     string
}

// warnings are the time-limit states in the order the monitor shows them, with their colours;
// concluded cases count as 已办结 whatever their state.
var warnings = []struct{ key, class string }{
	{runtime.OnTimeOverdue, "due-late"}, {runtime.OnTimeDueSoon, "due-warn"}, {runtime.OnTimeRunning, "due-ok"},
	{runtime.OnTimeStopped, "due-stopped"}, {runtime.OnTimeUntimed, "due-none"}, {"concluded", "due-none"},
}

// warningOf is the time-limit state a case is listed under, the same as the dataset counts it.
func warningOf(v runtime.CaseView) string {
	switch {
	case v.ConcludedAt != nil:
		return "concluded"
	case v.Deadline.Stopped:
		return runtime.OnTimeStopped
	case v.Deadline.DueAt == nil:
		return runtime.OnTimeUntimed
	case v.Deadline.Warning == "red":
		return runtime.OnTimeOverdue
	case v.Deadline.Warning == "yellow":
		return runtime.OnTimeDueSoon
	}
	return runtime.OnTimeRunning
}

// concluded are the on-time states of concluded cases.
var concluded = []string{runtime.OnTimeConcluded, runtime.OnTimeLate, runtime.OnTimeNoLimit}

// monitorDims are the dimensions the monitor counts by.
var monitorDims = []string{"onTime", "status", "channel", "matter", "org", "district"}

// counts asks the cases dataset for the count by each of dims, with the values' names: one
// query grouped by all of them (one pass over the cases), summed up per dimension here.
func (b *workbench) counts(r *http.Request, u *runtime.User, dims []string) (map[string]map[string]int, map[string]map[string]string, error) {
	res, err := b.Datasets.QueryDataset(r.Context(), u, runtime.DatasetQuery{Dataset: "cases", Dimensions: dims, Measures: []string{"count"}})
	if err != nil {
		return nil, nil, err
	}
	out := map[string]map[string]int{}
	for _, dim := range dims {
		out[dim] = map[string]int{}
	}
	for _, row := range res.Rows {
		n := int(row[len(dims)].(float64))
		for i, dim := range dims {
			out[dim][row[i].(string)] += n
		}
	}
	return out, res.Labels, nil
}

// named lists the counts of one dimension by their names, most first.
func named(counts map[string]int, names map[string]string) []count {
	out := make([]count, 0, len(counts))
	for k, n := range counts {
		out = append(out, count{Key: k, Name: cmp.Or(names[k], k), N: n})
	}
	slices.SortFunc(out, func(a, c count) int { return cmp.Or(c.N-a.N, strings.Compare(a.Key, c.Key)) })
	return out
}

func (b *workbench) monitor(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	d, err := b.monitorData(r, u)
	if err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	b.pages.Render(w, r, "monitor", http.StatusOK, b.pages.Frame(r, "调度监控", d))
}

const (
	// liveRefresh is how often the live monitor renders again without a change it was told
	// of: changes made by other instances show within it.
	liveRefresh = 5 * time.Second
	// liveSettle lets a burst of changes (one commit appends several events) settle first.
	liveSettle = 150 * time.Millisecond
	// liveFor ends a stream before the server's hold on a request does; the browser's
	// EventSource connects again after liveRetry.
	liveFor   = 25 * time.Second
	liveRetry = 1000
)

// live streams the monitor's counts and list as server-sent events (event "update", the
// block's HTML): rendered again at every change of a case and every liveRefresh, sent when it
// differs from what was sent before.
func (b *workbench) live(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		b.pages.NotFound(w, r)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), liveFor)
	defer cancel()
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, "retry: %d\n\n", liveRetry)
	flusher.Flush()
	var last []byte
	for {
		var changed <-chan struct{}
		if b.Changes != nil {
			changed = b.Changes.Changed()
		}
		d, err := b.monitorData(r, u)
		var buf bytes.Buffer
		if err == nil {
			err = b.pages.Fragment(&buf, "monitor", "monitor-body", b.pages.Frame(r, "调度监控", d))
		}
		if err != nil {
			b.Logger.ErrorContext(ctx, "live monitor", "err", err)
			return
		}
		if !bytes.Equal(buf.Bytes(), last) {
			last = buf.Bytes()
			fmt.Fprint(w, "event: update\n")
			for line := range strings.SplitSeq(buf.String(), "\n") {
				fmt.Fprintf(w, "data: %s\n", line)
			}
			fmt.Fprint(w, "\n")
			flusher.Flush()
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
			select {
			case <-ctx.Done():
				return
			case <-time.After(liveSettle):
			}
		case <-time.After(liveRefresh):
		}
	}
}

// monitorData counts and lists the cases of the user's scope with the request's filters.
func (b *workbench) monitorData(r *http.Request, u *runtime.User) (monitorPage, error) {
	q := r.URL.Query()
	d := monitorPage{Status: q.Get("status"), Channel: q.Get("channel"), Warning: q.Get("warning"), Matter: q.Get("matter"), Org: q.Get("org"), Exports: b.Exports != nil}
	byDim, names, err := b.counts(r, u, monitorDims)
	if err != nil {
		return d, err
	}
	// Cases waiting in a department's own system wait at an open connector step.
	res, err := b.Datasets.QueryDataset(r.Context(), u, runtime.DatasetQuery{Dataset: "tasks", Measures: []string{"open"},
		Filters: []runtime.DatasetFilter{{Dimension: "kind", Values: []string{string(runtime.TaskConnector)}}}})
	if err != nil {
		return d, err
	}
	if len(res.Rows) == 1 {
		d.DeptSystem, _ = res.Rows[0][0].(float64)
	}
	for _, n := range byDim["status"] {
		d.Total += n
	}
	for _, st := range concluded {
		byDim["onTime"]["concluded"] += byDim["onTime"][st]
	}
	for _, wn := range warnings {
		if n := byDim["onTime"][wn.key]; n > 0 {
			name := runtime.OnTimeNames[wn.key]
			if wn.key == "concluded" {
				name = "已办结"
			}
			d.ByWarning = append(d.ByWarning, count{Key: wn.key, Name: name, N: n, Class: wn.class})
		}
	}
	for _, s := range []runtime.Status{runtime.StatusSubmitted, runtime.StatusPreReviewed, runtime.StatusAccepted, runtime.StatusCorrection, runtime.StatusInApproval,
		runtime.StatusApproved, runtime.StatusCertificated, runtime.StatusDelivered, runtime.StatusDenied, runtime.StatusNotAccepted, runtime.StatusArchived} {
		if n := byDim["status"][string(s)]; n > 0 {
			d.ByStatus = append(d.ByStatus, count{Key: string(s), Name: page.StatusName(s), N: n})
		}
	}
	d.ByChannel, d.ByMatter = named(byDim["channel"], names["channel"]), named(byDim["matter"], names["matter"])
	d.ByOrg, d.ByDistrict = named(byDim["org"], names["org"]), named(byDim["district"], names["district"])
	list, _, err := b.Cases.ListCases(r.Context(), u, runtime.CaseFilter{Status: runtime.Status(d.Status), Matter: d.Matter, Limit: monitorLimit})
	if err != nil {
		return d, err
	}
	supervisor := slices.Contains(u.OrgRoles, "supervisor")
	for _, c := range list {
		if (d.Channel == "" || c.Channel == d.Channel) && (d.Warning == "" || warningOf(c) == d.Warning) && (d.Org == "" || c.OrgCode == d.Org) {
			w := warningOf(c)
			d.Cases = append(d.Cases, monitorRow{CaseView: c, Escalate: supervisor && (w == runtime.OnTimeOverdue || w == runtime.OnTimeDueSoon)})
		}
	}
	// The export takes the filters the service supports: status and matter.
	v := url.Values{}
	if d.Status != "" {
		v.Set("status", d.Status)
	}
	if d.Matter != "" {
		v.Set("matter", d.Matter)
	}
	d.Query = v.Encode()
	d.Live = r.URL.RawQuery
	return d, nil
}

// escalate is the supervisor's 督办 from the monitor; it comes back to the monitor.
func (b *workbench) escalate(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	if err := site.ParseForm(w, r, b.Auth, 64<<10); err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	if _, err := b.Cases.Escalate(r.Context(), u, r.PathValue("number"), r.PostFormValue("note")); err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	site.SeeOther(w, r, "/work/monitor", "escalated")
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
