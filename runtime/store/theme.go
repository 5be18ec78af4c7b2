package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/xuchang-gov/tongban/runtime"
)

type themeVersionRow struct {
	ID          int64 `gorm:"primaryKey"`
	Slug        string
	Version     int
	ContentHash string
	Files       []byte // JSON object: path → base64 content
	CreatedAt   time.Time
}

func (themeVersionRow) TableName() string { return "theme_versions" }

func (r *themeVersionRow) domain() (*runtime.ThemeVersion, error) {
	v := &runtime.ThemeVersion{Slug: r.Slug, Version: r.Version, ContentHash: r.ContentHash, CreatedAt: r.CreatedAt.UTC()}
	if err := json.Unmarshal(r.Files, &v.Files); err != nil {
		return nil, wrap(err, "decode theme files")
	}
	return v, nil
}

type themeCaseRow struct {
	ID           int64 `gorm:"primaryKey"`
	Number       string
	QueryCode    string
	Theme        string
	ThemeVersion int
	ApplicantID  int64
	Channel      string
	Status       string
	Result       string
	Form         *string
	Materials    *string
	Members      string
	SubmittedAt  time.Time
	AcceptedAt   *time.Time
	ConcludedAt  *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Revision     int
}

func (themeCaseRow) TableName() string { return "theme_cases" }

func (r *themeCaseRow) domain() (*runtime.ThemeCase, error) {
	tc := &runtime.ThemeCase{ID: r.ID, Number: r.Number, QueryCode: r.QueryCode, Theme: r.Theme, ThemeVersion: r.ThemeVersion,
		ApplicantID: r.ApplicantID, Channel: r.Channel, Status: r.Status, Result: r.Result,
		Form: rawJSON(r.Form), Materials: rawJSON(r.Materials),
		SubmittedAt: r.SubmittedAt.UTC(), AcceptedAt: utcPtr(r.AcceptedAt), ConcludedAt: utcPtr(r.ConcludedAt),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Revision: r.Revision}
	if err := json.Unmarshal([]byte(r.Members), &tc.Members); err != nil {
		return nil, wrap(err, "decode theme members")
	}
	return tc, nil
}

// PublishThemeVersion makes files the newest published version of a theme; files identical to
// the newest version return it unchanged.
func (db *DB) PublishThemeVersion(ctx context.Context, slug string, files map[string][]byte) (*runtime.ThemeVersion, error) {
	if slug == "" || len(files) == 0 {
		return nil, runtime.Invalid("主题版本不完整", runtime.FieldError{Pointer: "/files", Message: "缺少主题标识或文件"})
	}
	encoded, err := json.Marshal(files)
	if err != nil {
		return nil, wrap(err, "encode theme files")
	}
	hash := ContentHash(files)
	var out *runtime.ThemeVersion
	err = db.Write(ctx, func(tx *Tx) error {
		var latest []themeVersionRow
		if err := tx.g.Where("slug = ?", slug).Order("version DESC").Limit(1).Find(&latest).Error; err != nil {
			return wrap(err, "latest theme version")
		}
		row := themeVersionRow{Slug: slug, Version: 1, ContentHash: hash, Files: encoded, CreatedAt: tx.now}
		if len(latest) == 1 {
			if latest[0].ContentHash == hash {
				out, err = latest[0].domain()
				return err
			}
			row.Version = latest[0].Version + 1
		}
		if err := tx.g.Create(&row).Error; err != nil {
			if isUnique(err) {
				return conflict("主题 %s 正在被同时发布，请重试", slug)
			}
			return wrap(err, "insert theme version")
		}
		out, err = row.domain()
		return err
	})
	return out, err
}

// LatestTheme returns the newest version of a theme.
func (db *DB) LatestTheme(ctx context.Context, slug string) (*runtime.ThemeVersion, error) {
	return db.themeVersion(ctx, slug, func(g *gorm.DB) *gorm.DB { return g.Order("version DESC") })
}

// ThemeVersion returns one version of a theme.
func (db *DB) ThemeVersion(ctx context.Context, slug string, version int) (*runtime.ThemeVersion, error) {
	return db.themeVersion(ctx, slug, func(g *gorm.DB) *gorm.DB { return g.Where("version = ?", version) })
}

func (db *DB) themeVersion(ctx context.Context, slug string, which func(*gorm.DB) *gorm.DB) (*runtime.ThemeVersion, error) {
	var rows []themeVersionRow
	err := db.readOne(ctx, func(g *gorm.DB) error {
		return which(g.Where("slug = ?", slug)).Limit(1).Find(&rows).Error
	})
	if err != nil {
		return nil, wrap(err, "theme version")
	}
	if len(rows) == 0 {
		return nil, notFound("没有一件事主题 %s", slug)
	}
	return rows[0].domain()
}

// ListLatestThemes returns the newest version of every theme, by slug.
func (db *DB) ListLatestThemes(ctx context.Context) ([]*runtime.ThemeVersion, error) {
	var rows []themeVersionRow
	err := db.readOne(ctx, func(g *gorm.DB) error {
		return g.Raw(`SELECT t.* FROM theme_versions t
		WHERE t.version = (SELECT MAX(version) FROM theme_versions p WHERE p.slug = t.slug)
		ORDER BY t.slug`).Scan(&rows).Error
	})
	if err != nil {
		return nil, wrap(err, "list latest themes")
	}
	return domains(rows, (*themeVersionRow).domain)
}

