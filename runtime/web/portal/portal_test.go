package portal_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/webtest"
)

var ctx = context.Background()

const sole = "sole-proprietor-registration"

func newPortal(t testing.TB) *webtest.Env { return webtest.New(t) }

func TestHome(t *testing.T) {
	e := newPortal(t)
	t.Run("热门服务、按部门、按服务对象、按主题", func(t *testing.T) {
		e.Get("", "/").Expect(t, 200).Contains(t, "热门服务", "建筑工程施工许可证核发", "按部门", "魏都区市场监督管理局",
			`href="/?object=%e8%87%aa%e7%84%b6%e4%ba%ba"`, "个人办事", "法人办事", "按主题", `<form method="get" action="/" class="search" role="search">`)
	})
	t.Run("模糊搜索", func(t *testing.T) {
		e.Get("", "/?q="+url.QueryEscape("食品许可")).Expect(t, 200).Contains(t, "共 1 项", "/matters/food-business-license")
		e.Get("", "/?q="+url.QueryEscape("没有这种事项")).Expect(t, 200).Contains(t, "共 0 项", "没有找到符合条件的事项")
	})
	t.Run("按服务对象与部门筛选", func(t *testing.T) {
		p := e.Get("", "/?object="+url.QueryEscape("法人")).Expect(t, 200).Contains(t, "/matters/food-business-license")
		if strings.Contains(p.Body[strings.Index(p.Body, "共 "):strings.Index(p.Body, "热门服务")], "senior-longevity-allowance") {
			t.Error("a matter for persons only was listed for 法人")
		}
		e.Get("", "/?org=wd-amr").Expect(t, 200).Contains(t, "/matters/"+sole, "/matters/food-business-license")
	})
	t.Run("大字触屏版", func(t *testing.T) {
		p := e.Get("", "/?kiosk=1").Expect(t, 200).Contains(t, `<body class="site-portal kiosk">`, "切换到标准版")
		if !strings.Contains(p.Header.Get("Set-Cookie"), "kiosk=1") {
			t.Error("the kiosk layout is not remembered")
		}
	})
	t.Run("安全响应头", func(t *testing.T) {
		p := e.Get("", "/")
		if csp := p.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("CSP %q", csp)
		}
	})
	t.Run("静态文件", func(t *testing.T) {
		e.Get("", "/static/tongban.css").Expect(t, 200).Contains(t, "body.kiosk")
		e.Get("", "/static/site.js").Expect(t, 200).Contains(t, "data-error-summary")
		e.Get("", "/static/form.js").Expect(t, 200)
		// No page uses htmx any more (form.js merges the live refresh itself): it is gone.
		e.Get("", "/static/htmx.min.js").Expect(t, 404)
		e.Get("", "/nowhere").Expect(t, 404).Contains(t, "页面不存在")
	})
}

// TestGuideShowsEveryCatalogField checks each example's guide for the title of every catalog
// field that has a value, every material, every step and every FAQ.
func TestGuideShowsEveryCatalogField(t *testing.T) {
	e := newPortal(t)
	for _, slug := range []string{sole, "food-business-license", "construction-permit", "senior-longevity-allowance", "public-venue-hygiene-license"} {
		t.Run(slug, func(t *testing.T) {
			g, err := e.Service.MatterGuide(ctx, slug)
			if err != nil {
				t.Fatal(err)
			}
			p := e.Get("", "/matters/"+slug).Expect(t, 200)
			var catalog map[string]any
			json.Unmarshal(g.Catalog, &catalog)
			typ := reflect.TypeOf(definitions.Matter{})
			for i := range typ.NumField() {
				f := typ.Field(i)
				name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				if name == "$schema" || name == "description" || name == "faqs" || name == "licenseNumberPattern" || catalog[name] == nil {
					continue
				}
				title := strings.TrimPrefix(strings.Split(f.Tag.Get("jsonschema"), ",")[0], "title=")
				p.Contains(t, "<dt>"+title+"</dt>")
			}
			var mats []definitions.Material
			json.Unmarshal(g.Materials, &mats)
			for _, m := range mats {
				p.Contains(t, m.Name)
				if m.Situation != "" {
					p.Contains(t, m.Situation)
				}
			}
			for _, s := range g.Steps {
				p.Contains(t, s.Name)
			}
			var c definitions.Matter
			json.Unmarshal(g.Catalog, &c)
			for _, q := range c.FAQs {
				p.Contains(t, q.Question)
			}
			p.Contains(t, c.Place, c.Hours, c.ConsultationPhone, "办理流程", "申请材料")
		})
	}
	e.Get("", "/matters/no-such-matter").Expect(t, 404).Contains(t, "没有找到")
}

