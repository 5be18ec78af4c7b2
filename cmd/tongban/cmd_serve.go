package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/connectors/simulate"
	"github.com/xuchang-gov/tongban/examples"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/httpapi"
	"github.com/xuchang-gov/tongban/runtime/service"
	"github.com/xuchang-gov/tongban/runtime/store"
	"github.com/xuchang-gov/tongban/runtime/web"
	"github.com/xuchang-gov/tongban/runtime/web/account"
	"github.com/xuchang-gov/tongban/runtime/web/portal"
	"github.com/xuchang-gov/tongban/runtime/web/portal/page"
	"github.com/xuchang-gov/tongban/runtime/web/workbench"
)

func init() {
	commands["serve"] = command{summary: "启动服务（--demo 导入示例事项和演示账号）", run: runServe}
}

// demoCredentialsFile is where --demo writes the demo users' tokens, for people and scripts.
const demoCredentialsFile = "demo-credentials.json"

func (app *App) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(app.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func runServe(ctx context.Context, app *App, args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(app.Stderr)
	var sf storeFlags
	sf.register(fs)
	addr := fs.String("addr", ":8080", "监听地址")
	publicURL := fs.String("public-url", "", "对外访问地址，证照二维码据此生成核验链接（默认 http://监听地址）")
	connectorsBase := fs.String("connectors-base", "", "把所有连接器的地址改指向这里（如测试环境）；--demo 时默认启动内置模拟器")
	demo := fs.Bool("demo", false, "空数据目录时导入示例事项并创建演示账号，令牌写入数据目录的 "+demoCredentialsFile)
	zone := fs.String("zone", "Asia/Shanghai", "平台时区：日期、期限、通知和办件编号按此时区计算")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	if err := runtime.SetZone(*zone); err != nil {
		fmt.Fprintln(app.Stderr, "tongban serve:", err)
		return 2
	}
	svc, db, err := sf.open(ctx, app)
	if err != nil {
		fmt.Fprintln(app.Stderr, "tongban serve: 无法打开数据库：", err)
		return 1
	}
	defer db.Close()
	tuneGarbageCollector()
	if *demo {
		svc.DemoPasswords = true
		if err := prepareDemo(ctx, app, svc, app.abs(sf.data)); err != nil {
			fmt.Fprintln(app.Stderr, "tongban serve: 准备演示数据失败：", err)
			return 1
		}
	}
	getenv, base := os.Getenv, *connectorsBase
	if *demo && base == "" {
		sims, err := simulate.StartLocal(simulate.Config{})
		if err != nil {
			fmt.Fprintln(app.Stderr, "tongban serve: 无法启动模拟器：", err)
			return 1
		}
		defer sims.Close()
		base, getenv = sims.URL, sims.Getenv(os.Getenv)
		fmt.Fprintf(app.Stdout, "外部系统模拟器（人口库、法人库、电子证照库等）：%s/_sim\n", sims.URL)
	}
	reg, bundle, err := wireConnectors(ctx, svc, base, getenv)
	if err != nil {
		fmt.Fprintln(app.Stderr, "tongban serve: 连接器配置有误：", err)
		return 1
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(app.Stderr, "tongban serve:", err)
		return 1
	}
	public := *publicURL
	if public == "" {
		public = "http://" + displayAddr(ln.Addr())
	}
	svc.VerifyURL = strings.TrimSuffix(public, "/") + "/verify/"
	var inbound map[string]http.Handler
	if reg != nil {
		go deliverer(db, reg, public, app.logger()).Run(ctx)
		inbound = callbacks(svc, bundle, getenv, app.logger())
	}
	srv := &http.Server{Handler: serverHandler(svc, db, app.logger(), inbound), ReadHeaderTimeout: 10 * time.Second}
	go svc.RunTimers(ctx, 30*time.Second)
	fmt.Fprintf(app.Stdout, "tongban 已启动：http://%s/api/v1/openapi.json\n", displayAddr(ln.Addr()))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintln(app.Stderr, "tongban serve:", err)
		return 1
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(app.Stderr, "tongban serve:", err)
	}
	return 0
}

// serverHandler is everything the server answers: the JSON API (bearer tokens) with the
// callbacks of outside systems (inbound, by connector) and resumable uploads, and the pages
// people use in a browser (portal, workbench, accounts; sessions and CSRF) with the public
// verification page. Registrations are checked against the registers svc.Lookup reaches at the
// time of registering.
func serverHandler(svc *service.Service, db *store.DB, logger *slog.Logger, inbound map[string]http.Handler) http.Handler {
	if logger == nil {
		logger = slog.Default()
	}
	acc := account.New(db, account.Options{Logger: logger, Verify: verifyRegistration(svc, logger)})
	api := httpapi.New(httpapi.Server{Matters: svc, Cases: svc, Tasks: svc, Users: svc, Certificates: svc, Exports: svc,
		Documents: svc, Lookups: svc, Outbox: svc, Files: svc, Messages: svc, Resumable: svc, Callbacks: inbound, Logger: logger})
	mux := http.NewServeMux()
	// A resumable upload may stream for minutes, and an outside system calling back must not
	// wait behind the pages: neither waits for, or holds, a turn.
	mux.Handle("/api/v1/uploads/", api)
	mux.Handle("/api/v1/callbacks/", api)
	limited := http.NewServeMux()
	mux.Handle("/", limitInFlight(limited, maxInFlight()))
	limited.Handle("/api/", api)
	limited.Handle("/verify/", web.VerifyHandler(svc))
	limited.Handle("/account/", acc)
	limited.Handle("/admin/", acc)
	site := page.Site{Plans: svc, Auth: acc, Logger: logger}
	limited.Handle("/work/", acc.Middleware(workbench.New(workbench.Deps{Matters: svc, Cases: svc, Tasks: svc, Lookups: svc,
		Exports: svc, Documents: svc, Messages: svc, Window: windowDesk{svc}, Site: site})))
	limited.Handle("/", acc.Middleware(portal.New(portal.Deps{Matters: svc, Cases: svc, Documents: svc, Certificates: svc,
		Lookups: svc, Messages: svc, Site: site})))
	return mux
}

func displayAddr(a net.Addr) string {
	host, port, _ := net.SplitHostPort(a.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// prepareDemo imports the example matters and creates the demo users once per data folder;
// later starts reuse them.
func prepareDemo(ctx context.Context, app *App, svc *service.Service, data string) error {
	path := filepath.Join(data, demoCredentialsFile)
	raw, err := os.ReadFile(path)
	if err == nil {
		var creds []service.Credential
		if err := json.Unmarshal(raw, &creds); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		printCredentials(app, creds, path)
		return nil
	}
	results, problems, err := svc.Import(ctx, examples.Bundle, true)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return problems
	}
	for _, r := range results {
		fmt.Fprintf(app.Stdout, "已发布事项 %s 第 %d 版\n", r.Slug, r.Version)
	}
	creds, err := svc.SeedDemo(ctx)
	if err != nil {
		return err
	}
	out, err := json.MarshalIndent(creds, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(path, out, 0o600); err != nil {
		return err
	}
	printCredentials(app, creds, path)
	return nil
}

func printCredentials(app *App, creds []service.Credential, path string) {
	fmt.Fprintln(app.Stdout, "演示账号（网页登录密码均为 "+service.DemoPassword+"，全部令牌见 "+path+"）：")
	shown := 0
	for _, c := range creds {
		if c.Kind != "staff" || shown < 8 {
			fmt.Fprintf(app.Stdout, "  %-28s %-10s %s\n", c.Name, c.Kind, c.Token)
			if c.Kind == "staff" {
				shown++
			}
		}
	}
}
