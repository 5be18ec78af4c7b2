package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
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

// open opens the store and the blob folder and builds the service over them, with the printing
// component, the data folder's file secret and opts.
func (f *storeFlags) open(ctx context.Context, app *App, opts ...service.Option) (*service.Service, *store.DB, error) {
	db, err := f.openDB(ctx, app)
	if err != nil {
		return nil, nil, err
	}
	blobs, err := blob.NewDir(filepath.Join(app.abs(f.data), "blobs"))
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	secret, err := fileSecret(app.abs(f.data))
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	opts = append(append(printing(), service.WithFileSecret(secret)), opts...)
	svc := service.New(db, blobs, app.logger(), opts...)
	if err := svc.LoadOrgs(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	return svc, db, nil
}

// fileSecret is the key that signs references to files uploaded before their case exists:
// TONGBAN_SECRET when set (instances sharing a database must share it), else a random key kept
// in the data folder.
func fileSecret(data string) ([]byte, error) {
	if s := os.Getenv("TONGBAN_SECRET"); s != "" {
		if len(s) < 16 {
			return nil, fmt.Errorf("TONGBAN_SECRET 至少要有 16 个字符")
		}
		return []byte(s), nil
	}
	path := filepath.Join(data, "secret.key")
	if key, err := os.ReadFile(path); err == nil && len(key) >= 32 {
		return key, nil
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(data, 0o750); err != nil {
		return nil, err
	}
	return key, writeFileAtomic(path, key, 0o600)
}
