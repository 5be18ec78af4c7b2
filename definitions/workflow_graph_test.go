package definitions_test

import (
	"encoding/json"
	"reflect"
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

// TestNodeKindsCoverTheFormat: the table the format schema publishes has every node type the
// schema allows, plus the assisted mode of auto nodes, with the outcomes the checks use.
func TestNodeKindsCoverTheFormat(t *testing.T) {
	raw, err := definitions.FormatSchema("workflow")
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Properties struct {
			Nodes struct {
				Items struct {
					Properties struct {
						Type struct {
							Enum  []string                            `json:"enum"`
							Kinds map[string]definitions.NodeKindInfo `json:"x-nodeKinds"`
						} `json:"type"`
					} `json:"properties"`
				} `json:"items"`
			} `json:"nodes"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	typ := s.Properties.Nodes.Items.Properties.Type
	kinds := definitions.NodeKinds()
	if !reflect.DeepEqual(typ.Kinds, kinds) {
		t.Errorf("the schema's x-nodeKinds is not the registry (run go generate ./definitions/...):\n%v\nwant %v", typ.Kinds, kinds)
	}
	for _, name := range typ.Enum {
		if _, ok := kinds[name]; !ok {
			t.Errorf("node type %s has no kind", name)
		}
	}
	if a := kinds[definitions.AssistedKind]; !slices.Equal(a.Outcomes, []string{"approve", "deny"}) || !a.Personal || !a.Waits {
		t.Errorf("assisted kind = %+v", a)
	}
}
