// Package designer is the design-time service: drafts of matters as the studio edits them,
// their checks, previews and dry runs, publication as new immutable versions, versions, diffs
// and rollback. It implements runtime.DesignService over the storage ports (runtime.Store) and
// reuses the definitions' checks and the one form renderer; it validates nothing itself.
package designer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg" // print pictures may be JPEG
	_ "image/png"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
)

// Limits of what a draft takes: one definition file, one expression.
const (
	MaxFileBytes       = 2 << 20
	MaxExpressionBytes = 64 << 10
)

// Service is the design-time service.
type Service struct {
	db            runtime.Store
	now           func() time.Time
	lookup        Lookup
	sharedChanged func(context.Context) error
}

var _ runtime.DesignService = (*Service)(nil)

// New returns the design-time service over db; now is the clock (nil: time.Now).
func New(db runtime.Store, now func() time.Time, opts ...Option) *Service {
	if now == nil {
		now = time.Now
	}
	s := &Service{db: db, now: now}
	for _, o := range opts {
		o(s)
	}
	return s
}

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

func checkSlug(slug string) error {
	if !slugPattern.MatchString(slug) {
		return runtime.Invalid("事项标识无效：只能用小写字母、数字和连字符（至多 64 个字符）",
			runtime.FieldError{Pointer: "/slug", Message: fmt.Sprintf("%q 不是有效的事项标识", slug)})
	}
	return nil
}

func checkFileName(name string) error {
	if !definitions.IsMatterFile(name) && !definitions.IsPrintImage(name) {
		return runtime.Invalid(fmt.Sprintf("%s 不是事项定义的文件（应为 matter.json、form.schema.json、form.ui.json、materials.json、workflow.json、fees.json、sample.json、print/名称.json 或打印底图 print/名称.png、.jpg）", name),
			runtime.FieldError{Pointer: "/name", Message: name})
	}
	return nil
}

func has(u *runtime.User, roles ...runtime.Role) bool {
	return u != nil && slices.ContainsFunc(roles, func(r runtime.Role) bool { return slices.Contains(u.Roles, r) })
}

func canEdit(u *runtime.User) bool    { return has(u, runtime.RoleAnalyst, runtime.RoleAdmin) }
func canPublish(u *runtime.User) bool { return has(u, runtime.RolePublisher, runtime.RoleAdmin) }

// designer refuses users who may neither edit nor publish.
func designer(u *runtime.User) error {
	if u == nil {
		return runtime.Errorf(runtime.EUNAUTHORIZED, "请先登录")
	}
	if !canEdit(u) && !canPublish(u) {
		return runtime.Errorf(runtime.EFORBIDDEN, "只有事项梳理人员、事项审核人员和系统管理员可以使用事项设计器")
	}
	return nil
}

func ref(u *runtime.User) runtime.UserRef { return runtime.UserRef{ID: u.ID, Name: u.Name} }

// matterDir is where a matter's own files are in a version's files.
func matterDir(slug string) string { return path.Join(definitions.MattersDir, slug) + "/" }

// ownFiles returns the matter's own files of a version by name within the matter folder.
func ownFiles(slug string, files map[string][]byte) map[string][]byte {
	out := map[string][]byte{}
	for name, data := range files {
		if rest, ok := strings.CutPrefix(name, matterDir(slug)); ok {
			out[rest] = data
		}
	}
	return out
}

// facts are what scoping and the list need of a version: the matter's name and org, and the
// orgs it was published with.
type facts struct {
	name, orgCode, orgName string
	parents                map[string]string
}

func factsOf(slug string, files map[string][]byte) facts {
	var m struct {
		Name string `json:"name"`
		Org  struct {
			Code string `json:"code"`
			Name string `json:"name"`
		} `json:"org"`
	}
	_ = json.Unmarshal(files[matterDir(slug)+definitions.MatterFile], &m)
	var orgs definitions.Orgs
	_ = json.Unmarshal(files[definitions.OrgsFile], &orgs)
	f := facts{name: m.Name, orgCode: m.Org.Code, orgName: m.Org.Name, parents: map[string]string{}}
	for _, o := range orgs.Orgs {
		f.parents[o.Code] = o.Parent
	}
	return f
}

// within reports whether the user may see the matter: admins see every matter, others those of
// their org and the orgs below it.
func (f facts) within(u *runtime.User) bool {
	if has(u, runtime.RoleAdmin) {
		return true
	}
	for code, seen := f.orgCode, 0; code != "" && seen < 32; code, seen = f.parents[code], seen+1 {
		if code == u.OrgCode {
			return true
		}
	}
	return false
}

