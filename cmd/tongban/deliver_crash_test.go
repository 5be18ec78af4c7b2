package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/store"
)

// TestKill9DelivererLosesNothing queues 300 messages, runs `tongban outbox deliver` as a real
// process and SIGKILLs it twice mid-batch: every message still reaches the receiver, which
// applies each once by its Idempotency-Key, and the store marks every one delivered.
func TestKill9DelivererLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills the deliverer")
	}
	const total = 300
	ctx := context.Background()
	var mu sync.Mutex
	applied := map[string]int{}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(40 * time.Millisecond)
		mu.Lock()
		applied[r.Header.Get("Idempotency-Key")]++
		mu.Unlock()
		w.Write([]byte(`{"ok": true}`))
	}))
	defer receiver.Close()
	connectors := t.TempDir()
	os.WriteFile(filepath.Join(connectors, "receiver.json"), []byte(fmt.Sprintf(
		`{"name": "receiver", "title": "接收方", "kind": "push", "method": "POST", "url": "%s/in", "timeoutMs": 2000}`, receiver.URL)), 0o644)

	data := t.TempDir()
	db, err := store.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	for i := range total {
		if _, err := db.Enqueue(ctx, runtime.OutboxMessage{Topic: "connector.push.receiver",
			Payload: json.RawMessage(fmt.Sprintf(`{"n": %d}`, i)), IdempotencyKey: fmt.Sprintf("msg-%03d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	bin := filepath.Join(t.TempDir(), "tongban")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	args := []string{"outbox", "deliver", "-connectors", connectors, "-data", data, "-batch", "16", "-lease", "1s"}
	for kill := range 2 {
		cmd := exec.Command(bin, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(300+200*kill) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
	}
	mu.Lock()
	before := len(applied)
	mu.Unlock()
	if before == 0 || before == total {
		t.Fatalf("the kills did not land mid-delivery: %d of %d delivered", before, total)
	}
	time.Sleep(1100 * time.Millisecond) // the killed process's leases run out
	if out, err := exec.Command(bin, append(args, "-once")...).CombinedOutput(); err != nil {
		t.Fatalf("final deliverer: %v\n%s", err, out)
	}
	mu.Lock()
	defer mu.Unlock()
	for i := range total {
		if applied[fmt.Sprintf("msg-%03d", i)] == 0 {
			t.Errorf("msg-%03d never arrived", i)
		}
	}
	db, err = store.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if left, err := db.ClaimOutbox(ctx, total, time.Minute); err != nil || len(left) != 0 {
		t.Fatalf("%d messages left undelivered (%v)", len(left), err)
	}
	t.Logf("%d of %d had arrived before the last start; %d distinct keys applied", before, total, len(applied))
}
