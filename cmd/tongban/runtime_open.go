package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"

	"github.com/xuchang-gov/tongban/runtime/blob"
	"github.com/xuchang-gov/tongban/runtime/service"
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

// openDB opens the store: PostgreSQL when a DSN is given, else SQLite in the data folder.
func (f *storeFlags) openDB(ctx context.Context, app *App) (*store.DB, error) {
	dsn := f.db
	if dsn == "" {
		dsn = app.abs(f.data)
	}
	return store.Open(ctx, dsn)
}

// open opens the store and the blob folder and builds the service over them.
func (f *storeFlags) open(ctx context.Context, app *App) (*service.Service, *store.DB, error) {
	db, err := f.openDB(ctx, app)
	if err != nil {
		return nil, nil, err
	}
	blobs, err := blob.NewDir(filepath.Join(app.abs(f.data), "blobs"))
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	svc := service.New(db, blobs, app.logger())
	wirePrinting(svc)
	if err := svc.LoadOrgs(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	return svc, db, nil
}
