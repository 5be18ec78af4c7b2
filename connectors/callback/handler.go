package callback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"

	"github.com/xuchang-gov/tongban/definitions"
)

// Message is one verified callback.
type Message struct {
	// ID is the body's messageId, or else the Idempotency-Key header: what makes a repeated
	// message the same message.
	ID string
	// Type is the body's type (step, result, paid, tracking, …).
	Type string
	// Body is the whole JSON body.
	Body json.RawMessage
}

// envelope is what every callback body has in common.
type envelope struct {
	MessageID string `json:"messageId"`
	Type      string `json:"type"`
}

// Handler is the HTTP endpoint an outside system calls back: it verifies the request, then
// applies the message once. It answers 200 {"ok":true,"duplicate":…} once the message is
// applied (now or before), 401 to a request that fails verification, 400 to a body without a
// message id, and 500 when Apply fails, so that the sender tries again later.
type Handler struct {
	Verifier *Verifier
	Dedup    Deduper
	// Apply carries out a message. An error with a Status() int method (such as a runtime
	// error mapped to 404 or 409) sets the answer's status; any other error answers 500.
	Apply  func(ctx context.Context, m Message) error
	Logger *slog.Logger
	// Admit runs next — reading the body, verifying and applying it — once a callback's
	// headers have passed, so that the server counts callbacks in its in-flight limit without
	// a turn being taken by a request that is not even signed; nil runs next at once.
	Admit func(w http.ResponseWriter, r *http.Request, next http.HandlerFunc)
	// Types are the message types this endpoint's system owns; any other is refused (403)
	// before it is applied. Nil accepts every type.
	Types []string
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && r.Method != http.MethodPut {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": "回调只接受 POST"})
		return
	}
	if _, err := h.Verifier.checkHeaders(r); err != nil {
		h.refuse(w, r, err)
		return
	}
	if h.Admit == nil {
		h.serveSigned(w, r)
		return
	}
	h.Admit(w, r, h.serveSigned)
}

// refuse answers a callback that failed verification.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, err error) {
	var ve *Error
	if errors.As(err, &ve) {
		h.log().Warn("callback refused", "path", r.URL.Path, "reason", string(ve.Reason), "remote", r.RemoteAddr)
		writeJSON(w, ve.Status(), map[string]any{"error": ve.Message, "reason": ve.Reason})
		return
	}
	h.log().Error("callback verification", "path", r.URL.Path, "error", err)
	writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "无法校验回调"})
}

// serveSigned verifies and applies a callback whose headers have passed.
func (h *Handler) serveSigned(w http.ResponseWriter, r *http.Request) {
	body, err := h.Verifier.Verify(r)
	if err != nil {
		h.refuse(w, r, err)
		return
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "回调内容不是 JSON 对象"})
		return
	}
	m := Message{ID: env.MessageID, Type: env.Type, Body: body}
	if m.ID == "" {
		m.ID = r.Header.Get("Idempotency-Key")
	}
	if m.ID == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "回调缺少消息标识 messageId"})
		return
	}
	if h.Types != nil && !slices.Contains(h.Types, m.Type) {
		h.log().Warn("callback refused", "path", r.URL.Path, "reason", "type", "type", m.Type, "remote", r.RemoteAddr)
		writeJSON(w, http.StatusForbidden, map[string]any{"error": fmt.Sprintf("该系统不能回调 %q 类消息", m.Type), "reason": "type"})
		return
	}
	dup, err := h.Dedup.Once(r.Context(), m.ID, func(ctx context.Context) error { return h.Apply(ctx, m) })
	if err != nil {
		status := http.StatusInternalServerError
		var se interface{ Status() int }
		if errors.As(err, &se) {
			status = se.Status()
		}
		h.log().ErrorContext(r.Context(), "callback apply", "path", r.URL.Path, "message", m.ID, "error", err)
		msg := "处理回调失败，请稍后重试"
		if status < 500 {
			msg = err.Error()
		}
		writeJSON(w, status, map[string]any{"error": msg})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "messageId": m.ID, "duplicate": dup})
}

func (h *Handler) log() *slog.Logger {
	if h.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Logger
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// Endpoints returns the endpoint of each push connector in conns that signs with HMAC and
// declares callbacks, by connector name, taking only the message types it declares, sharing one nonce store: verified against the connector's key (read through
// getenv) and header names, admitted by admit (see Handler.Admit), de-duplicated by dedup,
// carried out by apply with the connector's name. A connector whose verifier cannot be made
// has no endpoint.
func Endpoints(conns []*definitions.Connector, getenv func(string) string, dedup Deduper,
	apply func(ctx context.Context, connector string, m Message) error, admit func(http.ResponseWriter, *http.Request, http.HandlerFunc),
	logger *slog.Logger) map[string]http.Handler {
	endpoints := map[string]http.Handler{}
	nonces := NewMemoryNonces()
	for _, c := range conns {
		if c.Kind != "push" || c.Auth.Type != "hmac" || len(c.Callbacks) == 0 {
			continue
		}
		v, err := ForConnector(c, nonces, getenv)
		if err != nil {
			continue
		}
		name := c.Name
		endpoints[name] = &Handler{Verifier: v, Dedup: dedup, Logger: logger, Admit: admit, Types: c.Callbacks,
			Apply: func(ctx context.Context, m Message) error { return apply(ctx, name, m) }}
	}
	return endpoints
}
