package service_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/examples"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/blob"
	"github.com/xuchang-gov/tongban/runtime/service"
	"github.com/xuchang-gov/tongban/runtime/store/storetest"
)

// The matters the benchmarks file: the longest form (食品经营许可, with the acceptance step a
// clerk does) and the automatic one (高龄津贴, concluded by rules inside the submission).
const (
	benchFoodMatter   = "food-business-license"
	benchSeniorMatter = "senior-longevity-allowance"
)

// benchPDF is a minimal PDF, accepted for every uploaded material of both matters.
var benchPDF = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

// benchEnv is a service on a SQLite file (synchronous=FULL, group commit) with the example
// matters published and the demo users created.
type benchEnv struct {
	svc        *service.Service
	enterprise *runtime.User // 许昌瑞祥置业有限公司, files 食品经营许可
	elder      *runtime.User // 王桂英, files 高龄津贴
	clerk      *runtime.User // wd-amr clerk, accepts 食品经营许可
	food       []byte        // the sample forms
	senior     []byte
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	ctx := context.Background()
	db := storetest.OpenSQLite(b)
	blobs, err := blob.NewDir(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	svc := service.New(db, blobs, nil)
	if _, problems, err := svc.Import(ctx, examples.Bundle, true); err != nil || len(problems) > 0 {
		b.Fatalf("import: %v %v", err, problems)
	}
	creds, err := svc.SeedDemo(ctx)
	if err != nil {
		b.Fatal(err)
	}
	e := &benchEnv{svc: svc, food: benchSample(b, benchFoodMatter), senior: benchSample(b, benchSeniorMatter)}
	for _, c := range creds {
		var who **runtime.User
		switch {
		case c.Name == "许昌瑞祥置业有限公司":
			who = &e.enterprise
		case c.Name == "王桂英":
			who = &e.elder
		case c.Org == "wd-amr" && len(c.Roles) == 1 && c.Roles[0] == "clerk":
			who = &e.clerk
		default:
			continue
		}
		if *who, err = svc.Authenticate(ctx, c.Token); err != nil {
			b.Fatal(err)
		}
	}
	if e.enterprise == nil || e.elder == nil || e.clerk == nil {
		b.Fatal("a demo user is missing")
	}
	return e
}

func benchSample(b *testing.B, slug string) []byte {
	b.Helper()
	raw, err := os.ReadFile(filepath.Join("../../examples/matters", slug, "sample.json"))
	if err != nil {
		b.Fatal(err)
	}
	return raw
}

// benchModes runs a benchmark one request at a time and from 32 goroutines per core at once,
// as a busy portal does; the parallel figure shows what group commit buys. op is one request;
// n the number of ops the benchmark will run, for preparing their inputs.
func benchModes(b *testing.B, prepare func(b *testing.B, e *benchEnv, n int) func(i int) error) {
	for _, mode := range []string{"serial", "parallel"} {
		b.Run(mode, func(b *testing.B) {
			e := newBenchEnv(b)
			op := prepare(b, e, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			if mode == "serial" {
				for i := range b.N {
					if err := op(i); err != nil {
						b.Fatal(err)
					}
				}
			} else {
				var next atomic.Int64
				b.SetParallelism(32)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := op(int(next.Add(1) - 1)); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
		})
	}
}

// BenchmarkSubmitCase measures filing an application through the service on SQLite:
//
//   - draft: a 食品经营许可 draft with its full form, as POST /api/v1/cases with draft=true
//     does — the case, its first audit event and the Idempotency-Key in one durable write;
//   - submit: submitting a 高龄津贴 draft whose materials are uploaded (outside the timer) —
//     form validation, materials with e-license lookups, fees, the workflow started and its
//     automatic step's rules run to the conclusion, the events chained, in one durable write.
func BenchmarkSubmitCase(b *testing.B) {
	b.Run("draft", func(b *testing.B) {
		benchModes(b, func(b *testing.B, e *benchEnv, n int) func(int) error {
			draft := func(key string) error {
				_, err := e.svc.SubmitCase(context.Background(), e.enterprise, runtime.SubmitCase{
					Matter: benchFoodMatter, Form: e.food, Draft: true, IdempotencyKey: key})
				return err
			}
			// Compile and cache the matter's plan, as the first request after a start does.
			if err := draft("warm-up"); err != nil {
				b.Fatal(err)
			}
			return func(i int) error { return draft(fmt.Sprint("bench-", i)) }
		})
	})
	b.Run("submit", func(b *testing.B) {
		benchModes(b, func(b *testing.B, e *benchEnv, n int) func(int) error {
			numbers := e.drafts(b, e.elder, benchSeniorMatter, e.senior, n)
			return func(i int) error {
				v, err := e.svc.SubmitDraft(context.Background(), e.elder, numbers[i], nil, nil)
				if err == nil && v.Status != runtime.StatusApproved {
					err = fmt.Errorf("高龄津贴 %s is %s, want approved", v.Number, v.Status)
				}
				return err
			}
		})
	})
}

// BenchmarkCompleteTask measures one step of a workflow a clerk takes: claiming the acceptance
// task of a submitted 食品经营许可 and completing it with "accept" — each a durable write that
// loads the case, steps the engine, closes the task, opens the review task and chains events.
// The cases are filed outside the timer.
func BenchmarkCompleteTask(b *testing.B) {
	benchModes(b, func(b *testing.B, e *benchEnv, n int) func(int) error {
		numbers := e.drafts(b, e.enterprise, benchFoodMatter, e.food, n)
		tasks := make([]int64, n)
		e.parallel(b, n, func(i int) error {
			v, err := e.svc.SubmitDraft(context.Background(), e.enterprise, numbers[i], nil, nil)
			if err != nil {
				return err
			}
			for _, t := range v.Tasks {
				if t.Node == "accept" {
					tasks[i] = t.ID
					return nil
				}
			}
			return fmt.Errorf("%s has no acceptance task: %+v", v.Number, v.Tasks)
		})
		ctx := context.Background()
		return func(i int) error {
			if _, err := e.svc.ClaimTask(ctx, e.clerk, tasks[i]); err != nil {
				return err
			}
			v, err := e.svc.CompleteTask(ctx, e.clerk, tasks[i], runtime.TaskAction{Outcome: "accept", Opinion: "材料齐全，符合法定形式，予以受理"})
			if err != nil {
				return err
			}
			for _, t := range v.Tasks {
				if t.Node == "review" && t.Status == runtime.TaskOpen {
					return nil
				}
			}
			return fmt.Errorf("%s has no open review task after acceptance: %s %+v", v.Number, v.Status, v.Tasks)
		}
	})
}

// drafts creates n drafts of matter as u with every material the submission asks for
// uploaded, and returns their numbers. It finds the materials as a portal does: the first
// draft is submitted and the materials the refusal names are uploaded.
func (e *benchEnv) drafts(b *testing.B, u *runtime.User, matter string, form []byte, n int) []string {
	b.Helper()
	ctx := context.Background()
	probe, err := e.svc.SubmitCase(ctx, u, runtime.SubmitCase{Matter: matter, Form: form, Draft: true})
	if err != nil {
		b.Fatal(err)
	}
	_, err = e.svc.SubmitDraft(ctx, u, probe.Number, nil, nil)
	var refusal *runtime.Error
	if !errors.As(err, &refusal) {
		b.Fatalf("submitting %s without materials: %v, want a refusal", matter, err)
	}
	var materials []string
	for _, f := range refusal.Fields {
		id, ok := strings.CutPrefix(f.Pointer, "/materials/")
		if !ok {
			b.Fatalf("%s refused for %s: %s", matter, f.Pointer, f.Message)
		}
		materials = append(materials, id)
	}
	numbers := make([]string, n)
	e.parallel(b, n, func(i int) error {
		v, err := e.svc.SubmitCase(ctx, u, runtime.SubmitCase{Matter: matter, Form: form, Draft: true})
		if err != nil {
			return err
		}
		for _, m := range materials {
			if _, err := e.svc.UploadMaterial(ctx, u, v.Number, m, "材料.pdf", bytes.NewReader(benchPDF)); err != nil {
				return err
			}
		}
		numbers[i] = v.Number
		return nil
	})
	return numbers
}

// parallel runs fn for 0..n-1 from 32 goroutines, so that preparation rides on group commit.
func (e *benchEnv) parallel(b *testing.B, n int, fn func(i int) error) {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for range 32 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if first != nil {
		b.Fatal(first)
	}
}
