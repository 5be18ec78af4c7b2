// Package hmacsig is the one HMAC-SHA256 request signature of tongban's connectors, shared by
// the side that signs (connectors/httpconn, the simulators' callbacks) and the side that
// verifies (connectors/callback), so that the two can never drift apart.
//
// The signature is the lowercase hex HMAC-SHA256, under the shared key, of
//
//	METHOD \n REQUEST-URI \n TIMESTAMP \n NONCE \n hex(SHA-256(body))
//
// where REQUEST-URI is the escaped path and query as sent on the request line, TIMESTAMP is
// Unix seconds and NONCE is a random string used once. The timestamp lets a receiver refuse
// stale requests and the nonce lets it refuse replays within the allowed skew.
package hmacsig

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
)

// Headers are the names of the signature headers.
type Headers struct {
	Signature string
	Timestamp string
	Nonce     string
	KeyID     string
}

// DefaultHeaders are the header names used when a connector names none.
var DefaultHeaders = Headers{
	Signature: definitions.DefaultSignatureHeader,
	Timestamp: definitions.DefaultTimestampHeader,
	Nonce:     definitions.DefaultNonceHeader,
	KeyID:     definitions.DefaultKeyIDHeader,
}

// HeadersOf returns the header names a connector's auth settings choose.
func HeadersOf(a *definitions.ConnectorAuth) Headers {
	var h Headers
	h.Signature, h.Timestamp, h.Nonce, h.KeyID = a.HMACHeaders()
	return h
}

// StringToSign is the text the signature covers.
func StringToSign(method, requestURI, timestamp, nonce string, body []byte) string {
	sum := sha256.Sum256(body)
	return method + "\n" + requestURI + "\n" + timestamp + "\n" + nonce + "\n" + hex.EncodeToString(sum[:])
}

// Sign returns the hex signature of a request.
func Sign(key []byte, method, requestURI, timestamp, nonce string, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(StringToSign(method, requestURI, timestamp, nonce, body)))
	return hex.EncodeToString(mac.Sum(nil))
}

// Equal compares a received signature with the expected one in constant time.
func Equal(got, want string) bool {
	return hmac.Equal([]byte(got), []byte(want))
}

// NewNonce returns 128 random bits in hex.
func NewNonce() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// SignRequest sets the timestamp, nonce, key id (when keyID is not empty) and signature
// headers of req, whose body is body.
func SignRequest(req *http.Request, key []byte, keyID string, h Headers, body []byte, now time.Time) {
	ts := strconv.FormatInt(now.Unix(), 10)
	nonce := NewNonce()
	req.Header.Set(h.Timestamp, ts)
	req.Header.Set(h.Nonce, nonce)
	if keyID != "" {
		req.Header.Set(h.KeyID, keyID)
	}
	req.Header.Set(h.Signature, Sign(key, req.Method, req.URL.RequestURI(), ts, nonce, body))
}
