package designer

import (
	"context"
	"fmt"
	"reflect"
	"slices"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/engine"
)

// maxWalkSteps bounds a step-through, so that a workflow whose default outcomes go round in a
// cycle stops with a message instead of running on.
const maxWalkSteps = 200

// Walk steps the trial case through the draft's workflow with the engine, one report of the
// outside world at a time, and returns the engine's trace of it. Nothing is stored.
func (s *Service) Walk(ctx context.Context, u *runtime.User, slug string, req runtime.WalkRequest) (*runtime.WalkResult, error) {
	d, err := s.draft(ctx, u, slug)
	if err != nil {
		return nil, err
	}
	files, err := withUnsaved(slug, d.Files, req.Files)
	if err != nil {
		return nil, err
	}
	c := s.compile(slug, files)
	out := &runtime.WalkResult{Problems: nonNil(c.problems), Errors: []runtime.FieldError{}, Steps: []runtime.WalkStep{}, Waiting: []string{}}
	if c.plan == nil {
		return out, nil
	}
	mp := c.plan.Matter(slug)
	data, err := formData(mp, req.Form, true)
	if err != nil {
		return nil, err
	}
	for _, e := range mp.Form.Validate(data) {
		out.Errors = append(out.Errors, runtime.FieldError{Pointer: e.Pointer, Message: e.Message})
	}
	if len(out.Errors) > 0 {
		return out, nil
	}
	trial := s.trialCase(mp, slug, data, req.Applicant, "")
	_, states := trial.materials(trial.vars(nil), nil, nil)
	w := walk{g: mp.Workflow, edges: mp.Def.Workflow.Edges, out: out}
	return out, w.run(trial, trial.vars(states), req.Choices)
}

// walk builds a WalkResult.
type walk struct {
	g     *definitions.Graph
	edges []definitions.Edge
	out   *runtime.WalkResult
	trace []string
}

func (w *walk) run(trial trialCase, vars map[string]any, choices []runtime.WalkChoice) error {
	at := trial.now
	state, effects, err := engine.Start(w.g, vars, at)
	if err != nil {
		w.out.Stopped = runtime.ErrorMessage(err)
		return nil
	}
	w.add(runtime.WalkStep{Action: "start", Line: engine.StartLine()}, effects)
	for i := 0; !state.Concluded && len(state.Tokens) > 0; i++ {
		if i >= maxWalkSteps {
			w.out.Stopped = fmt.Sprintf("走了 %d 步仍未办结，流程可能在循环", maxWalkSteps)
			break
		}
		tok, choice := state.Tokens[0], runtime.WalkChoice{}
		chosen := i < len(choices)
		if chosen {
			choice = choices[i]
			k := slices.IndexFunc(state.Tokens, func(t engine.Token) bool { return t.Node == choice.Node })
			if k < 0 {
				return runtime.Invalid(fmt.Sprintf("第 %d 步：办件不在「%s」等待办理", i+1, choice.Node),
					runtime.FieldError{Pointer: fmt.Sprintf("/choices/%d/node", i), Message: "此时没有在这里等待的办理"})
			}
			tok = state.Tokens[k]
		}
		n := w.g.Nodes[tok.Node]
		if !chosen {
			choice = runtime.WalkChoice{Node: n.ID, Outcome: definitions.NodeOutcomes(n)[0]}
		}
		back := returnTargets(w.g, tok)
		step := runtime.WalkStep{Node: n.ID, Token: tok.ID, Outcome: choice.Outcome, To: choice.To, Chosen: chosen,
			Choices: choicesAt(n, back), ReturnTo: back}
		at = at.AddDate(0, 0, 1)
		next := state
		switch choice.Outcome {
		case "correction":
			if !n.IsPersonal() {
				err = runtime.Errorf(runtime.EINVALID, "「%s」不是人工办理环节，不能要求补齐补正", n.Name)
			}
			// 补齐补正 is the service's: the clock stops, the applicant corrects, and the same work
			// at the node begins again; the engine's state does not change.
			step.Action, step.Line, effects = "correction", fmt.Sprintf("> correction #%d %s", tok.ID, n.ID), nil
		case "return":
			step.Action, step.Line = "return", engine.ReturnLine(tok.ID, n.ID, choice.To)
			next, effects, err = engine.Return(w.g, state, tok.ID, choice.To, at)
		default:
			step.Action, step.Line = "complete", engine.CompleteLine(tok.ID, n.ID, choice.Outcome)
			next, effects, err = engine.Complete(w.g, state, tok.ID, choice.Outcome, vars, at)
		}
		if err != nil && chosen {
			msg := runtime.ErrorMessage(err)
			return runtime.Invalid(fmt.Sprintf("第 %d 步：%s", i+1, msg), runtime.FieldError{Pointer: fmt.Sprintf("/choices/%d", i), Message: msg})
		}
		if err != nil {
			w.out.Stopped = runtime.ErrorMessage(err)
			break
		}
		state = next
		w.add(step, effects)
	}
	w.out.Result = state.Result
	for _, t := range engine.Waiting(state) {
		w.out.Waiting = append(w.out.Waiting, t.Node)
	}
	w.trace = append(w.trace, engine.EndLine(state))
	for _, l := range w.trace {
		w.out.Trace += l + "\n"
	}
	return nil
}

