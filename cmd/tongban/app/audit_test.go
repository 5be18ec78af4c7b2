package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
	"github.com/xuchang-gov/tongban/runtime"
)

// TestRunSignsAuditCheckpoints: the running program signs a checkpoint of every case's audit
// head as its background work starts (and hourly after), which VerifyAudit then compares with.
func TestRunSignsAuditCheckpoints(t *testing.T) {
	s := apptest.Start(t, app.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { s.Run(ctx); close(ran) }()
	t.Cleanup(func() { cancel(); <-ran })
	deadline := time.Now().Add(10 * time.Second)
	cp, err := s.Store.LatestCheckpoint(ctx)
	for ; runtime.ErrorCode(err) == runtime.ENOTFOUND && time.Now().Before(deadline); cp, err = s.Store.LatestCheckpoint(ctx) {
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("no checkpoint once Run started: %v", err)
	}
	heads, err := s.Store.CaseHeads(ctx)
	if err != nil || len(cp.Heads) != len(heads) {
		t.Fatalf("checkpoint holds %d heads, the store %d (%v)", len(cp.Heads), len(heads), err)
	}
	r, err := s.Service.VerifyAudit(ctx, "")
	if err != nil || len(r.Broken) != 0 || r.Checkpoint == nil || r.Checkpoint.ID != cp.ID {
		t.Fatalf("VerifyAudit = %+v, %v", r, err)
	}
}
