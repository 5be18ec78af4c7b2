package definitions

import "encoding/json"

// Workflow is workflow.json: a graph of nodes joined by edges.
type Workflow struct {
	Schema      string `json:"$schema,omitempty"`
	Description string `json:"description,omitempty" jsonschema:"title=说明"`
	Nodes       []Node `json:"nodes" jsonschema:"title=节点,minItems=2"`
	Edges       []Edge `json:"edges" jsonschema:"title=连线,minItems=1"`
	// Layout is where the studio draws the nodes; the runtime ignores it.
	Layout *WorkflowLayout `json:"layout,omitempty" jsonschema:"title=流程图布局,description=设计器中各节点的位置；不影响办理，省略时自动布局"`
}

// WorkflowLayout is the picture of a workflow as the analyst arranged it in the studio: each
// node's position by id. It is kept in workflow.json so that the picture stays where it was put
// and its diffs stay readable; nothing but the studio reads it.
type WorkflowLayout struct {
	Nodes map[string]Point `json:"nodes" jsonschema:"title=节点位置"`
}

// Point is a position on the studio's canvas, in its pixels.
type Point struct {
	X float64 `json:"x" jsonschema:"title=横坐标"`
	Y float64 `json:"y" jsonschema:"title=纵坐标"`
}

// Node is one step. Which fields apply depends on Type; see the node kinds.
type Node struct {
	ID          string `json:"id" jsonschema:"title=节点标识,pattern=^[a-z][a-zA-Z0-9]*$"`
	Type        string `json:"type" jsonschema:"title=节点类型,enum=start,enum=acceptance,enum=task,enum=parallel,enum=join,enum=exclusive,enum=auto,enum=connector,enum=timer,enum=payment,enum=certificate,enum=delivery,enum=end"`
	Name        string `json:"name" jsonschema:"title=节点名称"`
	Description string `json:"description,omitempty" jsonschema:"title=说明"`
	// Assignee is who works on an acceptance, task or assisted node.
	Assignee *Assignee `json:"assignee,omitempty" jsonschema:"title=办理人（机构+岗位）" jsonschema_extras:"x-kinds=acceptance,x-kinds=task,x-kinds=auto"`
	// LimitDays is this step's share of the promised limit.
	LimitDays  Duration    `json:"limitDays,omitzero" jsonschema:"title=环节时限,description=写天数即按工作日计；写 {days: 7; count: natural} 按自然日计" jsonschema_extras:"x-kinds=acceptance,x-kinds=task,x-kinds=auto"`
	Escalation *Escalation `json:"escalation,omitempty" jsonschema:"title=超时督办" jsonschema_extras:"x-kinds=acceptance,x-kinds=task,x-kinds=auto"`
	// Form is the small JSON Schema form the person fills in when completing a task or assisted
	// node (a home visit's findings); its data is the case's tasks.<node> in later expressions.
	Form json.RawMessage `json:"form,omitempty" jsonschema:"title=办理表单（JSON Schema）,description=办理人完成本环节时填写的表单，根为 object；填写的数据在后续表达式和打印模板中为 tasks.<节点标识>.<字段>" jsonschema_extras:"x-kinds=task,x-kinds=auto"`
	// Materials are the materials examined at this node.
	Materials []string `json:"materials,omitempty" jsonschema:"title=本环节审查的材料" jsonschema_extras:"x-kinds=acceptance,x-kinds=task,x-kinds=auto"`
	// Join names the join node where the branches of a parallel node meet.
	Join string `json:"join,omitempty" jsonschema:"title=汇聚节点" jsonschema_extras:"x-kinds=parallel"`
	// Mode says who decides at an auto node: the rules alone (auto, the default) or a person
	// who sees the rules' results first (assisted).
	Mode string `json:"mode,omitempty" jsonschema:"title=规则节点方式,enum=auto,enum=assisted,description=auto 智能秒批（规则自动决定，出错转人工）；assisted 辅助审批（规则先算并留痕，再由办理人逐条查看结果和计算值后决定）" jsonschema_extras:"x-kinds=auto"`
	// Rules decide an auto node: all pass → "pass"; any fails → "fail"; any error → "handover".
	// At an assisted node they advise the person who decides.
	Rules     []Rule `json:"rules,omitempty" jsonschema:"title=审批规则" jsonschema_extras:"x-kinds=auto"`
	Connector string `json:"connector,omitempty" jsonschema:"title=推送的连接器" jsonschema_extras:"x-kinds=connector"`
	// Template is the print template (print/<name>.json) a certificate node issues.
	Template string `json:"template,omitempty" jsonschema:"title=证照模板" jsonschema_extras:"x-kinds=certificate"`
	// AfterPayment says the certificate may only be issued once the case's fees are paid: every
	// way to the node must pass a payment node.
	AfterPayment bool `json:"afterPayment,omitempty" jsonschema:"title=缴费后方可制证,description=勾选后，流程中到达本制证节点的每条路径都必须经过缴费节点，未缴费不制证" jsonschema_extras:"x-kinds=certificate"`
	// IssueWithDeferred lets a certificate node issue while a required deferred (容缺) material
	// is still outstanding; by default it does not.
	IssueWithDeferred bool `json:"issueWithDeferred,omitempty" jsonschema:"title=容缺材料未补交也可制证,description=默认有必需的容缺材料未补交时不制证；勾选后照常制证" jsonschema_extras:"x-kinds=certificate"`
	// Clock says whether the promised limit's clock stops while a payment node waits.
	Clock string `json:"clock,omitempty" jsonschema:"title=等待缴费期间的计时,enum=runs,enum=stops,description=runs 照常计时（默认）；stops 等待缴费期间停止计时，缴费后顺延" jsonschema_extras:"x-kinds=payment"`
	// ValidYears is how long an issued certificate is valid; 0 means no expiry.
	ValidYears int `json:"validYears,omitempty" jsonschema:"title=证照有效期（年）,minimum=0" jsonschema_extras:"x-kinds=certificate"`
	// WaitDays is how long a timer node waits (a 公示 period often counts natural days).
	WaitDays Duration `json:"waitDays,omitzero" jsonschema:"title=等待时长,description=写天数即按工作日计；写 {days: 7; count: natural} 按自然日计" jsonschema_extras:"x-kinds=timer"`
	// Post says when a delivery node sends the result by post (邮政快递) and to whom.
	Post *PostDelivery `json:"post,omitempty" jsonschema:"title=邮寄送达" jsonschema_extras:"x-kinds=delivery"`
	// Result is how an end node concludes the case.
	Result string `json:"result,omitempty" jsonschema:"title=办结结果,enum=approved,enum=denied,enum=not-accepted" jsonschema_extras:"x-kinds=end"`
}

