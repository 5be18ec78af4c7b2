package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/connectors/simulate"
)

func init() {
	commands["simulate"] = command{summary: "启动外部系统模拟器：人口库、法人库、电子证照库、部门审批系统、短信、支付、物流", run: runSimulate}
}

func runSimulate(ctx context.Context, cli *CLI, args []string) int {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(cli.Stderr)
	addr := fs.String("addr", "127.0.0.1:9090", "监听地址")
	callbackBase := fs.String("callback-base", "", "推送未给出 callbackUrl 时的回调地址前缀，回调发往 前缀/服务名（如 http://127.0.0.1:8080/api/v1/callbacks）")
	callbackDelay := fs.Duration("callback-delay", 2*time.Second, "每条回调之前的等待")
	autoPay := fs.Bool("auto-pay", false, "支付订单创建后自动支付并回调")
	var f simulate.Faults
	fs.DurationVar(&f.Latency, "latency", 0, "每个请求增加的延迟")
	fs.DurationVar(&f.Jitter, "jitter", 0, "随机增加的延迟上限")
	fs.Float64Var(&f.ErrorRate, "error-rate", 0, "返回 503 的请求比例（0–1）")
	fs.Float64Var(&f.TimeoutRate, "timeout-rate", 0, "挂起不答（超时）的请求比例（0–1）")
	fs.DurationVar(&f.Hang, "hang", 30*time.Second, "挂起的请求等待多久后返回 504")
	fs.Float64Var(&f.DuplicateRate, "duplicate-rate", 0, "重复发送的回调比例（0–1）")
	seed := fs.Uint64("seed", 1, "随机故障的种子（相同种子重现相同故障）")
	fs.Usage = func() {
		fmt.Fprintln(cli.Stderr, "用法: tongban simulate [-addr 127.0.0.1:9090] [故障参数]")
		fmt.Fprintln(cli.Stderr, "  各服务的 HMAC 密钥取自与示例连接器相同的环境变量（如 "+simulate.SecretEnv(simulate.Population)+"）；")
		fmt.Fprintln(cli.Stderr, "  未设置的服务不校验凭据。TONGBAN_SIMULATE_OAUTH_CLIENTS=id:secret,… 设置令牌服务接受的客户端。")
		fmt.Fprintln(cli.Stderr, "  运行中可用 PUT /_sim/faults/{服务名|all} 修改故障设置，GET /_sim/stats 查看统计。")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		if err == nil {
			fs.Usage()
		}
		return 2
	}
	if f.ErrorRate < 0 || f.ErrorRate > 1 || f.TimeoutRate < 0 || f.TimeoutRate > 1 || f.DuplicateRate < 0 || f.DuplicateRate > 1 {
		fmt.Fprintln(cli.Stderr, "tongban simulate: 比例参数应在 0 到 1 之间")
		return 2
	}
	cfg := simulate.Config{Auth: map[string]simulate.Auth{}, OAuthClients: map[string]string{}, CallbackBase: *callbackBase,
		CallbackDelay: *callbackDelay, AutoPay: *autoPay, Faults: f, Seed: *seed, Logger: cli.logger()}
	var secured []string
	for _, svc := range simulate.Services {
		if svc == simulate.OAuth {
			continue
		}
		if secret := os.Getenv(simulate.SecretEnv(svc)); secret != "" {
			cfg.Auth[svc] = simulate.Auth{HMACSecret: secret}
			secured = append(secured, svc)
		}
	}
	for _, pair := range strings.Split(os.Getenv("TONGBAN_SIMULATE_OAUTH_CLIENTS"), ",") {
		if id, secret, ok := strings.Cut(strings.TrimSpace(pair), ":"); ok && id != "" {
			cfg.OAuthClients[id] = secret
		}
	}
	sim := simulate.New(cfg)
	defer sim.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban simulate:", err)
		return 1
	}
	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(cli.Stdout, "模拟器已启动：http://%s/_sim\n", displayAddr(ln.Addr()))
	if len(secured) > 0 {
		fmt.Fprintf(cli.Stdout, "校验 HMAC 签名的服务：%s\n", strings.Join(secured, "、"))
	} else {
		fmt.Fprintln(cli.Stdout, "未设置任何密钥环境变量：各服务不校验凭据")
	}
	for _, p := range simulate.DemoPersons() {
		fmt.Fprintf(cli.Stdout, "  演示居民 %s %s\n", p.IDNumber, p.Name)
	}
	for _, e := range simulate.DemoEnterprises() {
		fmt.Fprintf(cli.Stdout, "  演示企业 %s %s\n", e.USCC, e.Name)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintln(cli.Stderr, "tongban simulate:", err)
		return 1
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(cli.Stderr, "tongban simulate:", err)
	}
	return 0
}
