package service

import (
	"cmp"
	"context"
	"slices"

	"github.com/xuchang-gov/tongban/runtime"
)

// DemoStep is one person's step of an example matter and the demo user who works on it.
type DemoStep struct {
	Step, Role, Org string
	// Staff is the demo user holding the role in the org; Mobile is what they sign in with.
	Staff, Mobile string
}

// DemoMatter is an example matter with who applies for it and who works on each step, for
// the start banner and the README's table.
type DemoMatter struct {
	Slug, Name string
	// Applicants are the demo applicants the matter serves.
	Applicants []string
	Steps      []DemoStep
}

// DemoRoster says, for each published matter, which demo account applies and which
// handles each step: the step's role in its org (the implementing org when the step names none;
// a step whose org is chosen by the case shows its fallback).
func (s *Service) DemoRoster(ctx context.Context, creds []Credential) []DemoMatter {
	summaries, err := s.ListMatters(ctx, runtime.MatterFilter{})
	if err != nil {
		return nil
	}
	orgs := map[string]string{}
	for _, o := range s.Orgs() {
		orgs[o.Code] = o.Name
	}
	var out []DemoMatter
	for _, sm := range summaries {
		mp, _, err := s.MatterPlan(ctx, sm.Slug, 0)
		if err != nil {
			continue
		}
		m := mp.Def
		dm := DemoMatter{Slug: m.Slug, Name: m.Matter.Name}
		for _, c := range creds {
			if c.Kind == "person" && slices.Contains(m.Matter.ServiceObjects, "自然人") || c.Kind == "enterprise" && slices.Contains(m.Matter.ServiceObjects, "法人") {
				dm.Applicants = append(dm.Applicants, c.Name)
			}
		}
		for _, n := range m.Workflow.Nodes {
			if n.Assignee == nil {
				continue
			}
			org := n.Assignee.Org
			if org == "" {
				org = n.Assignee.Fallback
			}
			if org == "" {
				org = m.Matter.Org.Code
			}
			step := DemoStep{Step: n.Name, Role: runtime.OrgRoleNames[n.Assignee.Role], Org: cmp.Or(orgs[org], org)}
			for _, c := range creds {
				if c.Kind == "staff" && c.Org == org && slices.Contains(c.Roles, n.Assignee.Role) {
					step.Staff, step.Mobile = c.Name, c.Mobile
					break
				}
			}
			dm.Steps = append(dm.Steps, step)
		}
		out = append(out, dm)
	}
	return out
}
