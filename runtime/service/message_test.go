package service_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/runtime"
)

func TestConsultationAnsweredByTheMattersOrg(t *testing.T) {
	f := newFixture(t, memBundle(t))
	company := f.users["许昌瑞祥置业有限公司"]
	v := f.apply("许昌瑞祥置业有限公司", "food-business-license", sampleForm(t, "food-business-license"))

	refused := []struct {
		name    string
		who     *runtime.User
		message runtime.Message
		code    string
		pointer string
	}{
		{"unknown kind", company, runtime.Message{Kind: "praise", Matter: "food-business-license", Body: "你好"}, runtime.EINVALID, "/kind"},
		{"empty body", company, runtime.Message{Kind: "consultation", Matter: "food-business-license", Body: "  "}, runtime.EINVALID, "/body"},
		{"too long", company, runtime.Message{Kind: "consultation", Matter: "food-business-license", Body: strings.Repeat("问", 1001)}, runtime.EINVALID, "/body"},
		{"unknown matter", company, runtime.Message{Kind: "consultation", Matter: "no-such-matter", Body: "你好"}, runtime.ENOTFOUND, ""},
		{"someone else's case", f.users["张伟"], runtime.Message{Kind: "complaint", Matter: "food-business-license", CaseNumber: v.Number, Body: "太慢"}, runtime.EINVALID, "/caseNumber"},
		{"staff do not ask", f.users["wd-amr/clerk"], runtime.Message{Kind: "consultation", Matter: "food-business-license", Body: "你好"}, runtime.EFORBIDDEN, ""},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.Ask(ctx, tc.who, tc.message)
			if runtime.ErrorCode(err) != tc.code {
				t.Fatalf("got %v, want %s", err, tc.code)
			}
			if tc.pointer != "" && !hasField(err, tc.pointer) {
				t.Fatalf("%v does not name %s", err, tc.pointer)
			}
		})
	}

	asked, err := f.svc.Ask(ctx, company, runtime.Message{Kind: "complaint", Matter: "food-business-license", CaseNumber: v.Number, Body: "  窗口说要补正，但没有告诉我补什么。 "})
	if err != nil {
		t.Fatal(err)
	}
	if asked.Body != "窗口说要补正，但没有告诉我补什么。" || asked.AskedBy != company.ID {
		t.Fatalf("stored message: %+v", asked)
	}
	other, err := f.svc.OrgMessages(ctx, f.users["xc-health/clerk"])
	if err != nil || len(other) != 0 {
		t.Fatalf("another org sees the message: %v %v", other, err)
	}
	if _, err := f.svc.AnswerMessage(ctx, f.users["xc-health/clerk"], asked.ID, "好的"); runtime.ErrorCode(err) != runtime.ENOTFOUND {
		t.Fatalf("another org answers: %v", err)
	}
	clerk := f.users["wd-amr/clerk"]
	open, err := f.svc.OrgMessages(ctx, clerk)
	if err != nil || len(open) != 1 || open[0].ID != asked.ID {
		t.Fatalf("the org's messages: %v %v", open, err)
	}
	if _, err := f.svc.AnswerMessage(ctx, clerk, asked.ID, ""); !hasField(err, "/answer") {
		t.Fatalf("an empty answer: %v", err)
	}
	answered, err := f.svc.AnswerMessage(ctx, clerk, asked.ID, "已电话联系，需补交营业场所证明。")
	if err != nil || answered.AnsweredAt == nil || answered.AnsweredBy != clerk.ID {
		t.Fatalf("answer: %+v %v", answered, err)
	}
	if _, err := f.svc.AnswerMessage(ctx, clerk, asked.ID, "再答一次"); runtime.ErrorCode(err) != runtime.ECONFLICT {
		t.Fatalf("a second answer: %v", err)
	}
	var told int
	for _, sms := range outboxTopic(t, f, "connector.push.sms-gateway") {
		if strings.Contains(string(sms.Payload), `"message-answered"`) {
			told++
			if !strings.Contains(string(sms.Payload), company.Mobile) || !strings.Contains(string(sms.Payload), "投诉") {
				t.Errorf("the SMS of the answer: %s", sms.Payload)
			}
		}
	}
	if told != 1 || company.Mobile == "" {
		t.Fatalf("%d SMS tell the asker (mobile %q) of the answer, want 1", told, company.Mobile)
	}
	mine, err := f.svc.MyMessages(ctx, company)
	if err != nil || len(mine) != 1 || mine[0].Answer != "已电话联系，需补交营业场所证明。" {
		t.Fatalf("the asker's messages: %+v %v", mine, err)
	}
}

func hasField(err error, pointer string) bool {
	var e *runtime.Error
	return errors.As(err, &e) && slices.ContainsFunc(e.Fields, func(fe runtime.FieldError) bool { return fe.Pointer == pointer })
}
