package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/connectors/httpconn"
	"github.com/xuchang-gov/tongban/connectors/outbox"
	"github.com/xuchang-gov/tongban/connectors/simulate"
	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/store"
)

// The store is a Queue.
var _ outbox.Queue = (*store.DB)(nil)

func openStore(t *testing.T, opts ...store.Option) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), t.TempDir(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// smsGateway serves the simulated SMS gateway and returns it with a sender to it.
func smsGateway(t *testing.T) (*simulate.Server, *outbox.HTTPSender) {
	t.Helper()
	sim := simulate.New(simulate.Config{Auth: map[string]simulate.Auth{simulate.SMS: {HMACSecret: "sms-key"}}})
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(func() {
		srv.Close()
		sim.Close()
	})
	client, err := httpconn.New(&definitions.Connector{Name: "sms-gateway", Title: "短信平台", Kind: "push", Method: "POST",
		URL: srv.URL + "/sms/v1/messages", TimeoutMS: 2000, Auth: definitions.ConnectorAuth{Type: "hmac", SecretEnv: "SMS"},
		Breaker: &definitions.ConnectorBreaker{Failures: 1000}},
		httpconn.Options{Getenv: func(string) string { return "sms-key" }})
	if err != nil {
		t.Fatal(err)
	}
	return sim, &outbox.HTTPSender{Client: client}
}

func enqueueSMS(t *testing.T, db *store.DB, n int) []int64 {
	t.Helper()
	var ids []int64
	for i := range n {
		payload, _ := json.Marshal(map[string]any{"mobile": "13803741234", "template": "case-approved",
			"params": map[string]string{"matter": "食品经营许可", "case": fmt.Sprintf("XC%04d", i)}})
		id, err := db.Enqueue(context.Background(), runtime.OutboxMessage{Topic: "notify.sms", Payload: payload,
			IdempotencyKey: fmt.Sprintf("sms:%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func noWait(int) time.Duration { return time.Millisecond }

// drain delivers until nothing is due, letting backoffs of a few milliseconds run out.
func drain(t *testing.T, d *outbox.Deliverer) {
	t.Helper()
	for range 50 {
		n, err := d.DeliverBatch(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			time.Sleep(5 * time.Millisecond)
			if n, _ = d.DeliverBatch(context.Background()); n == 0 {
				return
			}
		}
	}
}

func TestReceiverDownThenBackGetsEverythingOnce(t *testing.T) {
	db := openStore(t)
	sim, sender := smsGateway(t)
	enqueueSMS(t, db, 20)

	// The first delivery of message 3 reaches the gateway, but its answer is lost: the
	// deliverer must send it again, and the gateway must apply it once.
	var lost atomic.Bool
	lossy := outbox.SenderFunc(func(ctx context.Context, m *runtime.OutboxMessage) error {
		err := sender.Send(ctx, m)
		if err == nil && m.IdempotencyKey == "sms:3" && lost.CompareAndSwap(false, true) {
			return errors.New("connection reset before the answer")
		}
		return err
	})
	d := &outbox.Deliverer{Queue: db, Senders: outbox.Router{"notify.sms": lossy}, Backoff: noWait, Batch: 8}

	sim.SetFaults(simulate.SMS, simulate.Faults{Down: true})
	if _, err := d.DeliverBatch(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := d.Stats(); st.Failed != 8 || st.Delivered != 0 {
		t.Fatalf("while down: %+v", st)
	}
	sim.SetFaults(simulate.SMS, simulate.Faults{})
	time.Sleep(5 * time.Millisecond)
	drain(t, d)

	st := sim.Stats(simulate.SMS)
	if len(sim.SentSMS()) != 20 || st.Applied != 20 || st.Duplicates != 1 {
		t.Errorf("gateway applied %d, sent %d texts, saw %d duplicates; want 20, 20, 1", st.Applied, len(sim.SentSMS()), st.Duplicates)
	}
	if dead, _ := db.ListDeadLetters(context.Background(), 0, 100); len(dead) != 0 {
		t.Errorf("%d dead letters", len(dead))
	}
	if more, _ := db.ClaimOutbox(context.Background(), 100, time.Minute); len(more) != 0 {
		t.Errorf("%d messages still pending", len(more))
	}
}

func TestSeveralDeliverersShareTheWork(t *testing.T) {
	db := openStore(t)
	sim, sender := smsGateway(t)
	enqueueSMS(t, db, 60)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var ds []*outbox.Deliverer
	for range 3 {
		d := &outbox.Deliverer{Queue: db, Senders: outbox.Router{"notify.*": sender}, Batch: 5, Idle: 5 * time.Millisecond, Backoff: noWait}
		ds = append(ds, d)
		wg.Go(func() { d.Run(ctx) })
	}
	deadline := time.Now().Add(5 * time.Second)
	delivered := func() (n int64) {
		for _, d := range ds {
			n += d.Stats().Delivered
		}
		return n
	}
	for delivered() < 60 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	st := sim.Stats(simulate.SMS)
	if st.Applied != 60 || st.Duplicates != 0 || delivered() != 60 {
		t.Errorf("applied %d, duplicates %d, delivered %d", st.Applied, st.Duplicates, delivered())
	}
}

func TestStoppedMidBatchLosesNothing(t *testing.T) {
	db := openStore(t)
	sim, sender := smsGateway(t)
	sim.SetFaults(simulate.SMS, simulate.Faults{Latency: 20 * time.Millisecond})
	enqueueSMS(t, db, 20)
	ctx, cancel := context.WithCancel(context.Background())
	first := &outbox.Deliverer{Queue: db, Senders: outbox.Router{"notify.sms": sender}, Batch: 10, Concurrency: 2,
		Lease: 300 * time.Millisecond, Backoff: noWait}
	done := make(chan struct{})
	go func() {
		first.Run(ctx)
		close(done)
	}()
	for first.Stats().Delivered < 3 {
		time.Sleep(time.Millisecond)
	}
	cancel() // the process dies with messages claimed and in flight
	<-done
	if first.Stats().Delivered >= 20 {
		t.Fatal("the first deliverer finished before it was stopped")
	}
	second := &outbox.Deliverer{Queue: db, Senders: outbox.Router{"notify.sms": sender}, Backoff: noWait}
	if n, _ := second.DeliverBatch(context.Background()); n >= 20-int(first.Stats().Delivered) {
		t.Errorf("claimed %d messages still leased to the stopped deliverer", n)
	}
	time.Sleep(350 * time.Millisecond) // the lease runs out
	drain(t, second)
	st := sim.Stats(simulate.SMS)
	if st.Applied != 20 || len(sim.SentSMS()) != 20 {
		t.Errorf("applied %d of 20 (duplicates %d)", st.Applied, st.Duplicates)
	}
	if more, _ := db.ClaimOutbox(context.Background(), 100, time.Minute); len(more) != 0 {
		t.Errorf("%d messages still pending", len(more))
	}
}

func TestDeadLetterAfterTheLimitAndReplay(t *testing.T) {
	db := openStore(t, store.WithOutboxMaxAttempts(3))
	sim, sender := smsGateway(t)
	ids := enqueueSMS(t, db, 1)
	d := &outbox.Deliverer{Queue: db, Senders: outbox.Router{"notify.sms": sender}, Backoff: noWait}
	sim.SetFaults(simulate.SMS, simulate.Faults{Down: true})
	drain(t, d)
	dead, err := db.ListDeadLetters(context.Background(), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || dead[0].ID != ids[0] || dead[0].Attempts != 3 || !strings.Contains(dead[0].LastError, "对方系统不可用") {
		t.Fatalf("dead letters %+v", dead)
	}
	if got := sim.Stats(simulate.SMS).Requests; got != 3 {
		t.Errorf("%d requests, want 3 before giving up", got)
	}

	sim.SetFaults(simulate.SMS, simulate.Faults{})
	if err := db.Replay(context.Background(), ids[0]); err != nil {
		t.Fatal(err)
	}
	drain(t, d)
	if dead, _ := db.ListDeadLetters(context.Background(), 0, 10); len(dead) != 0 {
		t.Errorf("still dead after replay: %+v", dead)
	}
	if st := sim.Stats(simulate.SMS); st.Applied != 1 {
		t.Errorf("applied %d", st.Applied)
	}
}

func TestUnroutedTopicFails(t *testing.T) {
	db := openStore(t, store.WithOutboxMaxAttempts(1))
	if _, err := db.Enqueue(context.Background(), runtime.OutboxMessage{Topic: "notify.fax", Payload: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	d := &outbox.Deliverer{Queue: db, Senders: outbox.Router{runtime.PushTopic("*"): outbox.SenderFunc(func(context.Context, *runtime.OutboxMessage) error {
		t.Error("a notify topic went to the push sender")
		return nil
	})}}
	d.DeliverBatch(context.Background())
	dead, _ := db.ListDeadLetters(context.Background(), 0, 10)
	if len(dead) != 1 || !strings.Contains(dead[0].LastError, "没有投递通道") {
		t.Fatalf("dead %+v", dead)
	}
}

func TestConnectorPushesCarryTheIdempotencyKey(t *testing.T) {
	db := openStore(t)
	var keys sync.Map
	sim := simulate.New(simulate.Config{CallbackDelay: time.Hour})
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	defer sim.Close()
	client, _ := httpconn.New(&definitions.Connector{Name: "housing-approval-system", Title: "住建", Kind: "push", Method: "POST",
		URL: srv.URL + "/housing/v1/applications"}, httpconn.Options{})
	payload := json.RawMessage(`{"case":"XC20260007","node":"housing","token":4,"connector":"housing-approval-system"}`)
	if _, err := db.Enqueue(context.Background(), runtime.OutboxMessage{Topic: runtime.PushTopic("housing-approval-system"),
		Payload: payload, IdempotencyKey: "case:XC20260007:token:4"}); err != nil {
		t.Fatal(err)
	}
	pushes := &outbox.Connectors{Clients: map[string]*httpconn.Client{"housing-approval-system": client},
		Input: func(ctx context.Context, m *runtime.OutboxMessage) (map[string]any, error) {
			keys.Store(m.IdempotencyKey, true)
			return outbox.PayloadInput(ctx, m)
		}}
	d := &outbox.Deliverer{Queue: db, Senders: outbox.Router{runtime.PushTopic("*"): pushes}}
	if n, err := d.DeliverBatch(context.Background()); n != 1 || err != nil || d.Stats().Delivered != 1 {
		t.Fatalf("delivered %d: %v %+v", n, err, d.Stats())
	}
	if _, ok := keys.Load("case:XC20260007:token:4"); !ok {
		t.Error("the sender did not get the message's key")
	}
	if st := sim.Stats(simulate.Department); st.Applied != 1 {
		t.Errorf("department %+v", st)
	}
}

func TestRouter(t *testing.T) {
	named := func(name string) outbox.Sender {
		return outbox.SenderFunc(func(context.Context, *runtime.OutboxMessage) error { return errors.New(name) })
	}
	r := outbox.Router{"notify.sms": named("a"), "notify.*": named("b"), "*": named("c")}
	for topic, want := range map[string]string{"notify.sms": "a", "notify.escalation": "b", "connector.push.x": "c"} {
		s, ok := r.Sender(topic)
		if !ok {
			t.Errorf("%s has no sender", topic)
			continue
		}
		if got := s.Send(context.Background(), nil).Error(); got != want {
			t.Errorf("%s → %s, want %s", topic, got, want)
		}
	}
	if _, ok := (outbox.Router{"notify.*": named("b")}).Sender("connector.push.x"); ok {
		t.Error("an unrouted topic found a sender")
	}
}