// PostDelivery is the post leg of a delivery node: a condition and the receiver, as expressions.
type PostDelivery struct {
	When    string `json:"when" jsonschema:"title=何时邮寄（表达式）"`
	Name    string `json:"name" jsonschema:"title=收件人（表达式）"`
	Mobile  string `json:"mobile" jsonschema:"title=收件人手机（表达式）"`
	Address string `json:"address" jsonschema:"title=收件地址（表达式）"`
}

// Assignee is who works on a person's step: a role within an org. An empty Org means the
// matter's implementing org; OrgFrom computes the org from the case instead, so that one
// version of a matter serves every township, with Fallback when no org matches.
type Assignee struct {
	Org      string `json:"org,omitempty" jsonschema:"title=机构编码（空为实施机构）"`
	OrgFrom  string `json:"orgFrom,omitempty" jsonschema:"title=按办件确定机构（表达式）,description=结果为机构编码或行政区划代码（如 form.township、applicant.divisionCode），办理时在 orgs.json 中找有此岗位的机构（村级区划按所属乡镇街道找）；找不到时用 fallback"`
	Fallback string `json:"fallback,omitempty" jsonschema:"title=找不到时的机构编码,description=orgFrom 找不到机构时的办理机构，必须有此岗位"`
	Role     string `json:"role" jsonschema:"title=岗位角色"`
}

// Escalation warns a supervisor when a node runs over.
type Escalation struct {
	AfterDays Duration `json:"afterDays" jsonschema:"title=超过多久后督办,description=写天数即按工作日计；写 {days: 7; count: natural} 按自然日计"`
	To        Assignee `json:"to" jsonschema:"title=督办人"`
}

// Rule is one auto-approval rule: a condition that must hold, and the message shown when not.
type Rule struct {
	ID        string `json:"id" jsonschema:"title=规则标识,pattern=^[a-z][a-zA-Z0-9]*$"`
	Name      string `json:"name" jsonschema:"title=规则名称"`
	Condition string `json:"condition" jsonschema:"title=条件（表达式）"`
	// Message is a template: {expression} parts are filled in from the case.
	Message string `json:"message" jsonschema:"title=不满足时的说明,description=可在大括号中写表达式，如 人均月收入 {perCapita} 元，不低于标准 {standard} 元；字面的大括号写 {{ 和 }}"`
}

// Edge leads from one node to another. On names the outcome of the source node it follows
// (approve, deny, accept, not-accept, pass, fail, handover); When is the condition of an
// exclusive choice, and Default marks the edge taken when no condition holds.
type Edge struct {
	From    string `json:"from" jsonschema:"title=起点节点"`
	To      string `json:"to" jsonschema:"title=终点节点"`
	On      string `json:"on,omitempty" jsonschema:"title=结果"`
	When    string `json:"when,omitempty" jsonschema:"title=条件（表达式）"`
	Default bool   `json:"default,omitempty" jsonschema:"title=默认分支"`
	Name    string `json:"name,omitempty" jsonschema:"title=连线名称"`
}
