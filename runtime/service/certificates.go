package service

import (
	"context"
	"encoding/json"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/store"
)

var _ runtime.CertificateService = (*Service)(nil)

// printedFields evaluates the labelled text elements of a certificate template: the essential
// fields the e-license record keeps and the verification page shows.
func printedFields(t *definitions.CompiledPrint, vars rules.Vars) []runtime.VerificationField {
	var out []runtime.VerificationField
	for i, e := range t.Template.Elements {
		p := t.Values[i]
		if e.Label == "" || p == nil || (e.Type != "text" && e.Type != "multiline") {
			continue
		}
		v, err := p.Run(vars)
		if err != nil || v == nil {
			continue
		}
		out = append(out, runtime.VerificationField{Label: e.Label, Value: rules.Display(v)})
	}
	return out
}

var (
	idNumberLike = regexp.MustCompile(`\d{6}(\d{8})\d{3}[\dXx]`)
	mobileLike   = regexp.MustCompile(`1[3-9]\d(\d{4})\d{4}`)
)

// mask hides the middle of ID numbers (birth date) and mobile numbers in public text.
func mask(s string) string {
	s = idNumberLike.ReplaceAllStringFunc(s, func(m string) string { return m[:6] + "********" + m[14:] })
	return mobileLike.ReplaceAllStringFunc(s, func(m string) string { return m[:3] + "****" + m[7:] })
}

// VerifyCertificate tells the public whether a certificate is valid, revoked or expired.
func (s *Service) VerifyCertificate(ctx context.Context, number string) (*runtime.Verification, error) {
	c, err := s.db.GetCertificate(ctx, number)
	if err != nil {
		if runtime.ErrorCode(err) == runtime.ENOTFOUND {
			return nil, runtime.Errorf(runtime.ENOTFOUND, "查无此证照：%s", number)
		}
		return nil, err
	}
	v := &runtime.Verification{Number: c.Number, Status: c.Status, Holder: maskName(c.Holder), Issuer: c.Issuer,
		IssuedAt: c.IssuedAt, ValidUntil: c.ValidUntil, RevokedAt: c.RevokedAt}
	if c.Status == "valid" && c.ValidUntil != nil && s.now().After(*c.ValidUntil) {
		v.Status = "expired"
	}
	v.StatusName = map[string]string{"valid": "有效", "revoked": "已注销", "expired": "已过期"}[v.Status]
	var fields []runtime.VerificationField
	if err := json.Unmarshal(c.Fields, &fields); err == nil {
		for _, f := range fields {
			v.Fields = append(v.Fields, runtime.VerificationField{Label: f.Label, Value: mask(f.Value)})
		}
	}
	if caseRow, err := s.db.GetCase(ctx, c.CaseID); err == nil {
		if _, mp, err := s.matterOf(ctx, caseRow); err == nil {
			v.Title = mp.Def.Matter.Result.Name
		}
	}
	return v, nil
}

// RevokeCertificate revokes a certificate (注销) with the reason.
func (s *Service) RevokeCertificate(ctx context.Context, u *runtime.User, number, reason string) (*runtime.Verification, error) {
	if strings.TrimSpace(reason) == "" {
		return nil, runtime.Invalid("请写明注销理由", runtime.FieldError{Pointer: "/reason", Message: "必填"})
	}
	c, err := s.db.GetCertificate(ctx, number)
	if err != nil {
		return nil, err
	}
	caseRow, err := s.db.GetCase(ctx, c.CaseID)
	if err != nil {
		return nil, err
	}
	admin := slices.Contains(u.Roles, runtime.RoleAdmin)
	if !admin && (u.OrgCode != caseRow.OrgCode || !slices.Contains(u.OrgRoles, "decider")) {
		return nil, runtime.Errorf(runtime.EFORBIDDEN, "只有发证机关的决定岗位可以注销证照")
	}
	if err := s.db.RevokeCertificate(ctx, number, reason); err != nil {
		return nil, err
	}
	if _, err := s.db.AppendEvents(ctx, caseRow.ID, []runtime.Event{event("certificate-revoked", actorOf(u), s.now(),
		map[string]any{"number": number, "reason": reason})}); err != nil {
		return nil, err
	}
	return s.VerifyCertificate(ctx, number)
}

// CertificateDocument opens the rendered certificate of a case the user may see.
func (s *Service) CertificateDocument(ctx context.Context, u *runtime.User, number string) (io.ReadCloser, error) {
	notFound := runtime.Errorf(runtime.ENOTFOUND, "证照 %s 不存在或没有电子文件", number)
	c, err := s.db.GetCertificate(ctx, number)
	if err != nil || c.Document == "" {
		return nil, notFound
	}
	caseRow, err := s.db.GetCase(ctx, c.CaseID)
	if err != nil {
		return nil, err
	}
	if ok, err := s.canSee(ctx, u, caseRow); err != nil || !ok {
		return nil, notFound
	}
	return s.blobs.Open(c.Document)
}

// saveCertificate keeps the e-license record of a certificate just issued.
func (m *move) saveCertificate(cert Certificate, vars rules.Vars) error {
	fields, err := json.Marshal(printedFields(m.mp.Prints[cert.Template], vars))
	if err != nil {
		return err
	}
	if err := m.tx.SaveCertificate(store.Certificate{Number: cert.Number, CaseID: m.c.ID, Matter: m.c.Matter,
		Template: cert.Template, Holder: cert.Holder, Issuer: cert.Issuer, Fields: fields, Document: cert.Document,
		IssuedAt: cert.IssuedAt, ValidUntil: cert.ValidUntil}); err != nil {
		return err
	}
	// When the bundle connects an e-license library to push to, it learns of the certificate
	// through the outbox, in this same transaction: delivered at least once.
	push := m.plan.Bundle.Connector(LicensePushConnector)
	if push == nil || push.Kind != "push" {
		return nil
	}
	payload, err := json.Marshal(map[string]any{"case": m.c.Number, "license": cert, "fields": json.RawMessage(fields)})
	if err != nil {
		return err
	}
	_, err = m.tx.Enqueue(store.OutboxMessage{Topic: "connector.push." + LicensePushConnector, Payload: payload, CaseID: m.c.ID,
		IdempotencyKey: "license:" + cert.Number})
	return err
}

// LicensePushConnector is the push connector that issued certificates are sent to, when a
// bundle has one: the e-license library's intake (电子证照归集).
const LicensePushConnector = "e-license-issue"