// TestApplyWithoutJavaScript applies the way a browser without JavaScript does: a mistake shown
// beside its field, rows added and removed, materials missing and then uploaded, submitted.
func TestApplyWithoutJavaScript(t *testing.T) {
	e := newPortal(t)
	path := "/matters/" + sole + "/apply"

	e.Get("", path).Expect(t, http.StatusSeeOther)
	start := e.Get(webtest.Citizen, path).Expect(t, 200).Contains(t, `enctype="multipart/form-data"`, `name="_csrf" value="`+e.CSRF(webtest.Citizen)+`"`,
		"自动获取", `name="file.premisesProof"`)
	hidden := start.FormValues(t, "apply-form")
	if got := hidden.Get("operator.name"); got != webtest.Citizen {
		t.Errorf("operator.name prefilled with %q, want the account's name", got)
	}
	if hidden.Get("_key") == "" {
		t.Fatal("no idempotency key on the form")
	}
	sample := webtest.Sample(t, sole)
	filled := webtest.Merge(hidden, e.FormFor(sole, sample))

	t.Run("错误显示在字段旁", func(t *testing.T) {
		bad := webtest.Merge(filled, url.Values{"operator.idNumber": {"411002197906180523"}, "_action": {"submit"}})
		p := e.Post(webtest.Citizen, path, bad).Expect(t, 400)
		if msg := p.Text("f-operator-idNumber-error"); msg == "" {
			t.Fatalf("no message beside the ID number\n%s", p.Body)
		}
		p.Contains(t, `value="411002197906180523"`, `aria-invalid="true"`, `value="许昌市魏都区陈记烩面馆"`)
	})
	t.Run("数字填写有误", func(t *testing.T) {
		p := e.Post(webtest.Citizen, path, webtest.Merge(filled, url.Values{"capital": {"五万"}, "_action": {"submit"}})).Expect(t, 400)
		if p.Text("f-capital-error") == "" {
			t.Fatal("no message beside the capital")
		}
	})
	t.Run("添加和删除一行", func(t *testing.T) {
		p := e.Post(webtest.Citizen, path, webtest.Merge(filled, url.Values{"_action": {"add:familyMembers"}})).Expect(t, 200)
		p.Contains(t, `name="familyMembers.2.name"`, `value="remove:familyMembers.2"`)
		p = e.Post(webtest.Citizen, path, webtest.Merge(filled, url.Values{"_action": {"remove:familyMembers.0"}})).Expect(t, 200)
		values := p.FormValues(t, "apply-form")
		if values.Get("familyMembers.0.name") != "张一鸣" || values.Has("familyMembers.1.name") {
			t.Fatalf("after removing the first row: %v", values)
		}
	})
	t.Run("输入的脚本不会执行", func(t *testing.T) {
		p := e.Post(webtest.Citizen, path, webtest.Merge(filled, url.Values{"businessName": {`<script>alert("x")</script>陈记烩面馆`}, "_action": {"refresh"}})).Expect(t, 200)
		p.Contains(t, `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;陈记烩面馆`).Lacks(t, `<script>alert(`)
	})
	t.Run("缺少材料时显示在材料旁", func(t *testing.T) {
		p := e.Post(webtest.Citizen, path, webtest.Merge(filled, url.Values{"_action": {"submit"}})).Expect(t, 400)
		if msg := p.Text("file-premisesProof-error"); !strings.Contains(msg, "请上传") {
			t.Fatalf("material problem %q", msg)
		}
	})
	t.Run("上传材料并提交", func(t *testing.T) {
		p := e.PostMultipart(webtest.Citizen, path, webtest.Merge(filled, url.Values{"_action": {"submit"}}),
			webtest.File{Field: "file.premisesProof", Name: "场所证明.pdf", Content: webtest.PDF},
			webtest.File{Field: "file.familyRelationProof", Name: "户口簿.pdf", Content: webtest.PDF}).Expect(t, http.StatusSeeOther)
		number, err := webtest.CaseNumber(p.Location)
		if err != nil {
			t.Fatal(p.Location)
		}
		v, err := e.Service.GetCase(ctx, e.User(webtest.Citizen), number)
		if err != nil || v.Status != runtime.StatusSubmitted || v.Channel != "online" {
			t.Fatalf("case %v %v", v, err)
		}
		e.Get(webtest.Citizen, p.Location).Expect(t, 200).Contains(t, "申请已提交", "查询码", v.QueryCode, "场所证明.pdf", "提交申请", "材料交接清单")
		// The same form posted again (a double click, the back button) makes no second case.
		again := e.PostMultipart(webtest.Citizen, path, webtest.Merge(filled, url.Values{"_action": {"submit"}}),
			webtest.File{Field: "file.premisesProof", Name: "场所证明.pdf", Content: webtest.PDF},
			webtest.File{Field: "file.familyRelationProof", Name: "户口簿.pdf", Content: webtest.PDF})
		if again.Status == http.StatusSeeOther {
			if n, _ := webtest.CaseNumber(again.Location); n != number {
				t.Errorf("a second post made case %s", n)
			}
		}
	})
}

