package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
)

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
func (tx *Tx) SaveCertificate(c runtime.Certificate) error {
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
func (db *DB) GetCertificate(ctx context.Context, number string) (c *runtime.Certificate, err error) {
	err = db.read(ctx, func(tx *Tx) error {
		certs, err := tx.certificates(1, "number = ?", number)
		if err == nil && len(certs) == 0 {
			err = notFound("证照 %s 不存在", number)
		}
		if err == nil {
			c = certs[0]
		}
		return err
	})
	return c, err
}

// certificates reads up to limit (0: all) certificates where selects, oldest first.
func (tx *Tx) certificates(limit int, where string, args ...any) ([]*runtime.Certificate, error) {
	var rows []certificateRow
	q := tx.g.Where(where, args...).Order("issued_at, number")
	if limit > 0 {
		q = q.Limit(limit)
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, wrap(err, "get certificates")
	}
	out := make([]*runtime.Certificate, len(rows))
	for i, r := range rows {
		out[i] = &runtime.Certificate{Number: r.Number, CaseID: r.CaseID, Matter: r.Matter, Template: r.Template, Holder: r.Holder,
			Issuer: r.Issuer, Fields: json.RawMessage(r.Fields), Document: r.Document, Status: r.Status,
			IssuedAt: r.IssuedAt.UTC(), ValidUntil: utcPtr(r.ValidUntil), RevokedAt: utcPtr(r.RevokedAt), RevokeReason: r.RevokeReason}
	}
	return out, nil
}

// SetCertificateDocument records the rendered document of a certificate issued without one,
// and reports whether it did: false when another has recorded one first.
func (tx *Tx) SetCertificateDocument(number, document string) (bool, error) {
	res := tx.g.Exec(`UPDATE certificates SET document = ? WHERE number = ? AND document = ''`, document, number)
	if res.Error != nil {
		return false, wrap(res.Error, "set certificate document")
	}
	return res.RowsAffected == 1, nil
}

// CertificatesWithoutDocument lists up to limit certificates issued before cutoff whose
// document has not been rendered yet, oldest first.
func (db *DB) CertificatesWithoutDocument(ctx context.Context, cutoff time.Time, limit int) (certs []*runtime.Certificate, err error) {
	err = db.read(ctx, func(tx *Tx) (err error) {
		certs, err = tx.certificates(limit, "document = '' AND issued_at < ?", cutoff.UTC())
		return err
	})
	return certs, err
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
func (db *DB) CertificatesOfCase(ctx context.Context, caseID int64) (certs []*runtime.Certificate, err error) {
	err = db.read(ctx, func(tx *Tx) (err error) {
		certs, err = tx.certificates(0, "case_id = ?", caseID)
		return err
	})
	return certs, err
}
