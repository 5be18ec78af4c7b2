package main

import (
	"context"
	"flag"
	"os"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/runtime/store"
)

// storeFlags are the flags of every command that opens the runtime's store.
type storeFlags struct {
	data string
	db   string
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.data, "data", "data", "数据目录（内嵌 SQLite 数据库、材料文件）")
	fs.StringVar(&f.db, "db", os.Getenv("TONGBAN_DB"), "PostgreSQL 连接串 postgres://…（默认用数据目录中的 SQLite；也可用环境变量 TONGBAN_DB）")
}

// config is the application's configuration the flags give.
func (f *storeFlags) config(cli *CLI) app.Config {
	return app.Config{Data: cli.abs(f.data), DB: f.db, Logger: cli.logger()}
}

// openDB opens the store alone.
func (f *storeFlags) openDB(ctx context.Context, cli *CLI) (*store.DB, error) {
	return app.OpenStore(ctx, f.config(cli))
}

// open opens the store and builds the services over it, connecting nothing.
func (f *storeFlags) open(ctx context.Context, cli *CLI) (*app.App, error) {
	return app.Open(ctx, f.config(cli))
}
