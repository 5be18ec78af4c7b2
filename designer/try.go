package designer

import (
	"bytes"
	"context"
	"encoding/json"
	"html/template"
	"slices"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/engine"
	"github.com/xuchang-gov/tongban/runtime/web/form"
)

// checked compiles the open draft and refuses one with errors, listing them.
func (s *Service) checked(ctx context.Context, u *runtime.User, slug string) (*definitions.MatterPlan, compiled, error) {
	d, err := s.draft(ctx, u, slug)
	if err != nil {
		return nil, compiled{}, err
	}
	return s.planOf(slug, d.Files)
}

// planOf compiles files and returns the matter's plan; files with errors are refused with the
// problems listed.
func (s *Service) planOf(slug string, files map[string][]byte) (*definitions.MatterPlan, compiled, error) {
	c := s.compile(slug, files)
	if c.plan == nil {
		e := runtime.Invalid("草稿有错误，请先修正")
		e.Problems = c.problems
		return nil, c, e
	}
	return c.plan.Matter(slug), c, nil
}

// formData is the application data of a preview or dry run: given, the sample, or empty.
func formData(mp *definitions.MatterPlan, given json.RawMessage, sample bool) (map[string]any, error) {
	raw := given
	if len(raw) == 0 && sample {
		raw = mp.Def.Sample
	}
	data := map[string]any{}
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &data); err != nil {
			return nil, runtime.Invalid("表单数据应为 JSON 对象", runtime.FieldError{Pointer: "/form", Message: "不是 JSON 对象"})
		}
	}
	return data, nil
}

var previewPage = template.Must(template.New("preview").Parse(`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>预览：{{.Name}}</title>
<link rel="stylesheet" href="/static/tongban.css">
</head>
<body class="site-{{.Site}}{{if .Kiosk}} kiosk{{end}} preview">
<main id="main" class="wrap">
<h1>{{.Name}}</h1>
{{with .Problems}}<section class="error-summary" role="alert" aria-label="草稿的问题">
<p>草稿有 {{len .}} 个错误：下面只显示能编译的部分（有错误的显示规则不起作用），修正后预览完整的表单。</p>
<ul>{{range .}}<li>{{.File}}{{.Pointer}}{{if .Line}}（{{.Line}}:{{.Column}}）{{end}}：{{.Message}}</li>{{end}}</ul>
</section>{{end}}
<form class="apply" method="post" action="#" novalidate>
{{.Form}}
</form>
</main>
</body>
</html>
`))

// Preview renders the draft's application form with the one form renderer.
func (s *Service) Preview(ctx context.Context, u *runtime.User, slug string, req runtime.PreviewRequest) ([]byte, error) {
	look := req.Look
	if look == "" {
		look = runtime.LookPortal
	}
	if !slices.Contains([]string{runtime.LookPortal, runtime.LookWorkbench, runtime.LookKiosk}, look) {
		return nil, runtime.Invalid("预览样式应为 portal、workbench 或 kiosk", runtime.FieldError{Pointer: "/look", Message: look})
	}
	mp, c, err := s.checked(ctx, u, slug)
	var problems []runtime.DesignProblem
	if runtime.ErrorCode(err) == runtime.EINVALID && c.bundle != nil {
		// A draft with errors shows what of its form compiles, with the errors above it.
		if mp = definitions.PartialPlan(c.bundle, slug); mp != nil {
			err, problems = nil, c.problems[:c.errors]
		}
	}
	if err != nil {
		return nil, err
	}
	data, err := formData(mp, req.Form, req.Sample)
	if err != nil {
		return nil, err
	}
	vars := rules.CaseVars(data, nil, rules.Case{Channel: "online", Status: string(runtime.StatusDraft), Matter: slug}, nil, s.now())
	html, err := form.RenderHTML(form.Build(mp, data, nil, vars))
	if err != nil {
		return nil, err
	}
	site := "portal"
	if look == runtime.LookWorkbench {
		site = "work"
	}
	var b bytes.Buffer
	err = previewPage.Execute(&b, map[string]any{"Name": mp.Def.Matter.Name, "Site": site, "Kiosk": look == runtime.LookKiosk, "Form": html, "Problems": problems})
	return b.Bytes(), err
}

