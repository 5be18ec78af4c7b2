// Package callback accepts what outside systems send back: it verifies the HMAC-SHA256
// signature of each inbound request (see package hmacsig), refuses stale timestamps and replayed
// nonces, and applies each message at most once by its message id.
//
// A replay and a duplicate are different things. A replay is the same signed request sent
// again, by an attacker or a proxy: its nonce gives it away and it is refused (401). A
// duplicate is the other system sending the same message again, freshly signed, because it did
// not hear our answer: it is accepted (200) and changes nothing, because its message id was
// applied already.
package callback

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/xuchang-gov/tongban/connectors/hmacsig"
	"github.com/xuchang-gov/tongban/definitions"
)

// DefaultMaxSkew is how far a callback's timestamp may be from our clock.
const DefaultMaxSkew = 5 * time.Minute

// DefaultMaxBody bounds the body of a callback: a message of a few fields, never a file.
const DefaultMaxBody = 256 << 10

// Reason says why a callback was refused.
type Reason string

// The reasons a Verifier refuses a request.
const (
	Missing      Reason = "missing"       // a signature header is absent or malformed
	BadSignature Reason = "bad_signature" // the signature does not match: wrong key or altered request
	Stale        Reason = "stale"         // the timestamp is too far from now
	Replayed     Reason = "replayed"      // the nonce was seen before
	TooLarge     Reason = "too_large"     // the body is over the limit
	Unreadable   Reason = "unreadable"    // the body could not be read or unzipped
)

// Error is a refused callback, with a Chinese message for the other side's log.
type Error struct {
	Reason  Reason
	Message string
}

func (e *Error) Error() string { return e.Message }

// Status is the HTTP status to answer with: 401 for what authentication refuses, 400 and 413
// for a malformed request.
func (e *Error) Status() int {
	switch e.Reason {
	case TooLarge:
		return http.StatusRequestEntityTooLarge
	case Unreadable, Missing:
		return http.StatusBadRequest
	}
	return http.StatusUnauthorized
}

// NonceStore remembers the nonces of accepted requests until their timestamps are too old to
// be accepted anyway. Implementations must make Use atomic: of two requests with one nonce,
// only one may be told it is new.
type NonceStore interface {
	// Use records nonce until expires and reports whether it was new.
	Use(ctx context.Context, nonce string, expires time.Time) (bool, error)
}

// Verifier checks inbound signed requests.
type Verifier struct {
	// Secret returns the shared key; it is asked on every request so that a rotated key takes
	// effect at once. keyID is the key-id header's value, empty when there is none.
	Secret  func(keyID string) ([]byte, error)
	Headers hmacsig.Headers
	// MaxSkew is how far a timestamp may be from now, either way (default 5 minutes).
	MaxSkew time.Duration
	Nonces  NonceStore
	// Scope prefixes the nonces, so that connectors sharing a store do not collide.
	Scope   string
	Now     func() time.Time
	MaxBody int64
}

// NewVerifier verifies with one fixed key, the default headers and an in-memory nonce store.
func NewVerifier(secret []byte) *Verifier {
	return &Verifier{Secret: func(string) ([]byte, error) { return secret, nil }, Headers: hmacsig.DefaultHeaders,
		Nonces: NewMemoryNonces()}
}

// ForConnector verifies the callbacks of a connector whose auth type is hmac, with the key in
// its secretEnv (read through getenv at each request; nil means os.Getenv) and its header
// names and skew.
func ForConnector(conn *definitions.Connector, nonces NonceStore, getenv func(string) string) (*Verifier, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if conn.Auth.Type != "hmac" {
		return nil, fmt.Errorf("连接器 %s 的认证方式不是 hmac，无法校验回调签名", conn.Name)
	}
	env := conn.Auth.SecretEnv
	v := &Verifier{
		Secret: func(string) ([]byte, error) {
			s := getenv(env)
			if s == "" {
				return nil, fmt.Errorf("连接器 %s 的密钥环境变量 %s 未设置", conn.Name, env)
			}
			return []byte(s), nil
		},
		Headers: hmacsig.HeadersOf(&conn.Auth),
		MaxSkew: time.Duration(conn.Auth.MaxSkewSeconds) * time.Second,
		Nonces:  nonces,
		Scope:   conn.Name,
	}
	return v, nil
}

