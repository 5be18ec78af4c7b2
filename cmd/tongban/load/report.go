package load

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteTable prints the result as a short bilingual table.
func WriteTable(w io.Writer, res *Result) {
	warmup := ""
	if res.WarmupSeconds > 0 {
		warmup = fmt.Sprintf("（预热 warm-up %.0f s 之后 after）", res.WarmupSeconds)
	}
	fmt.Fprintf(w, "tongban load · %s · %s · %d 客户端 clients · %.1f s%s · 准备 prepared %d\n",
		res.Scenario, res.Target, res.Clients, res.ElapsedSeconds, warmup, res.Prepared)
	kinds := make([]string, 0, len(res.RequestsPerTransaction))
	for k := range res.RequestsPerTransaction {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(w, "  每笔事务请求数 requests per %s transaction: %s\n", k, res.RequestsPerTransaction[k])
	}
	fmt.Fprintf(w, "事务 transactions  %d  %.1f/s\n", res.TransactionCount, res.TransactionsPerSec)
	fmt.Fprintf(w, "请求 requests      %d  %.1f/s\n", res.Requests, res.RequestsPerSec)
	l := res.Latency
	fmt.Fprintf(w, "延迟 latency       p50 %.1f ms  p95 %.1f ms  p99 %.1f ms  max %.1f ms  超过 over %.0f ms: %d\n",
		l.P50, l.P95, l.P99, l.Max, res.SlowThreshold, res.SlowRequests)
	fmt.Fprintf(w, "错误 errors        %d  %s\n", res.ErrorCount, errorText(res.Errors))
	for _, p := range []struct {
		name string
		p    *Process
	}{{"服务端 server   ", res.Server}, {"压测端 load tool", res.Client}} {
		if p.p == nil {
			continue
		}
		fmt.Fprintf(w, "%s  pid %d  峰值内存 peak RSS %.0f MB (VmHWM)  运行中最大 max RSS %.0f MB  CPU %.2f 核 cores\n",
			p.name, p.p.PID, p.p.PeakRSSMB, p.p.MaxRSSMB, p.p.CPUCores)
	}

	fmt.Fprintln(w)
	t := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(t, "request\tcount\t/s\tp50 ms\tp95 ms\tp99 ms\tmax ms\terrors\t")
	for _, o := range res.Ops {
		l := o.Latency
		fmt.Fprintf(t, "%s\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%d\t\n", o.Op, o.Count, o.PerSec, l.P50, l.P95, l.P99, l.Max, o.Errors)
	}
	fmt.Fprintln(t, "\t\t\t\t\t\t\t\t")
	fmt.Fprintln(t, "transaction\tdone\t/s\tp50 ms\tp95 ms\tp99 ms\tmax ms\tfailed\t")
	for _, x := range res.Transactions {
		l := x.Latency
		fmt.Fprintf(t, "%s\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%d\t\n", x.Kind, x.Completed, x.PerSec, l.P50, l.P95, l.P99, l.Max, x.Failed)
	}
	t.Flush()
	for _, n := range res.Notes {
		fmt.Fprintln(w, "注 note:", n)
	}
}

func errorText(byKind map[string]int64) string {
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s: %d", k, byKind[k])
	}
	return strings.Join(parts, ", ")
}

// Checks are what a script asks of a run: sane numbers, not speed records.
type Checks struct {
	// MaxErrors is the most failed requests allowed; negative for no limit.
	MaxErrors int64
	// MaxP99 bounds the requests' p99 latency; 0 for no bound.
	MaxP99 time.Duration
	// MinRequestsPerSec is the least throughput allowed; 0 asks only that some transaction
	// completed.
	MinRequestsPerSec float64
}

// Check lists how the result falls short of the checks; none when it passes.
func (res *Result) Check(c Checks) []string {
	var problems []string
	if res.TransactionCount == 0 {
		problems = append(problems, "没有完成任何事务 no transaction completed")
	}
	if res.RequestsPerSec < c.MinRequestsPerSec {
		problems = append(problems, fmt.Sprintf("吞吐量 %.1f 请求/秒，低于 %.1f", res.RequestsPerSec, c.MinRequestsPerSec))
	}
	if c.MaxErrors >= 0 && res.ErrorCount > c.MaxErrors {
		problems = append(problems, fmt.Sprintf("%d 个请求出错（%s），至多允许 %d", res.ErrorCount, errorText(res.Errors), c.MaxErrors))
	}
	if c.MaxP99 > 0 && res.Latency.P99 > float64(c.MaxP99.Microseconds())/1000 {
		problems = append(problems, fmt.Sprintf("p99 %.1f ms 超过 %s", res.Latency.P99, c.MaxP99))
	}
	return problems
}
