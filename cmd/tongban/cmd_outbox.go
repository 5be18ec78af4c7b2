package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/xuchang-gov/tongban/connectors/httpconn"
	"github.com/xuchang-gov/tongban/connectors/outbox"
	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
)

func init() {
	commands["outbox"] = command{summary: "发件箱：tongban outbox list-dead 列出死信，replay ID 重放，deliver 投递", run: runOutbox}
}

const outboxUsage = `用法:
  tongban outbox list-dead [-json] [-offset N] [-limit N] [-data DIR | -db DSN]   列出投递次数用尽的死信
  tongban outbox replay [-data DIR | -db DSN] ID...                                重放死信：立即重新投递，重新计数
  tongban outbox deliver [-connectors DIR] [-once] [-data DIR | -db DSN]          投递到期消息（可多进程同时运行）`

func runOutbox(ctx context.Context, cli *CLI, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(cli.Stderr, outboxUsage)
		return 2
	}
	switch args[0] {
	case "list-dead":
		return runOutboxListDead(ctx, cli, args[1:])
	case "replay":
		return runOutboxReplay(ctx, cli, args[1:])
	case "deliver":
		return runOutboxDeliver(ctx, cli, args[1:])
	}
	fmt.Fprintf(cli.Stderr, "tongban outbox: 未知的子命令 %q\n%s\n", args[0], outboxUsage)
	return 2
}

func runOutboxListDead(ctx context.Context, cli *CLI, args []string) int {
	fs := flag.NewFlagSet("outbox list-dead", flag.ContinueOnError)
	fs.SetOutput(cli.Stderr)
	var sf storeFlags
	sf.register(fs)
	asJSON := fs.Bool("json", false, "输出 JSON")
	offset := fs.Int("offset", 0, "跳过前 N 条")
	limit := fs.Int("limit", 100, "最多列出 N 条")
	if rest, err := parseInterspersed(fs, args); err != nil || len(rest) > 0 {
		fmt.Fprintln(cli.Stderr, outboxUsage)
		return 2
	}
	db, err := sf.openDB(ctx, cli)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban outbox list-dead:", err)
		return 1
	}
	defer db.Close()
	msgs, err := db.ListDeadLetters(ctx, *offset, *limit)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban outbox list-dead:", runtime.ErrorMessage(err))
		return 1
	}
	if *asJSON {
		type row struct {
			ID             int64           `json:"id"`
			Topic          string          `json:"topic"`
			CaseID         int64           `json:"caseId,omitempty"`
			IdempotencyKey string          `json:"idempotencyKey"`
			Attempts       int             `json:"attempts"`
			LastError      string          `json:"lastError"`
			CreatedAt      time.Time       `json:"createdAt"`
			Payload        json.RawMessage `json:"payload,omitempty"`
		}
		out := make([]row, len(msgs))
		for i, m := range msgs {
			out[i] = row{m.ID, m.Topic, m.CaseID, m.IdempotencyKey, m.Attempts, m.LastError, m.CreatedAt, m.Payload}
		}
		enc := json.NewEncoder(cli.Stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		enc.Encode(out)
		return 0
	}
	if len(msgs) == 0 {
		fmt.Fprintln(cli.Stdout, "没有死信")
		return 0
	}
	tw := tabwriter.NewWriter(cli.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\t主题\t办件\t次数\t创建时间\t最后错误")
	for _, m := range msgs {
		caseID := "-"
		if m.CaseID != 0 {
			caseID = strconv.FormatInt(m.CaseID, 10)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\n", m.ID, m.Topic, caseID, m.Attempts,
			m.CreatedAt.In(runtime.Zone).Format("2006-01-02 15:04:05"), oneLine(m.LastError, 120))
	}
	tw.Flush()
	fmt.Fprintf(cli.Stderr, "共 %d 条死信；用 tongban outbox replay ID 重放\n", len(msgs))
	return 0
}

// oneLine keeps an error message on one table row.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return s
}

