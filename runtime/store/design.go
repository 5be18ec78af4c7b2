package store

// The studio's drafts and the design audit trail. A draft's files are the matter's draft
// version (matter_versions, status draft); matter_drafts adds who opened and last changed it,
// its revision and where it stands, so that a stale save is refused and a publisher sees what
// waits for them.

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/xuchang-gov/tongban/runtime"
)

var (
	_ runtime.DesignStore = (*DB)(nil)
	_ runtime.DesignTx    = designTx{}
)

// designTx is a unit of work as the designer service sees it.
type designTx struct{ tx *Tx }

// WriteDesign runs fn in one unit of work.
func (db *DB) WriteDesign(ctx context.Context, fn func(runtime.DesignTx) error) error {
	return db.Write(ctx, func(tx *Tx) error { return fn(designTx{tx}) })
}

type matterDraftRow struct {
	Slug        string `gorm:"primaryKey"`
	BaseVersion int
	Revision    int
	Status      string
	Comment     string
	OpenedBy    *int64
	OpenedAt    time.Time
	UpdatedBy   *int64
	UpdatedAt   time.Time
}

func (matterDraftRow) TableName() string { return "matter_drafts" }

// draftRead is a draft version joined with its editing state and the names of its editors. A
// draft version stored without that state (by an import) reads as opened when it was written,
// by nobody, at revision 1.
type draftRead struct {
	Slug          string
	Version       int
	Files         []byte
	CreatedAt     time.Time
	BaseVersion   *int
	Revision      *int
	Status        *string
	Comment       *string
	OpenedBy      *int64
	OpenedByName  *string
	OpenedAt      *time.Time
	UpdatedBy     *int64
	UpdatedByName *string
	UpdatedAt     *time.Time
}

const draftSelect = `SELECT m.slug, m.version, %s m.created_at, d.base_version, d.revision, d.status, d.comment,
	d.opened_by, o.name AS opened_by_name, d.opened_at, d.updated_by, u.name AS updated_by_name, d.updated_at
	FROM matter_versions m
	LEFT JOIN matter_drafts d ON d.slug = m.slug
	LEFT JOIN users o ON o.id = d.opened_by
	LEFT JOIN users u ON u.id = d.updated_by
	WHERE m.status = 'draft'`

func deref[T any](p *T, or T) T {
	if p == nil {
		return or
	}
	return *p
}

func (r *draftRead) domain() (*runtime.DraftState, error) {
	d := &runtime.DraftState{Slug: r.Slug, Version: r.Version, Base: deref(r.BaseVersion, 0),
		Revision: deref(r.Revision, 1), Status: deref(r.Status, runtime.DraftEditing), Comment: deref(r.Comment, ""),
		OpenedBy:  runtime.UserRef{ID: deref(r.OpenedBy, 0), Name: deref(r.OpenedByName, "")},
		OpenedAt:  deref(r.OpenedAt, r.CreatedAt).UTC(),
		UpdatedBy: runtime.UserRef{ID: deref(r.UpdatedBy, 0), Name: deref(r.UpdatedByName, "")},
		UpdatedAt: deref(r.UpdatedAt, r.CreatedAt).UTC()}
	if r.Files != nil {
		if err := json.Unmarshal(r.Files, &d.Files); err != nil {
			return nil, wrap(err, "decode draft files")
		}
	}
	return d, nil
}

func readDraft(g *gorm.DB, slug string) (*runtime.DraftState, error) {
	var rows []draftRead
	if err := g.Raw(fmt.Sprintf(draftSelect, "m.files,")+" AND m.slug = ?", slug).Scan(&rows).Error; err != nil {
		return nil, wrap(err, "read draft")
	}
	if len(rows) == 0 {
		return nil, notFound("事项 %s 没有打开的草稿", slug)
	}
	return rows[0].domain()
}

