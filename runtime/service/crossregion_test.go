package service_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/definitions/cn"
	"github.com/xuchang-gov/tongban/runtime"
)

// atWindow files a case at clerk's window for an applicant, handing in on paper whatever the
// submission asks for.
func atWindow(t *testing.T, f *fixture, clerk *runtime.User, person runtime.User, req runtime.SubmitCase) (*runtime.CaseView, error) {
	t.Helper()
	v, err := f.svc.SubmitAtWindow(ctx, clerk, person, req, nil)
	e, ok := err.(*runtime.Error)
	if !ok || e.Code != runtime.EINVALID {
		return v, err
	}
	var received []string
	for _, fe := range e.Fields {
		if id, ok := strings.CutPrefix(fe.Pointer, "/materials/"); ok {
			received = append(received, id)
		}
	}
	return f.svc.SubmitAtWindow(ctx, clerk, person, req, received)
}

// TestCrossDistrictCase accepts 公共场所卫生许可, a matter of the city's health commission, at
// the window of 魏都区西关街道便民服务中心, which the matter lists for cross-district acceptance
// (跨域通办): the case goes to the commission's clerks with the accepting window kept, the
// street centre can follow it, a window the matter does not list is refused, and the datasets
// count it by channel and accepting window.
func TestCrossDistrictCase(t *testing.T) {
	f := newFixture(t, memBundle(t))
	person := runtime.User{Kind: "enterprise", Name: "许昌市魏都区悦来宾馆有限公司", USCC: cn.MakeUSCC("91411002MA47YL2Q5"), Mobile: "13803749876"}
	req := runtime.SubmitCase{Matter: "public-venue-hygiene-license", Form: sampleForm(t, "public-venue-hygiene-license")}
	if _, err := atWindow(t, f, f.users["wd-amr/clerk"], person, req); runtime.ErrorCode(err) != runtime.EFORBIDDEN {
		t.Fatalf("a window the matter does not list: %v", err)
	}
	v, err := atWindow(t, f, f.users["wd-xiguan/clerk"], person, req)
	if err != nil {
		t.Fatal(err)
	}
	if v.Channel != "cross-region" || v.WindowOrg != "wd-xiguan" || v.OrgCode != "xc-health" {
		t.Fatalf("cross-district case: channel %s, window %s, org %s", v.Channel, v.WindowOrg, v.OrgCode)
	}
	v = f.act(v.Number, "xc-health/clerk", "accept", "accept")
	if v.Status != runtime.StatusInApproval {
		t.Fatalf("accepted by the implementing org: %s", v.Status)
	}
	if _, err := f.svc.GetCase(ctx, f.users["wd-xiguan/clerk"], v.Number); err != nil {
		t.Fatalf("the accepting window cannot follow its case: %v", err)
	}
	if list, _, err := f.svc.ListCases(ctx, f.users["wd-xiguan/clerk"], runtime.CaseFilter{}); err != nil || len(list) != 1 {
		t.Fatalf("the accepting window's list: %v %v", list, err)
	}
	if _, err := f.svc.GetCase(ctx, f.users["wd-civil/reviewer"], v.Number); runtime.ErrorCode(err) != runtime.ENOTFOUND {
		t.Fatalf("another district's department: %v", err)
	}
	res, err := f.svc.QueryDataset(ctx, f.users["xc-service-center/supervisor"], runtime.DatasetQuery{Dataset: "cases",
		Dimensions: []string{"channel", "windowOrg", "org"}, Measures: []string{"count"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(res.Rows); got != "[[cross-region wd-xiguan xc-health 1]]" {
		t.Errorf("by channel and window: %s", got)
	}
}
