package simulate

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/xuchang-gov/tongban/definitions/cn"
)

// waybill is a shipment on the logistics platform (the result sent to the applicant by post).
type waybill struct {
	WaybillNo string         `json:"waybillNo"`
	OrderNo   string         `json:"orderNo,omitempty"`
	Case      string         `json:"case,omitempty"`
	Receiver  map[string]any `json:"receiver"`
	Status    string         `json:"status"`
	Created   time.Time      `json:"createdAt"`
}

// trackingSteps are the events each shipment reports, one callback each.
var trackingSteps = []struct{ status, text string }{
	{"collected", "【许昌市政务服务中心】已揽收"},
	{"in_transit", "快件已到达【许昌转运中心】"},
	{"out_for_delivery", "快件正在派送中，派送员：王师傅 13803740000"},
	{"delivered", "已签收，签收人：本人"},
}

// createWaybill serves POST /logistics/v1/orders: {orderNo, case, receiver: {name, mobile,
// address}, callbackUrl}. The platform then calls back each tracking event.
func (s *Server) createWaybill(r *http.Request, raw []byte) (int, any) {
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil || body == nil {
		return http.StatusBadRequest, apiError("请求内容应为 JSON 对象")
	}
	rcv, _ := body["receiver"].(map[string]any)
	name, _ := rcv["name"].(string)
	mobile, _ := rcv["mobile"].(string)
	addr, _ := rcv["address"].(string)
	switch {
	case name == "":
		return http.StatusBadRequest, apiError("缺少收件人姓名 receiver.name")
	case !cn.ValidMobile(mobile):
		return http.StatusBadRequest, apiError("收件人手机号码 receiver.mobile 无效")
	case len([]rune(addr)) < 6:
		return http.StatusBadRequest, apiError("收件地址 receiver.address 不完整")
	}
	now := s.cfg.Now()
	wb := &waybill{WaybillNo: fmt.Sprintf("1180%09d", s.nextID()), Receiver: rcv, Status: "created", Created: now}
	wb.OrderNo, _ = body["orderNo"].(string)
	wb.Case, _ = body["case"].(string)
	s.mu.Lock()
	s.waybills[wb.WaybillNo] = wb
	s.stats[Logistics].Applied++
	out := *wb
	s.mu.Unlock()
	var msgs []map[string]any
	for i, st := range trackingSteps {
		msgs = append(msgs, map[string]any{"messageId": fmt.Sprintf("%s-%d", wb.WaybillNo, i+1), "type": "tracking",
			"waybillNo": wb.WaybillNo, "orderNo": wb.OrderNo, "case": wb.Case, "status": st.status, "description": st.text,
			"at": now.Add(time.Duration(i+1) * 6 * time.Hour).Format(time.RFC3339)})
	}
	s.schedule(Logistics, s.callbackURL(Logistics, body), msgs)
	return http.StatusCreated, out
}

// getWaybill serves GET /logistics/v1/orders/{waybillNo}.
func (s *Server) getWaybill(r *http.Request, _ []byte) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	wb := s.waybills[r.PathValue("waybillNo")]
	if wb == nil {
		return http.StatusNotFound, apiError("没有该运单")
	}
	return http.StatusOK, *wb
}
