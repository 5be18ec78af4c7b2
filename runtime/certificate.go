package runtime

import (
	"encoding/json"
	"time"
)

// Certificate is an issued certificate (证照) as the e-license record keeps it: who holds it,
// its printed fields, the rendered document's hash, and whether it is still valid.
type Certificate struct {
	Number       string
	CaseID       int64
	Matter       string
	Template     string
	Holder       string
	Issuer       string
	Fields       json.RawMessage
	Document     string
	Status       string // "valid" or "revoked"
	IssuedAt     time.Time
	ValidUntil   *time.Time
	RevokedAt    *time.Time
	RevokeReason string
}