func runOutboxReplay(ctx context.Context, cli *CLI, args []string) int {
	fs := flag.NewFlagSet("outbox replay", flag.ContinueOnError)
	fs.SetOutput(cli.Stderr)
	var sf storeFlags
	sf.register(fs)
	rest, err := parseInterspersed(fs, args)
	if err != nil || len(rest) == 0 {
		fmt.Fprintln(cli.Stderr, outboxUsage)
		return 2
	}
	var ids []int64
	for _, a := range rest {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			fmt.Fprintf(cli.Stderr, "tongban outbox replay: %q 不是消息 ID\n", a)
			return 2
		}
		ids = append(ids, id)
	}
	db, err := sf.openDB(ctx, cli)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban outbox replay:", err)
		return 1
	}
	defer db.Close()
	code := 0
	for _, id := range ids {
		if err := db.Replay(ctx, id); err != nil {
			fmt.Fprintf(cli.Stderr, "tongban outbox replay: 消息 %d：%s\n", id, runtime.ErrorMessage(err))
			code = 1
			continue
		}
		fmt.Fprintf(cli.Stdout, "消息 %d 已重放，将立即重新投递\n", id)
	}
	return code
}

func runOutboxDeliver(ctx context.Context, cli *CLI, args []string) int {
	fs := flag.NewFlagSet("outbox deliver", flag.ContinueOnError)
	fs.SetOutput(cli.Stderr)
	var sf storeFlags
	sf.register(fs)
	dir := fs.String("connectors", "connectors", "连接器配置目录（connectors/*.json）")
	once := fs.Bool("once", false, "投递完当前到期的消息后退出")
	batch := fs.Int("batch", outbox.DefaultBatch, "每次认领的消息数")
	lease := fs.Duration("lease", outbox.DefaultLease, "认领后多久未确认即可由其他投递进程重发（应长于一次投递及其重试）")
	if rest, err := parseInterspersed(fs, args); err != nil || len(rest) > 0 {
		fmt.Fprintln(cli.Stderr, outboxUsage)
		return 2
	}
	clients, err := loadPushClients(cli.abs(*dir), cli)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban outbox deliver:", err)
		return 1
	}
	db, err := sf.openDB(ctx, cli)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban outbox deliver:", err)
		return 1
	}
	defer db.Close()
	d := &outbox.Deliverer{Queue: db, Batch: *batch, Lease: *lease, Logger: cli.logger(),
		Senders: outbox.Router{runtime.PushTopic("*"): &outbox.Connectors{Clients: clients}}}
	if !*once {
		fmt.Fprintf(cli.Stdout, "开始投递（%d 个推送连接器）\n", len(clients))
		d.Run(ctx)
	} else {
		for {
			n, err := d.DeliverBatch(ctx)
			if err != nil {
				fmt.Fprintln(cli.Stderr, "tongban outbox deliver:", err)
				return 1
			}
			if n < *batch || ctx.Err() != nil {
				break
			}
		}
	}
	st := d.Stats()
	fmt.Fprintf(cli.Stdout, "已投递 %d 条，失败 %d 条\n", st.Delivered, st.Failed)
	return 0
}

// loadPushClients builds a client for every push connector in dir. A connector that does not
// decode or check stops the command: a deliverer that silently lacks one would dead-letter its
// messages.
func loadPushClients(dir string, cli *CLI) (map[string]*httpconn.Client, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	clients := map[string]*httpconn.Client{}
	for _, name := range names {
		raw, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var conn definitions.Connector
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&conn); err != nil {
			return nil, fmt.Errorf("%s：无法解析：%v", cli.rel(name), err)
		}
		if conn.Kind != "push" {
			continue
		}
		c, err := httpconn.New(&conn, httpconn.Options{Logger: cli.logger()})
		if err != nil {
			return nil, fmt.Errorf("%s：%v", cli.rel(name), err)
		}
		if err := c.CheckSecrets(); err != nil {
			fmt.Fprintf(cli.Stderr, "警告：%s：%s\n", cli.rel(name), err)
		}
		clients[conn.Name] = c
	}
	if len(clients) == 0 {
		return nil, fmt.Errorf("%s 中没有推送类（push）连接器", cli.rel(dir))
	}
	return clients, nil
}
