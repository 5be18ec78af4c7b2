package portal_test

import (
	"testing"
)

// TestGuideHidesInternalCodes: the guide names the implementing org without its codes and
// leaves out the pattern certificate numbers are made by; the application form puts the legal
// representative's fields under their own heading.
func TestGuideHidesInternalCodes(t *testing.T) {
	e := newPortal(t)
	e.Get("", "/matters/food-business-license").Expect(t, 200).
		Contains(t, "许昌市魏都区市场监督管理局").
		Lacks(t, "<dt>机构编码</dt>", "<dt>行政区划代码</dt>", "wd-amr</dd>", "<dt>证照编号规则</dt>")
	e.Get("张伟", "/matters/food-business-license/apply").Expect(t, 200).Contains(t, "<legend>法定代表人（负责人）")
}