func notFound(slug string) error { return runtime.Errorf(runtime.ENOTFOUND, "没有事项 %s", slug) }

// current returns the files the user works on for slug — the open draft's, else the newest
// published version's — after checking that they may: the draft (nil when none is open).
func (s *Service) current(ctx context.Context, u *runtime.User, slug string) (*runtime.DraftState, map[string][]byte, error) {
	if err := designer(u); err != nil {
		return nil, nil, err
	}
	if err := checkSlug(slug); err != nil {
		return nil, nil, err
	}
	d, err := s.db.Draft(ctx, slug)
	switch {
	case err == nil:
		// The draft decides the org once it names one; a draft whose matter.json does not
		// decode yet falls back on the published version's.
		if f := factsOf(slug, d.Files); f.orgCode != "" {
			if !f.within(u) {
				return nil, nil, notFound(slug)
			}
			return d, d.Files, nil
		}
	case runtime.ErrorCode(err) != runtime.ENOTFOUND:
		return nil, nil, err
	}
	latest, lerr := s.db.LatestPublished(ctx, slug)
	if lerr != nil {
		if runtime.ErrorCode(lerr) == runtime.ENOTFOUND && d != nil && has(u, runtime.RoleAdmin) {
			return d, d.Files, nil
		}
		if runtime.ErrorCode(lerr) == runtime.ENOTFOUND {
			return nil, nil, notFound(slug)
		}
		return nil, nil, lerr
	}
	if !factsOf(slug, latest.Files).within(u) {
		return nil, nil, notFound(slug)
	}
	if d != nil {
		return d, d.Files, nil
	}
	return nil, latest.Files, nil
}

// draft returns the open draft of slug for the user; ENOTFOUND when none is open.
func (s *Service) draft(ctx context.Context, u *runtime.User, slug string) (*runtime.DraftState, error) {
	d, _, err := s.current(ctx, u, slug)
	if err == nil && d == nil {
		err = runtime.Errorf(runtime.ENOTFOUND, "事项 %s 没有打开的草稿，请先打开草稿", slug)
	}
	return d, err
}

func info(d *runtime.DraftState) runtime.DraftInfo {
	return runtime.DraftInfo{Version: d.Version, Base: d.Base, Revision: d.Revision, Status: d.Status, Comment: d.Comment,
		OpenedBy: d.OpenedBy, OpenedAt: d.OpenedAt, UpdatedBy: d.UpdatedBy, UpdatedAt: d.UpdatedAt}
}

func view(d *runtime.DraftState) *runtime.DraftView {
	v := &runtime.DraftView{Slug: d.Slug, DraftInfo: info(d), Files: map[string]string{}}
	for name, data := range ownFiles(d.Slug, d.Files) {
		if definitions.IsPrintImage(name) {
			// pictures are not text: the view names them, GET …/files/{name} gives them
			v.Images = append(v.Images, name)
			continue
		}
		v.Files[name] = string(data)
	}
	slices.Sort(v.Images)
	return v
}

// Session says who the studio is signed in as and what they may do.
func (s *Service) Session(ctx context.Context, u *runtime.User) (*runtime.DesignSession, error) {
	if err := designer(u); err != nil {
		return nil, err
	}
	return &runtime.DesignSession{User: ref(u), OrgCode: u.OrgCode, Roles: u.Roles, CanEdit: canEdit(u), CanPublish: canPublish(u)}, nil
}

// ListMatters lists the matters the user may work on, with their open drafts.
func (s *Service) ListMatters(ctx context.Context, u *runtime.User) ([]runtime.DesignMatter, error) {
	if err := designer(u); err != nil {
		return nil, err
	}
	published, err := s.db.ListLatestPublished(ctx)
	if err != nil {
		return nil, err
	}
	drafts, err := s.db.Drafts(ctx)
	if err != nil {
		return nil, err
	}
	bySlug := map[string]*runtime.DesignMatter{}
	var order []string
	for _, v := range published {
		f := factsOf(v.Slug, v.Files)
		if !f.within(u) {
			continue
		}
		bySlug[v.Slug] = &runtime.DesignMatter{Slug: v.Slug, Name: f.name, OrgCode: f.orgCode, OrgName: f.orgName, Published: v.Version}
		order = append(order, v.Slug)
	}
	for _, d := range drafts {
		m := bySlug[d.Slug]
		if m == nil {
			// A matter never published yet: its draft says whose it is.
			full, err := s.db.Draft(ctx, d.Slug)
			if err != nil {
				continue
			}
			f := factsOf(d.Slug, full.Files)
			if !f.within(u) {
				continue
			}
			m = &runtime.DesignMatter{Slug: d.Slug, Name: f.name, OrgCode: f.orgCode, OrgName: f.orgName}
			bySlug[d.Slug] = m
			order = append(order, d.Slug)
		}
		di := info(d)
		m.Draft = &di
	}
	slices.Sort(order)
	out := make([]runtime.DesignMatter, 0, len(order))
	for _, slug := range order {
		out = append(out, *bySlug[slug])
	}
	return out, nil
}

