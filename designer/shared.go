package designer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
)

// Lookup performs one lookup of conn for key against the system it is configured for, and
// gives the result as the connector's response mapping makes it.
type Lookup func(ctx context.Context, conn *definitions.Connector, key string) (any, error)

// Option configures the design-time service.
type Option func(*Service)

// WithLookup lets TryConnector reach the connectors' systems.
func WithLookup(l Lookup) Option { return func(s *Service) { s.lookup = l } }

// WithSharedChanged is told after a change of the shared definitions is in force, so that what
// the runtime keeps of them (the org tree) follows.
func WithSharedChanged(f func(context.Context) error) Option {
	return func(s *Service) { s.sharedChanged = f }
}

// tryTimeout bounds a connector's try, retries included.
const tryTimeout = 15 * time.Second

var sharedName = regexp.MustCompile(`^(orgs\.json|calendar/[0-9]{4}\.json|connectors/[a-z0-9][a-z0-9-]*\.json|print/[A-Za-z0-9_-]+\.json)$`)

// admin refuses anyone but an administrator: every matter follows the shared definitions.
func admin(u *runtime.User) error {
	if err := designer(u); err != nil {
		return err
	}
	if !has(u, runtime.RoleAdmin) {
		return runtime.Errorf(runtime.EFORBIDDEN, "只有系统管理员可以修改共用定义（机构、日历、连接器、共用文书）")
	}
	return nil
}

// SharedDefinitions returns the shared files in force and, for each shared notice, the matters
// that print it (those without a template of their own by its name).
func (s *Service) SharedDefinitions(ctx context.Context, u *runtime.User) (*runtime.DesignShared, error) {
	if err := admin(u); err != nil {
		return nil, err
	}
	shared, latest, err := s.bundleFiles(ctx)
	if err != nil {
		return nil, err
	}
	out := &runtime.DesignShared{Files: map[string]string{}, UsedBy: map[string][]string{}}
	for name, data := range shared {
		out.Files[name] = string(data)
		if strings.HasPrefix(name, definitions.PrintDir+"/") {
			out.UsedBy[name] = []string{}
			for _, v := range latest {
				if _, own := v.Files[matterDir(v.Slug)+name]; !own {
					out.UsedBy[name] = append(out.UsedBy[name], v.Slug)
				}
			}
			slices.Sort(out.UsedBy[name])
		}
	}
	return out, nil
}

// bundleFiles are the shared files in force and the newest published version of every matter.
func (s *Service) bundleFiles(ctx context.Context) (map[string][]byte, []*runtime.MatterVersion, error) {
	shared, err := s.sharedFiles(ctx)
	if err != nil {
		return nil, nil, err
	}
	latest, err := s.db.ListLatestPublished(ctx)
	return shared, latest, err
}

// changed is the whole bundle with req applied: the shared files, and every matter's own files
// of its newest version.
func (s *Service) changed(ctx context.Context, req runtime.SharedChange) (map[string][]byte, []*runtime.MatterVersion, error) {
	shared, latest, err := s.bundleFiles(ctx)
	if err != nil {
		return nil, nil, err
	}
	all := maps.Clone(shared)
	for name, text := range req.Files {
		if !sharedName.MatchString(name) {
			return nil, nil, runtime.Invalid(fmt.Sprintf("%s 不是共用定义的文件（应为 orgs.json、calendar/年份.json、connectors/名称.json 或 print/名称.json）", name),
				runtime.FieldError{Pointer: "/files/" + strings.ReplaceAll(name, "/", "~1"), Message: name})
		}
		if text == nil {
			delete(all, name)
			continue
		}
		if err := wellFormed(name, []byte(*text)); err != nil {
			return nil, nil, err
		}
		all[name] = []byte(*text)
	}
	for _, v := range latest {
		for name, data := range v.Files {
			if strings.HasPrefix(name, matterDir(v.Slug)) {
				all[name] = data
			}
		}
	}
	return all, latest, nil
}

// checkAll loads and compiles the whole bundle: every problem of every matter, by its path in
// the bundle.
func checkAll(files map[string][]byte) (*definitions.Bundle, []runtime.DesignProblem) {
	b, problems := definitions.LoadFiles(files)
	if len(problems) == 0 {
		_, problems = definitions.Compile(b)
	}
	out := []runtime.DesignProblem{}
	for _, p := range problems {
		out = append(out, problem("", p, runtime.SeverityError))
	}
	sortProblems(out)
	return b, out
}

// CheckShared lists what the change would break in any matter.
func (s *Service) CheckShared(ctx context.Context, u *runtime.User, req runtime.SharedChange) (*runtime.CheckResult, error) {
	if err := admin(u); err != nil {
		return nil, err
	}
	files, _, err := s.changed(ctx, req)
	if err != nil {
		return nil, err
	}
	_, problems := checkAll(files)
	return &runtime.CheckResult{Errors: len(problems), Problems: problems}, nil
}

