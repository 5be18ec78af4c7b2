package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/service"
	"github.com/xuchang-gov/tongban/runtime/trial"
)

func init() {
	commands["serve"] = command{summary: "启动服务（--demo 导入示例事项和演示账号）", run: runServe}
}

func (cli *CLI) logger() *slog.Logger {
	return app.NewLogger(cli.Stderr, slog.LevelInfo)
}

func runServe(ctx context.Context, cli *CLI, args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(cli.Stderr)
	var f serveFlags
	f.register(fs)
	if _, err := f.parse(fs, args); err != nil {
		fmt.Fprintln(cli.Stderr, "tongban serve:", err)
		fs.Usage()
		return 2
	}
	if err := runtime.SetZone(f.zone); err != nil {
		fmt.Fprintln(cli.Stderr, "tongban serve:", err)
		return 2
	}
	var trialClock *trial.Clock
	if f.clock != "" {
		at, err := parseClock(f.clock)
		if err == nil && !f.demo {
			err = errors.New("--clock 只能用于演示或测试模式（与 --demo 同用）")
		}
		if err != nil {
			fmt.Fprintln(cli.Stderr, "tongban serve:", err)
			return 2
		}
		trialClock = trial.New(time.Now, at)
	}
	// The address is taken first: certificates' QR codes point at it.
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban serve:", err)
		return 1
	}
	defer ln.Close()
	cfg := f.config(cli)
	cfg.PublicURL = cmp.Or(f.publicURL, "http://"+displayAddr(ln.Addr()))
	cfg.Trial = trialClock
	a, err := app.New(ctx, cfg)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban serve:", err)
		return 1
	}
	defer a.Close()
	tuneGarbageCollector()
	if f.demo {
		printDemo(cli, a)
	}
	background, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	ran := make(chan struct{})
	go func() { a.Run(background); close(ran) }()
	// The background work stops after the last request, and the store closes after both.
	defer func() {
		stopBackground()
		<-ran
		a.Logger.Info("服务已停止：后台任务（消息投递、定时任务）已结束")
	}()
	if f.metricsAddr != "" {
		stop, err := serveMetrics(cli, f.metricsAddr, a.Metrics)
		if err != nil {
			fmt.Fprintln(cli.Stderr, "tongban serve: 监控指标地址：", err)
			return 1
		}
		defer stop()
	}
	srv := a.Server()
	base := "http://" + displayAddr(ln.Addr())
	fmt.Fprintf(cli.Stdout, "tongban 已启动：%s/api/v1/openapi.json\n  群众和企业（政务服务网）：%s/\n  工作人员（工作台）：%s/work/\n  事项设计器：%s/designer/\n",
		base, base, base, base)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintln(cli.Stderr, "tongban serve:", err)
		return 1
	case <-ctx.Done():
	}
	return shutdown(cli, a, srv)
}

// shutdownGrace bounds how long requests in flight may take to finish once serve is told to
// stop; a rolling restart waits at most this long for a server.
const shutdownGrace = 20 * time.Second

// shutdown stops a server on SIGTERM: /readyz turns unready, the listener closes so that new
// connections go to the other servers, and the requests in flight finish (within
// shutdownGrace). It answers serve's exit code: 0 when every request finished.
func shutdown(cli *CLI, a *app.App, srv *http.Server) int {
	a.Drain()
	a.Logger.Info("停止服务：不再接受新请求，等待处理中的请求完成")
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(cli.Stderr, "tongban serve: 处理中的请求未能在时限内完成：", err)
		return 1
	}
	a.Logger.Info("处理中的请求已全部完成")
	return 0
}

// parsePrefix reads an address or a network: a single address is a network of one.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		return netip.ParsePrefix(s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func displayAddr(a net.Addr) string {
	host, port, _ := net.SplitHostPort(a.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// printDemo tells what --demo published and where the simulators and the demo users are.
func printDemo(cli *CLI, a *app.App) {
	for _, r := range a.Published {
		kind := "事项"
		if r.Theme {
			kind = "一件事"
		}
		fmt.Fprintf(cli.Stdout, "已发布%s %s 第 %d 版\n", kind, r.Slug, r.Version)
	}
	if a.Simulators != nil {
		fmt.Fprintf(cli.Stdout, "外部系统模拟器（人口库、法人库、电子证照库等）：%s/_sim\n", a.Simulators.URL)
	}
	path := filepath.Join(a.Data, app.DemoCredentialsFile)
	fmt.Fprintln(cli.Stdout, "演示账号（网页登录密码均为 "+service.DemoPassword+"，全部令牌见 "+path+"）：")
	shown := 0
	for _, c := range a.Credentials {
		if c.Kind != "staff" || shown < 8 {
			fmt.Fprintf(cli.Stdout, "  %-28s %-10s %s\n", c.Name, c.Kind, c.Token)
			if c.Kind == "staff" {
				shown++
			}
		}
	}
	fmt.Fprintln(cli.Stdout, "示例事项由谁申请、谁办理（工作人员用手机号登录工作台，登录页选“工作人员”）：")
	for _, m := range a.Service.DemoRoster(context.Background(), a.Credentials) {
		fmt.Fprintf(cli.Stdout, "  %s（%s）申请人：%s\n", m.Name, m.Slug, strings.Join(m.Applicants, "、"))
		for _, st := range m.Steps {
			fmt.Fprintf(cli.Stdout, "    %s：%s %s %s\n", st.Step, st.Org, st.Role, cmp.Or(st.Mobile, "（无演示账号）"))
		}
	}
	// The designer's analyst and publisher sign in to the studio by mobile: name them always.
	for _, c := range a.Credentials {
		if slices.Contains(c.Roles, string(runtime.RoleAnalyst)) || slices.Contains(c.Roles, string(runtime.RolePublisher)) {
			fmt.Fprintf(cli.Stdout, "  事项设计器 /designer/：%s，工作人员登录手机号 %s\n", c.Name, c.Mobile)
		}
	}
}

// serveMetrics serves the metrics on an address of their own, for the monitoring network, and
// returns the function that stops it.
func serveMetrics(cli *CLI, addr string, h http.Handler) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	fmt.Fprintf(cli.Stdout, "监控指标：http://%s/metrics\n", displayAddr(ln.Addr()))
	return func() { srv.Close() }, nil
}

// parseClock reads a --clock instant: a minute or a second in the platform zone, or RFC 3339.
func parseClock(v string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, runtime.Zone); err == nil {
			return t, nil
		}
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("--clock %q 不是时间，应形如 2026-09-30T09:00", v)
	}
	return t, nil
}
