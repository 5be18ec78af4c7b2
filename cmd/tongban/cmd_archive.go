package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/xuchang-gov/tongban/printing/archive"
)

func init() {
	commands["archive"] = command{
		summary: "归档包：tongban archive verify FILE.zip 校验清单、每个文件的 SHA-256，有无缺少或多出的文件",
		run:     runArchive,
	}
}

func runArchive(_ context.Context, cli *CLI, args []string) int {
	usage := func() int {
		fmt.Fprintln(cli.Stderr, "用法: tongban archive verify FILE.zip")
		return 2
	}
	if len(args) == 0 || args[0] != "verify" {
		return usage()
	}
	fs := flag.NewFlagSet("archive verify", flag.ContinueOnError)
	fs.SetOutput(cli.Stderr)
	fs.Usage = func() { usage() }
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil || len(pos) != 1 {
		return usage()
	}
	f, err := os.Open(cli.abs(pos[0]))
	if err != nil {
		fmt.Fprintf(cli.Stderr, "tongban archive verify: 无法打开 %s：%v\n", pos[0], err)
		return 1
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		fmt.Fprintf(cli.Stderr, "tongban archive verify: %v\n", err)
		return 1
	}
	m, err := archive.Read(f, info.Size())
	var verr *archive.VerifyError
	switch {
	case errors.As(err, &verr):
		for _, p := range verr.Problems {
			fmt.Fprintf(cli.Stdout, "%s:%s\n", pos[0], p.String())
		}
		fmt.Fprintf(cli.Stderr, "校验未通过：%d 个问题\n", len(verr.Problems))
		return 1
	case err != nil:
		fmt.Fprintf(cli.Stderr, "tongban archive verify: %s：%v\n", pos[0], err)
		return 1
	}
	fmt.Fprintf(cli.Stdout, "%s: 完好，办件 %s，%d 个文件与清单一致\n", pos[0], m.CaseNumber, len(m.Files))
	return 0
}
