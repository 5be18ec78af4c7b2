package workbench_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/webtest"
)

func TestStaffAnswerTheirOrgsMessages(t *testing.T) {
	e := newWorkbench(t, false)
	m, err := e.Svc.Ask(ctx, e.User(webtest.Citizen), runtime.Message{Kind: "consultation", Matter: sole, Body: "个体户可以用住宅登记吗？"})
	if err != nil {
		t.Fatal(err)
	}
	answerURL := "/work/messages/" + strconv.FormatInt(m.ID, 10) + "/answer"
	e.Get(webtest.Citizen, "/work/messages").Expect(t, http.StatusForbidden)
	e.Get("xc-health/clerk", "/work/messages").Expect(t, http.StatusOK).Lacks(t, "个体户可以用住宅登记吗？").Contains(t, "暂无留言")
	e.Post("xc-health/clerk", answerURL, url.Values{"answer": {"可以"}}).Expect(t, http.StatusNotFound)

	e.Get(clerk, "/work/messages").Expect(t, http.StatusOK).Contains(t, "个体户可以用住宅登记吗？", "个体工商户", `action="`+answerURL+`"`)
	e.Post(clerk, answerURL, url.Values{"answer": {" "}}).Expect(t, http.StatusBadRequest).Contains(t, "请填写答复内容")
	e.Post(clerk, answerURL, url.Values{"answer": {"住改商需提交利害关系人同意证明。"}, "_csrf": {""}}).Expect(t, http.StatusForbidden)
	e.Post(clerk, answerURL, url.Values{"answer": {"住改商需提交利害关系人同意证明。"}}).Expect(t, http.StatusSeeOther)
	e.Post(clerk, answerURL, url.Values{"answer": {"再答一次"}}).Expect(t, http.StatusConflict).Contains(t, "此留言已经答复过")
	e.Post(clerk, "/work/messages/abc/answer", url.Values{"answer": {"x"}}).Expect(t, http.StatusNotFound)
	e.Get(clerk, "/work/messages").Expect(t, http.StatusOK).Contains(t, "已答复", "住改商需提交利害关系人同意证明。").Lacks(t, "再答一次")
}