// add records a step with its effects.
func (w *walk) add(step runtime.WalkStep, effects []engine.Effect) {
	w.trace = append(w.trace, step.Line)
	step.Effects = []runtime.WalkEffect{}
	for _, e := range effects {
		w.trace = append(w.trace, e.String())
		we := runtime.WalkEffect{Kind: e.Kind(), Line: e.String(), Node: effectNode(e)}
		if m, ok := e.(engine.Moved); ok {
			we.From, we.To, we.Outcome = m.From, m.To, m.Outcome
			if i := slices.IndexFunc(w.edges, func(x definitions.Edge) bool {
				return x.From == m.From && x.To == m.To && x.On == m.Outcome && x.Name == m.Name
			}); i >= 0 {
				we.Edge = &i
			}
		}
		step.Effects = append(step.Effects, we)
	}
	w.out.Steps = append(w.out.Steps, step)
}

// effectNode is the node an effect concerns (its Node field), "" for moves and conclusions.
func effectNode(e engine.Effect) string {
	if f := reflect.ValueOf(e).FieldByName("Node"); f.IsValid() && f.Kind() == reflect.String {
		return f.String()
	}
	return ""
}

// returnTargets are the people's nodes the work at tok may be sent back to.
func returnTargets(g *definitions.Graph, tok engine.Token) []string {
	var out []string
	for _, id := range tok.Path {
		if n := g.Nodes[id]; n != nil && n.IsPersonal() && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// choicesAt is what may be reported at node n: its outcomes and, for a person's work, return
// (when there is an earlier step to go back to) and correction.
func choicesAt(n *definitions.Node, back []string) []string {
	out := definitions.NodeOutcomes(n)
	if n.IsPersonal() {
		if len(back) > 0 {
			out = append(out, "return")
		}
		out = append(out, "correction")
	}
	return out
}

// WorkflowOptions lists the orgs with their roles and the push connectors of the bundle the
// draft (or the newest version) is checked with.
func (s *Service) WorkflowOptions(ctx context.Context, u *runtime.User, slug string) (*runtime.WorkflowOptions, error) {
	_, files, err := s.current(ctx, u, slug)
	if err != nil {
		return nil, err
	}
	b, _ := definitions.LoadFiles(files)
	out := &runtime.WorkflowOptions{ImplementingOrg: factsOf(slug, files).orgCode, Orgs: []runtime.WorkflowOrg{}, Connectors: []runtime.WorkflowConnector{}}
	if b == nil {
		return out, nil
	}
	for _, o := range b.Orgs.Orgs {
		out.Orgs = append(out.Orgs, runtime.WorkflowOrg{Code: o.Code, Name: o.Name, Parent: o.Parent, Roles: nonNil(o.Roles)})
	}
	for _, c := range b.Connectors {
		if c.Kind == "push" {
			out.Connectors = append(out.Connectors, runtime.WorkflowConnector{Name: c.Name, Title: c.Title})
		}
	}
	return out, nil
}
