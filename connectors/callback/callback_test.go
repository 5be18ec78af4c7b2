package callback_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/connectors/callback"
	"github.com/xuchang-gov/tongban/connectors/hmacsig"
	"github.com/xuchang-gov/tongban/connectors/httpconn"
	"github.com/xuchang-gov/tongban/connectors/simulate"
	"github.com/xuchang-gov/tongban/definitions"
)

const key = "callback-key"

// receiver is tongban's side: a callback endpoint that records what it applied.
type receiver struct {
	mu      sync.Mutex
	applied []callback.Message
	url     string
	dedup   *callback.MemoryDedup
}

func (r *receiver) messages() []callback.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]callback.Message(nil), r.applied...)
}

func startReceiver(t *testing.T, v *callback.Verifier) *receiver {
	t.Helper()
	rc := &receiver{dedup: callback.NewMemoryDedup()}
	h := &callback.Handler{Verifier: v, Dedup: rc.dedup, Apply: func(_ context.Context, m callback.Message) error {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.applied = append(rc.applied, m)
		return nil
	}}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	rc.url = srv.URL + "/api/v1/callbacks/housing-approval-system"
	return rc
}

// signed builds a request signed at the given time.
func signed(t *testing.T, url, body string, at time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	hmacsig.SignRequest(req, []byte(key), "", hmacsig.DefaultHeaders, []byte(body), at)
	return req
}

