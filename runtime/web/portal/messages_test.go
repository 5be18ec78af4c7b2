package portal_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/xuchang-gov/tongban/runtime/web/webtest"
)

func TestConsultationAndItsAnswer(t *testing.T) {
	e := newPortal(t)
	e.Get("", "/messages").Expect(t, http.StatusSeeOther)
	e.Get(webtest.Citizen, "/matters/"+sole).Expect(t, http.StatusOK).Contains(t, `href="/messages?matter=`+sole+`"`)
	e.Get(webtest.Citizen, "/messages?matter="+sole).Expect(t, http.StatusOK).
		Contains(t, `<option value="`+sole+`" selected>`, "还没有留言")

	e.Post(webtest.Citizen, "/messages", url.Values{"kind": {"consultation"}, "matter": {sole}, "body": {"  "}}).
		Expect(t, http.StatusBadRequest).Contains(t, "请填写留言内容", `<option value="`+sole+`" selected>`)
	e.Post(webtest.Citizen, "/messages", url.Values{"kind": {"consultation"}, "matter": {sole}, "caseNumber": {"XC-0000"}, "body": {"我想问"}}).
		Expect(t, http.StatusBadRequest).Contains(t, "不是您办理的此事项的办件", `value="XC-0000"`)
	e.Post(webtest.Citizen, "/messages", url.Values{"kind": {"consultation"}, "matter": {sole}, "body": {"我想问"}}).
		Expect(t, http.StatusSeeOther)
	e.Post(webtest.Citizen, "/messages", url.Values{"kind": {"complaint"}, "matter": {sole}, "body": {"<script>alert(1)</script>经营场所证明需要原件吗？"}}).
		Expect(t, http.StatusSeeOther)

	mine, err := e.Svc.MyMessages(ctx, e.User(webtest.Citizen))
	if err != nil || len(mine) != 2 {
		t.Fatalf("stored: %v %v", mine, err)
	}
	if _, err := e.Svc.AnswerMessage(ctx, e.User("wd-amr/clerk"), mine[0].ID, "复印件加盖公章即可。"); err != nil {
		t.Fatal(err)
	}
	e.Get(webtest.Citizen, "/messages").Expect(t, http.StatusOK).
		Contains(t, "&lt;script&gt;alert(1)&lt;/script&gt;经营场所证明需要原件吗？", "复印件加盖公章即可。", "等待答复", "投诉", "咨询").
		Lacks(t, "<script>alert(1)")
	e.Get(webtest.Elder, "/messages").Expect(t, http.StatusOK).Lacks(t, "经营场所证明")
}