// Verify checks r and returns its body, unzipped when it came with Content-Encoding gzip. It
// leaves r.Body readable again. Refusals are *Error; an error of the key or the nonce store is
// returned as it is.
func (v *Verifier) Verify(r *http.Request) ([]byte, error) {
	signed, err := v.checkHeaders(r)
	if err != nil {
		return nil, err
	}
	maxBody := v.maxBody()
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	r.Body.Close()
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, tooLargeError(maxBody)
		}
		return nil, &Error{Unreadable, "无法读取请求内容"}
	}
	if int64(len(raw)) > maxBody {
		return nil, tooLargeError(maxBody)
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	h, ts, nonce, at, skew := signed.headers, signed.timestamp, signed.nonce, signed.at, signed.skew
	sig := r.Header.Get(h.Signature)
	key, err := v.Secret(r.Header.Get(h.KeyID))
	if err != nil {
		return nil, err
	}
	if !hmacsig.Equal(sig, hmacsig.Sign(key, r.Method, r.URL.RequestURI(), ts, nonce, raw)) {
		return nil, &Error{BadSignature, "签名无效：密钥不符或请求被改动"}
	}
	nonces := v.Nonces
	if nonces == nil {
		return nil, errors.New("callback: Verifier has no NonceStore")
	}
	fresh, err := nonces.Use(r.Context(), v.Scope+":"+nonce, at.Add(skew))
	if err != nil {
		return nil, err
	}
	if !fresh {
		return nil, &Error{Replayed, "重放的请求：该随机数已使用过"}
	}
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, &Error{Unreadable, "gzip 内容无法解压"}
		}
		body, err := io.ReadAll(io.LimitReader(zr, 8*maxBody+1))
		if err != nil {
			return nil, &Error{Unreadable, "gzip 内容无法解压"}
		}
		if int64(len(body)) > 8*maxBody {
			return nil, &Error{TooLarge, "解压后的内容过大"}
		}
		return body, nil
	}
	return raw, nil
}

// MemoryNonces is a NonceStore in memory, for one process. Expired nonces are swept as new
// ones arrive, so it holds at most the nonces of the last MaxSkew.
type MemoryNonces struct {
	mu        sync.Mutex
	seen      map[string]time.Time
	now       func() time.Time
	lastSweep time.Time
}

var _ NonceStore = (*MemoryNonces)(nil)

// NewMemoryNonces returns an empty store on the wall clock.
func NewMemoryNonces() *MemoryNonces {
	return &MemoryNonces{seen: map[string]time.Time{}, now: time.Now}
}

// Use implements NonceStore.
func (m *MemoryNonces) Use(_ context.Context, nonce string, expires time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if now.Sub(m.lastSweep) > time.Minute {
		for n, exp := range m.seen {
			if !exp.After(now) {
				delete(m.seen, n)
			}
		}
		m.lastSweep = now
	}
	if exp, ok := m.seen[nonce]; ok && exp.After(now) {
		return false, nil
	}
	m.seen[nonce] = expires
	return true, nil
}

// Len reports how many nonces are remembered.
func (m *MemoryNonces) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.seen)
}

// signedHeaders are a request's signature headers, checked for form and freshness.
type signedHeaders struct {
	headers   hmacsig.Headers
	timestamp string
	nonce     string
	at        time.Time
	skew      time.Duration
}

// checkHeaders checks what can be checked of r before its body is read: the signature headers
// are there and well formed, the timestamp is fresh, and the announced body is within the
// limit. A request that fails is refused without reading a byte of its body.
func (v *Verifier) checkHeaders(r *http.Request) (signedHeaders, error) {
	h := v.Headers
	if h.Signature == "" {
		h = hmacsig.DefaultHeaders
	}
	sig, ts, nonce := r.Header.Get(h.Signature), r.Header.Get(h.Timestamp), r.Header.Get(h.Nonce)
	if sig == "" || ts == "" || nonce == "" {
		return signedHeaders{}, &Error{Missing, fmt.Sprintf("缺少签名请求头 %s、%s 或 %s", h.Signature, h.Timestamp, h.Nonce)}
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return signedHeaders{}, &Error{Missing, "时间戳 " + h.Timestamp + " 应为 Unix 秒数"}
	}
	if len(nonce) < 8 || len(nonce) > 128 {
		return signedHeaders{}, &Error{Missing, "随机数 " + h.Nonce + " 长度应为 8–128"}
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	skew := v.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	at := time.Unix(secs, 0)
	if d := now().Sub(at); d > skew || d < -skew {
		return signedHeaders{}, &Error{Stale, fmt.Sprintf("时间戳与本方时钟相差 %v，超过允许的 %v", d.Round(time.Second), skew)}
	}
	if r.ContentLength > v.maxBody() {
		return signedHeaders{}, tooLargeError(v.maxBody())
	}
	return signedHeaders{headers: h, timestamp: ts, nonce: nonce, at: at, skew: skew}, nil
}

func (v *Verifier) maxBody() int64 {
	if v.MaxBody <= 0 {
		return DefaultMaxBody
	}
	return v.MaxBody
}

func tooLargeError(limit int64) *Error {
	return &Error{TooLarge, fmt.Sprintf("请求内容超过 %d 字节", limit)}
}
