package page

import (
	"encoding/json"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/definitions/cn"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/form"
)

// Funcs are the template helpers of the case pages, beside site.Funcs: money, the names users
// read for statuses, channels and outcomes, and the deadline colours.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"money":      func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) },
		"status":     func(s runtime.Status) string { return StatusName(s) },
		"channel":    ChannelName,
		"outcome":    OutcomeName,
		"yesno":      func(b bool) string { return map[bool]string{true: "是", false: "否"}[b] },
		"division":   DivisionName,
		"size":       Size,
		"add":        func(a, b int) int { return a + b },
		"remaining":  Remaining,
		"dueClass":   DueClass,
		"dueText":    DueText,
		"actor":      ActorName,
		"contains":   func(list []string, s string) bool { return contains(list, s) },
		"roleName":   RoleName,
		"serviceFor": ServiceObjectName,
		"roValue":    roValue,
		"list":       func(v ...string) []string { return v },
		"pct":        Percent,
		"decimal":    func(v *float64) string { return Optional(v, "%.1f") },
		"change":     Change,
		"messageKind": func(kind string) string {
			return map[string]string{"consultation": "咨询", "complaint": "投诉"}[kind]
		},
	}
}

// Percent shows a rate (0..1) as a percentage, or — when there is none.
func Percent(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", *v*100)
}

// Optional formats a number that may be missing (—).
func Optional(v *float64, format string) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf(format, *v)
}

// Change marks places gained (↑) or lost (↓) in a ranking; — when it was not ranked before.
func Change(v *int) string {
	switch {
	case v == nil:
		return "—"
	case *v > 0:
		return fmt.Sprintf("↑%d", *v)
	case *v < 0:
		return fmt.Sprintf("↓%d", -*v)
	}
	return "持平"
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// StatusName is the Chinese name of a case status.
func StatusName(s runtime.Status) string {
	if n, ok := runtime.StatusNames[s]; ok {
		return n
	}
	return string(s)
}

// ChannelName is the Chinese name of a submission channel.
func ChannelName(c string) string {
	if n, ok := runtime.ChannelNames[c]; ok {
		return n
	}
	return c
}

var outcomes = map[string]string{
	"accept": "受理", "not-accept": "不予受理", "approve": "同意", "deny": "不同意",
	"pass": "通过", "fail": "未通过", "handover": "转人工", "": "办理完成",
}

// OutcomeName is the Chinese name of a step's outcome.
func OutcomeName(o string) string {
	if n, ok := outcomes[o]; ok {
		return n
	}
	return o
}

// RoleName is the Chinese name of a workflow role.
func RoleName(r string) string {
	if n, ok := runtime.OrgRoleNames[r]; ok {
		return n
	}
	return r
}

// ServiceObjectName is how the portal calls the catalog's service objects.
func ServiceObjectName(o string) string {
	switch o {
	case "自然人":
		return "个人办事"
	case "法人":
		return "法人办事"
	}
	return o
}

// DivisionName is the name of a division code, or the code.
func DivisionName(code string) string {
	if n, ok := cn.DivisionName(code); ok {
		return strings.TrimPrefix(n, "河南省")
	}
	return code
}

// Size writes a file size for people.
func Size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d 字节", n)
}

// Remaining says how a case stands against its promised limit, in words.
func Remaining(d runtime.Deadline) string {
	switch {
	case d.Concluded:
		return "已办结"
	case d.Stopped && d.StoppedSince != nil:
		return "计时暂停（" + d.StoppedSince.In(runtime.Zone).Format("1月2日 15:04") + " 起）"
	case d.Stopped:
		return "计时暂停"
	case d.DueAt == nil:
		return "受理后开始计时"
	case d.Warning == "red" || d.RemainingDays < 0:
		return fmt.Sprintf("已超期 %d 个工作日", -d.RemainingDays)
	case d.RemainingDays == 0:
		return "今日到期"
	}
	return fmt.Sprintf("剩余 %d 个工作日", d.RemainingDays)
}

