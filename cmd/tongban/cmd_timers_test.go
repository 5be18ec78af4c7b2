package main

import (
	"strings"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
	"github.com/xuchang-gov/tongban/runtime/trial"
)

// TestTimersCommand: `tongban timers clock` and `timers fire` move a trial server's time and
// run its due timers; a server without a trial clock refuses, and serve takes --clock only with
// --demo.
func TestTimersCommand(t *testing.T) {
	trialServer := apptest.Start(t, app.Config{Trial: trial.New(nil, time.Date(2026, 9, 30, 1, 0, 0, 0, time.UTC))})
	realServer := apptest.Start(t, app.Config{})
	for _, tc := range []struct {
		name   string
		server *apptest.Server
		args   []string
		code   int
		out    string
	}{
		{"reads the trial time", trialServer, []string{"clock"}, 0, "平台时间 2026-09-30 09:0"},
		{"sets it", trialServer, []string{"clock", "-set", "2026-10-08T09:00"}, 0, "平台时间 2026-10-08 09:00"},
		{"advances it", trialServer, []string{"clock", "-advance-days", "1"}, 0, "平台时间 2026-10-09 09:00"},
		{"fires due timers", trialServer, []string{"fire"}, 0, "项到期定时"},
		{"a real clock is not moved", realServer, []string{"clock", "-advance-days", "1"}, 1, "只有演示或测试模式"},
		{"nor are its timers fired", realServer, []string{"fire"}, 1, "只有演示或测试模式"},
		{"a bad time", trialServer, []string{"clock", "-set", "明天"}, 2, "不是时间"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"timers"}, tc.args...)
			args = append(args, "-server", tc.server.URL, "-token", tc.server.Token("xc-gov/admin"))
			code, stdout, stderr := run(t, t.TempDir(), args...)
			if code != tc.code || !strings.Contains(stdout+stderr, tc.out) {
				t.Errorf("exit %d, want %d; output %q %q, want %q", code, tc.code, stdout, stderr, tc.out)
			}
		})
	}
	t.Run("serve --clock without --demo", func(t *testing.T) {
		code, _, stderr := run(t, t.TempDir(), "serve", "-addr", "127.0.0.1:0", "-clock", "2026-09-30T09:00")
		if code != 2 || !strings.Contains(stderr, "--demo") {
			t.Errorf("exit %d: %s", code, stderr)
		}
	})
}
