package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/runtime/store"
)

// TestBackupUnderLoadRestores backs a running server's data folder up while 高龄津贴
// applications (a draft, two uploaded files, the submission) keep coming, restores the backup
// into a new folder, and finds there every case acknowledged before the backup began, with an
// intact audit trail; a backup whose files differ from its manifest is refused.
func TestBackupUnderLoadRestores(t *testing.T) {
	bin := buildTongban(t)
	data := t.TempDir()
	srv := startServer(t, bin, data)
	elder := readDemoTokens(t, data)["王桂英"]
	form := readSample(t, seniorMatter)
	client := &http.Client{Timeout: 10 * time.Second}
	type ack struct {
		number string
		at     time.Time
	}
	var mu sync.Mutex
	var acked []ack
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for c := range 4 {
		wg.Go(func() {
			for seq := 0; ; seq++ {
				select {
				case <-stop:
					return
				default:
				}
				body, _ := json.Marshal(map[string]any{"matter": seniorMatter, "form": form, "draft": true})
				status, out, err := doJSON(client, srv.url, elder, "POST", "/api/v1/cases", "application/json", body, "Idempotency-Key", fmt.Sprintf("b%d-%d", c, seq))
				if err != nil || status != http.StatusCreated {
					t.Errorf("draft: %d %v %v", status, out, err)
					return
				}
				number := out["number"].(string)
				mu.Lock()
				acked = append(acked, ack{number, time.Now()})
				mu.Unlock()
				for _, m := range seniorUploads {
					contentType, file := samplePDF()
					file = []byte(strings.Replace(string(file), "%%EOF", fmt.Sprintf("%% %s %s\n%%%%EOF", number, m), 1))
					if status, out, err := doJSON(client, srv.url, elder, "POST", "/api/v1/cases/"+number+"/materials/"+m, contentType, file); err != nil || status != http.StatusCreated {
						t.Errorf("upload: %d %v %v", status, out, err)
						return
					}
				}
				if status, out, err := doJSON(client, srv.url, elder, "POST", "/api/v1/cases/"+number+"/submit", "application/json", []byte(`{}`)); err != nil || status != http.StatusOK {
					t.Errorf("submit: %d %v %v", status, out, err)
					return
				}
			}
		})
	}
	time.Sleep(time.Second)
	dir := filepath.Join(t.TempDir(), "backup")
	began := time.Now()
	out, err := exec.Command(bin, "backup", "--data", data, "--to", dir).CombinedOutput()
	took := time.Since(began)
	time.Sleep(300 * time.Millisecond) // the load goes on past the backup
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	mu.Lock()
	var before []string
	for _, a := range acked {
		if a.at.Before(began) {
			before = append(before, a.number)
		}
	}
	t.Logf("backup under load in %s (%d cases acknowledged before it, %d in all): %s", took, len(before), len(acked), out)
	mu.Unlock()
	if len(before) == 0 || len(acked) == len(before) {
		t.Fatalf("%d cases before the backup and %d in all: the backup did not run under load", len(before), len(acked))
	}
	srv.stop(t)

	restored := filepath.Join(t.TempDir(), "restored")
	if out, err := exec.Command(bin, "restore", "--from", dir, "--data", restored).CombinedOutput(); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "audit", "verify", "--data", restored).CombinedOutput(); err != nil {
		t.Fatalf("audit verify on the restored folder: %v\n%s", err, out)
	}
	db, err := store.Open(context.Background(), restored)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range before {
		if _, err := db.GetCaseByNumber(context.Background(), n); err != nil {
			t.Errorf("case %s, acknowledged before the backup, is not in the restored store: %v", n, err)
		}
	}
	db.Close()
	if out, err := exec.Command(bin, "restore", "--from", dir, "--data", restored).CombinedOutput(); err == nil || !strings.Contains(string(out), "已有数据库") {
		t.Errorf("a restore over a data folder with a database: %v %s, want it refused", err, out)
	}

	blobs, _ := filepath.Glob(filepath.Join(dir, "blobs", "*", "*"))
	if len(blobs) == 0 {
		t.Fatal("the backup holds no material files")
	}
	blob, _ := filepath.Rel(dir, blobs[0])
	for _, tc := range []struct {
		name   string
		change func(dir string) error
	}{
		{"a material file changed", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, blob), []byte("%PDF-1.4 forged"), 0o600)
		}},
		{"a file added", func(dir string) error { return os.WriteFile(filepath.Join(dir, "blobs", "extra"), []byte("x"), 0o600) }},
		{"the database missing", func(dir string) error { return os.Remove(filepath.Join(dir, "tongban.db")) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			changed := filepath.Join(t.TempDir(), "backup")
			if err := os.CopyFS(changed, os.DirFS(dir)); err != nil {
				t.Fatal(err)
			}
			if err := tc.change(changed); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(bin, "restore", "--from", changed, "--data", filepath.Join(t.TempDir(), "x")).CombinedOutput()
			if err == nil || !strings.Contains(string(out), "与清单不符") {
				t.Fatalf("restore of a backup with %s: %v %s, want it refused", tc.name, err, out)
			}
		})
	}
}