// Drafts lists every open draft, by slug, without files.
func (db *DB) Drafts(ctx context.Context) ([]*runtime.DraftState, error) {
	var rows []draftRead
	err := db.readOne(ctx, func(g *gorm.DB) error {
		return g.Raw(fmt.Sprintf(draftSelect, "") + " ORDER BY m.slug").Scan(&rows).Error
	})
	if err != nil {
		return nil, wrap(err, "list drafts")
	}
	out := make([]*runtime.DraftState, 0, len(rows))
	for i := range rows {
		d, err := rows[i].domain()
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// Draft returns the open draft of slug with its files; not_found when none is open.
func (db *DB) Draft(ctx context.Context, slug string) (d *runtime.DraftState, err error) {
	err = db.readOne(ctx, func(g *gorm.DB) error {
		d, err = readDraft(g, slug)
		return err
	})
	return d, err
}

// Draft returns the open draft of slug inside the unit of work.
func (t designTx) Draft(slug string) (*runtime.DraftState, error) { return readDraft(t.tx.g, slug) }

func userID(ref runtime.UserRef) *int64 {
	if ref.ID == 0 {
		return nil
	}
	return &ref.ID
}

// CreateDraft opens d as the draft of d.Slug at revision 1.
func (t designTx) CreateDraft(d runtime.DraftState) (*runtime.DraftState, error) {
	var open int64
	if err := t.tx.g.Model(&matterVersionRow{}).Where("slug = ? AND status = ?", d.Slug, runtime.MatterDraft).Count(&open).Error; err != nil {
		return nil, wrap(err, "find draft")
	}
	if open > 0 {
		return nil, conflict("事项 %s 已有打开的草稿", d.Slug)
	}
	if _, err := t.tx.saveMatterVersion(d.Slug, d.Files, runtime.MatterDraft); err != nil {
		return nil, err
	}
	row := matterDraftRow{Slug: d.Slug, BaseVersion: d.Base, Revision: 1, Status: runtime.DraftEditing,
		OpenedBy: userID(d.OpenedBy), OpenedAt: t.tx.now, UpdatedBy: userID(d.OpenedBy), UpdatedAt: t.tx.now}
	// A draft closed by a publication through MatterStore leaves its state behind: replace it.
	if err := t.tx.g.Where("slug = ?", d.Slug).Delete(&matterDraftRow{}).Error; err != nil {
		return nil, wrap(err, "clear draft state")
	}
	if err := t.tx.g.Create(&row).Error; err != nil {
		return nil, wrap(err, "insert draft state")
	}
	return readDraft(t.tx.g, d.Slug)
}

// UpdateDraft stores d's files, status and comment if d.Revision is still the stored one.
func (t designTx) UpdateDraft(d *runtime.DraftState) error {
	current, err := readDraft(t.tx.g, d.Slug)
	if err != nil {
		return err
	}
	if current.Revision != d.Revision {
		return conflict("草稿已被他人修改（当前修订 %d）", current.Revision)
	}
	encoded, err := json.Marshal(d.Files)
	if err != nil {
		return wrap(err, "encode draft files")
	}
	if err := checkMatterFiles(d.Slug, d.Files); err != nil {
		return err
	}
	err = t.tx.g.Model(&matterVersionRow{}).Where("slug = ? AND status = ?", d.Slug, runtime.MatterDraft).
		Updates(map[string]any{"files": encoded, "content_hash": ContentHash(d.Files)}).Error
	if err != nil {
		return wrap(err, "update draft files")
	}
	row := matterDraftRow{Slug: d.Slug, BaseVersion: d.Base, Revision: d.Revision + 1, Status: d.Status, Comment: d.Comment,
		OpenedBy: userID(current.OpenedBy), OpenedAt: current.OpenedAt, UpdatedBy: userID(d.UpdatedBy), UpdatedAt: t.tx.now}
	// The compare-and-set: the row changes only at the revision read, so of two saves at once
	// one wins and the other is told who did.
	res := t.tx.g.Model(&matterDraftRow{}).Where("slug = ? AND revision = ?", d.Slug, d.Revision).Updates(map[string]any{
		"base_version": row.BaseVersion, "revision": row.Revision, "status": row.Status, "comment": row.Comment,
		"updated_by": row.UpdatedBy, "updated_at": row.UpdatedAt})
	if res.Error != nil {
		return wrap(res.Error, "update draft state")
	}
	if res.RowsAffected == 0 {
		// A draft version without its state (stored by an import) gets one now.
		if err := t.tx.g.Create(&row).Error; err != nil {
			if isUnique(err) {
				return conflict("草稿已被他人修改")
			}
			return wrap(err, "insert draft state")
		}
	}
	d.Revision, d.UpdatedAt = row.Revision, t.tx.now
	return nil
}

// DeleteDraft closes the open draft of slug without publishing it.
func (t designTx) DeleteDraft(slug string) error {
	res := t.tx.g.Where("slug = ? AND status = ?", slug, runtime.MatterDraft).Delete(&matterVersionRow{})
	if res.Error != nil {
		return wrap(res.Error, "delete draft")
	}
	if res.RowsAffected == 0 {
		return notFound("事项 %s 没有打开的草稿", slug)
	}
	return wrap(t.tx.g.Where("slug = ?", slug).Delete(&matterDraftRow{}).Error, "delete draft state")
}

// Publish makes files the newest published version of slug and closes the open draft.
func (t designTx) Publish(slug string, files map[string][]byte) (*runtime.MatterVersion, error) {
	mv, err := t.tx.saveMatterVersion(slug, files, runtime.MatterPublished)
	if err != nil {
		return nil, err
	}
	// Files identical to the newest version publish nothing and leave the draft: close it.
	if err := t.tx.g.Where("slug = ? AND status = ?", slug, runtime.MatterDraft).Delete(&matterVersionRow{}).Error; err != nil {
		return nil, wrap(err, "close draft")
	}
	return mv, wrap(t.tx.g.Where("slug = ?", slug).Delete(&matterDraftRow{}).Error, "close draft state")
}

type designEventRow struct {
	ID      int64 `gorm:"primaryKey"`
	Slug    string
	Type    string
	ActorID *int64
	At      time.Time
	Version int
	Files   string
	Summary string
	Comment string
}

func (designEventRow) TableName() string { return "design_events" }

// RecordDesignEvent appends e to the design audit trail.
func (t designTx) RecordDesignEvent(e runtime.DesignEvent) (int64, error) {
	if e.Slug == "" || e.Type == "" {
		return 0, runtime.Invalid("设计留痕缺少事项或类型")
	}
	files, err := json.Marshal(e.Files)
	if err != nil || e.Files == nil {
		files = []byte("[]")
	}
	at := t.tx.now
	if !e.At.IsZero() {
		at = e.At.UTC().Truncate(time.Microsecond)
	}
	row := designEventRow{Slug: e.Slug, Type: e.Type, ActorID: userID(e.Actor), At: at, Version: e.Version,
		Files: string(files), Summary: e.Summary, Comment: e.Comment}
	if err := t.tx.g.Create(&row).Error; err != nil {
		return 0, wrap(err, "insert design event")
	}
	return row.ID, nil
}

// DesignEvents returns slug's design audit trail, newest first.
func (db *DB) DesignEvents(ctx context.Context, slug string, limit int) ([]runtime.DesignEvent, error) {
	_, limit = page(0, limit)
	var rows []struct {
		ID        int64
		Slug      string
		Type      string
		ActorID   *int64
		ActorName *string
		At        time.Time
		Version   int
		Files     string
		Summary   string
		Comment   string
	}
	err := db.readOne(ctx, func(g *gorm.DB) error {
		return g.Raw(`SELECT e.*, u.name AS actor_name FROM design_events e LEFT JOIN users u ON u.id = e.actor_id
			WHERE e.slug = ? ORDER BY e.id DESC LIMIT ?`, slug, limit).Scan(&rows).Error
	})
	if err != nil {
		return nil, wrap(err, "list design events")
	}
	out := make([]runtime.DesignEvent, 0, len(rows))
	for _, r := range rows {
		e := runtime.DesignEvent{ID: r.ID, Slug: r.Slug, Type: r.Type, At: r.At.UTC(), Version: r.Version,
			Actor: runtime.UserRef{ID: deref(r.ActorID, 0), Name: deref(r.ActorName, "")}, Summary: r.Summary, Comment: r.Comment}
		if err := json.Unmarshal([]byte(r.Files), &e.Files); err != nil {
			return nil, wrap(err, "decode design event files")
		}
		out = append(out, e)
	}
	return out, nil
}

// MatterVersions lists every version of slug, newest first, without files.
func (db *DB) MatterVersions(ctx context.Context, slug string) ([]*runtime.MatterVersion, error) {
	var rows []matterVersionRow
	err := db.readOne(ctx, func(g *gorm.DB) error {
		return g.Select("id", "slug", "version", "content_hash", "status", "created_at", "published_at").
			Where("slug = ?", slug).Order("version DESC").Find(&rows).Error
	})
	if err != nil {
		return nil, wrap(err, "list matter versions")
	}
	out := make([]*runtime.MatterVersion, 0, len(rows))
	for _, r := range rows {
		out = append(out, &runtime.MatterVersion{Slug: r.Slug, Version: r.Version, ContentHash: r.ContentHash, Status: r.Status,
			CreatedAt: r.CreatedAt.UTC(), PublishedAt: utcPtr(r.PublishedAt)})
	}
	return out, nil
}