// DueClass is the colour class of a deadline: due-ok (green), due-warn (yellow), due-late (red),
// due-stopped (grey). It takes a runtime.Deadline or a due time (*time.Time) of a task.
func DueClass(v any) string {
	switch v := v.(type) {
	case runtime.Deadline:
		switch {
		case v.Concluded:
			return "due-none"
		case v.Stopped:
			return "due-stopped"
		case v.DueAt == nil:
			return "due-none"
		case v.Warning == "red":
			return "due-late"
		case v.Warning == "yellow":
			return "due-warn"
		}
		return "due-ok"
	case *time.Time:
		if v == nil {
			return "due-none"
		}
		left := time.Until(*v)
		switch {
		case left < 0:
			return "due-late"
		case left < 24*time.Hour:
			return "due-warn"
		}
		return "due-ok"
	}
	return "due-none"
}

// DueText says when a task is due, in words.
func DueText(due *time.Time) string {
	if due == nil {
		return "无时限"
	}
	left := time.Until(*due)
	switch {
	case left < 0:
		return "已超时（" + due.In(runtime.Zone).Format("01-02 15:04") + " 到期）"
	case left < 24*time.Hour:
		return "即将到期（" + due.In(runtime.Zone).Format("01-02 15:04") + "）"
	}
	return due.In(runtime.Zone).Format("2006-01-02") + " 前"
}

// ActorName is who did something, as the timeline shows it: the person's name, or the system.
func ActorName(actor string) string {
	switch {
	case strings.HasPrefix(actor, "user:"):
		parts := strings.SplitN(actor, ":", 3)
		if len(parts) == 3 {
			return parts[2]
		}
	case actor == "system" || strings.HasPrefix(actor, "system:"):
		return "系统"
	case strings.HasPrefix(actor, "connector:"):
		return "外部系统"
	}
	return actor
}

// Step is one entry of a case's timeline.
type Step struct {
	At     time.Time
	Name   string
	Detail string
	Actor  string
	// Kind is a class for the timeline's marker: done, wait, problem.
	Kind string
	// Certificate is the number of a certificate issued at this step.
	Certificate string
}

// eventNames are the audit trail's events as people read them; those an applicant does not
// need are shown to staff only.
var eventNames = map[string]struct {
	name   string
	public bool
}{
	"created":                   {"创建申请", true},
	"draft-saved":               {"保存草稿", false},
	"submitted":                 {"提交申请", true},
	"material-uploaded":         {"上传材料", true},
	"e-license-fallback":        {"获取电子证照", true},
	"pre-reviewed":              {"预审", true},
	"accepted":                  {"已受理", true},
	"task-created":              {"进入办理环节", true},
	"task-claimed":              {"认领待办", false},
	"task-completed":            {"环节办理完成", true},
	"task-returned":             {"退回", true},
	"task-cancelled":            {"环节撤销", false},
	"task-handed-over":          {"转办", false},
	"connector-called":          {"推送部门业务系统", false},
	"department-step":           {"部门业务系统办理", true},
	"timer-started":             {"开始等待", false},
	"waiting-completed":         {"等待结束", false},
	"delivery-awaited":          {"等待送达", true},
	"post-ordered":              {"已交寄", true},
	"delivery-tracking":         {"物流进度", true},
	"auto-decision":             {"智能审批", true},
	"condition-error":           {"规则无法判断，转人工", false},
	"moved":                     {"流转", false},
	"correction-requested":      {"要求补齐补正", true},
	"correction-resumed":        {"已补正", true},
	"special-procedure-started": {"启动特别程序", true},
	"special-procedure-ended":   {"特别程序结束", true},
	"certificate-issued":        {"已制证", true},
	"certificate-rendered":      {"证照文件已生成", false},
	"certificate-revoked":       {"证照已注销", true},
	"concluded":                 {"办结", true},
	"fee-paid":                  {"已缴费", true},
	"evaluated":                 {"已评价", true},
	"archived":                  {"已归档", false},
	"escalated":                 {"超时督办", false},
	"supervisor-escalated":      {"督办", false},
}

