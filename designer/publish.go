package designer

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
)

// diffFiles is the semantic difference of two versions' own files.
func diffFiles(slug string, before, after map[string][]byte) []runtime.DiffChange {
	out := []runtime.DiffChange{}
	for _, c := range definitions.Diff(ownFiles(slug, before), ownFiles(slug, after)) {
		out = append(out, runtime.DiffChange{Kind: c.Kind, ID: c.ID, Change: c.Change, File: c.File, Before: c.Before, After: c.After})
	}
	return out
}

var kindNames = map[string]string{
	runtime.DiffField: "字段", runtime.DiffMaterial: "材料", runtime.DiffFee: "收费项目", runtime.DiffNode: "流程节点",
	runtime.DiffParameter: "参数", runtime.DiffCatalog: "目录信息", runtime.DiffFile: "文件",
}
var changeNames = map[string]string{"added": "新增", "removed": "删除", "changed": "修改"}

// summary is the one line the audit trail keeps of a diff: "字段 2 项新增，收费项目 1 项修改".
func summary(changes []runtime.DiffChange) string {
	counts := map[[2]string]int{}
	var order [][2]string
	for _, c := range changes {
		k := [2]string{c.Kind, c.Change}
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
	}
	parts := make([]string, 0, len(order))
	for _, k := range order {
		parts = append(parts, fmt.Sprintf("%s %d 项%s", kindNames[k[0]], counts[k], changeNames[k[1]]))
	}
	if len(parts) == 0 {
		return "无变化"
	}
	return strings.Join(parts, "，")
}

// RequestPublication marks the draft as awaiting a publisher.
func (s *Service) RequestPublication(ctx context.Context, u *runtime.User, slug string, req runtime.DraftAction) (*runtime.DraftView, error) {
	return s.move(ctx, u, slug, canEdit, "只有事项梳理人员可以申请发布", runtime.DraftRequested, runtime.DesignRequested, req.Comment)
}

// SendBack returns a requested draft to the analysts with the publisher's comment.
func (s *Service) SendBack(ctx context.Context, u *runtime.User, slug string, req runtime.DraftAction) (*runtime.DraftView, error) {
	if strings.TrimSpace(req.Comment) == "" {
		return nil, runtime.Invalid("退回时请写明意见", runtime.FieldError{Pointer: "/comment", Message: "请填写退回意见"})
	}
	return s.move(ctx, u, slug, canPublish, "只有事项审核人员可以退回", runtime.DraftReturned, runtime.DesignSentBack, req.Comment)
}

func (s *Service) move(ctx context.Context, u *runtime.User, slug string, may func(*runtime.User) bool, refusal, status, event, comment string) (*runtime.DraftView, error) {
	d, err := s.draft(ctx, u, slug)
	if err != nil {
		return nil, err
	}
	if !may(u) {
		return nil, runtime.Errorf(runtime.EFORBIDDEN, "%s", refusal)
	}
	if status == runtime.DraftReturned && d.Status != runtime.DraftRequested {
		return nil, runtime.Errorf(runtime.ECONFLICT, "草稿没有在等待发布，无需退回")
	}
	base, err := s.baseFiles(ctx, slug, d)
	if err != nil {
		return nil, err
	}
	d.Status, d.Comment, d.UpdatedBy = status, comment, ref(u)
	err = s.db.WriteDesign(ctx, func(tx runtime.DesignTx) error {
		if err := tx.UpdateDraft(d); err != nil {
			return err
		}
		_, err := tx.RecordDesignEvent(runtime.DesignEvent{Slug: slug, Type: event, Actor: ref(u), Version: d.Version,
			Files: changedFiles(diffFiles(slug, base, d.Files)), Summary: summary(diffFiles(slug, base, d.Files)), Comment: comment})
		return err
	})
	if err != nil {
		return nil, err
	}
	return view(d), nil
}

// baseFiles are the files of the version a draft was opened from (none for a new matter).
func (s *Service) baseFiles(ctx context.Context, slug string, d *runtime.DraftState) (map[string][]byte, error) {
	if d.Base == 0 {
		return map[string][]byte{}, nil
	}
	v, err := s.db.MatterVersion(ctx, slug, d.Base)
	if err != nil {
		return nil, err
	}
	return v.Files, nil
}

