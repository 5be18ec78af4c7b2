package pdf_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/printing/pdf"
)

// sharedNotices are the shared print templates of examples/print.
var sharedNotices = []string{"acceptance-notice", "correction-notice", "fee-payment-notice", "material-handover-list", "not-accepted-notice"}

// TestSharedNoticesReachEveryMatter checks that the bundle's shared templates are among every
// matter's templates (so the golden and in-the-box tests cover them for each matter) and that
// they ask nothing of the form.
func TestSharedNoticesReachEveryMatter(t *testing.T) {
	p := examples(t)
	var names []string
	for n := range p.Bundle.Prints {
		names = append(names, n)
	}
	slices.Sort(names)
	if !slices.Equal(names, sharedNotices) {
		t.Fatalf("shared templates %v, want %v", names, sharedNotices)
	}
	for _, mp := range p.Matters() {
		for _, n := range sharedNotices {
			cp := mp.Prints[n]
			if cp == nil {
				t.Errorf("%s lacks the shared template %s", mp.Def.Slug, n)
				continue
			}
			if cp.Template != p.Bundle.Prints[n] {
				t.Errorf("%s/%s is not the shared template", mp.Def.Slug, n)
			}
			for i, e := range cp.Template.Elements {
				if strings.Contains(e.Value+e.Rows, "form.") {
					t.Errorf("%s element %d uses the form: %s", n, i, e.Value+e.Rows)
				}
			}
		}
	}
}

// TestSharedNoticesPrintTheMattersFacts reads back what the notices say for particular matters:
// the promised limit or 即办件, every material in the handover list, the deadline and the fees
// in words.
func TestSharedNoticesPrintTheMattersFacts(t *testing.T) {
	p := examples(t)
	read := func(slug, name string) string {
		t.Helper()
		mp := p.Matter(slug)
		cp := mp.Prints[name]
		return pdftotext(t, render(t, cp, sampleFor(t, mp, cp, nil), pdf.Options{}))
	}
	flat := func(s string) string { return strings.Join(strings.Fields(s), "") }
	cases := []struct {
		slug, name string
		want       []string
	}{
		{"food-business-license", "acceptance-notice", []string{
			"许昌市魏都区市场监督管理局", "受理通知书", "编号：" + pdf.SampleNoticeNumber, pdf.SampleApplicantName + "：",
			"2026年11月22日提出的食品经营许可证核发申请", "第三十二条第一款第五项", "决定予以受理",
			"自受理之日起5个工作日内办结（法定办结时限为10个工作日）", "可凭办件编号和查询码（" + pdf.SampleQueryCode + "）在许昌市政务服务网“进度查询”中查询办理进度",
			"咨询电话：0374-5129315", "监督投诉电话：12345", "2026年11月29日",
		}},
		{"sole-proprietor-registration", "acceptance-notice", []string{"本事项为即办件，本机关将当场办结"}},
		{"construction-permit", "material-handover-list", []string{
			"材料交接清单", "申请事项：建筑工程施工许可证核发", "危险性较大的分部分项工程清单及其安全管理措施", "授权委托书及受托人身份证",
			"复印件1份；可容缺受理，5个工作日内补交", "电子证照共享获取", "申请人签字：", "窗口人员签字：",
		}},
		{"food-business-license", "correction-notice", []string{
			"补正告知书", "第三十二条第一款第四项", "一次性告知", "审查意见：" + pdf.SampleOpinion, "需要补正的材料",
			"食品安全管理人员培训考核证明", "请于2026年12月4日前",
		}},
		{"food-business-license", "not-accepted-notice", []string{
			"不予受理通知书", "决定不予受理", "不予受理的理由：", "六十日内向本级人民政府申请行政复议", "六个月内向人民法院提起行政诉讼",
		}},
		{"food-business-license", "fee-payment-notice", []string{
			"缴费通知单", "缴费人：" + pdf.SampleApplicantName, "证照邮寄费（EMS，寄递企业收取）", "12.00",
			"合计金额：人民币壹拾贰元整（￥12.00）", "请于2026年12月4日前缴纳",
		}},
		{"construction-permit", "fee-payment-notice", []string{"合计金额：人民币零元整（￥0.00）"}},
	}
	for _, c := range cases {
		t.Run(c.slug+"/"+c.name, func(t *testing.T) {
			got := flat(read(c.slug, c.name))
			for _, w := range c.want {
				if !strings.Contains(got, flat(w)) {
					t.Errorf("lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

// TestNoticeItemsOfThePreview checks the sample notice: the materials with their notes, except
// for a template that prints the items' amounts, which gets the fee items.
func TestNoticeItemsOfThePreview(t *testing.T) {
	mp := examples(t).Matter("food-business-license")
	items := func(cp *definitions.CompiledPrint) []any {
		return sampleFor(t, mp, cp, nil)["notice"].(map[string]any)["items"].([]any)
	}
	materials := items(mp.Prints["material-handover-list"])
	if len(materials) != len(mp.Def.Materials.Materials) {
		t.Fatalf("%d items, want the %d materials", len(materials), len(mp.Def.Materials.Materials))
	}
	first := materials[0].(map[string]any)
	if first["name"] != "食品经营许可申请书" || first["note"] != "原件1份" || first["amount"] != 0.0 {
		t.Errorf("first item %v", first)
	}
	if got := items(nil); len(got) != len(materials) {
		t.Errorf("without a template: %d items", len(got))
	}
	fees := items(mp.Prints["fee-payment-notice"])
	if len(fees) != 1 || fees[0].(map[string]any)["amount"] != 12.0 {
		t.Errorf("fee items %v", fees)
	}
	matter := sampleFor(t, mp, nil, nil)["matter"].(map[string]any)
	if matter["promisedLimitDays"] != 5 || matter["orgName"] != "许昌市魏都区市场监督管理局" || matter["resultName"] != "食品经营许可证" {
		t.Errorf("matter %v", matter)
	}
}

func TestNotAcceptedNoticeNeedsItsReason(t *testing.T) {
	mp := examples(t).Matter("food-business-license")
	cp := mp.Prints["not-accepted-notice"]
	vars := sampleFor(t, mp, cp, nil)
	vars["notice"].(map[string]any)["opinion"] = ""
	_, err := pdf.Layout(cp, vars, pdf.Options{})
	var perr *pdf.Error
	if !errors.As(err, &perr) || !strings.Contains(perr.Message, "「不予受理的理由」缺少内容") {
		t.Errorf("got %v", err)
	}
}
