package store

import (
	"context"
	"encoding/json"
	"gorm.io/gorm"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
)

type matterVersionRow struct {
	ID          int64 `gorm:"primaryKey"`
	Slug        string
	Version     int
	ContentHash string
	Status      string
	Files       []byte // JSON object: path → base64 content
	CreatedAt   time.Time
	PublishedAt *time.Time
}

func (matterVersionRow) TableName() string { return "matter_versions" }

func (r *matterVersionRow) domain() (*runtime.MatterVersion, error) {
	mv := &runtime.MatterVersion{Slug: r.Slug, Version: r.Version, ContentHash: r.ContentHash, Status: r.Status,
		CreatedAt: r.CreatedAt.UTC(), PublishedAt: utcPtr(r.PublishedAt)}
	if err := json.Unmarshal(r.Files, &mv.Files); err != nil {
		return nil, wrap(err, "decode matter files")
	}
	return mv, nil
}

// ContentHash returns the hash a MatterVersion with these files has.
func ContentHash(files map[string][]byte) string { return definitions.FilesHash(files) }

func checkMatterFiles(slug string, files map[string][]byte) error {
	var fields []runtime.FieldError
	if slug == "" {
		fields = append(fields, runtime.FieldError{Pointer: "/slug", Message: "缺少事项标识"})
	}
	if len(files) == 0 {
		fields = append(fields, runtime.FieldError{Pointer: "/files", Message: "事项定义没有文件"})
	}
	if fields != nil {
		return runtime.Invalid("事项版本不完整", fields...)
	}
	return nil
}

// SaveDraft stores files as the draft of slug: the one version after the newest published one
// that may still change. Saving again replaces the draft's files.
func (db *DB) SaveDraft(ctx context.Context, slug string, files map[string][]byte) (*runtime.MatterVersion, error) {
	var mv *runtime.MatterVersion
	err := db.Write(ctx, func(tx *Tx) (err error) {
		mv, err = tx.saveMatterVersion(slug, files, runtime.MatterDraft)
		return err
	})
	return mv, err
}

// PublishMatterVersion makes files the newest published version of slug and returns it. The
// draft, if there is one, becomes that version; otherwise a new number is taken. Publishing
// files identical to the newest published version returns that version unchanged, so a retried
// publish does not make a second one. Concurrent publishes of one slug may fail with conflict.
func (db *DB) PublishMatterVersion(ctx context.Context, slug string, files map[string][]byte) (*runtime.MatterVersion, error) {
	var mv *runtime.MatterVersion
	err := db.Write(ctx, func(tx *Tx) (err error) {
		mv, err = tx.saveMatterVersion(slug, files, runtime.MatterPublished)
		return err
	})
	return mv, err
}

func (tx *Tx) saveMatterVersion(slug string, files map[string][]byte, status string) (*runtime.MatterVersion, error) {
	if err := checkMatterFiles(slug, files); err != nil {
		return nil, err
	}
	encoded, err := json.Marshal(files)
	if err != nil {
		return nil, wrap(err, "encode matter files")
	}
	hash := ContentHash(files)
	if status == runtime.MatterPublished {
		var latest []matterVersionRow
		err := tx.g.Where("slug = ? AND status = ?", slug, runtime.MatterPublished).Order("version DESC").Limit(1).Find(&latest).Error
		if err != nil {
			return nil, wrap(err, "find latest version")
		}
		if len(latest) == 1 && latest[0].ContentHash == hash {
			return latest[0].domain()
		}
	}
	var drafts []matterVersionRow
	if err := tx.g.Where("slug = ? AND status = ?", slug, runtime.MatterDraft).Find(&drafts).Error; err != nil {
		return nil, wrap(err, "find draft")
	}
	row := matterVersionRow{Slug: slug, ContentHash: hash, Status: status, Files: encoded, CreatedAt: tx.now}
	if status == runtime.MatterPublished {
		row.PublishedAt = &tx.now
	}
	if len(drafts) == 1 {
		row.ID, row.Version = drafts[0].ID, drafts[0].Version
		err = tx.g.Model(&matterVersionRow{}).Where("id = ? AND status = ?", row.ID, runtime.MatterDraft).Updates(map[string]any{
			"content_hash": hash, "status": status, "files": encoded, "created_at": tx.now, "published_at": row.PublishedAt,
		}).Error
		if err != nil {
			return nil, wrap(err, "update draft")
		}
		return row.domain()
	}
	if err := tx.g.Raw("SELECT COALESCE(MAX(version), 0) + 1 FROM matter_versions WHERE slug = ?", slug).Scan(&row.Version).Error; err != nil {
		return nil, wrap(err, "next version")
	}
	if err := tx.g.Create(&row).Error; err != nil {
		if isUnique(err) {
			return nil, conflict("事项 %s 正在被同时发布，请重试", slug)
		}
		return nil, wrap(err, "insert matter version")
	}
	return row.domain()
}