// viaNames say how an e-license material with an upload fallback was provided.
var viaNames = map[string]string{
	"e-license": "电子证照库已获取", "fallback-upload": "电子证照库未能获取，已上传材料代替",
	"received": "电子证照库未能获取，窗口已核验原件", "deferred": "电子证照库未能获取，容缺后补", "": "电子证照库未能获取",
}

// trackingNames are the logistics platform's shipment states.
var trackingNames = map[string]string{"created": "已下单", "collected": "已揽收", "in_transit": "运输中", "out_for_delivery": "派送中", "delivered": "已签收"}

var results = map[string]string{"approved": "准予许可", "denied": "不予许可", "not-accepted": "不予受理"}

// Timeline turns a case's audit trail into the steps people read. Applicants (staff false) see
// what concerns them; staff see every event.
func Timeline(events []runtime.Event, staff bool) []Step {
	var out []Step
	for _, e := range events {
		known, ok := eventNames[e.Type]
		if !staff && (!ok || !known.public) {
			continue
		}
		s := Step{At: e.At, Name: known.name, Kind: "done"}
		if staff {
			s.Actor = ActorName(e.Actor)
		}
		if !ok {
			s.Name = e.Type
		}
		var d map[string]any
		json.Unmarshal(e.Data, &d)
		str := func(k string) string {
			if v, ok := d[k].(string); ok {
				return v
			}
			return ""
		}
		switch e.Type {
		case "task-created":
			s.Name, s.Kind = "进入「"+str("name")+"」环节", "wait"
		case "task-completed":
			if name := str("name"); name != "" {
				s.Name = "「" + name + "」办理完成"
			}
			s.Detail = OutcomeName(str("outcome"))
			if op := str("opinion"); op != "" {
				s.Detail += "：" + op
			}
		case "task-returned", "pre-reviewed":
			s.Detail = str("opinion")
			if e.Type == "task-returned" {
				s.Kind = "problem"
			}
		case "correction-requested":
			s.Detail, s.Kind = str("opinion"), "problem"
		case "material-uploaded":
			s.Detail = str("name")
		case "e-license-fallback":
			s.Detail = viaNames[str("via")]
			if p := str("problem"); p != "" && str("via") != "e-license" {
				s.Detail += "（" + p + "）"
			}
		case "delivery-tracking":
			s.Detail = str("description")
			if no := str("waybillNo"); no != "" {
				s.Detail = strings.TrimPrefix(s.Detail+" · 运单号 "+no, " · ")
			}
			if st := trackingNames[str("status")]; st != "" {
				s.Name = "物流进度：" + st
			}
		case "concluded":
			s.Detail = results[str("result")]
			if str("result") != "approved" {
				s.Kind = "problem"
			}
		case "certificate-issued":
			s.Certificate = str("number")
			s.Detail = "证照编号 " + s.Certificate
		case "certificate-revoked":
			s.Detail, s.Kind = str("reason"), "problem"
		case "auto-decision":
			s.Detail = OutcomeName(str("outcome"))
		case "special-procedure-started":
			s.Detail = str("name") + "：" + str("reason")
		case "evaluated":
			if n, ok := d["score"].(float64); ok {
				s.Detail = fmt.Sprintf("%d 分", int(n))
			}
		case "escalated", "condition-error":
			s.Kind = "problem"
		case "supervisor-escalated":
			s.Detail, s.Kind = str("by")+"："+str("note"), "problem"
		}
		out = append(out, s)
	}
	return out
}

// Certificates lists the numbers of the certificates issued on a case, from its timeline.
func Certificates(events []runtime.Event) []string {
	var out []string
	for _, s := range Timeline(events, true) {
		if s.Certificate != "" {
			out = append(out, s.Certificate)
		}
	}
	return out
}

// roValue is a field's value as a read-only page shows it: choices joined, yes/no in words,
// division codes by name.
func roValue(f *form.Field) string {
	if len(f.Values) > 0 {
		return strings.Join(f.Values, "、")
	}
	switch {
	case f.Value == "":
		return "—"
	case f.Widget == "division":
		return DivisionName(f.Value)
	case f.Value == "true" && len(f.Options) == 2:
		return "是"
	case f.Value == "false" && len(f.Options) == 2:
		return "否"
	}
	return f.Value
}
