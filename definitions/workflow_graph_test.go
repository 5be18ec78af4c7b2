package definitions_test

import (
	"slices"
	"testing"

	"github.com/xuchang-gov/tongban/definitions"
)

// TestNodeOutcomes: what the outside world may report at each kind of node that waits; a copy,
// so callers cannot change the registry. An auto node in assisted mode waits for a person.
func TestNodeOutcomes(t *testing.T) {
	for name, tt := range map[string]struct {
		node definitions.Node
		want []string
	}{
		"acceptance":    {definitions.Node{Type: "acceptance"}, []string{"accept", "not-accept"}},
		"task":          {definitions.Node{Type: "task"}, []string{"approve", "deny"}},
		"connector":     {definitions.Node{Type: "connector"}, []string{"approve", "deny"}},
		"timer":         {definitions.Node{Type: "timer"}, []string{""}},
		"certificate":   {definitions.Node{Type: "certificate"}, []string{""}},
		"delivery":      {definitions.Node{Type: "delivery"}, []string{""}},
		"exclusive":     {definitions.Node{Type: "exclusive"}, nil},
		"auto":          {definitions.Node{Type: "auto"}, nil},
		"auto/auto":     {definitions.Node{Type: "auto", Mode: "auto"}, nil},
		"auto/assisted": {definitions.Node{Type: "auto", Mode: "assisted"}, []string{"approve", "deny"}},
		"start":         {definitions.Node{Type: "start"}, nil},
		"unknown":       {definitions.Node{Type: "unknown"}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			if got := definitions.NodeOutcomes(&tt.node); !slices.Equal(got, tt.want) {
				t.Errorf("NodeOutcomes(%s) = %q, want %q", name, got, tt.want)
			}
			if got := definitions.NodeWaits(&tt.node); got != (tt.want != nil) {
				t.Errorf("NodeWaits(%s) = %v", name, got)
			}
		})
	}
	task := &definitions.Node{Type: "task"}
	definitions.NodeOutcomes(task)[0] = "changed"
	if definitions.NodeOutcomes(task)[0] != "approve" {
		t.Fatal("NodeOutcomes returned the registry's own slice")
	}
}
