package designer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime"
)

// compiled is a draft's files loaded and checked as `tongban validate` does: the bundle, the
// plan (nil when there is an error) and the problems, errors first, then the warnings.
type compiled struct {
	bundle   *definitions.Bundle
	plan     *definitions.Plan
	problems []runtime.DesignProblem
	errors   int
}

// compile loads and checks a matter's files; a bundle without error gets the warnings validate
// gives as of today (the calendar running out, a 自然日 title counting working days) and the
// designer's own.
func (s *Service) compile(slug string, files map[string][]byte) compiled {
	b, problems := definitions.LoadFiles(files)
	var plan *definitions.Plan
	if len(problems) == 0 {
		plan, problems = definitions.Compile(b)
	}
	c := compiled{bundle: b, plan: plan}
	for _, p := range problems {
		c.problems = append(c.problems, problem(slug, p, runtime.SeverityError))
	}
	c.errors = len(c.problems)
	if plan != nil {
		today := s.now().In(runtime.Zone)
		for _, w := range plan.Warnings(today) {
			if strings.HasPrefix(w.File, matterDir(slug)) {
				c.problems = append(c.problems, problem(slug, w, runtime.SeverityWarning))
			}
		}
		if w, ok := plan.CalendarWarning(today); ok {
			c.problems = append(c.problems, problem(slug, w, runtime.SeverityWarning))
		}
		c.problems = append(c.problems, warnings(plan.Matter(slug))...)
	}
	sortProblems(c.problems)
	return c
}

// problem is a definitions problem as the studio shows it: files of the matter by their name
// in its folder, shared files (orgs, calendar, connectors) by their path in the bundle.
func problem(slug string, p definitions.Problem, severity string) runtime.DesignProblem {
	file, _ := strings.CutPrefix(p.File, matterDir(slug))
	return runtime.DesignProblem{File: file, Pointer: p.Pointer, Line: p.Line, Column: p.Column, Severity: severity,
		Message: p.Message, Snippet: p.Snippet}
}

// warnings are what keeps a checked matter from being what the analyst likely meant, without
// making it wrong: the publisher acknowledges them.
func warnings(mp *definitions.MatterPlan) []runtime.DesignProblem {
	if mp == nil {
		return nil
	}
	var out []runtime.DesignProblem
	if mp.Def.Sample == nil {
		out = append(out, runtime.DesignProblem{File: definitions.SampleFile, Severity: runtime.SeverityWarning,
			Message: "没有示例数据 sample.json：预览和试算只能用空表单"})
	}
	return out
}

// CheckDraft returns every problem of the open draft.
func (s *Service) CheckDraft(ctx context.Context, u *runtime.User, slug string) (*runtime.CheckResult, error) {
	d, err := s.draft(ctx, u, slug)
	if err != nil {
		return nil, err
	}
	c := s.compile(slug, d.Files)
	return &runtime.CheckResult{Revision: d.Revision, Errors: c.errors, Warnings: len(c.problems) - c.errors,
		Problems: nonNil(c.problems)}, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// CheckExpression compiles one expression where it stands in the draft (or the newest version
// when no draft is open): in the environment and for the type the checks give that place.
func (s *Service) CheckExpression(ctx context.Context, u *runtime.User, req runtime.ExpressionCheck) (*runtime.ExpressionResult, error) {
	if len(req.Source) > MaxExpressionBytes {
		return nil, runtime.Invalid(fmt.Sprintf("表达式超过 %d KB 的上限", MaxExpressionBytes>>10),
			runtime.FieldError{Pointer: "/source", Message: "表达式过长"})
	}
	if err := checkFileName(req.File); err != nil {
		return nil, err
	}
	_, files, err := s.current(ctx, u, req.Slug)
	if err != nil {
		return nil, err
	}
	trial, err := withUnsaved(req.Slug, files, req.Files)
	if err != nil {
		return nil, err
	}
	name := matterDir(req.Slug) + req.File
	patched, err := setAt(trial[name], req.Pointer, req.Source)
	if err != nil {
		return nil, runtime.Invalid("表达式的位置无效", runtime.FieldError{Pointer: "/pointer", Message: err.Error()})
	}
	trial[name] = patched
	b, _ := definitions.LoadFiles(trial)
	site, ok := definitions.ExpressionAt(b, req.Slug, name, req.Pointer)
	if !ok {
		return nil, runtime.Invalid(fmt.Sprintf("%s 的 %s 处不是表达式（或草稿的表单还无法编译）", req.File, req.Pointer),
			runtime.FieldError{Pointer: "/pointer", Message: "这里不是表达式"})
	}
	p, err := site.Env.Compile(req.Source, site.Want)
	var re *rules.Error
	switch {
	case errors.As(err, &re):
		return &runtime.ExpressionResult{Message: re.Message, Line: re.Line, Column: re.Column, Snippet: re.Snippet}, nil
	case err != nil:
		return nil, err
	}
	return &runtime.ExpressionResult{OK: true, Type: p.TypeName()}, nil
}

// withUnsaved is a draft's files with the studio's unsaved ones (by name in the matter folder)
// standing in for the saved ones.
func withUnsaved(slug string, files map[string][]byte, unsaved map[string]string) (map[string][]byte, error) {
	trial := make(map[string][]byte, len(files)+len(unsaved))
	for k, v := range files {
		trial[k] = v
	}
	for n, text := range unsaved {
		if err := checkFileName(n); err != nil {
			return nil, err
		}
		trial[matterDir(slug)+n] = []byte(text)
	}
	return trial, nil
}

// setAt returns the JSON document raw with the string value at pointer set to value; the
// pointer's parent must exist. An empty document is an empty object.
func setAt(raw []byte, pointer, value string) ([]byte, error) {
	var doc any = map[string]any{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, fmt.Errorf("文件不是有效的 JSON")
		}
	}
	if pointer == "" || pointer[0] != '/' {
		return nil, fmt.Errorf("JSON 指针应以 / 开头")
	}
	parts := strings.Split(pointer[1:], "/")
	for i := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(parts[i], "~1", "/"), "~0", "~")
	}
	cur := doc
	for i, part := range parts {
		last := i == len(parts)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[part] = value
				continue
			}
			next, ok := c[part]
			if !ok {
				return nil, fmt.Errorf("%s 不存在", "/"+strings.Join(parts[:i+1], "/"))
			}
			cur = next
		case []any:
			n, err := strconv.Atoi(part)
			if err != nil || n < 0 || n >= len(c) {
				return nil, fmt.Errorf("%s 不存在", "/"+strings.Join(parts[:i+1], "/"))
			}
			if last {
				c[n] = value
				continue
			}
			cur = c[n]
		default:
			return nil, fmt.Errorf("%s 不是对象或数组", "/"+strings.Join(parts[:i], "/"))
		}
	}
	return json.Marshal(doc)
}

// sortProblems orders problems errors first, then by file and pointer.
func sortProblems(ps []runtime.DesignProblem) {
	slices.SortStableFunc(ps, func(a, b runtime.DesignProblem) int {
		if a.Severity != b.Severity {
			return strings.Compare(a.Severity, b.Severity)
		}
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		return strings.Compare(a.Pointer, b.Pointer)
	})
}
