package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/backup"
)

func init() {
	commands["backup"] = command{summary: "在线备份 SQLite 数据目录（数据库快照、材料文件、清单），服务无需停止", run: runBackup}
	commands["restore"] = command{summary: "按清单校验备份并恢复到新的数据目录；与清单不符则拒绝", run: runRestore}
}

func runBackup(ctx context.Context, cli *CLI, args []string) int {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(cli.Stderr)
	var sf storeFlags
	sf.register(fs)
	to := fs.String("to", "", "备份目录（须不存在或为空）")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || *to == "" {
		fmt.Fprintln(cli.Stderr, "用法: tongban backup --to DIR [--data DIR]")
		return 2
	}
	db, err := sf.openDB(ctx, cli)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban backup:", err)
		return 1
	}
	defer db.Close()
	start := cli.now()
	m, err := backup.Make(ctx, db, cli.abs(sf.data), cli.abs(*to), start)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban backup:", err)
		return 1
	}
	var size int64
	for _, f := range m.Files {
		size += f.Size
	}
	fmt.Fprintf(cli.Stdout, "已备份到 %s：%d 个文件，共 %.1f MB，用时 %s\n", cli.rel(cli.abs(*to)), len(m.Files), float64(size)/1e6,
		time.Since(start).Round(time.Millisecond))
	return 0
}

func runRestore(ctx context.Context, cli *CLI, args []string) int {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(cli.Stderr)
	from := fs.String("from", "", "备份目录（tongban backup --to 所写）")
	data := fs.String("data", "", "恢复到的数据目录（须尚无数据库）")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || *from == "" || *data == "" {
		fmt.Fprintln(cli.Stderr, "用法: tongban restore --from DIR --data DIR")
		return 2
	}
	m, err := backup.Restore(cli.abs(*from), cli.abs(*data))
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban restore:", err)
		return 1
	}
	fmt.Fprintf(cli.Stdout, "已按清单校验 %d 个文件并恢复到 %s（备份于 %s）\n", len(m.Files), cli.rel(cli.abs(*data)),
		m.CreatedAt.In(runtime.Zone).Format(time.DateTime))
	return 0
}