// ChangeShared puts a change of the shared definitions in force: every matter whose files it
// changes is published anew (as `tongban import` does for a bundle), each recorded in its
// design trail, and open drafts take the new shared files so that publishing one later does not
// bring the old ones back. A change any matter would not compile with is refused, listing why —
// an org or role that a task names, a notice that names what a matter lacks.
func (s *Service) ChangeShared(ctx context.Context, u *runtime.User, req runtime.SharedChange) (*runtime.SharedPublished, error) {
	if err := admin(u); err != nil {
		return nil, err
	}
	files, latest, err := s.changed(ctx, req)
	if err != nil {
		return nil, err
	}
	b, problems := checkAll(files)
	if len(problems) > 0 {
		e := runtime.Invalid(fmt.Sprintf("修改后有 %d 个问题，未生效", len(problems)))
		e.Problems = problems
		return nil, e
	}
	names := slices.Sorted(maps.Keys(req.Files))
	out := &runtime.SharedPublished{Published: []runtime.Published{}}
	before := map[string]map[string][]byte{}
	for _, v := range latest {
		before[v.Slug] = v.Files
	}
	err = s.db.WriteDesign(ctx, func(tx runtime.DesignTx) error {
		for _, m := range b.Matters {
			next, err := b.VersionFiles(m)
			if err != nil {
				return err
			}
			if sameFiles(before[m.Slug], next) {
				continue
			}
			mv, err := tx.Publish(m.Slug, next)
			if err != nil {
				return err
			}
			if _, err := tx.RecordDesignEvent(runtime.DesignEvent{Slug: m.Slug, Type: runtime.DesignSharedChanged, Actor: ref(u), Version: mv.Version,
				Files: names, Summary: "共用定义修改：" + strings.Join(names, "、"), Comment: req.Comment}); err != nil {
				return err
			}
			p := runtime.Published{Slug: m.Slug, Version: mv.Version, ContentHash: mv.ContentHash}
			if mv.PublishedAt != nil {
				p.PublishedAt = *mv.PublishedAt
			}
			out.Published = append(out.Published, p)
			if err := carryIntoDraft(tx, m.Slug, next, u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if s.sharedChanged != nil {
		err = s.sharedChanged(ctx)
	}
	return out, err
}

// carryIntoDraft gives slug's open draft, if any, the shared files of version.
func carryIntoDraft(tx runtime.DesignTx, slug string, version map[string][]byte, u *runtime.User) error {
	d, err := tx.Draft(slug)
	if runtime.ErrorCode(err) == runtime.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	files := ownFilesAt(slug, d.Files)
	for name, data := range version {
		if !strings.HasPrefix(name, definitions.MattersDir+"/") {
			files[name] = data
		}
	}
	d.Files, d.UpdatedBy = files, ref(u)
	return tx.UpdateDraft(d)
}

// ownFilesAt keeps the files of slug's folder, by their path in the bundle.
func ownFilesAt(slug string, files map[string][]byte) map[string][]byte {
	out := map[string][]byte{}
	for name, data := range files {
		if strings.HasPrefix(name, matterDir(slug)) {
			out[name] = data
		}
	}
	return out
}

func sameFiles(a, b map[string][]byte) bool {
	return maps.EqualFunc(a, b, bytes.Equal)
}

// TryConnector looks key up through a lookup connector of the shared definitions (or the
// unsaved config given), from the server, against the system it is configured for.
func (s *Service) TryConnector(ctx context.Context, u *runtime.User, req runtime.ConnectorTry) (*runtime.ConnectorTried, error) {
	if err := admin(u); err != nil {
		return nil, err
	}
	name := definitions.ConnectorsDir + "/" + req.Connector + ".json"
	change := runtime.SharedChange{}
	if req.Text != "" {
		change.Files = map[string]*string{name: &req.Text}
	}
	files, _, err := s.changed(ctx, change)
	if err != nil {
		return nil, err
	}
	shared := map[string][]byte{}
	for n, data := range files {
		if !strings.HasPrefix(n, definitions.MattersDir+"/") {
			shared[n] = data
		}
	}
	b, problems := definitions.LoadFiles(shared)
	if len(problems) > 0 {
		e := runtime.Invalid("连接器配置有误")
		for _, p := range problems {
			e.Problems = append(e.Problems, problem("", p, runtime.SeverityError))
		}
		return nil, e
	}
	var conn *definitions.Connector
	for _, c := range b.Connectors {
		if c.Name == req.Connector {
			conn = c
		}
	}
	switch {
	case conn == nil:
		return nil, runtime.Errorf(runtime.ENOTFOUND, "没有连接器 %s", req.Connector)
	case conn.Kind != "lookup":
		return nil, runtime.Invalid(fmt.Sprintf("只能试查询类（lookup）连接器，%s 是 %s", conn.Name, conn.Kind), runtime.FieldError{Pointer: "/connector", Message: conn.Kind})
	case s.lookup == nil:
		return nil, runtime.Errorf(runtime.EUNAVAILABLE, "本服务未接通外部系统，无法试查询")
	}
	ctx, cancel := context.WithTimeout(ctx, tryTimeout)
	defer cancel()
	began := time.Now()
	v, err := s.lookup(ctx, conn, req.Key)
	out := &runtime.ConnectorTried{Millis: time.Since(began).Milliseconds()}
	if err != nil {
		out.Error = err.Error()
		return out, nil
	}
	out.OK = true
	out.Result, err = json.Marshal(v)
	return out, err
}
