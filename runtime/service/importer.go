package service

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
)

// ImportResult says what an import did with one matter or theme.
type ImportResult struct {
	Slug string
	// Theme is set for a theme (一件事), Slug then names it under themes/.
	Theme   bool
	Version int
	Hash    string
	// Unchanged is set when the newest version already had this content.
	Unchanged bool
}

// Import checks a bundle and stores each of its matters as a new version (published, or a
// draft), unless the newest version has the same content. Nothing is stored when any matter has
// a problem, or when the bundle's org tree leaves out an org that staff or cases belong to.
func (s *Service) Import(ctx context.Context, fsys fs.FS, publish bool, matterDirs ...string) ([]ImportResult, definitions.Problems, error) {
	b, problems := definitions.Load(fsys, matterDirs...)
	if len(problems) == 0 {
		_, problems = definitions.Compile(b)
	}
	if len(problems) == 0 {
		problems, err := s.orgsStillUsed(ctx, b.Orgs.Orgs)
		if err != nil || len(problems) > 0 {
			return nil, problems, err
		}
	}
	if len(problems) > 0 {
		return nil, problems, nil
	}
	var out []ImportResult
	for _, m := range b.Matters {
		files, err := b.VersionFiles(m)
		if err != nil {
			return out, nil, err
		}
		if latest, err := s.db.LatestPublished(ctx, m.Slug); err == nil && publish && sameFiles(latest.Files, files) {
			out = append(out, ImportResult{Slug: m.Slug, Version: latest.Version, Hash: latest.ContentHash, Unchanged: true})
			continue
		}
		store := s.db.SaveDraft
		if publish {
			store = s.db.PublishMatterVersion
		}
		v, err := store(ctx, m.Slug, files)
		s.newest.forget()
		if err != nil {
			return out, nil, fmt.Errorf("%s: %w", m.Slug, err)
		}
		out = append(out, ImportResult{Slug: m.Slug, Version: v.Version, Hash: v.ContentHash})
	}
	for _, t := range b.Themes {
		if !publish {
			continue // themes have no drafts: the studio does not edit them yet
		}
		files, err := b.ThemeVersionFiles(t)
		if err != nil {
			return out, nil, err
		}
		latest, err := s.db.LatestTheme(ctx, t.Slug)
		unchanged := err == nil && latest.ContentHash == definitions.FilesHash(files)
		v, err := s.db.PublishThemeVersion(ctx, t.Slug, files)
		s.themesNewest.Delete(t.Slug)
		if err != nil {
			return out, nil, fmt.Errorf("%s: %w", t.Slug, err)
		}
		out = append(out, ImportResult{Slug: t.Slug, Theme: true, Version: v.Version, Hash: v.ContentHash, Unchanged: unchanged})
	}
	return out, nil, s.LoadOrgs(ctx)
}

// orgsStillUsed is what is wrong with replacing the org tree in force by next: an org it leaves
// out that staff members or cases still belong to.
func (s *Service) orgsStillUsed(ctx context.Context, next []definitions.OrgUnit) (definitions.Problems, error) {
	var removed []string
	for _, o := range s.Orgs() {
		if !slices.ContainsFunc(next, func(n definitions.OrgUnit) bool { return n.Code == o.Code }) {
			removed = append(removed, o.Code)
		}
	}
	if len(removed) == 0 {
		return nil, nil
	}
	staff := map[string]int{}
	for offset := 0; ; offset += 500 {
		users, total, err := s.db.ListUsers(ctx, runtime.UserFilter{Kind: "staff", Offset: offset, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			staff[u.OrgCode]++
		}
		if offset+len(users) >= total || len(users) == 0 {
			break
		}
	}
	var problems definitions.Problems
	for _, code := range removed {
		_, cases, err := s.db.ListCases(ctx, runtime.CaseQuery{OrgCodes: []string{code}, Limit: 1})
		if err != nil {
			return nil, err
		}
		if staff[code] > 0 || cases > 0 {
			problems = append(problems, definitions.Problem{File: definitions.OrgsFile, Pointer: "/orgs",
				Message: fmt.Sprintf("不能删除机构 %s：仍有 %d 名工作人员、%d 件办件属于它", code, staff[code], cases)})
		}
	}
	return problems, nil
}

func sameFiles(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for name, data := range a {
		if other, ok := b[name]; !ok || !bytes.Equal(data, other) {
			return false
		}
	}
	return true
}

// Export writes the newest published version of every matter and theme into dir as a bundle,
// in the canonical form `tongban fmt` writes, and returns how many it wrote.
func (s *Service) Export(ctx context.Context, dir string) (int, error) {
	versions, err := s.db.ListLatestPublished(ctx)
	if err != nil {
		return 0, err
	}
	for _, v := range versions {
		if err := writeFiles(dir, v.Files); err != nil {
			return 0, err
		}
	}
	themes, err := s.db.ListLatestThemes(ctx)
	if err != nil {
		return 0, err
	}
	for _, t := range themes {
		if err := writeFiles(dir, t.Files); err != nil {
			return 0, err
		}
	}
	return len(versions) + len(themes), nil
}

// writeFiles writes files by slash-separated path under dir.
func writeFiles(dir string, files map[string][]byte) error {
	for name, data := range files {
		target := filepath.Join(dir, filepath.FromSlash(path.Clean(name)))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(target, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
