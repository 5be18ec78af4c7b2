package service

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/xuchang-gov/tongban/runtime"
)

var _ runtime.MessageService = (*Service)(nil)

// messageKinds names the kinds of message the public may leave.
var messageKinds = map[string]string{"consultation": "咨询", "complaint": "投诉"}

// maxMessageRunes bounds a question or an answer.
const maxMessageRunes = 1000

// messageListLimit is how many messages one list shows.
const messageListLimit = 200

// Ask records a consultation or complaint about a matter, addressed to the matter's org. A
// case number, when given, must be one of the asker's cases of that matter.
func (s *Service) Ask(ctx context.Context, u *runtime.User, m runtime.Message) (*runtime.Message, error) {
	if u.Kind == "staff" {
		return nil, runtime.Errorf(runtime.EFORBIDDEN, "工作人员请在工作台答复留言")
	}
	m.Body = strings.TrimSpace(m.Body)
	m.CaseNumber = strings.TrimSpace(m.CaseNumber)
	var fields []runtime.FieldError
	if messageKinds[m.Kind] == "" {
		fields = append(fields, runtime.FieldError{Pointer: "/kind", Message: "请选择咨询或投诉"})
	}
	fields = append(fields, messageBodyProblems("/body", "留言内容", m.Body)...)
	if len(fields) > 0 {
		return nil, runtime.Invalid("留言填写有误", fields...)
	}
	_, _, mp, err := s.latest(ctx, m.Matter)
	if err != nil {
		return nil, err
	}
	if m.CaseNumber != "" {
		c, err := s.db.GetCaseByNumber(ctx, m.CaseNumber)
		if err != nil || c.ApplicantID != u.ID || c.Matter != m.Matter {
			return nil, runtime.Invalid("办件编号有误", runtime.FieldError{Pointer: "/caseNumber", Message: "不是您办理的此事项的办件"})
		}
	}
	m.ID, m.Answer, m.AnsweredBy, m.AnsweredAt = 0, "", 0, nil
	m.AskedBy, m.AskedAt = u.ID, s.now()
	return s.db.CreateMessage(ctx, m, mp.Def.Matter.Org.Code)
}

// MyMessages lists the user's own messages, newest first.
func (s *Service) MyMessages(ctx context.Context, u *runtime.User) ([]runtime.Message, error) {
	return s.db.MessagesOf(ctx, u.ID, messageListLimit)
}

// OrgMessages lists the messages addressed to the staff member's org, unanswered first.
func (s *Service) OrgMessages(ctx context.Context, u *runtime.User) ([]runtime.Message, error) {
	if err := mustBeStaff(u); err != nil {
		return nil, err
	}
	return s.db.MessagesFor(ctx, u.OrgCode, messageListLimit)
}

// AnswerMessage records a staff member's answer to a message addressed to their org.
func (s *Service) AnswerMessage(ctx context.Context, u *runtime.User, id int64, answer string) (*runtime.Message, error) {
	if err := mustBeStaff(u); err != nil {
		return nil, err
	}
	answer = strings.TrimSpace(answer)
	if fields := messageBodyProblems("/answer", "答复内容", answer); len(fields) > 0 {
		return nil, runtime.Invalid("答复填写有误", fields...)
	}
	var answered *runtime.Message
	err := s.db.WithTx(ctx, func(tx runtime.Tx) error {
		m, err := tx.AnswerMessage(id, u.OrgCode, answer, u.ID, s.now())
		if err != nil {
			return err
		}
		answered = m
		return s.tellAsker(ctx, tx, m)
	})
	return answered, err
}

// tellAsker queues, with the answer, the SMS that tells the asker to read it, when the bundle
// connects an SMS gateway and the asker left a mobile number.
func (s *Service) tellAsker(ctx context.Context, tx runtime.Tx, m *runtime.Message) error {
	_, plan, mp, err := s.latest(ctx, m.Matter)
	if err != nil || !pushes(plan, SMSConnector) {
		return nil
	}
	asker, err := tx.GetUser(m.AskedBy)
	if err != nil || asker.Mobile == "" {
		return err
	}
	payload, _ := json.Marshal(map[string]any{"mobile": asker.Mobile, "template": "message-answered",
		"params": map[string]any{"kind": messageKinds[m.Kind], "matter": mp.Def.Matter.Name}})
	_, err = tx.Enqueue(runtime.OutboxMessage{Topic: runtime.PushTopic(SMSConnector), Payload: payload,
		IdempotencyKey: fmt.Sprintf("sms:message:%d", m.ID)})
	return err
}

// messageBodyProblems checks a question or an answer, named noun in the message.
func messageBodyProblems(pointer, noun, text string) []runtime.FieldError {
	switch n := len([]rune(text)); {
	case n == 0:
		return []runtime.FieldError{{Pointer: pointer, Message: "请填写" + noun}}
	case n > maxMessageRunes:
		return []runtime.FieldError{{Pointer: pointer, Message: fmt.Sprintf("%s不能超过 %d 字", noun, maxMessageRunes)}}
	}
	return nil
}
