package simulate

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/xuchang-gov/tongban/definitions/cn"
)

// SMSMessage is a text the SMS gateway sent.
type SMSMessage struct {
	MessageID string            `json:"messageId"`
	Mobile    string            `json:"mobile"`
	Template  string            `json:"template,omitempty"`
	Params    map[string]string `json:"params,omitempty"`
	Content   string            `json:"content"`
	SignName  string            `json:"signName"`
	Segments  int               `json:"segments"`
	Reference string            `json:"reference,omitempty"`
	SentAt    time.Time         `json:"sentAt"`
}

// smsTemplates are the templates the gateway has approved, as real gateways require.
var smsTemplates = map[string]string{
	"case-accepted":         "您申请的${matter}已受理，办件编号${case}，可凭查询码${code}查询办理进度。",
	"case-correction":       "您申请的${matter}（${case}）需要补齐补正材料：${reason}。请于${deadline}前提交。",
	"case-approved":         "您申请的${matter}（${case}）已办结，结果：准予许可。",
	"case-denied":           "您申请的${matter}（${case}）已办结，结果：不予许可。理由：${reason}。",
	"fee-due":               "您申请的${matter}（${case}）需缴费${amount}元，请在${deadline}前完成缴费。",
	"delivery":              "您申请的${matter}（${case}）办理结果已寄出，运单号${waybill}。",
	"deferred-material-due": "您申请的${matter}（${case}）容缺受理的「${material}」请于${deadline}前补交。",
	"escalation":            "办件${case}的“${task}”已超期，请及时处理。",
	"message-answered":      "您关于${matter}的${kind}已有答复，请登录许昌市政务服务网“咨询投诉”查看。",
	"theme-member-stopped":  "您申请的${theme}（${case}）中，${matter}未启动：${reason}。可凭查询码${code}查询进度。",
	"theme-concluded":       "您申请的${theme}（${case}）已全部办结，证照${certificates}可一并领取或下载。",
	"appointment-booked":    "您已预约${day} ${slot}到${place}办理${matter}，签到码${code}。到达后在取号机输入签到码取号。",
	"appointment-reminder":  "提醒：您预约了明天${day} ${slot}到${place}办理${matter}，签到码${code}。",
}

var smsParam = regexp.MustCompile(`\$\{(\w+)\}`)

// sendSMS serves POST /sms/v1/messages: {mobile, template, params} for an approved template,
// or {mobile, content}; signName defaults to 许昌政务服务.
func (s *Server) sendSMS(r *http.Request, raw []byte) (int, any) {
	var m SMSMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return http.StatusBadRequest, apiError("请求内容无法解析：" + err.Error())
	}
	if !cn.ValidMobile(m.Mobile) {
		return http.StatusBadRequest, apiError("手机号码无效")
	}
	if m.Template != "" {
		text, ok := smsTemplates[m.Template]
		if !ok {
			return http.StatusBadRequest, apiError("短信模板 " + m.Template + " 未报备")
		}
		var missing string
		m.Content = smsParam.ReplaceAllStringFunc(text, func(p string) string {
			name := p[2 : len(p)-1]
			v, ok := m.Params[name]
			if !ok && missing == "" {
				missing = name
			}
			return v
		})
		if missing != "" {
			return http.StatusBadRequest, apiError("短信模板 " + m.Template + " 缺少参数 " + missing)
		}
	}
	if m.Content == "" {
		return http.StatusBadRequest, apiError("缺少短信内容 content 或模板 template")
	}
	if m.SignName == "" {
		m.SignName = "许昌政务服务"
	}
	n := utf8.RuneCountInString(m.Content) + utf8.RuneCountInString(m.SignName) + 2
	m.Segments = 1
	if n > 70 {
		m.Segments = (n + 66) / 67
	}
	now := s.cfg.Now()
	m.MessageID = fmt.Sprintf("SMS%s%06d", now.Format("20060102150405"), s.nextID())
	m.Reference = r.Header.Get("Idempotency-Key")
	m.SentAt = now
	s.mu.Lock()
	s.sms = append(s.sms, m)
	s.stats[SMS].Applied++
	s.mu.Unlock()
	return http.StatusOK, map[string]any{"messageId": m.MessageID, "status": "sent", "segments": m.Segments}
}

// SentSMS returns the texts sent so far.
func (s *Server) SentSMS() []SMSMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SMSMessage(nil), s.sms...)
}

// listSMS serves GET /sms/v1/messages[?mobile=…].
func (s *Server) listSMS(r *http.Request, _ []byte) (int, any) {
	out := []SMSMessage{}
	for _, m := range s.SentSMS() {
		if q := r.URL.Query().Get("mobile"); q == "" || q == m.Mobile {
			out = append(out, m)
		}
	}
	return http.StatusOK, map[string]any{"messages": out}
}
