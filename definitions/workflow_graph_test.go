package definitions_test

import (
	"slices"
	"testing"

	"github.com/xuchang-gov/tongban/definitions"
)

// TestNodeOutcomes: what the outside world may report at each kind of node that waits; a copy,
// so callers cannot change the registry.
func TestNodeOutcomes(t *testing.T) {
	for typ, want := range map[string][]string{
		"acceptance": {"accept", "not-accept"}, "task": {"approve", "deny"}, "connector": {"approve", "deny"},
		"timer": {""}, "certificate": {""}, "delivery": {""}, "exclusive": nil, "auto": nil, "start": nil, "unknown": nil,
	} {
		t.Run(typ, func(t *testing.T) {
			if got := definitions.NodeOutcomes(typ); !slices.Equal(got, want) {
				t.Errorf("NodeOutcomes(%s) = %q, want %q", typ, got, want)
			}
			if got := definitions.NodeWaits(typ); got != (want != nil) {
				t.Errorf("NodeWaits(%s) = %v", typ, got)
			}
		})
	}
	definitions.NodeOutcomes("task")[0] = "changed"
	if definitions.NodeOutcomes("task")[0] != "approve" {
		t.Fatal("NodeOutcomes returned the registry's own slice")
	}
}
