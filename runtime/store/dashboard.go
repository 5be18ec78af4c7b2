package store

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"

	"github.com/xuchang-gov/tongban/runtime"
)

var _ runtime.DashboardStore = (*DB)(nil)

// A dashboard's draft is its row at version 0; publishing copies it to the next version, and
// published rows are never written again.
type dashboardRow struct {
	Slug      string `gorm:"primaryKey"`
	Version   int    `gorm:"primaryKey"`
	Title     string
	Spec      string
	UpdatedBy *int64
	UpdatedAt time.Time
}

func (dashboardRow) TableName() string { return "dashboards" }

type dashboardRead struct {
	Slug          string
	Version       int
	Spec          string
	UpdatedBy     *int64
	UpdatedByName *string
	UpdatedAt     time.Time
}

func (r *dashboardRead) domain() (*runtime.Dashboard, error) {
	d := &runtime.Dashboard{Version: r.Version, UpdatedAt: r.UpdatedAt.UTC(),
		UpdatedBy: runtime.UserRef{ID: deref(r.UpdatedBy, 0), Name: deref(r.UpdatedByName, "")}}
	if err := json.Unmarshal([]byte(r.Spec), &d.DashboardSpec); err != nil {
		return nil, wrap(err, "decode dashboard")
	}
	return d, nil
}

func readDashboard(g *gorm.DB, slug string, version int) (*runtime.Dashboard, error) {
	q := `SELECT d.slug, d.version, d.spec, d.updated_by, d.updated_at, u.name AS updated_by_name FROM dashboards d LEFT JOIN users u ON u.id = d.updated_by WHERE d.slug = ?`
	args := []any{slug}
	if version < 0 {
		q += ` AND d.version > 0 ORDER BY d.version DESC LIMIT 1`
	} else {
		q += ` AND d.version = ?`
		args = append(args, version)
	}
	var rows []dashboardRead
	if err := g.Raw(q, args...).Scan(&rows).Error; err != nil {
		return nil, wrap(err, "read dashboard")
	}
	if len(rows) == 0 {
		if version == 0 {
			return nil, notFound("看板 %s 没有草稿", slug)
		}
		return nil, notFound("看板 %s 没有这个已发布版本", slug)
	}
	return rows[0].domain()
}

// SaveDashboardDraft stores d as its slug's draft.
func (db *DB) SaveDashboardDraft(ctx context.Context, d runtime.Dashboard) (out *runtime.Dashboard, err error) {
	spec, err := json.Marshal(d.DashboardSpec)
	if err != nil {
		return nil, wrap(err, "encode dashboard")
	}
	err = db.Write(ctx, func(tx *Tx) error {
		if err := tx.g.Where("slug = ? AND version = 0", d.Slug).Delete(&dashboardRow{}).Error; err != nil {
			return wrap(err, "replace dashboard draft")
		}
		row := dashboardRow{Slug: d.Slug, Title: d.Title, Spec: string(spec), UpdatedAt: d.UpdatedAt.UTC()}
		if d.UpdatedBy.ID != 0 {
			row.UpdatedBy = &d.UpdatedBy.ID
		}
		if err := tx.g.Create(&row).Error; err != nil {
			return wrap(err, "save dashboard draft")
		}
		out, err = readDashboard(tx.g, d.Slug, 0)
		return err
	})
	return out, err
}

// PublishDashboard makes the draft the next published version.
func (db *DB) PublishDashboard(ctx context.Context, slug string, by runtime.UserRef, at time.Time) (out *runtime.Dashboard, err error) {
	err = db.Write(ctx, func(tx *Tx) error {
		var draft dashboardRow
		if err := tx.g.Where("slug = ? AND version = 0", slug).Limit(1).Find(&draft).Error; err != nil {
			return wrap(err, "read dashboard draft")
		}
		if draft.Slug == "" {
			return notFound("看板 %s 没有待发布的草稿", slug)
		}
		var newest int
		if err := tx.g.Raw("SELECT COALESCE(MAX(version), 0) FROM dashboards WHERE slug = ?", slug).Scan(&newest).Error; err != nil {
			return wrap(err, "newest dashboard version")
		}
		draft.Version, draft.UpdatedAt, draft.UpdatedBy = newest+1, at.UTC(), nil
		if by.ID != 0 {
			draft.UpdatedBy = &by.ID
		}
		if err := tx.g.Create(&draft).Error; err != nil {
			return wrap(err, "publish dashboard")
		}
		if err := tx.g.Where("slug = ? AND version = 0", slug).Delete(&dashboardRow{}).Error; err != nil {
			return wrap(err, "drop dashboard draft")
		}
		out, err = readDashboard(tx.g, slug, draft.Version)
		return err
	})
	return out, err
}

// Dashboard reads one version of a dashboard.
func (db *DB) Dashboard(ctx context.Context, slug string, version int) (out *runtime.Dashboard, err error) {
	err = db.readOne(ctx, func(g *gorm.DB) (err error) {
		out, err = readDashboard(g, slug, version)
		return err
	})
	return out, err
}

// Dashboards lists every dashboard: the newest title, published version and draft.
func (db *DB) Dashboards(ctx context.Context) ([]runtime.DashboardSummary, error) {
	var rows []dashboardRow
	err := db.readOne(ctx, func(g *gorm.DB) error {
		return g.Select("slug, version, title, updated_at").Order("slug, version").Find(&rows).Error
	})
	if err != nil {
		return nil, wrap(err, "list dashboards")
	}
	out := []runtime.DashboardSummary{}
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].Slug != r.Slug {
			out = append(out, runtime.DashboardSummary{Slug: r.Slug})
		}
		s := &out[len(out)-1]
		if !s.Draft {
			s.Title = r.Title // the draft's, or else the newest version's
		}
		if r.Version == 0 {
			s.Draft = true
		} else {
			s.Published = r.Version
		}
		if r.UpdatedAt.After(s.UpdatedAt) {
			s.UpdatedAt = r.UpdatedAt.UTC()
		}
	}
	return out, nil
}
