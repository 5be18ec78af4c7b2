package exchange

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/xuchang-gov/tongban/connectors/callback"
)

// Receiver is the other side of PushBatch, for tests, simulations and `tongban exchange
// receive`: an HTTP endpoint that verifies a batch's HMAC signature (refusing stale and replayed
// requests), unzips it, and puts its records into Sink once per idempotency key.
//
// It answers 200 {"ok":true,"batch":KEY,"records":N,"duplicate":…} once the batch is stored (now
// or before), 401 to a request that fails verification, 400 to a batch without an
// Idempotency-Key or that is not a JSON array of records with numbers, and 500 when the sink
// fails, so that the sender tries again.
type Receiver struct {
	// Verifier checks each batch; its MaxBody, when unset, is MaxBatchBytes, not a callback's.
	Verifier *callback.Verifier
	// Dedup applies each batch once by its Idempotency-Key.
	Dedup  callback.Deduper
	Sink   Sink
	Logger *slog.Logger
}

var _ http.Handler = (*Receiver)(nil)

// MaxBatchBytes bounds a batch's (gzipped) body: ten thousand records.
const MaxBatchBytes = 16 << 20

func (h *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && r.Method != http.MethodPut {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": "批量交换只接受 POST"})
		return
	}
	v := *h.Verifier
	if v.MaxBody == 0 {
		v.MaxBody = MaxBatchBytes
	}
	body, err := v.Verify(r)
	if err != nil {
		var ve *callback.Error
		if errors.As(err, &ve) {
			h.log().Warn("exchange batch refused", "reason", string(ve.Reason), "remote", r.RemoteAddr)
			writeJSON(w, ve.Status(), map[string]any{"error": ve.Message, "reason": ve.Reason})
			return
		}
		h.log().Error("exchange batch verification", "error", err)
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "无法校验请求"})
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "缺少批次标识 Idempotency-Key"})
		return
	}
	var records []Record
	if err := json.Unmarshal(body, &records); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "批次内容应为办件记录的 JSON 数组：" + err.Error()})
		return
	}
	for i, rec := range records {
		if rec.Number == "" {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": fmt.Sprintf("第 %d 条记录缺少办件编号 number", i+1),
				"pointer": fmt.Sprintf("/%d/number", i)})
			return
		}
	}
	dup, err := h.Dedup.Once(r.Context(), key, func(ctx context.Context) error { return h.Sink.Put(ctx, records) })
	if err != nil {
		h.log().Error("exchange batch store", "batch", key, "error", err)
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "保存批次失败，请稍后重试"})
		return
	}
	h.log().Info("exchange batch", "batch", key, "records", len(records), "duplicate", dup)
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "batch": key, "records": len(records), "duplicate": dup})
}

func (h *Receiver) log() *slog.Logger {
	if h.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Logger
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
