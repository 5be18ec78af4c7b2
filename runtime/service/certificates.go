package service

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/observe"
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

// VerifyCertificate tells the public whether a certificate is valid, revoked or expired.
func (s *Service) VerifyCertificate(ctx context.Context, number string) (*runtime.Verification, error) {
	c, err := s.db.GetCertificate(ctx, number)
	if err != nil {
		if runtime.ErrorCode(err) == runtime.ENOTFOUND {
			return nil, runtime.Errorf(runtime.ENOTFOUND, "查无此证照：%s", number)
		}
		return nil, err
	}
	v := &runtime.Verification{Number: c.Number, Status: c.Status, Holder: c.Holder, Issuer: c.Issuer,
		IssuedAt: c.IssuedAt, ValidUntil: c.ValidUntil, RevokedAt: c.RevokedAt}
	if c.Status == "valid" && c.ValidUntil != nil && s.now().After(*c.ValidUntil) {
		v.Status = "expired"
	}
	v.StatusName = certificateStatus(c, s.now())
	// A person's name is masked wherever the page shows it; an enterprise's is public, as in
	// its registration. Without the case to tell, the holder is taken for a person.
	person := true
	if caseRow, err := s.db.GetCase(ctx, c.CaseID); err == nil {
		if applicant, err := s.db.GetUser(ctx, caseRow.ApplicantID); err == nil {
			person = applicant.Kind != "enterprise"
		}
		if _, mp, err := s.matterOf(ctx, caseRow); err == nil {
			v.Title = mp.Def.Matter.Result.Name
			v.Fields = publicFields(mp.Prints[c.Template], c.Fields)
		}
	}
	if person {
		v.Holder = maskName(c.Holder)
		for i, f := range v.Fields {
			if c.Holder != "" {
				v.Fields[i].Value = strings.ReplaceAll(f.Value, c.Holder, v.Holder)
			}
		}
	}
	return v, nil
}

// certificateStatus names a certificate's state at now: 有效, 已注销 or 已过期.
func certificateStatus(c *runtime.Certificate, now time.Time) string {
	switch {
	case c.Status == "revoked":
		return "已注销"
	case c.ValidUntil != nil && now.After(*c.ValidUntil):
		return "已过期"
	}
	return "有效"
}

