package workbench_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/webtest"
)

const reissue = "real-estate-certificate-reissue"

// acceptedWithFees files the 不动产权证书补发 for the citizen and takes it through acceptance
// and review, where it waits for the fees.
func acceptedWithFees(t *testing.T, e *webtest.Env) string {
	t.Helper()
	number := file(t, e, webtest.Citizen, reissue, nil)
	clerk := e.User("xc-realestate/clerk")
	if _, err := e.Service.Accept(ctx, clerk, number, runtime.TaskAction{Outcome: "accept", Opinion: "材料齐全"}); err != nil {
		t.Fatal(err)
	}
	reviewer := e.User("xc-realestate/reviewer")
	if _, err := e.Service.CompleteTask(ctx, reviewer, taskOf(t, e, "xc-realestate/reviewer", number), runtime.TaskAction{Outcome: "approve", Opinion: "同意"}); err != nil {
		t.Fatal(err)
	}
	return number
}

// TestPayOnline: 去缴费 on the applicant's case page sends them to the payment platform's page
// for the case's order and back; the platform's paid callback marks the fees paid, which the
// workbench and the fee notice then say.
func TestPayOnline(t *testing.T) {
	e := newWorkbench(t)
	number := acceptedWithFees(t, e)
	e.Get("xc-realestate/clerk", "/work/cases/"+number).Expect(t, 200).Contains(t, "未缴费", "确认现场缴费")
	e.Get(webtest.Citizen, "/cases/"+number).Expect(t, 200).Contains(t, "未缴纳", "去缴费")

	away := e.Get(webtest.Citizen, "/cases/"+number+"/payment").Expect(t, http.StatusSeeOther)
	cashier, err := url.Parse(away.Location)
	if err != nil || !strings.HasPrefix(away.Location, e.Simulators.URL) || !strings.HasSuffix(cashier.Path, "/cashier") {
		t.Fatalf("sent to %q, not the payment platform's page", away.Location)
	}
	back := cashier.Query().Get("return")
	if !strings.HasPrefix(back, e.URL+"/cases/"+number) {
		t.Fatalf("the platform is to send the citizen back to %q", back)
	}
	page, err := http.Get(away.Location)
	if err != nil || page.StatusCode != 200 {
		t.Fatalf("the cashier page: %v %v", page, err)
	}
	page.Body.Close()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	paid, err := noRedirect.PostForm(away.Location, url.Values{"return": {back}})
	if err != nil || paid.StatusCode != http.StatusSeeOther || paid.Header.Get("Location") != back {
		t.Fatalf("paying: %v %v", paid, err)
	}
	paid.Body.Close()
	// The platform calls back in its own time.
	deadline := time.Now().Add(20 * time.Second)
	for {
		v, err := e.Service.GetCase(ctx, e.User(webtest.Citizen), number)
		if err != nil {
			t.Fatal(err)
		}
		if v.FeePaidAt != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the paid callback did not mark the fees paid")
		}
		time.Sleep(100 * time.Millisecond)
	}
	back = strings.TrimPrefix(back, e.URL)
	e.Get(webtest.Citizen, back).Expect(t, 200).Contains(t, "缴费已完成", "已缴纳").Lacks(t, `id="pay"`)
	e.Get("xc-realestate/clerk", "/work/cases/"+number).Expect(t, 200).Contains(t, "已缴费").Lacks(t, "确认现场缴费")
	e.Get(webtest.Citizen, "/cases/"+number+"/payment").Expect(t, http.StatusConflict).Contains(t, "费用已缴纳")
}

// TestPaymentAtTheWindow: the window confirms fees paid in person with the receipt's number,
// which must be given; the case then goes on as after the platform's callback.
func TestPaymentAtTheWindow(t *testing.T) {
	e := newWorkbench(t)
	number := acceptedWithFees(t, e)
	clerk := "xc-realestate/clerk"
	e.Post(clerk, "/work/cases/"+number+"/payment", url.Values{"receipt": {" "}}).Expect(t, 400).Contains(t, "请填写收费票据号")
	e.Post("xc-realestate/reviewer", "/work/cases/"+number+"/payment", url.Values{"receipt": {"PJ0001"}}).Expect(t, 403)
	e.Post(clerk, "/work/cases/"+number+"/payment", url.Values{"receipt": {"PJ0001"}}).Expect(t, http.StatusSeeOther)
	e.Get(clerk, "/work/cases/"+number+"?msg=paid").Expect(t, 200).Contains(t, "已确认现场缴费", "已缴费", "已缴费")
	v, err := e.Service.GetCase(ctx, e.User(clerk), number)
	if err != nil || v.FeePaidAt == nil || v.Status == runtime.StatusInApproval && hasPaymentWait(v) {
		t.Fatalf("after the window's confirmation: %+v %v", v, err)
	}
}

// hasPaymentWait tells whether the case still waits at a payment step.
func hasPaymentWait(v *runtime.CaseView) bool {
	for _, t := range v.Tasks {
		if t.Kind == runtime.TaskPayment && t.Status == runtime.TaskOpen {
			return true
		}
	}
	return false
}
