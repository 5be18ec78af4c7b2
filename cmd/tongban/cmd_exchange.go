package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/connectors/callback"
	"github.com/xuchang-gov/tongban/connectors/exchange"
	"github.com/xuchang-gov/tongban/connectors/exchange/sqlsink"
	"github.com/xuchang-gov/tongban/connectors/httpconn"
	"github.com/xuchang-gov/tongban/connectors/registry"
	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
)

func init() {
	commands["exchange"] = command{summary: "批量交换办件信息：push 经推送连接器批量推送，transfer 逐页转移到另一数据库，receive 接收端", run: runExchange}
}

const exchangeUsage = `用法:
  tongban exchange push -connector NAME [-bundle DIR] [-to URL] [-batch 10000] [-key-prefix P] [-data DIR | -db DSN]
      经推送连接器分批推送全部办件信息，每批一个 gzip 请求、一个幂等键：重推的批次对方只入库一次
  tongban exchange transfer -to-db DSN [-page 500] [-checkpoint FILE] [-restart] [-data DIR | -db DSN]
      逐页把办件信息转移到另一数据库（数据目录、*.db 文件或 postgres://…）的 exchange_cases 表；
      中断后再次运行同一命令，从检查点续传，不重不漏
  tongban exchange receive [-connector case-exchange] [-bundle DIR] [-addr HOST:PORT] [-to-db DSN]
      批量推送的接收端（演示、联调用）：校验 HMAC 签名，按批次幂等写入 -to-db 或内存

交换的字段：办件编号、事项及版本、状态、渠道、机构、区划、提交/受理/办结时间、费用合计、更新时间；
不含申请表、材料、申请人和查询码。`

func runExchange(ctx context.Context, cli *CLI, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(cli.Stderr, exchangeUsage)
		return 2
	}
	switch args[0] {
	case "push":
		return runExchangePush(ctx, cli, args[1:])
	case "transfer":
		return runExchangeTransfer(ctx, cli, args[1:])
	case "receive":
		return runExchangeReceive(ctx, cli, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(cli.Stdout, exchangeUsage)
		return 0
	}
	fmt.Fprintf(cli.Stderr, "tongban exchange: 未知的子命令 %q\n%s\n", args[0], exchangeUsage)
	return 2
}

func runExchangePush(ctx context.Context, cli *CLI, args []string) int {
	fs := flag.NewFlagSet("exchange push", flag.ContinueOnError)
	fs.SetOutput(cli.Stderr)
	var sf storeFlags
	sf.register(fs)
	name := fs.String("connector", "", "推送类连接器的名称（connectors/名称.json）")
	bundle := fs.String("bundle", ".", "定义包根目录（含 connectors/）")
	to := fs.String("to", "", "把连接器地址的协议和主机换成这里（如 http://127.0.0.1:9091），路径不变")
	batch := fs.Int("batch", exchange.DefaultBatchSize, "每个请求的记录数")
	prefix := fs.String("key-prefix", "", "幂等键前缀（默认连接器名称）；同一前缀重推，对方按批去重")
	if rest, err := parseInterspersed(fs, args); err != nil || len(rest) > 0 || *name == "" || *batch <= 0 {
		fmt.Fprintln(cli.Stderr, exchangeUsage)
		return 2
	}
	conn, err := loadExchangeConnector(cli, *bundle, *name)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban exchange push:", err)
		return 1
	}
	if conn.Kind != "push" {
		fmt.Fprintf(cli.Stderr, "tongban exchange push: 连接器 %s 是 %s 类，批量推送需要推送类（push）\n", conn.Name, conn.Kind)
		return 1
	}
	reg, err := registry.New([]*definitions.Connector{conn}, httpconn.Options{Logger: cli.logger()}, *to)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban exchange push:", err)
		return 1
	}
	client := reg.Client(conn.Name)
	if err := client.CheckSecrets(); err != nil {
		fmt.Fprintln(cli.Stderr, "tongban exchange push:", err)
		return 1
	}
	db, err := sf.openDB(ctx, cli)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban exchange push:", err)
		return 1
	}
	defer db.Close()
	_, total, err := db.ListCases(ctx, runtime.CaseQuery{Limit: 1})
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban exchange push:", runtime.ErrorMessage(err))
		return 1
	}
	fmt.Fprintf(cli.Stderr, "推送 %d 条办件信息到 %s（%s），每批至多 %d 条\n", total, conn.Title, client.Connector().URL, *batch)
	sum, err := exchange.PushSeq(ctx, client, exchange.Records(ctx, db, 0), exchange.PushOptions{
		BatchSize: *batch, KeyPrefix: *prefix, Total: total,
		Progress: func(sent, total int) { fmt.Fprintf(cli.Stderr, "  已推送 %d/%d 条\n", sent, total) },
	})
	outcome := "完成"
	if err != nil {
		outcome = "中断"
	}
	fmt.Fprintf(cli.Stdout, "推送%s：%d 条，%d 批（对方已有 %d 批），JSON %s，压缩后 %s，%d 次请求，用时 %d ms\n",
		outcome, sum.Records, sum.Batches, sum.Duplicates,
		exchangeBytes(sum.RawBytes), exchangeBytes(sum.CompressedBytes), sum.Attempts, sum.Duration.Milliseconds())
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban exchange push:", err)
		fmt.Fprintln(cli.Stderr, "用同一命令重推即可：已入库的批次幂等键相同，对方不会重复入库")
		return 1
	}
	return 0
}

