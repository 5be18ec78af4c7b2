package main

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/connectors/callback"
	"github.com/xuchang-gov/tongban/connectors/exchange"
	"github.com/xuchang-gov/tongban/connectors/exchange/sqlsink"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/store"
)

const exchangeSecret = "exchange-cli-secret"

// seedExchangeCases creates n cases in the store of a data folder.
func seedExchangeCases(t *testing.T, data string, n int) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mv, err := db.PublishMatterVersion(ctx, "food-business-license", map[string][]byte{"matter.json": []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	err = db.Write(ctx, func(tx *store.Tx) error {
		for range n {
			_, _, err := tx.CreateCase(runtime.NewCase{Case: runtime.Case{Matter: mv.Slug, MatterVersion: mv.Version, Channel: "window",
				Status: runtime.StatusAccepted, OrgCode: "11411000MB1544262X", DivisionCode: "411002", SubmittedAt: &now, AcceptedAt: &now}})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func startExchangeReceiver(t *testing.T) (*httptest.Server, *exchange.MemorySink) {
	t.Helper()
	sink := exchange.NewMemorySink()
	srv := httptest.NewServer(&exchange.Receiver{Verifier: callback.NewVerifier([]byte(exchangeSecret)),
		Dedup: callback.NewMemoryDedup(), Sink: sink})
	t.Cleanup(srv.Close)
	return srv, sink
}

func TestExchangePushSendsTheStoreInBatches(t *testing.T) {
	t.Setenv("TONGBAN_CASE_EXCHANGE_SECRET", exchangeSecret)
	data := filepath.Join(t.TempDir(), "data")
	seedExchangeCases(t, data, 2500)
	srv, sink := startExchangeReceiver(t)
	args := []string{"exchange", "push", "-connector", "case-exchange", "-bundle", "../../examples", "-to", srv.URL, "-data", data, "-batch", "1000"}
	code, out, errOut := run(t, ".", args...)
	if code != 0 || !strings.Contains(out, "推送完成：2500 条，3 批（对方已有 0 批）") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "已推送 2000/2500 条") || sink.Len() != 2500 {
		t.Errorf("%d records received\n%s", sink.Len(), errOut)
	}
	// Pushed again: the receiver recognises every batch.
	code, out, _ = run(t, ".", args...)
	if code != 0 || !strings.Contains(out, "3 批（对方已有 3 批）") || sink.Puts() != 3 {
		t.Errorf("push again: exit %d, %d puts\n%s", code, sink.Puts(), out)
	}
}

func TestExchangePushRefuses(t *testing.T) {
	t.Setenv("TONGBAN_CASE_EXCHANGE_SECRET", "")
	data := filepath.Join(t.TempDir(), "data")
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no subcommand", []string{"exchange"}, 2, "tongban exchange push"},
		{"unknown subcommand", []string{"exchange", "pull"}, 2, "未知的子命令"},
		{"no connector", []string{"exchange", "push", "-data", data}, 2, "用法"},
		{"missing connector", []string{"exchange", "push", "-connector", "nope", "-bundle", "../../examples", "-data", data}, 1, "找不到连接器 nope"},
		{"lookup connector", []string{"exchange", "push", "-connector", "population-db", "-bundle", "../../examples", "-data", data}, 1, "需要推送类"},
		{"no secret", []string{"exchange", "push", "-connector", "case-exchange", "-bundle", "../../examples", "-data", data}, 1, "TONGBAN_CASE_EXCHANGE_SECRET"},
		{"no destination", []string{"exchange", "transfer", "-data", data}, 2, "用法"},
		{"page too large", []string{"exchange", "transfer", "-data", data, "-to-db", data, "-page", "900"}, 2, "用法"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := run(t, ".", c.args...)
			if code != c.code || !strings.Contains(out+errOut, c.want) {
				t.Errorf("exit %d, want %d with %q\n%s%s", code, c.code, c.want, out, errOut)
			}
		})
	}
}

// cancelWriter cancels a context once something is written that contains trigger.
type cancelWriter struct {
	mu      sync.Mutex
	b       strings.Builder
	trigger string
	cancel  context.CancelFunc
}

func (w *cancelWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	if strings.Contains(w.b.String(), w.trigger) {
		w.cancel()
	}
	return len(p), nil
}

func TestExchangeTransferResumesAfterAnInterruption(t *testing.T) {
	dir := t.TempDir()
	data, dest := filepath.Join(dir, "data"), filepath.Join(dir, "second")
	seedExchangeCases(t, data, 1200)
	args := []string{"exchange", "transfer", "-data", data, "-to-db", dest, "-page", "100"}

	// Interrupted (as by Ctrl-C) after the first page.
	ctx, cancel := context.WithCancel(context.Background())
	var out strings.Builder
	stderr := &cancelWriter{trigger: "已转移 100/1200 条", cancel: cancel}
	cli := &CLI{Stdout: &out, Stderr: stderr, Dir: "."}
	if code := cli.Run(ctx, args); code != 1 || !strings.Contains(out.String(), "转移中断：本次 100 条，共已转移 100 条") {
		t.Fatalf("interrupted run: exit %d\n%s%s", code, out.String(), stderr.b.String())
	}
	if !strings.Contains(stderr.b.String(), "再次运行同一命令即从检查点") {
		t.Errorf("no hint to resume:\n%s", stderr.b.String())
	}

	code, stdout, errOut := run(t, ".", args...)
	if code != 0 || !strings.Contains(stdout, "转移完成：本次 1100 条（11 页），从第 100 条之后续传，共 1200 条") {
		t.Fatalf("resumed run: exit %d\n%s%s", code, stdout, errOut)
	}
	code, stdout, _ = run(t, ".", args...)
	if code != 0 || !strings.Contains(stdout, "本次 0 条") {
		t.Errorf("nothing left: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = run(t, ".", append(args, "-restart")...)
	if code != 0 || !strings.Contains(stdout, "本次 1200 条（12 页），共 1200 条") {
		t.Errorf("restart: exit %d\n%s", code, stdout)
	}
	sink, err := sqlsink.Open(context.Background(), dest)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	if n, _ := sink.Count(context.Background()); n != 1200 {
		t.Errorf("%d rows in the second database, want 1200", n)
	}
}

func TestExchangeReceiveTakesAPush(t *testing.T) {
	t.Setenv("TONGBAN_CASE_EXCHANGE_SECRET", exchangeSecret)
	dir := t.TempDir()
	data, dest := filepath.Join(dir, "data"), filepath.Join(dir, "received.db")
	seedExchangeCases(t, data, 300)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	cli := &CLI{Stdout: &stdout, Stderr: &stderr, Dir: "."}
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, []string{"exchange", "receive", "-bundle", "../../examples", "-addr", "127.0.0.1:0", "-to-db", dest})
	}()
	addr := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/exchange/v1/cases`)
	var base string
	for deadline := time.Now().Add(5 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if m := addr.FindStringSubmatch(stdout.String()); m != nil {
			base = "http://" + m[1]
		}
	}
	if base == "" {
		t.Fatalf("no address printed\n%s%s", stdout.String(), stderr.String())
	}
	code, out, errOut := run(t, ".", "exchange", "push", "-connector", "case-exchange", "-bundle", "../../examples", "-to", base, "-data", data)
	if code != 0 || !strings.Contains(out, "推送完成：300 条，1 批") {
		t.Fatalf("push: exit %d\n%s%s", code, out, errOut)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("receive: exit %d\n%s", code, stderr.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("receive did not stop")
	}
	sink, err := sqlsink.Open(context.Background(), dest)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	if n, _ := sink.Count(context.Background()); n != 300 {
		t.Errorf("%d rows received, want 300", n)
	}
}
