package store

import (
	"context"
	"encoding/hex"
	"gorm.io/gorm"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
)

// Blob describes a file kept in the blob store (materials, certificates), named by the SHA-256
// of its content. The bytes live in the blob store; the database keeps what is needed to serve
// and check them.
type Blob struct {
	SHA256    string // lowercase hex
	Size      int64
	MediaType string
	CreatedAt time.Time
}

type blobRow struct {
	SHA256    string `gorm:"column:sha256;primaryKey"`
	Size      int64
	MediaType string
	CreatedAt time.Time
}

func (blobRow) TableName() string { return "blobs" }

func (r *blobRow) domain() *Blob {
	return &Blob{SHA256: r.SHA256, Size: r.Size, MediaType: r.MediaType, CreatedAt: r.CreatedAt.UTC()}
}

// PutBlob records a blob's metadata and returns it as stored. Content addressing makes it
// idempotent: recording the same SHA-256 again returns the first record. It returns invalid for
// a malformed hash and conflict when the size differs from the recorded one.
func (db *DB) PutBlob(ctx context.Context, b Blob) (out *Blob, err error) {
	if raw, err := hex.DecodeString(b.SHA256); err != nil || len(raw) != 32 || hex.EncodeToString(raw) != b.SHA256 {
		return nil, runtime.Invalid("文件摘要有误", runtime.FieldError{Pointer: "/sha256", Message: "应为 64 位小写十六进制 SHA-256"})
	}
	if b.Size < 0 || b.MediaType == "" {
		return nil, runtime.Invalid("文件信息不完整", runtime.FieldError{Pointer: "/mediaType", Message: "缺少文件类型或大小有误"})
	}
	err = db.Write(ctx, func(tx *Tx) error {
		err := tx.g.Exec(`INSERT INTO blobs (sha256, size, media_type, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (sha256) DO NOTHING`, b.SHA256, b.Size, b.MediaType, tx.now).Error
		if err != nil {
			return wrap(err, "put blob")
		}
		var rows []blobRow
		if err := tx.g.Where("sha256 = ?", b.SHA256).Find(&rows).Error; err != nil || len(rows) != 1 {
			return wrap(err, "read blob")
		}
		if rows[0].Size != b.Size {
			return conflict("同一摘要的文件大小不一致")
		}
		out = rows[0].domain()
		return nil
	})
	return out, err
}

// GetBlob returns a blob's metadata; not_found if it was never recorded.
func (db *DB) GetBlob(ctx context.Context, sha256 string) (*Blob, error) {
	var rows []blobRow
	err := db.readOne(ctx, func(g *gorm.DB) error { return g.Where("sha256 = ?", sha256).Limit(1).Find(&rows).Error })
	if err != nil {
		return nil, wrap(err, "get blob")
	}
	if len(rows) == 0 {
		return nil, notFound("文件不存在")
	}
	return rows[0].domain(), nil
}
