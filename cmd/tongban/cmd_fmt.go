package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/xuchang-gov/tongban/definitions"
)

func init() {
	commands["fmt"] = command{
		summary: "把定义文件改写为规范格式（缩进、键顺序固定；可重复执行）",
		run:     runFmt,
	}
}

func runFmt(_ context.Context, cli *CLI, args []string) int {
	fs := flag.NewFlagSet("fmt", flag.ContinueOnError)
	fs.SetOutput(cli.Stderr)
	check := fs.Bool("check", false, "只检查，不改写；有文件不规范时退出码为 1")
	fs.Usage = func() {
		fmt.Fprintln(cli.Stderr, "用法: tongban fmt [-check] PATH...\n  PATH 是定义文件或目录（目录下的 .json 文件都会处理）")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil || fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	code := 0
	for _, p := range fs.Args() {
		err := filepath.WalkDir(cli.abs(p), func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(path, ".json") {
				return nil
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			out, err := definitions.Canonical(filepath.ToSlash(path), raw)
			if err != nil {
				fmt.Fprintln(cli.Stdout, err)
				code = 1
				return nil
			}
			if bytes.Equal(raw, out) {
				return nil
			}
			fmt.Fprintln(cli.Stdout, cli.rel(path))
			if *check {
				code = 1
				return nil
			}
			return os.WriteFile(path, out, 0o644)
		})
		if err != nil {
			fmt.Fprintln(cli.Stderr, "tongban fmt:", err)
			return 1
		}
	}
	return code
}
