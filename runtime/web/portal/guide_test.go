package portal_test

import (
	"net/url"
	"testing"

	"github.com/xuchang-gov/tongban/runtime/web/webtest"
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

// TestRefusedUploadSaysWhy: a file of the wrong kind is refused with a whole sentence: what
// the material takes, what the file is, and what to do.
func TestRefusedUploadSaysWhy(t *testing.T) {
	e := newPortal(t)
	path := "/matters/" + sole + "/apply"
	hidden := e.Get(webtest.Citizen, path).Expect(t, 200).FormValues(t, "apply-form")
	partial := webtest.Merge(hidden, url.Values{"businessName": {"许昌市魏都区老街胡辣汤店"}, "_action": {"save"}})
	e.PostMultipart(webtest.Citizen, path, partial, webtest.File{Field: "file.premisesProof", Name: "租赁合同.pdf", Content: []byte("MZ\x90\x00\x03\x00\x00\x00")}).
		Contains(t, "只接受 pdf、jpg、png 文件，上传的「租赁合同.pdf」实际是程序或其他格式的文件（application/octet-stream），请换成 pdf、jpg、png 文件后重新上传").
		Lacks(t, "上传的内容不是<")
}