func runExchangeTransfer(ctx context.Context, cli *CLI, args []string) int {
	fs := flag.NewFlagSet("exchange transfer", flag.ContinueOnError)
	fs.SetOutput(cli.Stderr)
	var sf storeFlags
	sf.register(fs)
	toDB := fs.String("to-db", "", "目标数据库：数据目录、*.db 文件或 postgres://…")
	page := fs.Int("page", exchange.MaxPageSize, fmt.Sprintf("每页记录数（至多 %d）", exchange.MaxPageSize))
	checkpoint := fs.String("checkpoint", "", "检查点文件（默认在数据目录中，按来源和目标区分）")
	restart := fs.Bool("restart", false, "丢弃检查点，从头转移（目标按办件编号覆盖，不会重复）")
	if rest, err := parseInterspersed(fs, args); err != nil || len(rest) > 0 || *toDB == "" || *page <= 0 || *page > exchange.MaxPageSize {
		fmt.Fprintln(cli.Stderr, exchangeUsage)
		return 2
	}
	source := sf.db
	if source == "" {
		source = cli.abs(sf.data)
	}
	dest := *toDB
	if !exchangeIsPostgres(dest) {
		dest = cli.abs(dest)
	}
	cpPath := *checkpoint
	if cpPath == "" {
		sum := sha256.Sum256([]byte(source + "\n" + dest))
		cpPath = filepath.Join(cli.abs(sf.data), "exchange-transfer-"+hex.EncodeToString(sum[:6])+".json")
	} else {
		cpPath = cli.abs(cpPath)
	}
	if err := os.MkdirAll(filepath.Dir(cpPath), 0o750); err != nil {
		fmt.Fprintln(cli.Stderr, "tongban exchange transfer: 检查点目录：", err)
		return 1
	}
	if *restart {
		if err := os.Remove(cpPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintln(cli.Stderr, "tongban exchange transfer:", err)
			return 1
		}
	}
	db, err := sf.openDB(ctx, cli)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban exchange transfer: 无法打开来源数据库：", err)
		return 1
	}
	defer db.Close()
	sink, err := sqlsink.Open(ctx, dest)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban exchange transfer: 无法打开目标数据库：", err)
		return 1
	}
	defer sink.Close()
	var last time.Time
	sum, err := exchange.Transfer(ctx, db, sink, exchange.TransferOptions{PageSize: *page, Checkpoint: exchange.FileCheckpoint{Path: cpPath},
		Progress: func(done, total int) {
			if now := time.Now(); now.Sub(last) >= time.Second || done >= total {
				last = now
				fmt.Fprintf(cli.Stderr, "  已转移 %d/%d 条\n", done, total)
			}
		}})
	resumed := ""
	if sum.From.Done > 0 {
		resumed = fmt.Sprintf("，从第 %d 条之后续传", sum.From.Done)
	}
	if err != nil {
		fmt.Fprintf(cli.Stdout, "转移中断：本次 %d 条%s，共已转移 %d 条\n", sum.Records, resumed, sum.To.Done)
		fmt.Fprintln(cli.Stderr, "tongban exchange transfer:", err)
		fmt.Fprintf(cli.Stderr, "再次运行同一命令即从检查点 %s 续传\n", cli.rel(cpPath))
		return 1
	}
	rate := ""
	if sum.Records > 0 {
		rate = fmt.Sprintf("，%.0f 条/秒", sum.RecordsPerSecond())
	}
	fmt.Fprintf(cli.Stdout, "转移完成：本次 %d 条（%d 页）%s，共 %d 条，用时 %d ms%s，写入 %s 的 %s 表\n",
		sum.Records, sum.Pages, resumed, sum.To.Done, sum.Duration.Milliseconds(), rate, exchangeRedactDSN(dest), sqlsink.Table)
	return 0
}