// OpenDraft opens a draft from the newest published version, or returns the open one.
func (s *Service) OpenDraft(ctx context.Context, u *runtime.User, slug string) (*runtime.DraftView, error) {
	d, files, err := s.current(ctx, u, slug)
	if err != nil {
		return nil, err
	}
	if d != nil {
		return view(d), nil
	}
	if !canEdit(u) {
		return nil, runtime.Errorf(runtime.EFORBIDDEN, "只有事项梳理人员可以打开草稿")
	}
	base, err := s.db.LatestPublishedVersion(ctx, slug)
	if err != nil {
		return nil, err
	}
	err = s.db.WriteDesign(ctx, func(tx runtime.DesignTx) error {
		d, err = tx.CreateDraft(runtime.DraftState{Slug: slug, Base: base, OpenedBy: ref(u), Files: files})
		if err != nil {
			return err
		}
		_, err = tx.RecordDesignEvent(runtime.DesignEvent{Slug: slug, Type: runtime.DesignDraftOpened, Actor: ref(u), Version: d.Version})
		return err
	})
	if runtime.ErrorCode(err) == runtime.ECONFLICT {
		// Someone opened it at the same moment: theirs is the draft.
		return s.Draft(ctx, u, slug)
	}
	if err != nil {
		return nil, err
	}
	return view(d), nil
}

// Draft returns the open draft with its files.
func (s *Service) Draft(ctx context.Context, u *runtime.User, slug string) (*runtime.DraftView, error) {
	d, err := s.draft(ctx, u, slug)
	if err != nil {
		return nil, err
	}
	return view(d), nil
}

// DraftFile returns one file of the draft as saved, and the draft's revision.
func (s *Service) DraftFile(ctx context.Context, u *runtime.User, slug, name string) ([]byte, int, error) {
	if err := checkFileName(name); err != nil {
		return nil, 0, err
	}
	d, err := s.draft(ctx, u, slug)
	if err != nil {
		return nil, 0, err
	}
	data, ok := d.Files[matterDir(slug)+name]
	if !ok {
		return nil, 0, runtime.Errorf(runtime.ENOTFOUND, "草稿中没有文件 %s", name)
	}
	return data, d.Revision, nil
}

// wellFormed refuses content that is not one JSON value, naming where it breaks, and a print
// picture that is not a PNG or JPEG.
func wellFormed(name string, content []byte) error {
	if len(content) > MaxFileBytes {
		return runtime.Errorf(runtime.ETOOLARGE, "文件 %s 超过 %d MB 的上限", name, MaxFileBytes>>20)
	}
	if definitions.IsPrintImage(name) {
		if _, format, err := image.DecodeConfig(bytes.NewReader(content)); err != nil || (format != "png" && format != "jpeg") {
			return runtime.Invalid(fmt.Sprintf("文件 %s 不是 PNG 或 JPEG 图片", name), runtime.FieldError{Pointer: "", Message: "无法识别的图片"})
		}
		return nil
	}
	if !json.Valid(content) {
		var v any
		err := json.Unmarshal(content, &v)
		msg := "不是有效的 JSON"
		var syn *json.SyntaxError
		if se, ok := err.(*json.SyntaxError); ok {
			syn = se
			line, col := lineCol(content, syn.Offset)
			msg = fmt.Sprintf("第 %d 行第 %d 列：%s", line, col, "JSON 语法错误")
		}
		return runtime.Invalid(fmt.Sprintf("文件 %s 不是有效的 JSON", name), runtime.FieldError{Pointer: "", Message: msg})
	}
	// Bounded before anything (the diff of a save, the checks) walks it.
	if pointer, msg := definitions.CheckBounds(content); msg != "" {
		return runtime.Invalid(fmt.Sprintf("文件 %s %s", name, msg), runtime.FieldError{Pointer: pointer, Message: msg})
	}
	return nil
}