func send(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// clone copies a request with its body, to send the very same bytes and headers again.
func clone(t *testing.T, req *http.Request, body string) *http.Request {
	c := req.Clone(context.Background())
	c.Body = io.NopCloser(strings.NewReader(body))
	return c
}

func TestSignedByConnectorVerifiedByHandler(t *testing.T) {
	conn := &definitions.Connector{Name: "housing-approval-system", Kind: "push", Method: "POST",
		Auth: definitions.ConnectorAuth{Type: "hmac", SecretEnv: "HOUSING_SECRET", SignatureHeader: "X-Sign", NonceHeader: "X-Nonce", TimestampHeader: "X-Ts"}}
	getenv := func(k string) string { return map[string]string{"HOUSING_SECRET": key}[k] }
	v, err := callback.ForConnector(conn, callback.NewMemoryNonces(), getenv)
	if err != nil {
		t.Fatal(err)
	}
	rc := startReceiver(t, v)
	conn.URL = rc.url
	client, err := httpconn.New(conn, httpconn.Options{Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	res, err := client.Push(context.Background(), map[string]any{"messageId": "m-1", "type": "step", "case": "XC1"}, "m-1")
	if err != nil {
		t.Fatal(err)
	}
	if res.Value.(map[string]any)["ok"] != true {
		t.Errorf("answer %v", res.Value)
	}
	msgs := rc.messages()
	if len(msgs) != 1 || msgs[0].ID != "m-1" || msgs[0].Type != "step" {
		t.Fatalf("applied %v", msgs)
	}
	t.Run("a connector with another key is refused", func(t *testing.T) {
		other, _ := httpconn.New(conn, httpconn.Options{Getenv: func(string) string { return "other" }})
		_, err := other.Push(context.Background(), map[string]any{"messageId": "m-2"}, "m-2")
		if !httpconn.IsKind(err, httpconn.Unauthorized) {
			t.Fatalf("got %v", err)
		}
		if len(rc.messages()) != 1 {
			t.Error("a refused callback was applied")
		}
	})
}

func TestRefusals(t *testing.T) {
	now := time.Now()
	v := callback.NewVerifier([]byte(key))
	rc := startReceiver(t, v)
	body := `{"messageId":"m-1","type":"result"}`

	t.Run("stale", func(t *testing.T) {
		for _, at := range []time.Time{now.Add(-6 * time.Minute), now.Add(6 * time.Minute)} {
			status, out := send(t, signed(t, rc.url, body, at))
			if status != 401 || out["reason"] != string(callback.Stale) {
				t.Errorf("signed at %v: %d %v", at.Sub(now).Round(time.Minute), status, out)
			}
		}
	})
	t.Run("within the skew", func(t *testing.T) {
		status, out := send(t, signed(t, rc.url, body, now.Add(-4*time.Minute)))
		if status != 200 || out["duplicate"] != false {
			t.Errorf("%d %v", status, out)
		}
	})
	t.Run("replayed", func(t *testing.T) {
		req := signed(t, rc.url, `{"messageId":"m-2"}`, now)
		again := clone(t, req, `{"messageId":"m-2"}`)
		if status, out := send(t, req); status != 200 {
			t.Fatalf("first: %d %v", status, out)
		}
		status, out := send(t, again)
		if status != 401 || out["reason"] != string(callback.Replayed) {
			t.Errorf("replay: %d %v", status, out)
		}
	})
	t.Run("body altered", func(t *testing.T) {
		req := signed(t, rc.url, `{"messageId":"m-3","decision":"deny"}`, now)
		req = clone(t, req, `{"messageId":"m-3","decision":"approve"}`)
		req.ContentLength = -1
		status, out := send(t, req)
		if status != 401 || out["reason"] != string(callback.BadSignature) {
			t.Errorf("%d %v", status, out)
		}
	})
	t.Run("path altered", func(t *testing.T) {
		req := signed(t, rc.url, body, now)
		req.URL.Path += "-other"
		status, out := send(t, req)
		if status != 401 || out["reason"] != string(callback.BadSignature) {
			t.Errorf("%d %v", status, out)
		}
	})
	t.Run("unsigned", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, rc.url, strings.NewReader(body))
		status, out := send(t, req)
		if status != 400 || out["reason"] != string(callback.Missing) {
			t.Errorf("%d %v", status, out)
		}
	})
	t.Run("duplicate freshly signed", func(t *testing.T) {
		status, out := send(t, signed(t, rc.url, body, now))
		if status != 200 || out["duplicate"] != true {
			t.Errorf("%d %v", status, out)
		}
	})
	t.Run("no message id", func(t *testing.T) {
		status, _ := send(t, signed(t, rc.url, `{"type":"step"}`, now))
		if status != 400 {
			t.Errorf("status %d", status)
		}
	})
	// m-1 (once, though sent twice) and m-2 (once, though replayed) are all that changed anything.
	var ids []string
	for _, m := range rc.messages() {
		ids = append(ids, m.ID)
	}
	if strings.Join(ids, ",") != "m-1,m-2" {
		t.Errorf("applied %v", ids)
	}
}

func TestApplyFailureIsRetried(t *testing.T) {
	var calls atomic.Int32
	h := &callback.Handler{Verifier: callback.NewVerifier([]byte(key)), Dedup: callback.NewMemoryDedup(),
		Apply: func(context.Context, callback.Message) error {
			if calls.Add(1) == 1 {
				return errors.New("database is locked")
			}
			return nil
		}}
	srv := httptest.NewServer(h)
	defer srv.Close()
	body := `{"messageId":"m-9"}`
	if status, out := send(t, signed(t, srv.URL, body, time.Now())); status != 500 || strings.Contains(out["error"].(string), "locked") {
		t.Errorf("first: %d %v (the inner error must not leak)", status, out)
	}
	if status, out := send(t, signed(t, srv.URL, body, time.Now())); status != 200 || out["duplicate"] != false {
		t.Errorf("retry: %d %v", status, out)
	}
	if status, out := send(t, signed(t, srv.URL, body, time.Now())); status != 200 || out["duplicate"] != true {
		t.Errorf("third: %d %v", status, out)
	}
}

func TestDepartmentRoundTrip(t *testing.T) {
	sim := simulate.New(simulate.Config{
		Auth:          map[string]simulate.Auth{simulate.Department: {HMACSecret: key}},
		CallbackDelay: 2 * time.Millisecond,
		Faults:        simulate.Faults{DuplicateRate: 1},
	})
	simSrv := httptest.NewServer(sim.Handler())
	defer simSrv.Close()
	defer sim.Close()
	rc := startReceiver(t, callback.NewVerifier([]byte(key)))
	conn := &definitions.Connector{Name: "housing-approval-system", Title: "住建部门审批系统", Kind: "push", Method: "POST",
		URL: simSrv.URL + "/housing/v1/applications", Auth: definitions.ConnectorAuth{Type: "hmac", SecretEnv: "K"}}
	client, err := httpconn.New(conn, httpconn.Options{Getenv: func(string) string { return key }})
	if err != nil {
		t.Fatal(err)
	}
	input := map[string]any{"case": "XC20260001", "token": 3, "node": "housingReview", "callbackUrl": rc.url}
	for range 2 { // the outbox may deliver twice; the department applies once
		res, err := client.Push(context.Background(), input, "case:XC20260001:token:3")
		if err != nil || res.Status != http.StatusAccepted {
			t.Fatalf("push: %v %v", res, err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for sim.Stats(simulate.Department).CallbacksAcked < 8 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	msgs := rc.messages()
	var kinds []string
	for _, m := range msgs {
		kinds = append(kinds, m.Type)
	}
	if strings.Join(kinds, ",") != "step,step,step,result" {
		t.Fatalf("applied %v", kinds)
	}
	var result struct {
		Case   string  `json:"case"`
		Token  float64 `json:"token"`
		Result struct {
			Decision string `json:"decision"`
			License  struct {
				Number, Hash string
			} `json:"license"`
		} `json:"result"`
	}
	json.Unmarshal(msgs[3].Body, &result)
	if result.Case != "XC20260001" || result.Token != 3 || result.Result.Decision != "approve" || len(result.Result.License.Hash) != 64 {
		t.Errorf("result %+v", result)
	}
	st := sim.Stats(simulate.Department)
	if st.Applied != 1 || st.Duplicates != 1 || st.CallbacksAcked != 8 {
		t.Errorf("department stats %+v: want the push applied once and every callback sent twice", st)
	}
}

func TestMemoryDedupRunsOnceUnderContention(t *testing.T) {
	d := callback.NewMemoryDedup()
	var ran atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			d.Once(context.Background(), "same", func(context.Context) error {
				ran.Add(1)
				time.Sleep(time.Millisecond)
				return nil
			})
		})
	}
	wg.Wait()
	if ran.Load() != 1 {
		t.Errorf("applied %d times", ran.Load())
	}
}

func TestMemoryNoncesExpire(t *testing.T) {
	n := callback.NewMemoryNonces()
	ctx := context.Background()
	now := time.Now()
	if ok, _ := n.Use(ctx, "a", now.Add(time.Hour)); !ok {
		t.Fatal("a new nonce was refused")
	}
	if ok, _ := n.Use(ctx, "a", now.Add(time.Hour)); ok {
		t.Fatal("a used nonce was accepted")
	}
	if ok, _ := n.Use(ctx, "b", now.Add(-time.Second)); !ok {
		t.Fatal("b refused")
	}
	if ok, _ := n.Use(ctx, "b", now.Add(time.Hour)); !ok {
		t.Error("an expired nonce must be forgotten")
	}
}

func TestGzipBody(t *testing.T) {
	rc := startReceiver(t, callback.NewVerifier([]byte(key)))
	conn := &definitions.Connector{Name: "batch", Kind: "push", Method: "POST", URL: rc.url,
		Auth: definitions.ConnectorAuth{Type: "hmac", SecretEnv: "K"}}
	client, _ := httpconn.New(conn, httpconn.Options{Getenv: func(string) string { return key }})
	records := make([]map[string]any, 2000)
	for i := range records {
		records[i] = map[string]any{"seq": i, "name": "许昌市民"}
	}
	_, err := client.Do(context.Background(), httpconn.Request{Body: map[string]any{"messageId": "batch-1", "records": records}, Gzip: true})
	if err != nil {
		t.Fatal(err)
	}
	msgs := rc.messages()
	if len(msgs) != 1 || !bytes.Contains(msgs[0].Body, []byte(`"seq":1999`)) {
		t.Fatalf("applied %d messages", len(msgs))
	}
}
