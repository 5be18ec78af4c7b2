package simulate_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuchang-gov/tongban/connectors/simulate"
	"github.com/xuchang-gov/tongban/definitions/cn"
)

func day(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

func TestDemoResidentsAreTheDemoUsers(t *testing.T) {
	// The demo citizens of runtime/service/demo.go, as SeedDemo creates them.
	want := map[string]string{
		cn.MakeIDNumber("411002", day(1986, 5, 12), 31): "张伟",
		cn.MakeIDNumber("411003", day(1990, 9, 3), 42):  "李秀兰",
		cn.MakeIDNumber("411002", day(1941, 3, 15), 12): "王桂英",
	}
	for id, name := range want {
		p, err := simulate.LookupPerson(id, time.Now())
		if err != nil || p.Name != name {
			t.Errorf("%s: %v %v, want %s", id, p, err, name)
		}
	}
	e, err := simulate.LookupEnterprise(cn.MakeUSCC("91411003MA9KXY7Q8"), time.Now())
	if err != nil || e.Name != "许昌瑞祥置业有限公司" {
		t.Errorf("demo enterprise: %v %v", e, err)
	}
	for _, p := range simulate.DemoPersons() {
		if !cn.ValidIDNumber(p.IDNumber) || !cn.ValidMobile(p.Mobile) || !strings.HasPrefix(p.HouseholdAddress, p.HouseholdDivisionName) {
			t.Errorf("demo resident %+v", p)
		}
	}
	for _, e := range simulate.DemoEnterprises() {
		if !cn.ValidUSCC(e.USCC) || !cn.ValidIDNumber(e.LegalRepresentativeIDNumber) {
			t.Errorf("demo enterprise %+v", e)
		}
	}
}

func TestGeneratedRecordsAreDeterministicAndPlausible(t *testing.T) {
	now := time.Now()
	for _, div := range []string{"411000", "411002", "411003", "411023", "411024", "411025", "411081", "411082"} {
		for seq := range 40 {
			id := cn.MakeIDNumber(div, day(1950+seq, 1+seq%12, 1+seq%28), seq*7)
			a, err := simulate.LookupPerson(id, now)
			if err != nil {
				t.Fatalf("%s: %v", id, err)
			}
			b, _ := simulate.LookupPerson(id, now)
			if a != b {
				t.Fatalf("%s gave two people: %v and %v", id, a, b)
			}
			if n := utf8.RuneCountInString(a.Name); n < 2 || n > 3 {
				t.Errorf("%s: name %q", id, a.Name)
			}
			if (seq*7)%2 == 1 != (a.Sex == "男") {
				t.Errorf("%s: sex %s", id, a.Sex)
			}
			if !cn.ValidDivisionCode(a.HouseholdDivision) || !strings.HasPrefix(a.HouseholdAddress, a.HouseholdDivisionName) {
				t.Errorf("%s: %+v", id, a)
			}
		}
	}
	t.Run("outside 许昌", func(t *testing.T) {
		if _, err := simulate.LookupPerson(cn.MakeIDNumber("410102", day(1980, 1, 1), 1), now); err != simulate.ErrNotFound {
			t.Errorf("got %v", err)
		}
	})
	t.Run("born in the future", func(t *testing.T) {
		if _, err := simulate.LookupPerson(cn.MakeIDNumber("411002", now.AddDate(1, 0, 0), 1), now); err != simulate.ErrNotFound {
			t.Errorf("got %v", err)
		}
	})
	t.Run("enterprise and its representative", func(t *testing.T) {
		for _, prefix := range []string{"91411002MA40000A1", "92411081MA4KK0B3T", "91411024MA9X7C2D5"} {
			e, err := simulate.LookupEnterprise(cn.MakeUSCC(prefix), now)
			if err != nil {
				t.Fatalf("%s: %v", prefix, err)
			}
			rep, err := simulate.LookupPerson(e.LegalRepresentativeIDNumber, now)
			if err != nil || rep.Name != e.LegalPerson || e.LegalPerson != e.LegalRepresentative {
				t.Errorf("%s: representative %v %v of %+v", prefix, rep, err, e)
			}
			if (prefix[:2] == "92") != (e.Type == "个体工商户") || !strings.HasSuffix(e.RegistrationAuthority, "市场监督管理局") {
				t.Errorf("%+v", e)
			}
		}
		if _, err := simulate.LookupEnterprise(cn.MakeUSCC("91410100MA40000A1"), now); err != simulate.ErrNotFound {
			t.Errorf("郑州 code: %v", err)
		}
	})
}

func TestLicenses(t *testing.T) {
	now := time.Now()
	name, lics, err := simulate.HolderLicenses(cn.MakeUSCC("91411003MA9KXY7Q8"), now)
	if err != nil || name != "许昌瑞祥置业有限公司" {
		t.Fatal(name, err)
	}
	var types []string
	for _, l := range lics {
		types = append(types, l.Type)
		if len(l.Hash) != 64 || l.Version != 1 || l.Holder != cn.MakeUSCC("91411003MA9KXY7Q8") {
			t.Errorf("%+v", l)
		}
	}
	// The e-license materials of the construction permit example.
	if strings.Join(types, ",") != "营业执照,不动产权证书,建设工程规划许可证" {
		t.Errorf("types %v", types)
	}
	_, cards, _ := simulate.HolderLicenses(cn.MakeIDNumber("411002", day(1941, 3, 15), 12), now)
	if len(cards) != 2 || cards[0].Type != "居民身份证" || cards[0].ValidUntil != "长期" || cards[0].Issuer != "许昌市公安局魏都分局" ||
		cards[1].Type != "居民户口簿" || !strings.HasPrefix(cards[1].Number, "411002") {
		t.Errorf("ID card and household register of an elder: %+v", cards)
	}
	if _, none, err := simulate.HolderLicenses(cn.MakeIDNumber("110101", day(1980, 1, 1), 1), now); err != nil || len(none) != 0 {
		t.Errorf("holder outside 许昌: %v %v", none, err)
	}
	if _, _, err := simulate.HolderLicenses("12345", now); err == nil {
		t.Error("a malformed holder was accepted")
	}
}

// callbackSink records callbacks posted to it.
type callbackSink struct {
	mu   sync.Mutex
	got  []map[string]any
	srv  *httptest.Server
	keys []string
}

func newSink(t *testing.T) *callbackSink {
	s := &callbackSink{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		s.mu.Lock()
		s.got = append(s.got, m)
		s.keys = append(s.keys, r.Header.Get("X-Tongban-Signature"))
		s.mu.Unlock()
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *callbackSink) wait(n int) []map[string]any {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		if len(s.got) >= n {
			out := append([]map[string]any(nil), s.got...)
			s.mu.Unlock()
			return out
		}
		s.mu.Unlock()
		time.Sleep(2 * time.Millisecond)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.got
}

func call(t *testing.T, method, url string, body any, header ...string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, url, rd)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func startSim(t *testing.T, cfg simulate.Config) (*simulate.Server, string) {
	cfg.CallbackDelay = time.Millisecond
	sim := simulate.New(cfg)
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(func() {
		srv.Close()
		sim.Close()
	})
	return sim, srv.URL
}

func TestHTTPServices(t *testing.T) {
	sink := newSink(t)
	sim, base := startSim(t, simulate.Config{CallbackBase: sink.srv.URL,
		Auth: map[string]simulate.Auth{simulate.Payment: {HMACSecret: "pay-key"}}})
	_ = sim
	t.Run("population", func(t *testing.T) {
		if status, _ := call(t, "GET", base+"/population/v1/persons/411002198605120318", nil); status != 400 {
			t.Errorf("bad check digit: %d", status)
		}
		if status, out := call(t, "GET", base+"/population/v1/persons/"+cn.MakeIDNumber("410102", day(1980, 1, 1), 1), nil); status != 404 || out["message"] != "人口库中查无此人" {
			t.Errorf("outside 许昌: %d %v", status, out)
		}
	})
	t.Run("e-license by type", func(t *testing.T) {
		status, out := call(t, "GET", base+"/e-license/v1/licenses?type=营业执照&holder="+cn.MakeUSCC("91411082MA47TD5L2"), nil)
		lics, _ := out["licenses"].([]any)
		if status != 200 || len(lics) != 1 || out["holderName"] != "长葛市鑫源食品有限公司" {
			t.Errorf("%d %v", status, out)
		}
		status, lic := call(t, "GET", base+"/e-license/v1/licenses/JY34110820012345", nil)
		if status != 200 || lic["type"] != "食品经营许可证" {
			t.Errorf("by number: %d %v", status, lic)
		}
	})
	t.Run("sms template and idempotency", func(t *testing.T) {
		body := map[string]any{"mobile": "13803741234", "template": "case-accepted", "params": map[string]string{"matter": "高龄津贴", "case": "XC1", "code": "8341"}}
		s1, a := call(t, "POST", base+"/sms/v1/messages", body, "Idempotency-Key", "k1")
		s2, b := call(t, "POST", base+"/sms/v1/messages", body, "Idempotency-Key", "k1")
		if s1 != 200 || s2 != 200 || a["messageId"] != b["messageId"] {
			t.Errorf("%d %v / %d %v", s1, a, s2, b)
		}
		sent := sim.SentSMS()
		if len(sent) != 1 || sent[0].Content != "您申请的高龄津贴已受理，办件编号XC1，可凭查询码8341查询办理进度。" {
			t.Errorf("sent %+v", sent)
		}
		if status, out := call(t, "POST", base+"/sms/v1/messages", map[string]any{"mobile": "13803741234", "template": "case-accepted"}); status != 400 || !strings.Contains(out["message"].(string), "缺少参数") {
			t.Errorf("missing params: %d %v", status, out)
		}
		if st := sim.Stats(simulate.SMS); st.Applied != 1 || st.Duplicates != 1 {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("payment needs a signature", func(t *testing.T) {
		if status, _ := call(t, "POST", base+"/payment/v1/orders", map[string]any{"amount": 12}); status != 401 {
			t.Errorf("unsigned order: %d", status)
		}
	})
	t.Run("logistics tracking callbacks", func(t *testing.T) {
		status, wb := call(t, "POST", base+"/logistics/v1/orders", map[string]any{"case": "XC2",
			"receiver": map[string]any{"name": "张伟", "mobile": "13803741234", "address": "许昌市魏都区七一东路168号"}})
		if status != 201 {
			t.Fatalf("%d %v", status, wb)
		}
		got := sink.wait(4)
		var statuses []string
		for _, m := range got {
			if m["waybillNo"] == wb["waybillNo"] {
				statuses = append(statuses, m["status"].(string))
			}
		}
		if strings.Join(statuses, ",") != "collected,in_transit,out_for_delivery,delivered" {
			t.Errorf("tracking %v", statuses)
		}
	})
	t.Run("faults set over HTTP", func(t *testing.T) {
		if status, _ := call(t, "PUT", base+"/_sim/faults/population-db", map[string]any{"down": true}); status != 200 {
			t.Fatal(status)
		}
		if status, _ := call(t, "GET", base+"/population/v1/persons/"+cn.MakeIDNumber("411002", day(1986, 5, 12), 31), nil); status != 503 {
			t.Errorf("down: %d", status)
		}
		call(t, "DELETE", base+"/_sim/faults/population-db", nil)
		if status, _ := call(t, "GET", base+"/population/v1/persons/"+cn.MakeIDNumber("411002", day(1986, 5, 12), 31), nil); status != 200 {
			t.Errorf("back up: %d", status)
		}
		if status, _ := call(t, "PUT", base+"/_sim/faults/nothing", map[string]any{}); status != 404 {
			t.Errorf("unknown service: %d", status)
		}
	})
}

func TestPaymentCallback(t *testing.T) {
	sink := newSink(t)
	sim, base := startSim(t, simulate.Config{CallbackBase: sink.srv.URL})
	status, order := call(t, "POST", base+"/payment/v1/orders", map[string]any{"orderNo": "F1", "case": "XC3", "amount": 12.5, "subject": "食品经营许可证工本费"})
	if status != 201 || order["status"] != "unpaid" {
		t.Fatalf("%d %v", status, order)
	}
	if status, _ := call(t, "POST", base+"/payment/v1/orders", map[string]any{"amount": 0.001}); status != 400 {
		t.Errorf("amount with fractions of a fen: %d", status)
	}
	for range 2 { // paying twice pays once
		if status, paid := call(t, "POST", base+order["payUrl"].(string), nil); status != 200 || paid["status"] != "paid" {
			t.Fatalf("%d %v", status, paid)
		}
	}
	got := sink.wait(1)
	sim.Close()
	if len(sink.got) != 1 || got[0]["type"] != "paid" || got[0]["orderNo"] != "F1" || got[0]["amount"] != 12.5 {
		t.Errorf("callbacks %v", sink.got)
	}
}
