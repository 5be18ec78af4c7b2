package service_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/service"
)

// recordingRenderer stands in for the printing component in these tests: it evaluates every
// element of the template, as a renderer must, and writes the texts it got.
type recordingRenderer struct {
	texts []string
	// fail, when set, is what rendering returns instead.
	fail error
}

func (r *recordingRenderer) render(w io.Writer, t *definitions.CompiledPrint, vars rules.Vars, _ time.Time) error {
	if r.fail != nil {
		return r.fail
	}
	for _, p := range t.Values {
		v, err := p.Run(vars)
		if err != nil {
			return err
		}
		if s, ok := v.(string); ok {
			r.texts = append(r.texts, s)
			io.WriteString(w, s+"\n")
		}
	}
	return nil
}

// grantFoodLicense files 食品经营许可 with form as the demo enterprise and takes it through
// acceptance, review, inspection and an approving decision.
func (f *fixture) grantFoodLicense(form json.RawMessage) *runtime.CaseView {
	f.t.Helper()
	v := f.apply("许昌瑞祥置业有限公司", "food-business-license", form)
	f.act(v.Number, "wd-amr/clerk", "accept", "accept")
	f.act(v.Number, "wd-amr/reviewer", "review", "approve")
	f.act(v.Number, "wd-amr/inspector", "inspection", "approve")
	return f.act(v.Number, "wd-amr/decider", "decision", "approve")
}

// grantWithoutDocument grants a 食品经营许可, and returns its certificate, which must be issued
// — an approval is not undone by its document — and must have no document yet: the fixture's
// renderer fails or is slow.
func (f *fixture) grantWithoutDocument() *runtime.Certificate {
	f.t.Helper()
	v := f.grantFoodLicense(sampleForm(f.t, "food-business-license"))
	if v.Status != runtime.StatusCertificated {
		f.t.Fatalf("status %s, want the certificate issued", v.Status)
	}
	c, _ := f.db.GetCaseByNumber(ctx, v.Number)
	certs, err := f.db.CertificatesOfCase(ctx, c.ID)
	if err != nil || len(certs) != 1 || certs[0].Document != "" {
		f.t.Fatalf("certificates %+v, %v: want one, without a document yet", certs, err)
	}
	return certs[0]
}

func TestCertificateIsNumberedByTheMattersRuleAndRendered(t *testing.T) {
	renderer := &recordingRenderer{}
	f := newFixture(t, memBundle(t), service.WithRender(renderer.render),
		service.WithVerifyURL("https://tongban.xuchang.gov.cn/verify/"))
	var numbers []string
	for range 2 {
		v := f.grantFoodLicense(sampleForm(t, "food-business-license"))
		if v.Status != runtime.StatusCertificated {
			t.Fatalf("status %s", v.Status)
		}
		rendered := 0
		for _, e := range f.events(v.Number) {
			switch e.Type {
			case "certificate-issued":
				var c service.Certificate
				json.Unmarshal(e.Data, &c)
				numbers = append(numbers, c.Number)
				if c.ValidUntil == nil || c.Issuer != "许昌市魏都区市场监督管理局" {
					t.Fatalf("certificate record %+v", c)
				}
				// Rendered after the approval's commit, before CompleteTask returns.
				if stored, err := f.db.GetCertificate(ctx, c.Number); err != nil || stored.Document == "" {
					t.Fatalf("certificate %s has no document: %+v, %v", c.Number, stored, err)
				}
			case "certificate-rendered":
				rendered++
			}
		}
		if rendered != 1 {
			t.Fatalf("%d certificate-rendered events, want 1", rendered)
		}
	}
	if len(numbers) != 2 || numbers[0] != "JY41100200000001" || numbers[1] != "JY41100200000002" {
		t.Fatalf("license numbers %v, want JY + 411002 + an 8-digit sequence", numbers)
	}
	if !strings.Contains(strings.Join(renderer.texts, "|"), "https://tongban.xuchang.gov.cn/verify/JY41100200000001") {
		t.Fatalf("the QR code value is not the verification address: %v", renderer.texts)
	}
}

