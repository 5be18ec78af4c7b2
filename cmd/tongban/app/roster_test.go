package app_test

import (
	"context"
	"testing"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
)

// TestDemoRosterNamesEveryStep: the start banner's table has every example matter, who may
// apply, and a demo account for each person's step.
func TestDemoRosterNamesEveryStep(t *testing.T) {
	srv := apptest.Start(t, app.Config{})
	roster := srv.Service.DemoRoster(context.Background(), srv.Credentials)
	if len(roster) != 11 {
		t.Fatalf("%d matters in the roster", len(roster))
	}
	for _, m := range roster {
		if len(m.Applicants) == 0 || len(m.Steps) == 0 {
			t.Errorf("%s: applicants %v, steps %v", m.Slug, m.Applicants, m.Steps)
		}
		for _, st := range m.Steps {
			if st.Staff == "" || st.Mobile == "" || st.Role == "" {
				t.Errorf("%s: step %+v has no demo account", m.Slug, st)
			}
		}
	}
}
