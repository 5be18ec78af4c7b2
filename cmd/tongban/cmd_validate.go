package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/xuchang-gov/tongban/runtime"
)

func init() {
	commands["validate"] = command{
		summary: "检查事项定义，逐行列出全部问题（文件:JSON指针: 说明）",
		run:     runValidate,
	}
}

func runValidate(_ context.Context, cli *CLI, args []string) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(cli.Stderr)
	fs.Usage = func() {
		fmt.Fprintln(cli.Stderr, "用法: tongban validate PATH...\n  PATH 是一个事项目录、事项目录的上级目录或定义包根目录（含 orgs.json）")
	}
	if err := fs.Parse(args); err != nil || fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	sels, err := cli.selectBundles(fs.Args())
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban validate:", err)
		return 1
	}
	failed, matters, themes := false, 0, 0
	for _, sel := range sels {
		plan, problems := cli.loadSelection(sel)
		for _, p := range problems {
			fmt.Fprintln(cli.Stdout, p.String())
		}
		if len(problems) > 0 {
			failed = true
			continue
		}
		matters += len(plan.Matters())
		themes += len(plan.Themes())
		today := cli.now().In(runtime.Zone)
		for _, w := range plan.Warnings(today) {
			fmt.Fprintln(cli.Stderr, w.String())
		}
		if w, ok := plan.CalendarWarning(today); ok {
			fmt.Fprintln(cli.Stderr, w.Message)
		}
	}
	if failed {
		return 1
	}
	if themes > 0 {
		fmt.Fprintf(cli.Stderr, "全部通过：%d 个事项，%d 个一件事\n", matters, themes)
		return 0
	}
	fmt.Fprintf(cli.Stderr, "全部通过：%d 个事项\n", matters)
	return 0
}