func TestDraftSavedAndResumed(t *testing.T) {
	e := newPortal(t)
	path := "/matters/" + sole + "/apply"
	hidden := e.Get(webtest.Citizen, path).Expect(t, 200).FormValues(t, "apply-form")
	partial := webtest.Merge(hidden, url.Values{"businessName": {"许昌市魏都区老街胡辣汤店"}, "capital": {"3"}, "_action": {"save"}})
	p := e.PostMultipart(webtest.Citizen, path, partial, webtest.File{Field: "file.premisesProof", Name: "租赁合同.pdf", Content: webtest.PDF}).
		Expect(t, http.StatusSeeOther)
	if !strings.Contains(p.Location, "draft=") || !strings.Contains(p.Location, "msg=saved") {
		t.Fatalf("saved to %s", p.Location)
	}
	resumed := e.Get(webtest.Citizen, p.Location).Expect(t, 200).Contains(t, "草稿已保存", `value="许昌市魏都区老街胡辣汤店"`, "已上传：租赁合同.pdf")
	values := resumed.FormValues(t, "apply-form")
	number := values.Get("_draft")
	if number == "" {
		t.Fatal("the resumed form does not carry its draft")
	}
	e.Get(webtest.Citizen, "/cases").Expect(t, 200).Contains(t, number, "草稿", "继续填写")
	e.Get(webtest.Citizen, "/cases/"+number).Expect(t, http.StatusSeeOther)
	// Another applicant cannot open the draft.
	e.Get("李秀兰", path+"?draft="+number).Expect(t, 404)

	// Completed and submitted from the draft: the file uploaded with the draft counts.
	filled := webtest.Merge(values, e.FormFor(sole, webtest.Sample(t, sole)))
	filled.Set("_action", "submit")
	done := e.PostMultipart(webtest.Citizen, path, filled, webtest.File{Field: "file.familyRelationProof", Name: "户口簿.jpg", Content: append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), make([]byte, 64)...)}).
		Expect(t, http.StatusSeeOther)
	if n, _ := webtest.CaseNumber(done.Location); n != number {
		t.Fatalf("submitted %s, want the draft %s", done.Location, number)
	}
}

