package simulate

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// application is a push received by the department approval system.
type application struct {
	ID        string         `json:"applicationId"`
	Case      string         `json:"case"`
	Reference string         `json:"reference,omitempty"`
	Status    string         `json:"status"`
	Received  time.Time      `json:"receivedAt"`
	Payload   map[string]any `json:"payload"`
}

// approvalSteps are the department's own process, reported back one callback each.
var approvalSteps = []struct{ name, opinion string }{
	{"受理", "材料齐全，符合法定形式，予以受理"},
	{"审查", "经审查，申请材料真实有效，符合相关规定"},
	{"决定", "同意"},
}

// acceptApplication serves POST /housing/v1/applications: a department's approval system
// takes a push (the case and its materials) and, later, calls back each process step and the
// result. The push's "case" is required; "token" and "node" are echoed in every callback so
// that tongban knows which waiting step to complete; "simulate": {"decision": "deny"} makes
// the department deny.
func (s *Server) acceptApplication(r *http.Request, raw []byte) (int, any) {
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil || body == nil {
		return http.StatusBadRequest, apiError("请求内容应为 JSON 对象")
	}
	caseNo, _ := body["case"].(string)
	if caseNo == "" {
		return http.StatusBadRequest, apiError("缺少办件编号 case")
	}
	now := s.cfg.Now()
	app := &application{ID: fmt.Sprintf("ZJ%s%05d", now.Format("20060102"), s.nextID()), Case: caseNo,
		Reference: r.Header.Get("Idempotency-Key"), Status: "已受理", Received: now, Payload: body}
	s.mu.Lock()
	s.apps[app.ID] = app
	s.stats[Department].Applied++
	s.mu.Unlock()

	decision, opinion := "approve", "准予许可"
	if sim, ok := body["simulate"].(map[string]any); ok && sim["decision"] == "deny" {
		decision, opinion = "deny", "不予许可：申请材料不符合法定条件"
	}
	base := func(kind string, seq int) map[string]any {
		return map[string]any{"messageId": fmt.Sprintf("%s-%s-%d", app.ID, kind, seq), "type": kind, "system": Department,
			"applicationId": app.ID, "case": caseNo, "token": body["token"], "node": body["node"], "reference": app.Reference}
	}
	var msgs []map[string]any
	for i, st := range approvalSteps {
		m := base("step", i+1)
		op := st.opinion
		if st.name == "决定" {
			op = opinion
		}
		m["step"] = map[string]any{"seq": i + 1, "name": st.name, "status": "done", "operator": "市住房和城乡建设局·审批科",
			"opinion": op, "at": now.Add(time.Duration(i+1) * time.Hour).Format(time.RFC3339)}
		msgs = append(msgs, m)
	}
	result := base("result", len(approvalSteps)+1)
	res := map[string]any{"decision": decision, "opinion": opinion, "decidedAt": now.Add(4 * time.Hour).Format(time.RFC3339)}
	if decision == "approve" {
		lic := License{Type: "建筑工程施工许可证", Number: fmt.Sprintf("411000%s%04d", now.Format("200601"), s.nextID()%10000),
			Holder: fmt.Sprint(body["holder"]), Issuer: "许昌市住房和城乡建设局", IssuedOn: now.Format("2006-01-02"), ValidUntil: "长期"}
		if lic.Holder == "<nil>" {
			lic.Holder = ""
		}
		lic.seal(now)
		res["license"] = lic
	}
	result["result"] = res
	msgs = append(msgs, result)
	s.schedule(Department, s.callbackURL(Department, body), msgs)
	return http.StatusAccepted, map[string]any{"applicationId": app.ID, "status": app.Status, "case": caseNo}
}

// getApplication serves GET /housing/v1/applications/{id}.
func (s *Server) getApplication(r *http.Request, _ []byte) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	app := s.apps[r.PathValue("id")]
	if app == nil {
		return http.StatusNotFound, apiError("没有该申请")
	}
	return http.StatusOK, app
}