func runExchangeReceive(ctx context.Context, cli *CLI, args []string) int {
	fs := flag.NewFlagSet("exchange receive", flag.ContinueOnError)
	fs.SetOutput(cli.Stderr)
	name := fs.String("connector", "case-exchange", "推送类连接器的名称：按它的 HMAC 设置（secretEnv 等）校验签名")
	bundle := fs.String("bundle", ".", "定义包根目录（含 connectors/）")
	addr := fs.String("addr", "", "监听地址（默认取连接器地址中的主机和端口）")
	toDB := fs.String("to-db", "", "写入的数据库（数据目录、*.db 文件或 postgres://…）；不给则只存在内存中")
	if rest, err := parseInterspersed(fs, args); err != nil || len(rest) > 0 {
		fmt.Fprintln(cli.Stderr, exchangeUsage)
		return 2
	}
	conn, err := loadExchangeConnector(cli, *bundle, *name)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban exchange receive:", err)
		return 1
	}
	verifier, err := callback.ForConnector(conn, callback.NewMemoryNonces(), nil)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban exchange receive:", err)
		return 1
	}
	if _, err := verifier.Secret(""); err != nil {
		fmt.Fprintln(cli.Stderr, "tongban exchange receive:", err)
		return 1
	}
	u, err := url.Parse(conn.URL)
	if err != nil {
		fmt.Fprintf(cli.Stderr, "tongban exchange receive: 连接器地址 %s 无效\n", conn.URL)
		return 1
	}
	if *addr == "" {
		*addr = u.Host
	}
	var sink exchange.Sink = exchange.NewMemorySink()
	where := "内存（退出即丢失）"
	if *toDB != "" {
		dest := *toDB
		if !exchangeIsPostgres(dest) {
			dest = cli.abs(dest)
		}
		s, err := sqlsink.Open(ctx, dest)
		if err != nil {
			fmt.Fprintln(cli.Stderr, "tongban exchange receive:", err)
			return 1
		}
		defer s.Close()
		sink, where = s, exchangeRedactDSN(dest)+" 的 "+sqlsink.Table+" 表"
	}
	h := &exchange.Receiver{Verifier: verifier, Dedup: callback.NewMemoryDedup(), Sink: sink, Logger: cli.logger()}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban exchange receive:", err)
		return 1
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(cli.Stdout, "接收端已启动：http://%s%s，写入 %s\n", displayAddr(ln.Addr()), u.EscapedPath(), where)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintln(cli.Stderr, "tongban exchange receive:", err)
		return 1
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(cli.Stderr, "tongban exchange receive:", err)
	}
	if m, ok := sink.(*exchange.MemorySink); ok {
		fmt.Fprintf(cli.Stdout, "共收到 %d 条办件信息（%d 批）\n", m.Len(), m.Puts())
	}
	return 0
}

// loadExchangeConnector reads connectors/NAME.json of a bundle and checks it as validate does.
func loadExchangeConnector(cli *CLI, bundle, name string) (*definitions.Connector, error) {
	path := filepath.Join(cli.abs(bundle), definitions.ConnectorsDir, name+".json")
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("找不到连接器 %s：%v", name, err)
	}
	var conn definitions.Connector
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&conn); err != nil {
		return nil, fmt.Errorf("%s：无法解析：%v", cli.rel(path), err)
	}
	if conn.Name != name {
		return nil, fmt.Errorf("%s：连接器名称 %s 应与文件名一致", cli.rel(path), conn.Name)
	}
	if ps := conn.Problems(); len(ps) > 0 {
		return nil, fmt.Errorf("%s:%s: %s", cli.rel(path), ps[0].Pointer, ps[0].Message)
	}
	return &conn, nil
}

func exchangeIsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// exchangeRedactDSN hides the password of a connection string for output.
func exchangeRedactDSN(dsn string) string {
	if !exchangeIsPostgres(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "PostgreSQL"
	}
	return u.Redacted()
}

// exchangeBytes shows a byte count in KB or MB.
func exchangeBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
