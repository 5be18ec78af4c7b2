package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
)

func init() {
	commands["timers"] = command{summary: "试运行：tongban timers fire 立即运行到期定时，clock 查看或调整平台时间（仅演示或测试模式）", run: runTimers}
}

const timersUsage = `用法:
  tongban timers fire  [-server URL] [-token T]                                     按平台时间立即运行到期的定时、督办和容缺跟进
  tongban timers clock [-server URL] [-token T] [-set 2026-10-08T09:00] [-advance-days N] [-advance-hours N]
                                                                                     查看、设置或向后拨平台时间
服务须以 serve --demo --clock 启动；令牌为管理员的 API 令牌（也可用环境变量 TONGBAN_TOKEN）。`

func runTimers(ctx context.Context, cli *CLI, args []string) int {
	if len(args) == 0 || (args[0] != "fire" && args[0] != "clock") {
		fmt.Fprintln(cli.Stderr, timersUsage)
		return 2
	}
	fs := flag.NewFlagSet("timers "+args[0], flag.ContinueOnError)
	fs.SetOutput(cli.Stderr)
	server := fs.String("server", "http://localhost:8080", "服务地址")
	token := fs.String("token", os.Getenv("TONGBAN_TOKEN"), "管理员的 API 令牌")
	set := fs.String("set", "", "把平台时间设为此刻（平台时区，如 2026-10-08T09:00）")
	days := fs.Int("advance-days", 0, "向后拨若干天")
	hours := fs.Int("advance-hours", 0, "向后拨若干小时")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 0 {
		fmt.Fprintln(cli.Stderr, timersUsage)
		return 2
	}
	method, path, body := http.MethodPost, "/api/v1/admin/timers/fire", any(nil)
	if args[0] == "clock" {
		change := runtime.TrialClockChange{AdvanceDays: *days, AdvanceHours: *hours}
		if *set != "" {
			at, err := parseClock(*set)
			if err != nil {
				fmt.Fprintln(cli.Stderr, "tongban timers:", err)
				return 2
			}
			change.At = &at
		}
		method, path, body = http.MethodGet, "/api/v1/admin/clock", nil
		if change.At != nil || *days != 0 || *hours != 0 {
			method, body = http.MethodPost, change
		}
	}
	var out struct {
		Now   time.Time `json:"now"`
		Fired *int      `json:"fired"`
		Trial *bool     `json:"trial"`
	}
	if err := adminCall(ctx, method, strings.TrimSuffix(*server, "/")+path, *token, body, &out); err != nil {
		fmt.Fprintln(cli.Stderr, "tongban timers:", err)
		return 1
	}
	now := out.Now.In(runtime.Zone).Format("2006-01-02 15:04:05")
	switch {
	case out.Fired != nil:
		fmt.Fprintf(cli.Stdout, "平台时间 %s：运行了 %d 项到期定时\n", now, *out.Fired)
	case out.Trial != nil && !*out.Trial:
		fmt.Fprintf(cli.Stdout, "平台时间 %s（真实时间，不可调整）\n", now)
	default:
		fmt.Fprintf(cli.Stdout, "平台时间 %s（试运行）\n", now)
	}
	return 0
}

// adminCall sends one JSON request to the server's API with a bearer token and decodes the
// answer into out, or returns the server's error message.
func adminCall(ctx context.Context, method, url, token string, body, out any) error {
	var r *bytes.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		r = bytes.NewReader(raw)
	} else {
		r = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Message string } `json:"error"`
		}
		json.NewDecoder(resp.Body).Decode(&e)
		return fmt.Errorf("%s（%d）", e.Error.Message, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