// publicFields is what the verification page shows of a certificate's recorded fields: those
// the template marks public, each masked; a field the template does not mark, or a certificate
// whose template is gone, shows nothing.
func publicFields(t *definitions.CompiledPrint, recorded []byte) []runtime.VerificationField {
	var fields []runtime.VerificationField
	if t == nil || json.Unmarshal(recorded, &fields) != nil {
		return nil
	}
	public := map[string]bool{}
	for _, i := range t.Public {
		public[t.Template.Elements[i].Label] = true
	}
	var out []runtime.VerificationField
	for _, f := range fields {
		if public[f.Label] {
			out = append(out, runtime.VerificationField{Label: f.Label, Value: mask(f.Value)})
		}
	}
	return out
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
	// The issuing org's deciders, and the administrators of the government it belongs to.
	decider := u.OrgCode == caseRow.OrgCode && slices.Contains(u.OrgRoles, "decider")
	admin := slices.Contains(u.Roles, runtime.RoleAdmin) && s.supervises(u, caseRow.OrgCode)
	if !decider && !admin {
		return nil, runtime.Errorf(runtime.EFORBIDDEN, "只有发证机关的决定岗位或其所属政府的系统管理员可以注销证照")
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

// certificateVars are what a certificate's template is rendered over: the case's variables
// with the license and the fees.
func (s *Service) certificateVars(caseVars rules.Vars, cert Certificate, feeTotal float64) rules.Vars {
	vars := rules.Vars{}
	for k, v := range caseVars {
		vars[k] = v
	}
	license := map[string]any{"number": cert.Number, "holder": cert.Holder, "issuedAt": cert.IssuedAt.In(runtime.Zone), "issuer": cert.Issuer,
		"verifyUrl": s.verifyURL + cert.Number}
	if cert.ValidUntil != nil {
		license["validUntil"] = cert.ValidUntil.In(runtime.Zone)
	}
	vars["license"] = license
	vars["fees"] = map[string]any{"total": feeTotal, "items": []any{}}
	return vars
}

// saveCertificate keeps the e-license record of a certificate just issued, and has its document
// rendered once the move has committed; without a renderer the record is complete as it is.
func (m *move) saveCertificate(cert Certificate, vars rules.Vars) error {
	fields, err := json.Marshal(printedFields(m.mp.Prints[cert.Template], vars))
	if err != nil {
		return err
	}
	if err := m.tx.SaveCertificate(runtime.Certificate{Number: cert.Number, CaseID: m.c.ID, Matter: m.c.Matter,
		Template: cert.Template, Holder: cert.Holder, Issuer: cert.Issuer, Fields: fields,
		IssuedAt: cert.IssuedAt, ValidUntil: cert.ValidUntil}); err != nil {
		return err
	}
	s, caseID := m.svc, m.c.ID
	if s.render == nil {
		return s.pushCertificate(m.tx, m.plan, caseID, cert, fields)
	}
	ctx := context.WithoutCancel(m.tx.Context())
	plan, mp := m.plan, m.mp
	m.tx.AfterCommit(func() {
		rendered := make(chan struct{})
		go func() {
			defer close(rendered)
			if err := s.renderCertificate(ctx, plan, mp, caseID, cert, vars, fields); err != nil {
				s.logger.Error("certificate rendering failed; it will be tried again", "certificate", cert.Number, "err", err)
			}
		}()
		// The answer waits for the document, so that it can be downloaded at once — but not
		// for long: when many cases conclude together, renderings queue for their turns
		// (renderTurns) and finish in the background.
		select {
		case <-rendered:
		case <-time.After(certificateWait):
		}
	})
	return nil
}

// certificateWait is how long an answer that issued a certificate waits for its document.
const certificateWait = 500 * time.Millisecond

// pushCertificate tells the e-license library of a certificate through the outbox, in the
// unit of work that records it, when the bundle connects one: delivered at least once.
func (s *Service) pushCertificate(tx runtime.Tx, plan *definitions.Plan, caseID int64, cert Certificate, fields json.RawMessage) error {
	push := plan.Bundle.Connector(LicensePushConnector)
	if push == nil || push.Kind != "push" {
		return nil
	}
	payload, err := json.Marshal(map[string]any{"case": cert.CaseNumber, "license": cert, "fields": fields})
	if err != nil {
		return err
	}
	_, err = tx.Enqueue(runtime.OutboxMessage{Topic: runtime.PushTopic(LicensePushConnector), Payload: payload, CaseID: caseID,
		IdempotencyKey: "license:" + cert.Number})
	return err
}

// renderCertificate renders the document of an issued certificate, outside any unit of work,
// then records it with an audit event and tells the e-license library. When another server
// has recorded the document first, it does nothing more.
func (s *Service) renderCertificate(ctx context.Context, plan *definitions.Plan, mp *definitions.MatterPlan, caseID int64,
	cert Certificate, vars rules.Vars, fields json.RawMessage) error {
	_, end := observe.Trace(ctx, "render certificate")
	doc, err := s.renderToBlob(mp.Prints[cert.Template], vars, cert.IssuedAt)
	end(err)
	if err != nil {
		return fmt.Errorf("render certificate %s: %w", cert.Template, err)
	}
	cert.Document = doc
	return s.db.WithTx(ctx, func(tx runtime.Tx) error {
		set, err := tx.SetCertificateDocument(cert.Number, doc)
		if err != nil || !set {
			return err
		}
		if _, err := tx.AppendEvents(caseID, []runtime.Event{event("certificate-rendered", "system", s.now(),
			map[string]any{"number": cert.Number, "document": doc})}); err != nil {
			return err
		}
		return s.pushCertificate(tx, plan, caseID, cert, fields)
	})
}

// RenderPendingCertificates renders the documents of certificates issued more than a minute
// ago that still have none — their server stopped between issuing and rendering, or rendering
// failed — and returns how many it rendered. RunTimers calls it.
func (s *Service) RenderPendingCertificates(ctx context.Context) (int, error) {
	if s.render == nil {
		return 0, nil
	}
	pending, err := s.db.CertificatesWithoutDocument(ctx, s.now().Add(-time.Minute), 20)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, c := range pending {
		if err := s.renderStored(ctx, c); err != nil {
			s.logger.Error("certificate rendering failed; it will be tried again", "certificate", c.Number, "err", err)
			continue
		}
		done++
	}
	return done, nil
}

// renderStored renders a stored certificate over the variables its case gives now, dated as
// issued: the same values the issuing move rendered with.
func (s *Service) renderStored(ctx context.Context, stored *runtime.Certificate) error {
	c, err := s.db.GetCase(ctx, stored.CaseID)
	if err != nil {
		return err
	}
	plan, mp, err := s.matterOf(ctx, c)
	if err != nil {
		return err
	}
	form, err := decodeForm(c.Form)
	if err != nil {
		return err
	}
	applicant, err := s.db.GetUser(ctx, c.ApplicantID)
	if err != nil {
		return err
	}
	recs, err := materialRecords(c)
	if err != nil {
		return err
	}
	cert := Certificate{Number: stored.Number, Template: stored.Template, CaseNumber: c.Number, Matter: stored.Matter,
		Holder: stored.Holder, Issuer: stored.Issuer, IssuedAt: stored.IssuedAt, ValidUntil: stored.ValidUntil}
	vars := s.certificateVars(varsFor(mp, c, form, applicant, materialStates(mp, recs), stored.IssuedAt), cert, c.FeeTotal)
	return s.renderCertificate(ctx, plan, mp, c.ID, cert, vars, stored.Fields)
}

// LicensePushConnector is the push connector that issued certificates are sent to, when a
// bundle has one: the e-license library's intake (电子证照归集).
const LicensePushConnector = "e-license-issue"
