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
	return slog.New(slog.NewTextHandler(cli.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func runServe(ctx context.Context, cli *CLI, args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(cli.Stderr)
	var sf storeFlags
	sf.register(fs)
	addr := fs.String("addr", ":8080", "监听地址")
	publicURL := fs.String("public-url", "", "对外访问地址，证照二维码据此生成核验链接（默认 http://监听地址）")
	connectorsBase := fs.String("connectors-base", "", "把所有连接器的地址改指向这里（如测试环境）；--demo 时默认启动内置模拟器")
	demo := fs.Bool("demo", false, "空数据目录时导入示例事项并创建演示账号，令牌写入数据目录的 "+app.DemoCredentialsFile)
	zone := fs.String("zone", "Asia/Shanghai", "平台时区：日期、期限、通知和办件编号按此时区计算")
	var proxies []netip.Prefix
	fs.Func("trusted-proxy", "可信的反向代理地址或网段（可重复或逗号分隔，如 10.0.0.0/8）：只有来自它们的 X-Forwarded-For 才用作客户端地址", func(v string) error {
		for _, p := range strings.Split(v, ",") {
			prefix, err := parsePrefix(strings.TrimSpace(p))
			if err != nil {
				return err
			}
			proxies = append(proxies, prefix)
		}
		return nil
	})
	clock := fs.String("clock", "", "试运行：平台时间从此刻起算（如 2026-09-30T09:00，平台时区），管理员可经 /api/v1/admin/clock 调整、tongban timers fire 立即运行到期定时；只能与 --demo 同用")
	secureCookies := fs.Bool("secure-cookies", false, "Cookie 加 Secure 和 __Host- 前缀（经 HTTPS 访问时；--public-url 为 https 时自动开启）")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	if err := runtime.SetZone(*zone); err != nil {
		fmt.Fprintln(cli.Stderr, "tongban serve:", err)
		return 2
	}
	var trialClock *trial.Clock
	if *clock != "" {
		at, err := parseClock(*clock)
		if err == nil && !*demo {
			err = errors.New("--clock 只能用于演示或测试模式（与 --demo 同用）")
		}
		if err != nil {
			fmt.Fprintln(cli.Stderr, "tongban serve:", err)
			return 2
		}
		trialClock = trial.New(time.Now, at)
	}
	// The address is taken first: certificates' QR codes point at it.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban serve:", err)
		return 1
	}
	defer ln.Close()
	cfg := sf.config(cli)
	cfg.PublicURL, cfg.ConnectorsBase, cfg.Demo = cmp.Or(*publicURL, "http://"+displayAddr(ln.Addr())), *connectorsBase, *demo
	cfg.TrustedProxies, cfg.SecureCookies, cfg.Trial = proxies, *secureCookies, trialClock
	a, err := app.New(ctx, cfg)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban serve:", err)
		return 1
	}
	defer a.Close()
	tuneGarbageCollector()
	if *demo {
		printDemo(cli, a)
	}
	go a.Run(ctx)
	srv := a.Server()
	fmt.Fprintf(cli.Stdout, "tongban 已启动：http://%s/api/v1/openapi.json\n", displayAddr(ln.Addr()))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintln(cli.Stderr, "tongban serve:", err)
		return 1
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(cli.Stderr, "tongban serve:", err)
	}
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
		fmt.Fprintf(cli.Stdout, "已发布事项 %s 第 %d 版\n", r.Slug, r.Version)
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