// TestCertificateRenderedLaterWhenRenderingFailed: a certificate whose document could not be
// rendered after its approval committed (the renderer failed, or the server stopped) is issued
// all the same, and RenderPendingCertificates renders it a minute later, once.
func TestCertificateRenderedLaterWhenRenderingFailed(t *testing.T) {
	renderer := &recordingRenderer{fail: errors.New("printer out of paper")}
	f := newFixture(t, memBundle(t), service.WithRender(renderer.render))
	pending := f.grantWithoutDocument()
	renderer.fail = nil
	if n, err := f.svc.RenderPendingCertificates(ctx); err != nil || n != 0 {
		t.Fatalf("rendered %d (%v) at once; a certificate just issued is left to its own server", n, err)
	}
	f.now = f.now.Add(2 * time.Minute)
	if n, err := f.svc.RenderPendingCertificates(ctx); err != nil || n != 1 {
		t.Fatalf("rendered %d, %v; want the pending one", n, err)
	}
	if n, err := f.svc.RenderPendingCertificates(ctx); err != nil || n != 0 {
		t.Fatalf("rendered %d again, %v", n, err)
	}
	if stored, err := f.db.GetCertificate(ctx, pending.Number); err != nil || stored.Document == "" {
		t.Fatalf("after the sweep: %+v, %v", stored, err)
	}
	if !strings.Contains(strings.Join(renderer.texts, "|"), pending.Number) {
		t.Fatalf("the document was not rendered over the certificate's own number: %v", renderer.texts)
	}
}