// TestAutosave: form.js's autosave posts the form as it stands, problems and all; the first
// creates the draft and the answer carries its number, the next ones save onto it, and the
// page answers as a refresh does (200, the live part), never as a refused submission.
func TestAutosave(t *testing.T) {
	e := newPortal(t)
	path := "/matters/" + sole + "/apply"
	values := e.Get(webtest.Citizen, path).Expect(t, 200).Contains(t, `data-autosave="autosave-status"`, `id="autosave-status"`).FormValues(t, "apply-form")
	for i, name := range []string{"许昌市魏都", "许昌市魏都区老街胡辣汤店"} {
		values = webtest.Merge(values, url.Values{"businessName": {name}, "capital": {"三万"}, "_action": {"autosave"}})
		p := e.Post(webtest.Citizen, path, values).Expect(t, 200).Contains(t, `id="apply-live"`).Lacks(t, "error-summary")
		number := p.FormValues(t, "apply-form").Get("_draft")
		if number == "" || i > 0 && number != values.Get("_draft") {
			t.Fatalf("autosave %d: draft %q, before %q", i, number, values.Get("_draft"))
		}
		values.Set("_draft", number)
		e.Get(webtest.Citizen, path+"?draft="+number).Expect(t, 200).Contains(t, `value="`+name+`"`)
	}
}

