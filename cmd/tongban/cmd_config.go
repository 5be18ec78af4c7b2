package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/service"
)

func init() {
	commands["config"] = command{summary: "配置：tongban config check [serve 的参数] 打印生效配置（密钥已遮盖）并检查", run: runConfig}
}

// serveFlags are the settings of serve. Each is a flag and, when the flag is not given, the
// environment variable its name gives (envName): containers are configured by environment.
type serveFlags struct {
	store                                 storeFlags
	addr, publicURL, connectorsBase, zone string
	clock                                 string
	metricsAddr, metricsToken             string
	otlpEndpoint                          string
	traceSample                           float64
	demo, secureCookies                   bool
	proxies                               []netip.Prefix
	sessionIdle                           time.Duration
}

// secretSettings are shown masked: a token whole, a DSN's password.
var secretSettings = map[string]bool{"metrics-token": true, "db": true}

func (f *serveFlags) register(fs *flag.FlagSet) {
	f.store.register(fs)
	fs.StringVar(&f.addr, "addr", ":8080", "监听地址")
	fs.StringVar(&f.publicURL, "public-url", "", "对外访问地址，证照二维码据此生成核验链接（默认 http://监听地址）")
	fs.StringVar(&f.connectorsBase, "connectors-base", "", "把所有连接器的地址改指向这里（如测试环境）；--demo 时默认启动内置模拟器")
	fs.BoolVar(&f.demo, "demo", false, "空数据目录时导入示例事项并创建演示账号，令牌写入数据目录的 "+app.DemoCredentialsFile)
	fs.StringVar(&f.zone, "zone", "Asia/Shanghai", "平台时区：日期、期限、通知和办件编号按此时区计算")
	fs.StringVar(&f.clock, "clock", "", "试运行：平台时间从此刻起算（如 2026-09-30T09:00，平台时区），管理员可经 /api/v1/admin/clock 调整、tongban timers fire 立即运行到期定时；只能与 --demo 同用")
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "监控指标（Prometheus，/metrics）的单独监听地址，如 127.0.0.1:9090；默认不开放")
	fs.StringVar(&f.metricsToken, "metrics-token", "", "在主地址上开放 /metrics，须带此令牌（Authorization: Bearer …）访问")
	fs.StringVar(&f.otlpEndpoint, "otlp-endpoint", "", "调用链（OpenTelemetry）OTLP/HTTP 接收地址，如 http://otel-collector:4318/v1/traces；默认不采集")
	fs.Float64Var(&f.traceSample, "trace-sample", 0.1, "调用链采样比例（0–1），上游已采样的请求总是采集")
	fs.Func("trusted-proxy", "可信的反向代理地址或网段（可重复或逗号分隔，如 10.0.0.0/8）：只有来自它们的 X-Forwarded-For 才用作客户端地址", func(v string) error {
		for _, p := range strings.Split(v, ",") {
			prefix, err := parsePrefix(strings.TrimSpace(p))
			if err != nil {
				return err
			}
			f.proxies = append(f.proxies, prefix)
		}
		return nil
	})
	fs.BoolVar(&f.secureCookies, "secure-cookies", false, "Cookie 加 Secure 和 __Host- 前缀（经 HTTPS 访问时；--public-url 为 https 时自动开启）")
	fs.DurationVar(&f.sessionIdle, "session-idle", service.SessionIdle, "登录多久无操作即过期（页面在过期前提示延长）")
}

// envName is the environment variable of a flag: --metrics-addr is TONGBAN_METRICS_ADDR.
func envName(flagName string) string {
	return "TONGBAN_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parse parses args and then takes every flag not given from its environment variable, and
// answers where each setting came from: 命令行, 环境变量 or 默认.
func (f *serveFlags) parse(fs *flag.FlagSet, args []string) (map[string]string, error) {
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("多余的参数 %q", fs.Args())
	}
	sources := map[string]string{}
	fs.VisitAll(func(fl *flag.Flag) { sources[fl.Name] = "默认" })
	fs.Visit(func(fl *flag.Flag) { sources[fl.Name] = "命令行" })
	var err error
	fs.VisitAll(func(fl *flag.Flag) {
		v, ok := os.LookupEnv(envName(fl.Name))
		if !ok || sources[fl.Name] == "命令行" || err != nil {
			return
		}
		if e := fs.Set(fl.Name, v); e != nil {
			err = fmt.Errorf("环境变量 %s：%w", envName(fl.Name), e)
		}
		sources[fl.Name] = "环境变量"
	})
	if err == nil && (f.traceSample < 0 || f.traceSample > 1) {
		err = fmt.Errorf("--trace-sample 须在 0 到 1 之间")
	}
	return sources, err
}

