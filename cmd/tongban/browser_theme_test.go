package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserTheme is the procurement's demo of joint approval (一件事, 一表制) in Chromium: the
// citizen finds 开办理发店一件事 by typing 开理发店, reads its guide with the shared materials,
// applies with one form; the window accepts it once; the business licence's department sees
// where each field came from and approves; the hygiene licence starts with that licence, its
// department sees the certificate as the source of the credit code and approves; the citizen
// follows both on one page and downloads both certificates.
func TestBrowserTheme(t *testing.T) {
	s := newBrowserSuite(t)
	citizen, _ := s.personTab("张伟")

	citizen.open("/?q=" + "开理发店")
	citizen.mustSee("一件事一次办", "开办理发店一件事")
	citizen.clickAndLoad(`#one-things a[href="/themes/barbershop-opening"]`)
	citizen.mustSee("个体工商户设立登记", "公共场所卫生许可证核发", "经营场所使用证明", "共用", "办结后自动启动")
	citizen.axe("the theme guide")
	citizen.reflows("the theme guide")

	citizen.clickAndLoad(`a[href="/themes/barbershop-opening/apply"]`)
	citizen.do(chromedp.WaitVisible(chromedp.ID("apply-form")))
	values := formFields("", themeSampleForm(t, "barbershop-opening"), map[string]string{})
	for _, k := range []string{"operator.name", "operator.idNumber", "operator.mobile"} {
		delete(values, k) // prefilled from the signed-in account
	}
	citizen.axe("the combined form")
	citizen.typeForm(values)
	citizen.uploadMaterials(writePDF(t, "材料.pdf"))
	citizen.clickAndLoad(`button[name="_action"][value="submit"]`)
	m := themeCasePath.FindStringSubmatch(citizen.location())
	if m == nil {
		t.Fatalf("submitting ended on %s:\n%s", citizen.location(), citizen.pageText())
	}
	number := m[1]
	citizen.mustSee(number, "查询码", "等待前置事项")
	citizen.shot("theme-submitted")

	window := s.staffTab("xc-service-center", "clerk")
	window.open("/work/themes")
	window.mustSee(number, "待综合受理")
	window.axe("the theme list")
	window.open("/work/themes/" + number)
	window.axe("the coordinator's view")
	window.reflows("the coordinator's view")
	window.do(chromedp.SendKeys(chromedp.ID("theme-opinion"), "一表申请材料齐全，综合受理"))
	window.clickAndLoad(`#theme-acceptance button[value="accept"]`)
	window.mustSee("已综合受理", "办理中")
	licenseCase := evalIn[string](window, `document.querySelector('tr[data-member="license"] a').textContent`)

	amr := s.staffTab("wd-amr", "decider")
	amr.open("/work/cases/" + licenseCase)
	amr.mustSee("一件事：开办理发店一件事", "一表「店铺名称（个体工商户名称）」/shop/name", "表达式 len(form.staff)")
	amr.shot("theme-member-provenance")
	amr.axe("the member case with provenance")
	amr.completeTask("approve", "准予登记")

	citizen.open("/theme-cases/" + number)
	citizen.mustSee("准予许可")
	hygieneCase := evalIn[string](citizen, `(document.querySelector('tr[data-member="hygiene"] a[href^="/cases/"]') || {}).textContent || ""`)
	if hygieneCase == "" {
		t.Fatalf("the hygiene licence did not start after the business licence:\n%s", citizen.pageText())
	}
	uscc := evalIn[string](citizen, `document.querySelector('tr[data-member="license"] a[href*="/certificates/"]').textContent.replace('下载 ', '')`)

	for i, step := range []struct{ role, opinion string }{
		{"reviewer", "材料审查通过"}, {"inspector", "现场审查合格"}, {"checker", "审核同意"}, {"decider", "准予许可"},
	} {
		health := s.staffTab("xc-health", step.role)
		health.open("/work/cases/" + hygieneCase)
		if i == 0 {
			health.mustSee("一件事：开办理发店一件事", "前置事项证照 "+uscc)
		}
		health.completeTask("approve", step.opinion)
	}
	confirmDelivery(t, s, hygieneCase)

	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Second) {
		citizen.open("/theme-cases/" + number)
		if evalIn[int](citizen, `document.querySelectorAll('#theme-members a[href*="/certificates/"]').length`) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the theme case does not offer both certificates:\n%s", citizen.pageText())
		}
	}
	citizen.mustSee("已办结", "全部准予")
	citizen.shot("theme-concluded")
	citizen.axe("the theme case")
	for _, href := range evalIn[[]string](citizen, `[...document.querySelectorAll('#theme-members a[href*="/certificates/"]')].map(a => a.href)`) {
		t.Logf("certificate %s: %d bytes", href, len(citizen.fetchPDF(href)))
	}
}

var themeCasePath = regexp.MustCompile(`/theme-cases/(YJ[0-9]+)`)

// confirmDelivery confirms, as the hygiene licence's window would, that the certificate reached
// the applicant: the delivery step is the outside world's (pickup, post), answered through the
// API.
func confirmDelivery(t *testing.T, s *browserSuite, number string) {
	t.Helper()
	token := s.demoUser("", "xc-health", "clerk").Token
	status, c, err := doJSON(http.DefaultClient, s.url, token, "GET", "/api/v1/cases/"+number, "", nil)
	if err != nil || status != 200 {
		t.Fatalf("case %s: %d %v", number, status, err)
	}
	for _, task := range c["tasks"].([]any) {
		task := task.(map[string]any)
		if task["node"] == "deliver" && task["status"] != "done" {
			status, out, err := doJSON(http.DefaultClient, s.url, token, "POST", fmt.Sprintf("/api/v1/tasks/%.0f/complete", task["id"]),
				"application/json", []byte(`{"outcome":""}`))
			if err != nil || status != 200 {
				t.Fatalf("confirming delivery of %s: %d %v %v", number, status, out, err)
			}
			return
		}
	}
	t.Fatalf("case %s has no delivery step to confirm: %v", number, c["tasks"])
}

// themeSampleForm is an example theme's sample combined form.
func themeSampleForm(t *testing.T, slug string) map[string]any {
	t.Helper()
	var form map[string]any
	if err := json.Unmarshal(readSample(t, "../themes/"+slug), &form); err != nil {
		t.Fatal(err)
	}
	return form
}