// submit files the sample application of the sole proprietor matter through the pages.
func submit(t *testing.T, e *webtest.Env) string {
	t.Helper()
	path := "/matters/" + sole + "/apply"
	hidden := e.Get(webtest.Citizen, path).Expect(t, 200).FormValues(t, "apply-form")
	values := webtest.Merge(hidden, e.FormFor(sole, webtest.Sample(t, sole)))
	values.Set("_action", "submit")
	p := e.PostMultipart(webtest.Citizen, path, values,
		webtest.File{Field: "file.premisesProof", Name: "场所证明.pdf", Content: webtest.PDF},
		webtest.File{Field: "file.familyRelationProof", Name: "户口簿.pdf", Content: webtest.PDF}).Expect(t, http.StatusSeeOther)
	n, err := webtest.CaseNumber(p.Location)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCorrectionAnsweredInPlace(t *testing.T) {
	e := newPortal(t)
	number := submit(t, e)
	clerk := e.User("wd-amr/clerk")
	if _, err := e.Service.RequestCorrection(ctx, clerk, number, "经营场所证明不清晰，请重新上传", []string{"premisesProof"}); err != nil {
		t.Fatal(err)
	}
	e.Get(webtest.Citizen, "/cases").Expect(t, 200).Contains(t, "去补正")
	p := e.Get(webtest.Citizen, "/cases/"+number).Expect(t, 200).Contains(t, "请补齐补正材料", "经营场所证明不清晰，请重新上传",
		`name="file.premisesProof"`, "计时暂停", "补齐补正告知书").Lacks(t, `name="file.familyRelationProof"`)
	values := p.FormValues(t, "correction-form")
	for _, f := range []string{"operator.name", "businessName", "familyMembers.1.idNumber"} {
		if values.Get(f) == "" {
			t.Errorf("the correction form lacks %s", f)
		}
	}
	t.Run("改错的表单退回并显示错误", func(t *testing.T) {
		bad := webtest.Merge(values, url.Values{"operator.mobile": {"12345"}})
		p := e.PostMultipart(webtest.Citizen, "/cases/"+number+"/correction", bad).Expect(t, 400)
		if p.Text("f-operator-mobile-error") == "" {
			t.Fatalf("no message beside the mobile\n%s", p.Body)
		}
	})
	e.PostMultipart(webtest.Citizen, "/cases/"+number+"/correction", values,
		webtest.File{Field: "file.premisesProof", Name: "场所证明（清晰）.pdf", Content: webtest.PDF}).Expect(t, http.StatusSeeOther)
	v, _ := e.Service.GetCase(ctx, e.User(webtest.Citizen), number)
	if v.Status != runtime.StatusSubmitted || v.Deadline.Stopped {
		t.Fatalf("after the correction: %s %+v", v.Status, v.Deadline)
	}
	e.Get(webtest.Citizen, "/cases/"+number).Expect(t, 200).Contains(t, "已补正", "场所证明（清晰）.pdf").Lacks(t, "请补齐补正材料")
}

// TestConcludedCase follows a case to its certificate: the timeline, the documents to download
// and the rating, once.
func TestConcludedCase(t *testing.T) {
	e := newPortal(t)
	number := submit(t, e)
	if _, err := e.Service.Accept(ctx, e.User("wd-amr/clerk"), number, runtime.TaskAction{Outcome: "accept", Opinion: "材料齐全，予以受理"}); err != nil {
		t.Fatal(err)
	}
	decider := e.User("wd-amr/decider")
	tasks, _ := e.Service.ListTasks(ctx, decider, false)
	for _, task := range tasks {
		if task.CaseNumber == number {
			if _, err := e.Service.CompleteTask(ctx, decider, task.ID, runtime.TaskAction{Outcome: "approve", Opinion: "准予登记"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	p := e.Get(webtest.Citizen, "/cases/"+number).Expect(t, 200).Contains(t, "已制证", "准予登记", "受理通知书", "下载电子证照", `id="evaluation"`)
	i := strings.Index(p.Body, "/certificates/")
	cert := p.Body[i+len("/certificates/"):]
	cert = cert[:strings.Index(cert, `"`)]
	doc := e.Get(webtest.Citizen, "/cases/"+number+"/certificates/"+cert).Expect(t, 200)
	if !strings.HasPrefix(doc.Body, "%PDF") || doc.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("certificate download: %s %.20q", doc.Header.Get("Content-Type"), doc.Body)
	}
	notice := e.Get(webtest.Citizen, "/cases/"+number+"/notices/acceptance-notice").Expect(t, 200)
	if !strings.HasPrefix(notice.Body, "%PDF") {
		t.Fatal("the acceptance notice is not a PDF")
	}
	e.Get(webtest.Citizen, "/cases/"+number+"/notices/nothing").Expect(t, 404)
	e.Get("李秀兰", "/cases/"+number+"/certificates/"+cert).Expect(t, 404)

	t.Run("评分须为 1 到 5", func(t *testing.T) {
		e.Post(webtest.Citizen, "/cases/"+number+"/evaluation", url.Values{"score": {"9"}}).Expect(t, 400).Contains(t, "评分应为 1 到 5 分")
	})
	e.Post(webtest.Citizen, "/cases/"+number+"/evaluation", url.Values{"score": {"5"}, "comment": {"办得快，态度好"}}).Expect(t, http.StatusSeeOther)
	e.Get(webtest.Citizen, "/cases/"+number).Expect(t, 200).Contains(t, "您的评价", "5 分：办得快，态度好").Lacks(t, "提交评价")
	t.Run("同一账号不能再评", func(t *testing.T) {
		p := e.Post(webtest.Citizen, "/cases/"+number+"/evaluation", url.Values{"score": {"1"}})
		if p.Status != http.StatusConflict {
			t.Fatalf("second rating: %d\n%s", p.Status, p.Body)
		}
	})
}

func TestPublicProgress(t *testing.T) {
	e := newPortal(t)
	number := submit(t, e)
	v, _ := e.Service.GetCase(ctx, e.User(webtest.Citizen), number)
	e.Get("", "/progress").Expect(t, 200).Contains(t, `name="number"`, `name="code"`)
	e.Get("", "/progress?number="+number+"&code="+v.QueryCode).Expect(t, 200).Contains(t, "个体工商户", "已提交申请", "张*")
	e.Get("", "/progress?number="+number+"&code=wrong").Expect(t, 404).Contains(t, "办件编号或查询码不正确")
}

func TestSecurity(t *testing.T) {
	e := newPortal(t)
	number := submit(t, e)
	t.Run("没有 CSRF 令牌的提交被拒绝", func(t *testing.T) {
		e.Post(webtest.Citizen, "/cases/"+number+"/evaluation", url.Values{"_csrf": {""}, "score": {"5"}}).Expect(t, 403).Contains(t, "页面已过期")
		e.Post(webtest.Citizen, "/matters/"+sole+"/apply", url.Values{"_csrf": {"csrf:someone-else"}, "_action": {"save"}}).Expect(t, 403)
	})
	t.Run("别人的办件按不存在处理", func(t *testing.T) {
		e.Get("李秀兰", "/cases/"+number).Expect(t, 404).Lacks(t, "个体工商户")
		e.Get("李秀兰", "/cases/"+number+"/notices/material-handover-list").Expect(t, 404)
	})
	t.Run("未登录去登录页", func(t *testing.T) {
		p := e.Get("", "/cases").Expect(t, http.StatusSeeOther)
		if p.Location != "/account/login?next=%2Fcases" {
			t.Fatalf("sent to %s", p.Location)
		}
	})
}