// domains maps rows read to their domain values.
func domains[R, D any](rows []R, domain func(*R) (D, error)) ([]D, error) {
	out := make([]D, 0, len(rows))
	for i := range rows {
		d, err := domain(&rows[i])
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// GetThemeCase returns a theme case by number.
func (db *DB) GetThemeCase(ctx context.Context, number string) (tc *runtime.ThemeCase, err error) {
	err = db.read(ctx, func(tx *Tx) (err error) {
		tc, err = tx.GetThemeCase(number)
		return err
	})
	return tc, err
}

// ListThemeCases returns the theme cases q selects, newest first.
func (db *DB) ListThemeCases(ctx context.Context, q runtime.ThemeCaseQuery) ([]*runtime.ThemeCase, error) {
	_, limit := page(0, q.Limit)
	var rows []themeCaseRow
	err := db.readOne(ctx, func(g *gorm.DB) error {
		if q.ApplicantID != 0 {
			g = g.Where("applicant_id = ?", q.ApplicantID)
		}
		if q.Status != "" {
			g = g.Where("status = ?", q.Status)
		}
		return g.Order("id DESC").Limit(limit).Find(&rows).Error
	})
	if err != nil {
		return nil, wrap(err, "list theme cases")
	}
	return domains(rows, (*themeCaseRow).domain)
}

// ThemeCaseOfMember returns the theme case a member case belongs to.
func (db *DB) ThemeCaseOfMember(ctx context.Context, caseID int64) (tc *runtime.ThemeCase, err error) {
	err = db.read(ctx, func(tx *Tx) (err error) {
		tc, err = tx.ThemeCaseOfMember(caseID)
		return err
	})
	return tc, err
}

// CreateThemeCase stores a new theme case, numbered YJ, the date and a count of the day.
func (tx *Tx) CreateThemeCase(tc runtime.ThemeCase) (*runtime.ThemeCase, error) {
	if tc.Theme == "" || tc.ThemeVersion == 0 || tc.ApplicantID == 0 {
		return nil, runtime.Invalid("主件信息不完整", runtime.FieldError{Pointer: "/theme", Message: "缺少主题、版本或申请人"})
	}
	day := tx.now.In(runtime.Zone).Format("20060102")
	n, err := nextInSequence(tx.g, "theme-case:"+day)
	if err != nil {
		return nil, err
	}
	members, err := json.Marshal(tc.Members)
	if err != nil {
		return nil, wrap(err, "encode theme members")
	}
	form, err := jsonText("/form", tc.Form)
	if err != nil {
		return nil, err
	}
	materials, err := jsonText("/materials", tc.Materials)
	if err != nil {
		return nil, err
	}
	row := themeCaseRow{Number: fmt.Sprintf("YJ%s%06d", day, n), QueryCode: newQueryCode(), Theme: tc.Theme,
		ThemeVersion: tc.ThemeVersion, ApplicantID: tc.ApplicantID, Channel: tc.Channel, Status: tc.Status, Result: tc.Result,
		Form: form, Materials: materials, Members: string(members), SubmittedAt: tx.now,
		AcceptedAt: storedTime(tc.AcceptedAt), ConcludedAt: storedTime(tc.ConcludedAt), CreatedAt: tx.now, UpdatedAt: tx.now, Revision: 1}
	if err := tx.g.Create(&row).Error; err != nil {
		return nil, wrap(err, "insert theme case")
	}
	if err := tx.indexMembers(row.ID, tc.Members); err != nil {
		return nil, err
	}
	return row.domain()
}

// indexMembers records which theme case each started member case belongs to.
func (tx *Tx) indexMembers(themeCaseID int64, members []runtime.ThemeMemberCase) error {
	for _, m := range members {
		if m.CaseID == 0 {
			continue
		}
		err := tx.g.Exec(`INSERT INTO theme_member_cases (case_id, theme_case_id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
			m.CaseID, themeCaseID).Error
		if err != nil {
			return wrap(err, "index theme member")
		}
	}
	return nil
}

// GetThemeCase returns a theme case by number inside a unit of work.
func (tx *Tx) GetThemeCase(number string) (*runtime.ThemeCase, error) {
	return tx.findThemeCase("number = ?", number)
}

// ThemeCaseOfMember returns the theme case a member case belongs to.
func (tx *Tx) ThemeCaseOfMember(caseID int64) (*runtime.ThemeCase, error) {
	return tx.findThemeCase("id = (SELECT theme_case_id FROM theme_member_cases WHERE case_id = ?)", caseID)
}

func (tx *Tx) findThemeCase(where string, arg any) (*runtime.ThemeCase, error) {
	var rows []themeCaseRow
	if err := tx.g.Where(where, arg).Limit(1).Find(&rows).Error; err != nil {
		return nil, wrap(err, "find theme case")
	}
	if len(rows) == 0 {
		return nil, notFound("一件事办件不存在")
	}
	return rows[0].domain()
}

// UpdateThemeCase stores a theme case's changes if nobody changed it since it was read.
func (tx *Tx) UpdateThemeCase(tc *runtime.ThemeCase) error {
	members, err := json.Marshal(tc.Members)
	if err != nil {
		return wrap(err, "encode theme members")
	}
	res := tx.g.Model(&themeCaseRow{}).Where("id = ? AND revision = ?", tc.ID, tc.Revision).Updates(map[string]any{
		"status": tc.Status, "result": tc.Result, "members": string(members),
		"accepted_at": storedTime(tc.AcceptedAt), "concluded_at": storedTime(tc.ConcludedAt),
		"updated_at": tx.now, "revision": tc.Revision + 1,
	})
	if res.Error != nil {
		return wrap(res.Error, "update theme case")
	}
	if res.RowsAffected == 0 {
		if _, err := tx.findThemeCase("id = ?", tc.ID); err != nil {
			return err
		}
		return conflict("一件事办件 %s 已被他人更新，请刷新后重试", tc.Number)
	}
	tc.Revision++
	tc.UpdatedAt = tx.now
	return tx.indexMembers(tc.ID, tc.Members)
}
