package store

import (
	"context"
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

type certificateRow struct {
	Number       string `gorm:"primaryKey"`
	CaseID       int64
	Matter       string
	Template     string
	Holder       string
	Issuer       string
	Fields       string
	Document     string
	Status       string
	IssuedAt     time.Time
	ValidUntil   *time.Time
	RevokedAt    *time.Time
	RevokeReason string
}

func (certificateRow) TableName() string { return "certificates" }

// SaveCertificate records an issued certificate inside the unit of work that issues it.
func (tx *Tx) SaveCertificate(c Certificate) error {
	fields := string(c.Fields)
	if fields == "" {
		fields = "{}"
	}
	err := tx.g.Create(&certificateRow{Number: c.Number, CaseID: c.CaseID, Matter: c.Matter, Template: c.Template,
		Holder: c.Holder, Issuer: c.Issuer, Fields: fields, Document: c.Document, Status: "valid",
		IssuedAt: c.IssuedAt.UTC(), ValidUntil: storedTime(c.ValidUntil)}).Error
	if isUnique(err) {
		return conflict("证照编号 %s 已存在", c.Number)
	}
	return wrap(err, "save certificate")
}

// GetCertificate returns a certificate by number; not_found if there is none.
func (db *DB) GetCertificate(ctx context.Context, number string) (c *Certificate, err error) {
	err = db.read(ctx, func(tx *Tx) error {
		var rows []certificateRow
		if err := tx.g.Where("number = ?", number).Limit(1).Find(&rows).Error; err != nil {
			return wrap(err, "get certificate")
		}
		if len(rows) == 0 {
			return notFound("证照 %s 不存在", number)
		}
		r := rows[0]
		c = &Certificate{Number: r.Number, CaseID: r.CaseID, Matter: r.Matter, Template: r.Template, Holder: r.Holder,
			Issuer: r.Issuer, Fields: json.RawMessage(r.Fields), Document: r.Document, Status: r.Status,
			IssuedAt: r.IssuedAt.UTC(), ValidUntil: utcPtr(r.ValidUntil), RevokedAt: utcPtr(r.RevokedAt), RevokeReason: r.RevokeReason}
		return nil
	})
	return c, err
}

// RevokeCertificate marks a valid certificate revoked with the reason; conflict if it is not valid.
func (db *DB) RevokeCertificate(ctx context.Context, number, reason string) error {
	return db.Write(ctx, func(tx *Tx) error {
		res := tx.g.Exec(`UPDATE certificates SET status = 'revoked', revoked_at = ?, revoke_reason = ?
			WHERE number = ? AND status = 'valid'`, tx.now, reason, number)
		if res.Error != nil {
			return wrap(res.Error, "revoke certificate")
		}
		if res.RowsAffected == 0 {
			var n int64
			if err := tx.g.Model(&certificateRow{}).Where("number = ?", number).Count(&n).Error; err != nil {
				return wrap(err, "revoke certificate")
			}
			if n == 0 {
				return notFound("证照 %s 不存在", number)
			}
			return conflict("证照 %s 已注销", number)
		}
		return nil
	})
}

// CertificatesOfCase returns the certificates issued for a case, oldest first.
func (db *DB) CertificatesOfCase(ctx context.Context, caseID int64) (certs []*Certificate, err error) {
	err = db.read(ctx, func(tx *Tx) error {
		var numbers []string
		if err := tx.g.Model(&certificateRow{}).Where("case_id = ?", caseID).Order("issued_at, number").Pluck("number", &numbers).Error; err != nil {
			return wrap(err, "certificates of case")
		}
		for _, n := range numbers {
			c, err := db.GetCertificate(tx.Context(), n)
			if err != nil {
				return err
			}
			certs = append(certs, c)
		}
		return nil
	})
	return certs, err
}
