package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"time"

	loadtool "github.com/xuchang-gov/tongban/cmd/tongban/load"
	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/examples"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/service"
)

func init() {
	commands["generate"] = command{summary: "测量用：生成大量办件（统计、调度监控的数据量测试），并可测量统计查询用时", run: runGenerate}
}

// measuredQueries are the dataset queries generate -measure times: those the monitor, the
// scorecard and a dashboard ask.
var measuredQueries = []struct {
	name string
	q    runtime.DatasetQuery
}{
	{"办件按状态", runtime.DatasetQuery{Dataset: "cases", Dimensions: []string{"status"}, Measures: []string{"count"}}},
	{"办件按时限状态（调度监控）", runtime.DatasetQuery{Dataset: "cases", Dimensions: []string{"onTime"}, Measures: []string{"count"}}},
	{"办件按渠道", runtime.DatasetQuery{Dataset: "cases", Dimensions: []string{"channel"}, Measures: []string{"count"}}},
	{"办件按月、县区", runtime.DatasetQuery{Dataset: "cases", Dimensions: []string{"month", "district"}, Measures: []string{"count"}}},
	{"一个月各机构成绩（按时办结率、平均时长、即办）", runtime.DatasetQuery{Dataset: "cases", Dimensions: []string{"org"}, Measures: []string{"count", "concluded", "onTimeRate", "avgHours", "immediate"}}},
	{"近 30 天每日办件", runtime.DatasetQuery{Dataset: "cases", Dimensions: []string{"day"}, Measures: []string{"count"}}},
	{"满意度按机构", runtime.DatasetQuery{Dataset: "evaluations", Dimensions: []string{"org"}, Measures: []string{"count", "avgScore", "satisfaction"}}},
	{"补正按事项", runtime.DatasetQuery{Dataset: "corrections", Dimensions: []string{"matter"}, Measures: []string{"count", "cases"}}},
	{"收费按月", runtime.DatasetQuery{Dataset: "fees", Dimensions: []string{"month"}, Measures: []string{"count", "amount"}}},
	{"事项目录", runtime.DatasetQuery{Dataset: "catalog", Dimensions: []string{"org"}, Measures: []string{"count", "onlineRate", "fullyOnlineRate"}}},
}

func runGenerate(ctx context.Context, cli *CLI, args []string) int {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	fs.SetOutput(cli.Stderr)
	var sf storeFlags
	sf.register(fs)
	n := fs.Int("cases", 100000, "生成多少件")
	days := fs.Int("days", 365, "分布在截至今天的多少天内")
	seed := fs.Uint64("seed", 1, "随机种子")
	measure := fs.Bool("measure", false, "生成后测量统计查询用时（市政务服务和大数据管理局督办岗、魏都区人民政府管理员）")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || *n < 0 {
		return 2
	}
	a, err := sf.open(ctx, cli)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban generate:", err)
		return 1
	}
	defer a.Close()
	fail := func(err error) int {
		fmt.Fprintln(cli.Stderr, "tongban generate:", err)
		return 1
	}
	matters, err := a.Service.ListMatters(ctx, runtime.MatterFilter{})
	if err != nil {
		return fail(err)
	}
	if len(matters) == 0 {
		if _, problems, err := a.Service.Import(ctx, examples.Bundle, true); err != nil || len(problems) > 0 {
			return fail(fmt.Errorf("导入示例事项：%v %v", err, problems))
		}
		if matters, err = a.Service.ListMatters(ctx, runtime.MatterFilter{}); err != nil {
			return fail(err)
		}
	}
	if err := a.Service.LoadOrgs(ctx); err != nil {
		return fail(err)
	}
	creds, err := a.Service.SeedDemo(ctx)
	if err != nil {
		return fail(err)
	}
	user := func(name string) (*runtime.User, error) {
		i := slices.IndexFunc(creds, func(c service.Credential) bool { return c.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("没有演示用户 %s", name)
		}
		return a.Service.Authenticate(ctx, creds[i].Token)
	}
	rater, err := user("王桂英")
	if err != nil {
		return fail(err)
	}
	orgs := a.Service.Orgs()
	g := loadtool.Generate{Cases: *n, Days: *days, End: cli.now(), Rater: rater.ID, Seed: *seed,
		SetNow: func(t time.Time) { a.Store.Now = func() time.Time { return t } },
		Progress: func(done int) {
			if done%100000 == 0 || done == *n {
				fmt.Fprintf(cli.Stderr, "已生成 %d 件\n", done)
			}
		}}
	for _, m := range matters {
		division := ""
		if i := slices.IndexFunc(orgs, func(o definitions.OrgUnit) bool { return o.Code == m.OrgCode }); i >= 0 {
			division = orgs[i].DivisionCode
		}
		g.Matters = append(g.Matters, loadtool.GeneratedMatter{Slug: m.Slug, Version: m.Version, OrgCode: m.OrgCode, DivisionCode: division, LimitDays: m.PromisedLimitDays})
	}
	began := time.Now()
	if err := loadtool.GenerateCases(ctx, a.Store, g); err != nil {
		return fail(err)
	}
	a.Store.Now = time.Now
	took := time.Since(began)
	fmt.Fprintf(cli.Stdout, "生成 %d 件，用时 %s（%.0f 件/秒）\n", *n, took.Round(time.Millisecond), float64(*n)/max(took.Seconds(), 1e-9))
	if !*measure {
		return 0
	}
	for _, who := range []string{"许昌市政务服务和大数据管理局·督办", "许昌市魏都区人民政府·管理员"} {
		u, err := user(who)
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(cli.Stdout, "\n%s：\n", who)
		for _, m := range measuredQueries {
			q := m.q
			if q.Dataset != runtime.DatasetCatalog && slices.Contains(q.Dimensions, "day") {
				q.From = cli.now().AddDate(0, 0, -30).In(runtime.Zone).Format(time.DateOnly)
			}
			if slices.Contains(q.Measures, "onTimeRate") {
				q.From = cli.now().AddDate(0, -1, 0).In(runtime.Zone).Format(time.DateOnly)
			}
			var best, worst time.Duration
			var rows int
			for i := range 3 {
				t0 := time.Now()
				res, err := a.Service.QueryDataset(ctx, u, q)
				if err != nil {
					return fail(err)
				}
				d := time.Since(t0)
				if i == 0 || d < best {
					best = d
				}
				worst = max(worst, d)
				rows = len(res.Rows)
			}
			fmt.Fprintf(cli.Stdout, "  %-40s %3d 行  最快 %7.1f ms  最慢 %7.1f ms\n", m.name, rows, ms(best), ms(worst))
		}
	}
	return 0
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
