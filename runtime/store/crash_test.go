package store_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/store"
)

// crashChildEnv tells the test binary, re-run by TestAcknowledgedWritesSurviveKill, to be the
// process that gets killed.
const crashChildEnv = "TONGBAN_STORE_CRASH_CHILD"

// TestAcknowledgedWritesSurviveKill submits cases from a child process as fast as it can, kills
// it with SIGKILL mid-stream, and checks that every case the child saw acknowledged is in the
// database with an intact audit trail.
func TestAcknowledgedWritesSurviveKill(t *testing.T) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestAcknowledgedWritesSurviveKill$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]bool{}
	lines := bufio.NewScanner(out)
	deadline := time.Now().Add(30 * time.Second)
	for len(acked) < 300 && time.Now().Before(deadline) && lines.Scan() {
		if n, ok := strings.CutPrefix(lines.Text(), "acked "); ok {
			acked[n] = true
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if len(acked) == 0 {
		t.Fatal("the child acknowledged nothing")
	}

	db, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for n := range acked {
		c, err := db.GetCaseByNumber(ctx, n)
		if err != nil {
			t.Fatalf("acknowledged case %s lost: %v", n, err)
		}
		if err := db.VerifyChain(ctx, c.ID, runtime.CaseHead{}); err != nil {
			t.Fatal(err)
		}
	}
	_, total, _ := db.ListCases(ctx, runtime.CaseQuery{})
	t.Logf("%d cases acknowledged before SIGKILL, %d in the database", len(acked), total)
}

// crashChild writes from 16 goroutines (so that group commit batches) and prints each case
// number once its write is acknowledged, until it is killed.
func crashChild(dir string) {
	db, err := store.Open(ctx, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	mv, err := db.PublishMatterVersion(ctx, "food-license", matterFiles)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	acks := make(chan string, 64)
	for range 16 {
		go func() {
			for {
				c, _, err := db.CreateCase(ctx, newCase(mv, 0))
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				acks <- c.Number
			}
		}()
	}
	w := bufio.NewWriter(os.Stdout)
	for n := range acks {
		fmt.Fprintln(w, "acked", n)
		if len(acks) == 0 {
			w.Flush()
		}
	}
}