// LatestPublished returns the newest published version of slug; not_found if there is none.
func (db *DB) LatestPublished(ctx context.Context, slug string) (*runtime.MatterVersion, error) {
	var rows []matterVersionRow
	err := db.readOne(ctx, func(g *gorm.DB) error {
		return g.Where("slug = ? AND status = ?", slug, runtime.MatterPublished).Order("version DESC").Limit(1).Find(&rows).Error
	})
	if err != nil {
		return nil, wrap(err, "latest published")
	}
	if len(rows) == 0 {
		return nil, notFound("事项 %s 没有已发布的版本", slug)
	}
	return rows[0].domain()
}

// MatterVersion returns one version of slug, draft or published; not_found if there is none.
func (db *DB) MatterVersion(ctx context.Context, slug string, version int) (*runtime.MatterVersion, error) {
	var rows []matterVersionRow
	err := db.readOne(ctx, func(g *gorm.DB) error {
		return g.Where("slug = ? AND version = ?", slug, version).Limit(1).Find(&rows).Error
	})
	if err != nil {
		return nil, wrap(err, "matter version")
	}
	if len(rows) == 0 {
		return nil, notFound("事项 %s 没有第 %d 版", slug, version)
	}
	return rows[0].domain()
}

// ListLatestPublished returns the newest published version of every matter, by slug: what a
// starting instance compiles.
func (db *DB) ListLatestPublished(ctx context.Context) ([]*runtime.MatterVersion, error) {
	var rows []matterVersionRow
	err := db.readOne(ctx, func(g *gorm.DB) error {
		return g.Raw(`SELECT m.* FROM matter_versions m
		WHERE m.status = 'published' AND m.version = (
			SELECT MAX(version) FROM matter_versions p WHERE p.slug = m.slug AND p.status = 'published')
		ORDER BY m.slug`).Scan(&rows).Error
	})
	if err != nil {
		return nil, wrap(err, "list latest published")
	}
	out := make([]*runtime.MatterVersion, 0, len(rows))
	for i := range rows {
		mv, err := rows[i].domain()
		if err != nil {
			return nil, err
		}
		out = append(out, mv)
	}
	return out, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// storedTime is how a caller's time is kept: UTC, to the microsecond.
func storedTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Microsecond)
	return &u
}

// localDay is the date of t in the platform's zone, "" for none.
func localDay(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(runtime.Zone).Format(time.DateOnly)
}

// LatestPublishedVersion returns only the number of a matter's newest published version, for
// the hot path that needs no files; not_found if there is none.
func (db *DB) LatestPublishedVersion(ctx context.Context, slug string) (int, error) {
	var versions []int
	err := db.readOne(ctx, func(g *gorm.DB) error {
		return g.Model(&matterVersionRow{}).Where("slug = ? AND status = ?", slug, runtime.MatterPublished).
			Order("version DESC").Limit(1).Pluck("version", &versions).Error
	})
	if err != nil {
		return 0, wrap(err, "latest published version")
	}
	if len(versions) == 0 {
		return 0, notFound("事项 %s 没有已发布的版本", slug)
	}
	return versions[0], nil
}

// LatestPublishedRefs lists the newest published version of every matter, by slug, without
// reading their files: the hot path of the matter list.
func (db *DB) LatestPublishedRefs(ctx context.Context) ([]runtime.VersionRef, error) {
	var refs []runtime.VersionRef
	err := db.readOne(ctx, func(g *gorm.DB) error {
		return g.Raw(`SELECT m.slug, m.version, m.created_at FROM matter_versions m
		WHERE m.status = 'published' AND m.version = (
			SELECT MAX(version) FROM matter_versions p WHERE p.slug = m.slug AND p.status = 'published')
		ORDER BY m.slug`).Scan(&refs).Error
	})
	for i := range refs {
		refs[i].CreatedAt = refs[i].CreatedAt.UTC()
	}
	return refs, wrap(err, "list latest published")
}