func changedFiles(changes []runtime.DiffChange) []string {
	var out []string
	for _, c := range changes {
		if len(out) == 0 || out[len(out)-1] != c.File {
			out = append(out, c.File)
		}
	}
	return out
}

// Publish publishes the draft as a new version when it has no error and its warnings are
// acknowledged.
func (s *Service) Publish(ctx context.Context, u *runtime.User, slug string, req runtime.PublishRequest) (*runtime.Published, error) {
	d, err := s.draft(ctx, u, slug)
	if err != nil {
		return nil, err
	}
	if !canPublish(u) {
		return nil, runtime.Errorf(runtime.EFORBIDDEN, "只有事项审核人员可以发布，请申请发布")
	}
	base, err := s.baseFiles(ctx, slug, d)
	if err != nil {
		return nil, err
	}
	return s.publish(ctx, u, slug, d.Files, base, req.Acknowledge, runtime.DesignPublished, req.Comment, 0)
}

// publish checks files and stores them as the newest version, closing the open draft.
func (s *Service) publish(ctx context.Context, u *runtime.User, slug string, files, base map[string][]byte, acknowledge bool, event, comment string, from int) (*runtime.Published, error) {
	c := s.compile(slug, files)
	if c.errors > 0 || (len(c.problems) > 0 && !acknowledge) {
		msg := fmt.Sprintf("草稿有 %d 个错误，不能发布", c.errors)
		if c.errors == 0 {
			msg = fmt.Sprintf("草稿有 %d 个警告，确认后才能发布（acknowledge）", len(c.problems))
		}
		e := runtime.Invalid(msg)
		e.Problems = c.problems
		return nil, e
	}
	canonical, err := c.bundle.VersionFiles(c.bundle.Matters[0])
	if err != nil {
		return nil, err
	}
	changes := diffFiles(slug, base, canonical)
	var mv *runtime.MatterVersion
	err = s.db.WriteDesign(ctx, func(tx runtime.DesignTx) (err error) {
		if mv, err = tx.Publish(slug, canonical); err != nil {
			return err
		}
		if from > 0 {
			comment = strings.TrimSpace(fmt.Sprintf("回退到第 %d 版 %s", from, comment))
		}
		_, err = tx.RecordDesignEvent(runtime.DesignEvent{Slug: slug, Type: event, Actor: ref(u), Version: mv.Version,
			Files: changedFiles(changes), Summary: summary(changes), Comment: comment})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &runtime.Published{Slug: slug, Version: mv.Version, ContentHash: mv.ContentHash, Unchanged: len(changes) == 0}
	if mv.PublishedAt != nil {
		out.PublishedAt = *mv.PublishedAt
	}
	return out, nil
}

// Versions lists the matter's versions, newest first, with who published each.
func (s *Service) Versions(ctx context.Context, u *runtime.User, slug string) ([]runtime.VersionInfo, error) {
	if _, _, err := s.current(ctx, u, slug); err != nil {
		return nil, err
	}
	versions, err := s.db.MatterVersions(ctx, slug)
	if err != nil {
		return nil, err
	}
	events, err := s.db.DesignEvents(ctx, slug, 500)
	if err != nil {
		return nil, err
	}
	by := map[int]runtime.UserRef{}
	for _, e := range events {
		if e.Type == runtime.DesignPublished || e.Type == runtime.DesignRolledBack {
			if _, seen := by[e.Version]; !seen {
				by[e.Version] = e.Actor
			}
		}
	}
	out := make([]runtime.VersionInfo, 0, len(versions))
	for _, v := range versions {
		vi := runtime.VersionInfo{Version: v.Version, Status: v.Status, ContentHash: v.ContentHash, CreatedAt: v.CreatedAt, PublishedAt: v.PublishedAt}
		if who, ok := by[v.Version]; ok {
			vi.PublishedBy = &who
		}
		out = append(out, vi)
	}
	return out, nil
}

// files returns the files of a version named "draft" or by number ("" the newest published).
func (s *Service) files(ctx context.Context, u *runtime.User, slug, version string) (map[string][]byte, error) {
	d, _, err := s.current(ctx, u, slug)
	if err != nil {
		return nil, err
	}
	switch version {
	case "draft":
		if d == nil {
			return nil, runtime.Errorf(runtime.ENOTFOUND, "事项 %s 没有打开的草稿", slug)
		}
		return d.Files, nil
	case "":
		v, err := s.db.LatestPublished(ctx, slug)
		if err != nil {
			return nil, err
		}
		return v.Files, nil
	}
	n, err := strconv.Atoi(version)
	if err != nil || n <= 0 {
		return nil, runtime.Invalid("版本应为数字或 draft", runtime.FieldError{Pointer: "/version", Message: version})
	}
	v, err := s.db.MatterVersion(ctx, slug, n)
	if err != nil {
		return nil, err
	}
	return v.Files, nil
}

// Diff compares two versions of the matter; from defaults to the newest published, to to the
// draft.
func (s *Service) Diff(ctx context.Context, u *runtime.User, slug, from, to string) (*runtime.MatterDiff, error) {
	if to == "" {
		to = "draft"
	}
	a, err := s.files(ctx, u, slug, from)
	if err != nil {
		return nil, err
	}
	b, err := s.files(ctx, u, slug, to)
	if err != nil {
		return nil, err
	}
	return &runtime.MatterDiff{Slug: slug, From: from, To: to, Changes: diffFiles(slug, a, b)}, nil
}

// Rollback publishes an old version's files as a new version.
func (s *Service) Rollback(ctx context.Context, u *runtime.User, slug string, req runtime.RollbackRequest) (*runtime.Published, error) {
	if !canPublish(u) {
		if err := designer(u); err != nil {
			return nil, err
		}
		return nil, runtime.Errorf(runtime.EFORBIDDEN, "只有事项审核人员可以回退版本")
	}
	old, err := s.files(ctx, u, slug, strconv.Itoa(req.Version))
	if err != nil {
		return nil, err
	}
	latest, err := s.db.LatestPublished(ctx, slug)
	if err != nil {
		return nil, err
	}
	return s.publish(ctx, u, slug, old, latest.Files, true, runtime.DesignRolledBack, req.Comment, req.Version)
}

// History returns the matter's design audit trail, newest first.
func (s *Service) History(ctx context.Context, u *runtime.User, slug string) ([]runtime.DesignEvent, error) {
	if _, _, err := s.current(ctx, u, slug); err != nil {
		return nil, err
	}
	return s.db.DesignEvents(ctx, slug, 500)
}

// NewMatter opens the draft of a new matter: a copy of another's newest version (or draft),
// or from scratch on the shared files (orgs, calendar, connectors) of the newest published
// bundle.
func (s *Service) NewMatter(ctx context.Context, u *runtime.User, req runtime.NewMatter) (*runtime.DraftView, error) {
	if err := designer(u); err != nil {
		return nil, err
	}
	if !canEdit(u) {
		return nil, runtime.Errorf(runtime.EFORBIDDEN, "只有事项梳理人员可以新建事项")
	}
	if err := checkSlug(req.Slug); err != nil {
		return nil, err
	}
	if vs, err := s.db.MatterVersions(ctx, req.Slug); err != nil {
		return nil, err
	} else if len(vs) > 0 {
		return nil, runtime.Errorf(runtime.ECONFLICT, "事项标识 %s 已被使用", req.Slug)
	}
	var files map[string][]byte
	if req.From != "" {
		_, from, err := s.current(ctx, u, req.From)
		if err != nil {
			return nil, err
		}
		files = map[string][]byte{}
		for name, data := range from {
			if rest, ok := strings.CutPrefix(name, matterDir(req.From)); ok {
				name = matterDir(req.Slug) + rest
			}
			files[name] = data
		}
	} else {
		shared, err := s.sharedFiles(ctx)
		if err != nil {
			return nil, err
		}
		files = scratch(req, u, shared)
	}
	var d *runtime.DraftState
	err := s.db.WriteDesign(ctx, func(tx runtime.DesignTx) (err error) {
		if d, err = tx.CreateDraft(runtime.DraftState{Slug: req.Slug, OpenedBy: ref(u), Files: files}); err != nil {
			return err
		}
		_, err = tx.RecordDesignEvent(runtime.DesignEvent{Slug: req.Slug, Type: runtime.DesignCreated, Actor: ref(u),
			Version: d.Version, Comment: req.From})
		return err
	})
	if err != nil {
		return nil, err
	}
	return view(d), nil
}

// sharedFiles are the bundle's shared files of the newest published version of any matter.
func (s *Service) sharedFiles(ctx context.Context) (map[string][]byte, error) {
	refs, err := s.db.LatestPublishedRefs(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	var newest *runtime.VersionRef
	for i := range refs {
		if newest == nil || refs[i].CreatedAt.After(newest.CreatedAt) {
			newest = &refs[i]
		}
	}
	if newest == nil {
		return out, nil
	}
	v, err := s.db.MatterVersion(ctx, newest.Slug, newest.Version)
	if err != nil {
		return nil, err
	}
	for name, data := range v.Files {
		if !strings.HasPrefix(name, definitions.MattersDir+"/") {
			out[name] = data
		}
	}
	return out, nil
}

// scratch is the smallest matter the analyst starts from: a catalog entry in their org (its name
// and division from the org tree) with the entries of 4.3.1 still to fill in (the check lists
// them), an empty form with one section, no materials or fees, and a workflow of acceptance and
// decision.
func scratch(req runtime.NewMatter, u *runtime.User, shared map[string][]byte) map[string][]byte {
	org := req.OrgCode
	if org == "" {
		org = u.OrgCode
	}
	orgName, division := org, ""
	var orgs definitions.Orgs
	_ = json.Unmarshal(shared[definitions.OrgsFile], &orgs)
	for _, o := range orgs.Orgs {
		if o.Code == org {
			orgName, division = o.Name, o.DivisionCode
		}
	}
	name := req.Name
	if name == "" {
		name = "新事项"
	}
	dir := matterDir(req.Slug)
	enc := func(v any) []byte {
		b, _ := json.MarshalIndent(v, "", "  ")
		return append(b, '\n')
	}
	files := map[string][]byte{}
	for k, v := range shared {
		files[k] = v
	}
	files[dir+definitions.MatterFile] = enc(map[string]any{
		"name": name, "type": "行政许可", "org": map[string]any{"code": org, "name": orgName, "divisionCode": division},
		"legalLimitDays": 20, "promisedLimitDays": 10, "approvalMode": "manual", "serviceObjects": []string{"自然人"},
	})
	files[dir+definitions.FormSchemaFile] = enc(map[string]any{
		"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": map[string]any{}, "required": []string{},
	})
	files[dir+definitions.FormUIFile] = enc(map[string]any{"sections": []any{map[string]any{"id": "main", "title": "申请信息", "fields": []string{}}}})
	files[dir+definitions.MaterialsFile] = enc(map[string]any{"materials": []any{}})
	files[dir+definitions.FeesFile] = enc(map[string]any{"items": []any{}})
	files[dir+definitions.WorkflowFile] = enc(map[string]any{
		"nodes": []any{
			map[string]any{"id": "start", "type": "start", "name": "申请"},
			map[string]any{"id": "accept", "type": "acceptance", "name": "受理", "assignee": map[string]any{"role": "clerk"}},
			map[string]any{"id": "decide", "type": "task", "name": "决定", "assignee": map[string]any{"role": "decider"}},
			map[string]any{"id": "approved", "type": "end", "name": "办结（准予）", "result": "approved"},
			map[string]any{"id": "denied", "type": "end", "name": "办结（不予）", "result": "denied"},
			map[string]any{"id": "notAccepted", "type": "end", "name": "不予受理", "result": "not-accepted"},
		},
		"edges": []any{
			map[string]any{"from": "start", "to": "accept"},
			map[string]any{"from": "accept", "to": "decide", "on": "accept"},
			map[string]any{"from": "accept", "to": "notAccepted", "on": "not-accept"},
			map[string]any{"from": "decide", "to": "approved", "on": "approve"},
			map[string]any{"from": "decide", "to": "denied", "on": "deny"},
		},
	})
	return files
}
