package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/connectors/simulate"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/store"
)

// deadLetter leaves one dead letter in the store of a data folder and returns its ID.
func deadLetter(t *testing.T, data string) int64 {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, data, store.WithOutboxMaxAttempts(1))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	id, err := db.Enqueue(ctx, runtime.OutboxMessage{Topic: "connector.push.sms-gateway", IdempotencyKey: "sms:1",
		Payload: json.RawMessage(`{"mobile":"13803741234","content":"您的办件已办结"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ClaimOutbox(ctx, 1, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkFailed(ctx, id, "短信平台暂时不可用（对方系统不可用），请稍后再试", time.Millisecond); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestOutboxListDeadAndReplay(t *testing.T) {
	data := t.TempDir()
	id := deadLetter(t, data)
	code, out, errOut := run(t, ".", "outbox", "list-dead", "-data", data)
	if code != 0 || !strings.Contains(out, "connector.push.sms-gateway") || !strings.Contains(out, "对方系统不可用") || !strings.Contains(errOut, "共 1 条死信") {
		t.Fatalf("list-dead: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = run(t, ".", "outbox", "list-dead", "-json", "-data", data)
	var rows []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 1 || rows[0]["idempotencyKey"] != "sms:1" {
		t.Fatalf("list-dead -json: exit %d\n%s", code, out)
	}
	if code, out, errOut = run(t, ".", "outbox", "replay", "-data", data, strconv.FormatInt(id, 10)); code != 0 || !strings.Contains(out, "已重放") {
		t.Fatalf("replay: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ = run(t, ".", "outbox", "list-dead", "-data", data); code != 0 || !strings.Contains(out, "没有死信") {
		t.Fatalf("after replay: exit %d\n%s", code, out)
	}
	t.Run("replaying what is not dead", func(t *testing.T) {
		code, _, errOut := run(t, ".", "outbox", "replay", "-data", data, strconv.FormatInt(id, 10))
		if code != 1 || !strings.Contains(errOut, "只有死信可以重放") {
			t.Errorf("exit %d: %s", code, errOut)
		}
		if code, _, errOut = run(t, ".", "outbox", "replay", "-data", data, "999"); code != 1 || !strings.Contains(errOut, "消息不存在") {
			t.Errorf("exit %d: %s", code, errOut)
		}
		if code, _, _ = run(t, ".", "outbox", "replay", "-data", data, "x"); code != 2 {
			t.Errorf("exit %d for a bad ID", code)
		}
	})

	t.Run("deliver", func(t *testing.T) {
		sim := simulate.New(simulate.Config{})
		srv := httptest.NewServer(sim.Handler())
		defer srv.Close()
		defer sim.Close()
		dir := t.TempDir()
		conn := `{"name": "sms-gateway", "title": "短信平台", "kind": "push", "method": "POST", "url": "` + srv.URL + `/sms/v1/messages"}`
		if err := os.WriteFile(filepath.Join(dir, "sms-gateway.json"), []byte(conn), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := run(t, ".", "outbox", "deliver", "-once", "-connectors", dir, "-data", data)
		if code != 0 || !strings.Contains(out, "已投递 1 条，失败 0 条") {
			t.Fatalf("deliver: exit %d\n%s%s", code, out, errOut)
		}
		if sent := sim.SentSMS(); len(sent) != 1 || sent[0].Reference != "sms:1" {
			t.Errorf("sent %+v", sent)
		}
	})
	t.Run("usage", func(t *testing.T) {
		if code, _, errOut := run(t, ".", "outbox", "purge"); code != 2 || !strings.Contains(errOut, "未知的子命令") {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})
}