// config is the application's configuration the settings give.
func (f *serveFlags) config(cli *CLI) app.Config {
	cfg := f.store.config(cli)
	cfg.ConnectorsBase, cfg.Demo, cfg.MetricsToken = f.connectorsBase, f.demo, f.metricsToken
	cfg.OTLPEndpoint, cfg.TraceSample = f.otlpEndpoint, f.traceSample
	cfg.TrustedProxies, cfg.SecureCookies, cfg.SessionIdle = f.proxies, f.secureCookies, f.sessionIdle
	return cfg
}

func runConfig(ctx context.Context, cli *CLI, args []string) int {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprintln(cli.Stderr, "用法: tongban config check [serve 的参数]")
		return 2
	}
	fs := flag.NewFlagSet("config check", flag.ContinueOnError)
	fs.SetOutput(cli.Stderr)
	var f serveFlags
	f.register(fs)
	sources, err := f.parse(fs, args[1:])
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban config check:", err)
		return 2
	}
	fmt.Fprintln(cli.Stdout, "tongban serve 的生效配置（命令行优先，其次环境变量，再次默认值；密钥已遮盖）：")
	fs.VisitAll(func(fl *flag.Flag) {
		v := fl.Value.String()
		if secretSettings[fl.Name] {
			v = maskSecret(v)
		}
		fmt.Fprintf(cli.Stdout, "  --%-16s %-24s %-8s %s\n", fl.Name, envName(fl.Name), sources[fl.Name], cmp.Or(v, "（空）"))
	})
	secret := "未设置：用数据目录中的 secret.key（多台服务器共用数据库时须设置且相同）"
	if s := os.Getenv("TONGBAN_SECRET"); s != "" {
		secret = fmt.Sprintf("已设置（%d 个字符）", len(s))
	}
	fmt.Fprintf(cli.Stdout, "  %-43s %s\n", "TONGBAN_SECRET", secret)
	var problems []string
	if err := runtime.SetZone(f.zone); err != nil {
		problems = append(problems, err.Error())
	}
	for name, addr := range map[string]string{"addr": f.addr, "metrics-addr": f.metricsAddr} {
		if _, _, err := net.SplitHostPort(addr); addr != "" && err != nil {
			problems = append(problems, fmt.Sprintf("--%s %q 不是 主机:端口", name, addr))
		}
	}
	for name, u := range map[string]string{"public-url": f.publicURL, "connectors-base": f.connectorsBase, "otlp-endpoint": f.otlpEndpoint} {
		if p, err := url.Parse(u); u != "" && (err != nil || p.Host == "" || (p.Scheme != "http" && p.Scheme != "https")) {
			problems = append(problems, fmt.Sprintf("--%s %q 不是 http(s):// 地址", name, u))
		}
	}
	if f.metricsAddr == "" && f.metricsToken == "" {
		fmt.Fprintln(cli.Stdout, "提示：监控指标未开放（--metrics-addr 或 --metrics-token）")
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(cli.Stderr, "tongban config check:", p)
		}
		return 1
	}
	fmt.Fprintln(cli.Stdout, "配置无误")
	return 0
}

// maskSecret hides a secret setting: a DSN keeps all but its password, anything else shows
// only whether it is set.
func maskSecret(v string) string {
	if v == "" {
		return ""
	}
	if u, err := url.Parse(v); err == nil && u.Scheme != "" && u.Host != "" {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "***")
		}
		return u.Redacted()
	}
	return "***（已设置）"
}