// TestSlowRenderingDoesNotHoldTheAnswer: the approval's answer does not wait for a document
// that is slow to render (renderings queue when many cases conclude together); the document is
// recorded when it is done.
func TestSlowRenderingDoesNotHoldTheAnswer(t *testing.T) {
	release := make(chan struct{})
	renderer := &recordingRenderer{}
	f := newFixture(t, memBundle(t), service.WithRender(func(w io.Writer, tpl *definitions.CompiledPrint, vars rules.Vars, at time.Time) error {
		<-release
		return renderer.render(w, tpl, vars, at)
	}))
	pending := f.grantWithoutDocument()
	close(release)
	for range 100 {
		if stored, err := f.db.GetCertificate(ctx, pending.Number); err == nil && stored.Document != "" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the document was never recorded")
}

// TestConnectorNodeWaitsForTheDepartmentSystem puts a push to the housing department's system
// before the decision of 建筑工程施工许可: the case waits, an outbox message is written in the
// same transaction, and the department's answer (here a test double calling the service the way
// the callback endpoint will) moves it on.
func TestConnectorNodeWaitsForTheDepartmentSystem(t *testing.T) {
	bundle := memBundle(t)
	name := "matters/construction-permit/workflow.json"
	var wf map[string]any
	json.Unmarshal(bundle[name].Data, &wf)
	wf["nodes"] = append(wf["nodes"].([]any), map[string]any{"id": "deptSystem", "type": "connector", "name": "推送住建审批系统", "connector": "housing-approval-system"})
	for _, e := range wf["edges"].([]any) {
		e := e.(map[string]any)
		if e["from"] == "check" && e["on"] == "approve" {
			e["to"] = "deptSystem"
		}
	}
	wf["edges"] = append(wf["edges"].([]any),
		map[string]any{"from": "deptSystem", "to": "decide", "on": "approve"},
		map[string]any{"from": "deptSystem", "to": "endDenied", "on": "deny"})
	bundle[name].Data, _ = json.Marshal(wf)
	f := newFixture(t, bundle)
	v := f.apply("许昌瑞祥置业有限公司", "construction-permit", sampleForm(t, "construction-permit"))
	f.act(v.Number, "xc-housing/clerk", "accept", "accept")
	f.act(v.Number, "xc-nr/reviewer", "planningCheck", "approve")
	f.act(v.Number, "xc-civil-defense/reviewer", "civilDefenseReview", "approve")
	f.act(v.Number, "xc-housing/reviewer", "qualitySafetyReview", "approve")
	v = f.act(v.Number, "xc-housing/checker", "check", "approve")
	var token int
	for _, task := range v.Tasks {
		if task.Kind == runtime.TaskConnector && task.Status == runtime.TaskOpen {
			token = waitingToken(t, f, v.Number, task.Node)
		}
	}
	if token == 0 {
		t.Fatal("the case does not wait for the department system")
	}
	msgs := outboxTopic(t, f, "connector.push.housing-approval-system")
	if len(msgs) != 1 {
		t.Fatalf("outbox: %v", msgs)
	}
	c, _ := f.db.GetCaseByNumber(ctx, v.Number)
	if err := f.svc.CompleteWaiting(ctx, c.ID, token, "approve", "connector:housing-approval-system"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.CompleteWaiting(ctx, c.ID, token, "approve", "connector:housing-approval-system"); runtime.ErrorCode(err) != runtime.ECONFLICT && runtime.ErrorCode(err) != runtime.EINVALID {
		t.Fatalf("a duplicate callback must change nothing, got %v", err)
	}
	v = f.act(v.Number, "xc-housing/decider", "decide", "approve")
	if v.Status != runtime.StatusCertificated {
		t.Fatalf("status %s", v.Status)
	}
}

func waitingToken(t *testing.T, f *fixture, number, node string) int {
	for _, e := range f.events(number) {
		if e.Type == "connector-called" {
			var d struct {
				Node  string
				Token int
			}
			json.Unmarshal(e.Data, &d)
			if d.Node == node {
				return d.Token
			}
		}
	}
	t.Fatalf("no connector call at %s", node)
	return 0
}

// TestIssuedLicenseIsPushedWhenALibraryIsConnected adds an e-license intake push connector to
// the bundle: each issued certificate is then queued for it in the issuing transaction.
func TestIssuedLicenseIsPushedWhenALibraryIsConnected(t *testing.T) {
	bundle := memBundle(t)
	bundle["connectors/e-license-issue.json"] = &fstest.MapFile{Data: []byte(`{"name": "e-license-issue", "title": "电子证照库（证照归集）",
		"kind": "push", "method": "POST", "url": "http://127.0.0.1:9090/e-license/v1/licenses", "auth": {"type": "hmac", "secretEnv": "TONGBAN_E_LICENSE_ISSUE_SECRET"}}`)}
	f := newFixture(t, bundle)
	v := f.apply("张伟", "sole-proprietor-registration", sampleForm(t, "sole-proprietor-registration"))
	f.act(v.Number, "wd-amr/clerk", "accept", "accept")
	f.act(v.Number, "wd-amr/decider", "decision", "approve")
	msgs := outboxTopic(t, f, "connector.push.e-license-issue")
	if len(msgs) != 1 || !strings.Contains(string(msgs[0].Payload), v.Number) {
		t.Fatalf("outbox %v", msgs)
	}
}

// outboxTopic claims the queued messages and returns those of one topic.
func outboxTopic(t *testing.T, f *fixture, topic string) []*runtime.OutboxMessage {
	t.Helper()
	all, err := f.db.ClaimOutbox(ctx, 100, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var out []*runtime.OutboxMessage
	for _, m := range all {
		if m.Topic == topic {
			out = append(out, m)
		}
	}
	return out
}

// TestApplicantsAreToldAndFeesAreOrdered follows a 食品经营许可 with postage through acceptance
// and correction: the applicant gets an SMS at each move, a payment order is queued on
// acceptance, and the platform's "paid" callback marks the fees paid, once.
func TestApplicantsAreToldAndFeesAreOrdered(t *testing.T) {
	f := newFixture(t, memBundle(t))
	var form map[string]any
	json.Unmarshal(sampleForm(t, "food-business-license"), &form)
	form["deliveryMethod"] = "邮政快递"
	form["postal"] = map[string]any{"recipient": "王建业", "mobile": "13803741234", "address": "许昌市魏都区七一路88号"}
	raw, _ := json.Marshal(form)
	v := f.apply("许昌瑞祥置业有限公司", "food-business-license", raw)
	v, err := f.svc.RequestCorrection(ctx, f.users["wd-amr/clerk"], v.Number, "申请书未盖章", []string{"application"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ResumeCorrection(ctx, f.users["许昌瑞祥置业有限公司"], v.Number, nil); err != nil {
		t.Fatal(err)
	}
	f.act(v.Number, "wd-amr/clerk", "accept", "accept")
	all, _ := f.db.ClaimOutbox(ctx, 100, time.Minute)
	var templates []string
	orders := 0
	for _, m := range all {
		var p struct{ Template string }
		json.Unmarshal(m.Payload, &p)
		switch m.Topic {
		case "connector.push.sms-gateway":
			templates = append(templates, p.Template)
		case "connector.push.payment-platform":
			orders++
		}
	}
	if strings.Join(templates, ",") != "case-correction,case-accepted,fee-due" || orders != 1 {
		t.Fatalf("sms %v, payment orders %d", templates, orders)
	}
	c, _ := f.db.GetCaseByNumber(ctx, v.Number)
	paid := []byte(`{"case": "` + v.Number + `", "amount": 12, "tradeNo": "T1", "paidAt": "2026-03-02T10:00:00Z"}`)
	if err := f.svc.ApplyCallback(ctx, "payment-platform", "order-1-paid", "paid", paid); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.ApplyCallback(ctx, "payment-platform", "order-1-paid", "paid", paid); !errors.Is(err, service.ErrDuplicateCallback) {
		t.Fatalf("a repeated callback: %v", err)
	}
	v, _ = f.svc.GetCase(ctx, f.users["许昌瑞祥置业有限公司"], v.Number)
	if v.FeePaidAt == nil || c.FeePaidAt != nil {
		t.Fatalf("fee paid at %v", v.FeePaidAt)
	}
}

// TestPostedResultIsTrackedToDelivery sends a 食品经营许可 certificate by post: the delivery step
// queues a logistics order for the receiver in the form; the platform's tracking callbacks are
// recorded, tell the applicant the waybill, and "delivered" completes the case.
func TestPostedResultIsTrackedToDelivery(t *testing.T) {
	f := newFixture(t, memBundle(t))
	var form map[string]any
	json.Unmarshal(sampleForm(t, "food-business-license"), &form)
	form["deliveryMethod"] = "邮政快递"
	form["postal"] = map[string]any{"recipient": "王建业", "mobile": "13803741234", "address": "许昌市魏都区七一路88号"}
	raw, _ := json.Marshal(form)
	v := f.grantFoodLicense(raw)
	orders := outboxTopic(t, f, "connector.push.logistics-platform")
	if len(orders) != 1 || !strings.Contains(string(orders[0].Payload), "许昌市魏都区七一路88号") {
		t.Fatalf("logistics orders %v", orders)
	}
	var order struct{ OrderNo string }
	json.Unmarshal(orders[0].Payload, &order)
	for i, status := range []string{"collected", "in_transit", "delivered"} {
		body, _ := json.Marshal(map[string]any{"case": v.Number, "orderNo": order.OrderNo, "waybillNo": "1180000000001", "status": status})
		if err := f.svc.ApplyCallback(ctx, "logistics-platform", fmt.Sprintf("wb-%d", i), "tracking", body); err != nil {
			t.Fatal(err)
		}
	}
	v, _ = f.svc.GetCase(ctx, f.users["许昌瑞祥置业有限公司"], v.Number)
	if v.Status != runtime.StatusDelivered {
		t.Fatalf("status %s after delivery", v.Status)
	}
	if sms := outboxTopic(t, f, "connector.push.sms-gateway"); len(sms) == 0 || !strings.Contains(string(sms[len(sms)-1].Payload), "1180000000001") {
		t.Fatalf("no delivery SMS: %v", sms)
	}
	// A late "delivered" — sent again under a new message id, or after the clerk confirmed the
	// delivery — is kept in the trail and acknowledged, so the platform does not retry it.
	before := len(f.events(v.Number))
	body, _ := json.Marshal(map[string]any{"case": v.Number, "orderNo": order.OrderNo, "waybillNo": "1180000000001", "status": "delivered"})
	if err := f.svc.ApplyCallback(ctx, "logistics-platform", "wb-late", "tracking", body); err != nil {
		t.Fatalf("a late delivered message: %v", err)
	}
	if after := len(f.events(v.Number)); after != before+1 {
		t.Fatalf("%d events after a late delivered message, want %d", after, before+1)
	}
}

// TestCertificateIssuedInTheSubmission trims 个体工商户设立登记 to start → certificate → end,
// so that one request both creates the case and issues its certificate: the case row is
// written once, in its final state, and the certificate, which refers to it, only after it.
func TestCertificateIssuedInTheSubmission(t *testing.T) {
	bundle := memBundle(t)
	name := "matters/sole-proprietor-registration/workflow.json"
	var wf map[string]any
	json.Unmarshal(bundle[name].Data, &wf)
	var nodes []any
	for _, n := range wf["nodes"].([]any) {
		if id := n.(map[string]any)["id"]; id == "start" || id == "issue" || id == "approved" {
			nodes = append(nodes, n)
		}
	}
	wf["nodes"] = nodes
	wf["edges"] = []any{map[string]any{"from": "start", "to": "issue"}, map[string]any{"from": "issue", "to": "approved"}}
	bundle[name].Data, _ = json.Marshal(wf)
	f := newFixture(t, bundle, service.WithFileSecret([]byte("test secret for signing upload references")))
	const who, matter = "张伟", "sole-proprietor-registration"
	u := f.users[who]
	form := sampleForm(t, matter)
	probe := f.apply(who, matter, form) // the matter's materials, as a portal learns them
	var materials []runtime.MaterialFiles
	for _, m := range probe.Materials {
		if len(m.Files) == 0 {
			continue
		}
		up, err := f.svc.UploadFile(ctx, u, "材料.pdf", strings.NewReader(string(pdf)))
		if err != nil {
			t.Fatal(err)
		}
		materials = append(materials, runtime.MaterialFiles{ID: m.ID, Files: []string{up.Ref}})
	}
	v, err := f.svc.SubmitCase(ctx, u, runtime.SubmitCase{Matter: matter, Form: form, Materials: materials})
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != runtime.StatusCertificated {
		t.Fatalf("status %s, want the certificate issued in the submission", v.Status)
	}
	c, err := f.db.GetCaseByNumber(ctx, v.Number)
	if err != nil {
		t.Fatal(err)
	}
	if c.Revision != 1 {
		t.Errorf("revision %d: the new case was written more than once", c.Revision)
	}
	issued := 0
	for _, e := range f.events(v.Number) {
		if e.Type == "certificate-issued" {
			var cert service.Certificate
			json.Unmarshal(e.Data, &cert)
			if got, err := f.svc.VerifyCertificate(ctx, cert.Number); err != nil || got.Status != "valid" {
				t.Errorf("certificate %s: %+v, %v", cert.Number, got, err)
			}
			issued++
		}
	}
	if issued != 1 {
		t.Fatalf("%d certificate-issued events, want 1", issued)
	}
}
