package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	loadtool "github.com/xuchang-gov/tongban/cmd/tongban/load"
	"github.com/xuchang-gov/tongban/examples"
)

func init() {
	commands["load"] = command{
		summary: "压测：以 N 个并发客户端驱动运行中的服务，报告吞吐量、延迟分位数、错误与服务端内存",
		run:     runLoad,
	}
}

// loadFlags are the flags of tongban load; the checks make it usable from scripts.
type loadFlags struct {
	cfg                      loadtool.Config
	credentials, jsonOut     string
	formFile, mix            string
	maxErrors                int64
	maxP99                   time.Duration
	minRate                  float64
	durationSet, requestsSet bool
}

func runLoad(ctx context.Context, cli *CLI, args []string) int {
	var lf loadFlags
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(cli.Stderr)
	fs.StringVar(&lf.cfg.Target, "target", "http://127.0.0.1:8080", "服务地址；须为本机回环地址，除非加 --allow-remote")
	fs.BoolVar(&lf.cfg.AllowRemote, "allow-remote", false, "允许压测其他机器（只发往 --target 给出的地址）")
	fs.StringVar(&lf.cfg.Scenario, "scenario", loadtool.Submit, "场景："+strings.Join(loadtool.Scenarios, "、"))
	fs.IntVar(&lf.cfg.Clients, "clients", 3000, "并发客户端数，每个一条连接")
	fs.DurationVar(&lf.cfg.Duration, "duration", 30*time.Second, "压测时长（只给 --requests 时不限时长）")
	fs.Int64Var(&lf.cfg.Requests, "requests", 0, "发满这么多个请求后停止（0 为不限）")
	fs.DurationVar(&lf.cfg.Warmup, "warmup", 0, "先预热这么久不计量，再计量 --duration（测稳态）")
	fs.DurationVar(&lf.cfg.Timeout, "timeout", 30*time.Second, "单个请求的超时")
	fs.DurationVar(&lf.cfg.Slow, "slow", 2*time.Second, "慢请求的界限，结果中计数")
	fs.StringVar(&lf.credentials, "credentials", "data/"+app.DemoCredentialsFile, "serve --demo 写出的演示账号文件")
	fs.StringVar(&lf.cfg.Applicant, "applicant", "", "申报人（演示账号名称，默认 许昌瑞祥置业有限公司）")
	fs.StringVar(&lf.cfg.Matter, "matter", "food-business-license", "申报的事项")
	fs.BoolVar(&lf.cfg.SeparateUploads, "separate-uploads", false, "每笔申报都先起草、逐个上传材料再提交（默认先上传一次文件，每笔申报一个请求）")
	fs.StringVar(&lf.formFile, "form", "", "申请表 JSON 文件（默认用示例事项的 sample.json）")
	fs.IntVar(&lf.cfg.Prepare, "prepare", 0, "开始计时前准备的已提交办件数（approve 默认 2×clients，mixed 默认 clients/10）")
	fs.StringVar(&lf.mix, "mix", "80:15:5", "mixed 场景中 browse:submit:approve 的比例")
	fs.IntVar(&lf.cfg.ServerPID, "server-pid", 0, "服务进程号，用于读取内存与 CPU（目标在本机时默认按端口查找）")
	fs.StringVar(&lf.jsonOut, "json", "", "把结果写成 JSON 文件")
	fs.Int64Var(&lf.maxErrors, "max-errors", -1, "检查：出错请求至多这么多，否则退出码 1（-1 不检查）")
	fs.DurationVar(&lf.maxP99, "max-p99", 0, "检查：请求 p99 不超过此值，否则退出码 1（0 不检查）")
	fs.Float64Var(&lf.minRate, "min-rate", 0, "检查：每秒请求数不低于此值，否则退出码 1")
	fs.Usage = func() {
		fmt.Fprintln(cli.Stderr, "用法: tongban load --target URL --scenario submit|browse|approve|mixed --clients N --duration D [--requests N] [--warmup D] [--json FILE] [--credentials PATH]")
		fs.PrintDefaults()
	}
	rest, err := parseInterspersed(fs, args)
	if err != nil || len(rest) > 0 {
		fs.Usage()
		return 2
	}
	fs.Visit(func(f *flag.Flag) {
		lf.durationSet = lf.durationSet || f.Name == "duration"
		lf.requestsSet = lf.requestsSet || f.Name == "requests"
	})
	if lf.requestsSet && !lf.durationSet {
		lf.cfg.Duration = 0 // a count alone ends the run
	}
	if _, err := loadtool.CheckTarget(lf.cfg.Target, lf.cfg.AllowRemote); err != nil {
		fmt.Fprintln(cli.Stderr, "tongban load:", err)
		return 2
	}
	if err := lf.complete(cli); err != nil {
		fmt.Fprintln(cli.Stderr, "tongban load:", err)
		return 2
	}
	lf.cfg.Log = cli.Stderr

	res, err := loadtool.Run(ctx, lf.cfg)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban load:", err)
		return 1
	}
	loadtool.WriteTable(cli.Stdout, res)
	if lf.jsonOut != "" {
		out, err := json.MarshalIndent(res, "", "  ")
		if err == nil {
			err = app.WriteFileAtomic(cli.abs(lf.jsonOut), append(out, '\n'), 0o644)
		}
		if err != nil {
			fmt.Fprintln(cli.Stderr, "tongban load:", err)
			return 1
		}
	}
	if lf.maxErrors < 0 && lf.maxP99 <= 0 && lf.minRate <= 0 {
		return 0 // no checks asked: the figures are the answer
	}
	problems := res.Check(loadtool.Checks{MaxErrors: lf.maxErrors, MaxP99: lf.maxP99, MinRequestsPerSec: lf.minRate})
	for _, p := range problems {
		fmt.Fprintln(cli.Stderr, "tongban load: 检查未通过 check failed:", p)
	}
	if len(problems) > 0 {
		return 1
	}
	return 0
}

// complete reads the credentials, the form and the mix into the config.
func (lf *loadFlags) complete(cli *CLI) error {
	raw, err := os.ReadFile(cli.abs(lf.credentials))
	if err != nil {
		return fmt.Errorf("演示账号：%w（用 --credentials 指向 serve --demo 数据目录中的 %s）", err, app.DemoCredentialsFile)
	}
	if err := json.Unmarshal(raw, &lf.cfg.Credentials); err != nil {
		return fmt.Errorf("%s：%w", lf.credentials, err)
	}
	if lf.formFile != "" {
		lf.cfg.Form, err = os.ReadFile(cli.abs(lf.formFile))
	} else {
		lf.cfg.Form, err = fs.ReadFile(examples.Bundle, "matters/"+lf.cfg.Matter+"/sample.json")
	}
	if err != nil {
		return fmt.Errorf("申请表：%w", err)
	}
	parts := strings.Split(lf.mix, ":")
	if len(parts) != 3 {
		return fmt.Errorf("--mix 应为 browse:submit:approve 三个整数，如 80:15:5")
	}
	for i, p := range parts {
		if lf.cfg.Mix[i], err = strconv.Atoi(p); err != nil {
			return fmt.Errorf("--mix %q：%w", lf.mix, err)
		}
	}
	return nil
}
