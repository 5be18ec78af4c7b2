package simulate

import (
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"time"
)

// paymentOrder is an order on the payment platform (统一公共支付平台).
type paymentOrder struct {
	OrderID string  `json:"orderId"`
	OrderNo string  `json:"orderNo"` // the caller's own number
	Case    string  `json:"case,omitempty"`
	Subject string  `json:"subject"`
	Amount  float64 `json:"amount"` // yuan
	Status  string  `json:"status"` // unpaid, paid
	PayURL  string  `json:"payUrl"`
	// CashierURL is the page the applicant pays at in a browser; ?return= is where it goes back.
	CashierURL string     `json:"cashierUrl"`
	TradeNo    string     `json:"tradeNo,omitempty"`
	PaidAt     *time.Time `json:"paidAt,omitempty"`

	callbackURL string
}

// createOrder serves POST /payment/v1/orders: {orderNo, case, subject, amount, callbackUrl}.
// The applicant pays at payUrl (POST …/pay here); the platform then calls back "paid".
func (s *Server) createOrder(r *http.Request, raw []byte) (int, any) {
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil || body == nil {
		return http.StatusBadRequest, apiError("请求内容应为 JSON 对象")
	}
	amount, _ := body["amount"].(float64)
	if amount <= 0 || amount > 1e8 || math.Round(amount*100) != amount*100 {
		return http.StatusBadRequest, apiError("金额 amount 应为大于零、最多两位小数的元数")
	}
	o := &paymentOrder{OrderID: fmt.Sprintf("PAY%s%06d", s.cfg.Now().Format("20060102"), s.nextID()), Amount: amount, Status: "unpaid"}
	o.OrderNo, _ = body["orderNo"].(string)
	o.Case, _ = body["case"].(string)
	o.Subject, _ = body["subject"].(string)
	if o.Subject == "" {
		o.Subject = "政务服务缴费"
	}
	o.PayURL = "/payment/v1/orders/" + o.OrderID + "/pay"
	o.CashierURL = "http://" + r.Host + "/payment/v1/orders/" + o.OrderID + "/cashier"
	o.callbackURL = s.callbackURL(Payment, body)
	s.mu.Lock()
	s.orders[o.OrderID] = o
	s.stats[Payment].Applied++
	out := *o
	s.mu.Unlock()
	if s.cfg.AutoPay {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if sleep(s.ctx, s.cfg.CallbackDelay) {
				s.pay(o.OrderID)
			}
		}()
	}
	return http.StatusCreated, out
}

// pay marks an order paid and schedules its callback; paying twice does nothing more.
func (s *Server) pay(id string) (paymentOrder, bool) {
	s.mu.Lock()
	o := s.orders[id]
	if o == nil {
		s.mu.Unlock()
		return paymentOrder{}, false
	}
	if o.Status == "paid" {
		out := *o
		s.mu.Unlock()
		return out, true
	}
	now := s.cfg.Now()
	o.Status, o.PaidAt = "paid", &now
	o.TradeNo = fmt.Sprintf("T%s%08d", now.Format("20060102150405"), hash64(o.OrderID)%100000000)
	out := *o
	s.mu.Unlock()
	s.schedule(Payment, o.callbackURL, []map[string]any{{
		"messageId": o.OrderID + "-paid", "type": "paid", "orderId": o.OrderID, "orderNo": o.OrderNo, "case": o.Case,
		"amount": o.Amount, "tradeNo": o.TradeNo, "paidAt": now.Format(time.RFC3339),
	}})
	return out, true
}

// payOrder serves POST /payment/v1/orders/{id}/pay: the applicant pays.
func (s *Server) payOrder(r *http.Request, _ []byte) (int, any) {
	o, ok := s.pay(r.PathValue("id"))
	if !ok {
		return http.StatusNotFound, apiError("没有该支付订单")
	}
	return http.StatusOK, o
}

// getOrder serves GET /payment/v1/orders/{id}.
func (s *Server) getOrder(r *http.Request, _ []byte) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[r.PathValue("id")]
	if o == nil {
		return http.StatusNotFound, apiError("没有该支付订单")
	}
	return http.StatusOK, *o
}

// cashierPage is the platform's page where the applicant pays an order in a browser.
var cashierPage = template.Must(template.New("cashier").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>统一公共支付平台（模拟）</title></head>
<body style="font-family:sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem">
<h1>统一公共支付平台（模拟）</h1>
<dl><dt>缴费事项</dt><dd>{{.Order.Subject}}</dd><dt>办件编号</dt><dd>{{.Order.Case}}</dd><dt>订单号</dt><dd>{{.Order.OrderID}}</dd>
<dt>金额</dt><dd id="amount">{{printf "%.2f" .Order.Amount}} 元</dd><dt>状态</dt><dd id="status">{{if eq .Order.Status "paid"}}已支付{{else}}待支付{{end}}</dd></dl>
{{if eq .Order.Status "paid"}}<p><a href="{{.Return}}">返回政务服务网</a></p>{{else}}
<form method="post"><input type="hidden" name="return" value="{{.Return}}"><button type="submit" id="pay">确认支付 {{printf "%.2f" .Order.Amount}} 元</button></form>{{end}}
</body></html>`))

// returnURL is the address the cashier goes back to: an http(s) one the caller gave, or "".
func returnURL(r *http.Request) string {
	u, err := url.Parse(r.FormValue("return"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

// cashier serves GET /payment/v1/orders/{id}/cashier: the order and a button to pay it.
func (s *Server) cashier(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	o := s.orders[r.PathValue("id")]
	var order paymentOrder
	if o != nil {
		order = *o
	}
	s.mu.Unlock()
	if o == nil {
		http.Error(w, "没有该支付订单", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	cashierPage.Execute(w, map[string]any{"Order": order, "Return": returnURL(r)})
}

// checkout serves POST /payment/v1/orders/{id}/cashier: the applicant pays, and goes back.
func (s *Server) checkout(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.pay(r.PathValue("id")); !ok {
		http.Error(w, "没有该支付订单", http.StatusNotFound)
		return
	}
	back := returnURL(r)
	if back == "" {
		back = r.URL.Path
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