func lineCol(b []byte, offset int64) (line, col int) {
	line, col = 1, 1
	for i := int64(0); i < offset-1 && i < int64(len(b)); i++ {
		if b[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// change applies edit to the open draft at revision, records the save and returns the result.
func (s *Service) change(ctx context.Context, u *runtime.User, slug, name string, revision int, edit func(files map[string][]byte)) (*runtime.SavedFile, error) {
	if !canEdit(u) {
		if err := designer(u); err != nil {
			return nil, err
		}
		return nil, runtime.Errorf(runtime.EFORBIDDEN, "只有事项梳理人员可以修改草稿")
	}
	if revision <= 0 {
		return nil, runtime.Invalid("请在 If-Match 请求头中给出草稿的修订号", runtime.FieldError{Pointer: "/revision", Message: "缺少修订号"})
	}
	d, err := s.draft(ctx, u, slug)
	if err != nil {
		return nil, err
	}
	if d.Revision != revision {
		return nil, s.stale(d, revision)
	}
	before := d.Files
	d.Files = make(map[string][]byte, len(before))
	for k, v := range before {
		d.Files[k] = v
	}
	edit(d.Files)
	d.UpdatedBy = ref(u)
	if d.Status == runtime.DraftRequested {
		// A change after the request withdraws it: the publisher must see what they publish.
		d.Status = runtime.DraftEditing
	}
	err = s.db.WriteDesign(ctx, func(tx runtime.DesignTx) error {
		if err := tx.UpdateDraft(d); err != nil {
			return err
		}
		_, err := tx.RecordDesignEvent(runtime.DesignEvent{Slug: slug, Type: runtime.DesignDraftSaved, Actor: ref(u),
			Version: d.Version, Files: []string{name}, Summary: summary(diffFiles(slug, before, d.Files))})
		return err
	})
	if runtime.ErrorCode(err) == runtime.ECONFLICT {
		if cur, rerr := s.db.Draft(ctx, slug); rerr == nil {
			return nil, s.stale(cur, revision)
		}
	}
	if err != nil {
		return nil, err
	}
	return &runtime.SavedFile{Name: name, Revision: d.Revision, UpdatedAt: d.UpdatedAt}, nil
}

// stale is the conflict of a save based on an old revision: it names who saved last.
func (s *Service) stale(d *runtime.DraftState, revision int) error {
	who := d.UpdatedBy.Name
	if who == "" {
		who = "他人"
	}
	e := runtime.Errorf(runtime.ECONFLICT, "草稿已被 %s 于 %s 保存（修订 %d），您的修改基于修订 %d，请重新载入后再改",
		who, d.UpdatedAt.In(shanghai).Format("2006-01-02 15:04"), d.Revision, revision)
	e.Fields = []runtime.FieldError{{Pointer: "/revision", Message: fmt.Sprint(d.Revision)}}
	return e
}

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

// PutDraftFile replaces one file of the draft when revision is current.
func (s *Service) PutDraftFile(ctx context.Context, u *runtime.User, slug, name string, revision int, content []byte) (*runtime.SavedFile, error) {
	if err := checkFileName(name); err != nil {
		return nil, err
	}
	if err := wellFormed(name, content); err != nil {
		return nil, err
	}
	return s.change(ctx, u, slug, name, revision, func(files map[string][]byte) {
		files[matterDir(slug)+name] = content
	})
}

// DeleteDraftFile removes an optional file of the draft.
func (s *Service) DeleteDraftFile(ctx context.Context, u *runtime.User, slug, name string, revision int) (*runtime.SavedFile, error) {
	if err := checkFileName(name); err != nil {
		return nil, err
	}
	if name != definitions.SampleFile && !strings.HasPrefix(name, definitions.PrintDir+"/") {
		return nil, runtime.Invalid(fmt.Sprintf("%s 是事项必需的文件，不能删除", name), runtime.FieldError{Pointer: "/name", Message: name})
	}
	return s.change(ctx, u, slug, name, revision, func(files map[string][]byte) {
		delete(files, matterDir(slug)+name)
	})
}

// DiscardDraft closes the open draft without publishing it.
func (s *Service) DiscardDraft(ctx context.Context, u *runtime.User, slug string) error {
	if !canEdit(u) {
		if err := designer(u); err != nil {
			return err
		}
		return runtime.Errorf(runtime.EFORBIDDEN, "只有事项梳理人员可以放弃草稿")
	}
	d, err := s.draft(ctx, u, slug)
	if err != nil {
		return err
	}
	return s.db.WriteDesign(ctx, func(tx runtime.DesignTx) error {
		if err := tx.DeleteDraft(slug); err != nil {
			return err
		}
		_, err := tx.RecordDesignEvent(runtime.DesignEvent{Slug: slug, Type: runtime.DesignDraftDropped, Actor: ref(u), Version: d.Version})
		return err
	})
}