// Try runs a submission against the draft without storing anything: the form's validation,
// the materials that apply, the fees, the automatic rules and the first steps of the workflow.
func (s *Service) Try(ctx context.Context, u *runtime.User, slug string, req runtime.TryRequest) (*runtime.TryResult, error) {
	mp, c, err := s.checked(ctx, u, slug)
	if runtime.ErrorCode(err) == runtime.EINVALID && c.bundle != nil {
		return &runtime.TryResult{Errors: []runtime.FieldError{}, Materials: []runtime.TryMaterial{}, Fees: []runtime.FeeLine{},
			Rules: []runtime.TryRule{}, Steps: []runtime.TryStep{}, Problems: c.problems}, nil
	}
	if err != nil {
		return nil, err
	}
	data, err := formData(mp, req.Form, true)
	if err != nil {
		return nil, err
	}
	out := &runtime.TryResult{Valid: true, Errors: []runtime.FieldError{}, Materials: []runtime.TryMaterial{}, Fees: []runtime.FeeLine{}}
	for _, e := range mp.Form.Validate(data) {
		out.Valid = false
		out.Errors = append(out.Errors, runtime.FieldError{Pointer: e.Pointer, Message: e.Message})
	}
	trial := s.trialCase(mp, slug, data, req.Applicant, req.Channel)
	vars := trial.vars(nil)
	var states map[string]rules.Material
	out.Materials, states = trial.materials(vars, req.Deferred, req.Provided)
	vars = trial.vars(states)
	fees, total, err := mp.ApplyFees(vars)
	if err != nil {
		out.Valid = false
		out.Errors = append(out.Errors, runtime.FieldError{Pointer: "/fees", Message: err.Error()})
	}
	out.Fees, out.FeeTotal = nonNil(runtime.FeeLines(fees)), total
	out.Rules, out.Steps = []runtime.TryRule{}, []runtime.TryStep{}
	if !out.Valid {
		return out, nil
	}
	state, effects, err := engine.Start(mp.Workflow, vars, trial.now)
	if err != nil {
		return nil, err
	}
	// The first steps wait for acceptance: accept once to show what follows, as a clerk would.
	for _, w := range engine.Waiting(state) {
		if n := mp.Workflow.Nodes[w.Node]; n != nil && n.Type == "acceptance" {
			if _, more, err := engine.Complete(mp.Workflow, state, w.Token, "accept", vars, trial.now); err == nil {
				effects = append(effects, more...)
			}
			break
		}
	}
	for _, e := range effects {
		switch e := e.(type) {
		case engine.CreateTask:
			out.Steps = append(out.Steps, s.step(mp, e.Node, e.Org, e.Role))
		case engine.CallConnector:
			out.Steps = append(out.Steps, s.step(mp, e.Node, "", ""))
		case engine.StartTimer:
			out.Steps = append(out.Steps, s.step(mp, e.Node, "", ""))
		case engine.AutoDecision:
			for _, r := range e.Rules {
				outcome := "pass"
				if !r.Passed {
					outcome = "fail"
				}
				trace, _ := json.Marshal(map[string]any{"decision": e.Outcome, "reason": e.Reason, "message": r.Message})
				out.Rules = append(out.Rules, runtime.TryRule{Node: e.Node, ID: r.ID, Name: r.Name, Outcome: outcome, Trace: trace, Error: r.Error})
			}
		}
	}
	return out, nil
}

// trialCase is the case a dry run pretends: its form, applicant and facts, at the service's now.
type trialCase struct {
	mp        *definitions.MatterPlan
	data      map[string]any
	applicant *rules.Applicant
	facts     rules.Case
	now       time.Time
}

func (s *Service) trialCase(mp *definitions.MatterPlan, slug string, data map[string]any, a *runtime.TryApplicant, channel string) trialCase {
	applicant := &rules.Applicant{Kind: "person"}
	if a != nil {
		applicant = &rules.Applicant{Kind: a.Kind, Name: a.Name, IDNumber: a.IDNumber, USCC: a.USCC, Mobile: a.Mobile, DivisionCode: a.DivisionCode}
	}
	if channel == "" {
		channel = "online"
	}
	return trialCase{mp: mp, data: data, applicant: applicant, now: s.now(),
		facts: rules.Case{Channel: channel, Status: string(runtime.StatusSubmitted), Matter: slug, OrgCode: mp.Def.Matter.Org.Code}}
}

// vars are the expression variables of the trial case with the materials' states, as the
// service computes them for a real case: no task recorded yet, the matter's values evaluated.
func (c trialCase) vars(materials map[string]rules.Material) rules.Vars {
	vars := rules.CaseVars(c.data, c.applicant, c.facts, materials, c.now.In(runtime.Zone))
	vars["tasks"] = map[string]any{}
	vars, _ = c.mp.Evaluate(vars)
	return vars
}

// materials says which materials apply to the trial case and how they stand: each applying
// one provided (provided nil: all of them), unless deferred.
func (c trialCase) materials(vars rules.Vars, deferredIDs, providedIDs []string) ([]runtime.TryMaterial, map[string]rules.Material) {
	list, states := []runtime.TryMaterial{}, map[string]rules.Material{}
	for _, m := range c.mp.Def.Materials.Materials {
		apply, required := c.mp.MaterialApplies(m, vars)
		list = append(list, runtime.TryMaterial{ID: m.ID, Name: m.Name, Applies: apply, Required: required,
			Source: m.Source, Deferrable: m.Deferrable})
		deferred := slices.Contains(deferredIDs, m.ID)
		provided := apply && !deferred && (providedIDs == nil || slices.Contains(providedIDs, m.ID))
		files := 0
		if provided {
			files = 1
		}
		states[m.ID] = rules.Material{Provided: provided, Deferred: deferred, Source: m.Source, Files: files}
	}
	return list, states
}

func (s *Service) step(mp *definitions.MatterPlan, node, org, role string) runtime.TryStep {
	st := runtime.TryStep{Node: node, OrgCode: org, Role: role}
	if n := mp.Workflow.Nodes[node]; n != nil {
		st.Name, st.Type = n.Name, n.Type
	}
	if st.OrgCode == "" && role != "" {
		st.OrgCode = mp.Def.Matter.Org.Code
	}
	return st
}
