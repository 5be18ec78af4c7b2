package observe_test

import (
	"context"
	"errors"
	"testing"

	"github.com/xuchang-gov/tongban/runtime/observe"
)

// TestRequest: the first route named wins (the innermost layer names it first, on the way
// out), the case is the last named, and a context without room takes neither.
func TestRequest(t *testing.T) {
	for _, tc := range []struct {
		name       string
		routes     []string
		cases      []string
		wantRoute  string
		wantCase   string
		withoutAny bool
	}{
		{name: "innermost route wins", routes: []string{"GET /api/v1/cases/:number", "GET /api/"}, wantRoute: "GET /api/v1/cases/:number"},
		{name: "empty names nothing", routes: []string{"", "/work/"}, wantRoute: "/work/"},
		{name: "case", cases: []string{"", "XC-1"}, wantCase: "XC-1"},
		{name: "no room", routes: []string{"GET /"}, cases: []string{"XC-1"}, withoutAny: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, r := observe.WithRequest(context.Background())
			if tc.withoutAny {
				ctx = context.Background()
			}
			for _, route := range tc.routes {
				observe.SetRoute(ctx, route)
			}
			for _, c := range tc.cases {
				observe.SetCase(ctx, c)
			}
			if r.Route != tc.wantRoute || r.Case != tc.wantCase {
				t.Fatalf("route %q case %q, want %q %q", r.Route, r.Case, tc.wantRoute, tc.wantCase)
			}
		})
	}
}

// TestTrace: spans open in the tracer the context carries, nested; without one nothing runs.
func TestTrace(t *testing.T) {
	var opened, ended []string
	type depth struct{}
	tracer := func(ctx context.Context, name string) (context.Context, func(error)) {
		opened = append(opened, name)
		d, _ := ctx.Value(depth{}).(int)
		return context.WithValue(ctx, depth{}, d+1), func(err error) {
			ended = append(ended, name+":"+map[bool]string{true: "error", false: "ok"}[err != nil])
		}
	}
	_, end := observe.Trace(context.Background(), "untraced")
	end(nil)
	ctx := observe.WithTracer(context.Background(), tracer)
	outer, endOuter := observe.Trace(ctx, "outer")
	inner, endInner := observe.Trace(outer, "inner")
	if d, _ := inner.Value(depth{}).(int); d != 2 {
		t.Errorf("inner span at depth %d, want 2", d)
	}
	endInner(errors.New("failed"))
	endOuter(nil)
	if len(opened) != 2 || opened[0] != "outer" || opened[1] != "inner" || ended[0] != "inner:error" || ended[1] != "outer:ok" {
		t.Fatalf("opened %v ended %v", opened, ended)
	}
}
