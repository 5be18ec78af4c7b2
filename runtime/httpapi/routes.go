package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	tusd "github.com/tus/tusd/v2/pkg/handler"

	"github.com/xuchang-gov/tongban/runtime"
)

// operation is one route with what the OpenAPI document says of it.
type operation struct {
	method, path string
	summary, tag string
	// about says more than the summary, for the document's description.
	about    string
	auth     authLevel
	query    []param
	request  any
	response any
	upload   bool
	// created marks an operation that creates a resource: it answers 201, as uploads do.
	created bool
	// download is the media type of a file answer.
	download string
	// headers are the request headers the operation reads.
	headers []header
	// body is the media type of a request body of raw bytes (a piece of a file).
	body string
	// errors are the error statuses the operation may answer besides those every operation
	// of its kind may (errorStatuses).
	errors []int
	// answers, when given, replace the success answer; when they include errors, they are all
	// the errors of the operation, in its own protocol's shape.
	answers []answer
	// before runs ahead of authentication: what every answer of the route carries.
	before  gin.HandlerFunc
	handler gin.HandlerFunc
}

// param is a query parameter with its schema.
type param struct {
	name, about string
	required    bool
	schema      map[string]any
}

// text is a query parameter of free text, or of one of values.
func text(name, about string, values ...string) param {
	schema := map[string]any{"type": "string"}
	if len(values) > 0 {
		schema["enum"] = values
	}
	return param{name: name, about: about, schema: schema}
}

// needed is a query parameter of text the operation cannot do without.
func needed(name, about string) param {
	p := text(name, about)
	p.required, p.schema["minLength"] = true, 1
	return p
}

// The paging parameters of a list, as page reads them.
var (
	offsetParam = param{name: "offset", about: "跳过前多少条（默认 0）", schema: map[string]any{"type": "integer", "minimum": 0}}
	limitParam  = param{name: "limit", about: "至多返回多少条（1–500，默认 50）", schema: map[string]any{"type": "integer", "minimum": 1, "maximum": maxPage}}
)

const maxPage = 500

// page reads the offset and limit of a list: integers in the ranges the document gives, 0 (the
// store's default) when absent.
func page(c *gin.Context) (offset, limit int, err error) {
	read := func(name string, low, high int) (int, error) {
		v, ok := c.GetQuery(name)
		if !ok {
			return 0, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < low || n > high {
			return 0, runtime.Invalid("分页参数有误", runtime.FieldError{Pointer: "/" + name, Message: fmt.Sprintf("应为 %d 到 %d 的整数", low, high)})
		}
		return n, nil
	}
	if offset, err = read("offset", 0, 1<<31-1); err != nil {
		return 0, 0, err
	}
	limit, err = read("limit", 1, maxPage)
	return offset, limit, err
}

// header is a request or answer header with what it means.
type header struct {
	name, about string
	required    bool
}

// answer is one documented answer of an operation.
type answer struct {
	status, about string
	headers       []header
	// body is a value of the type of the JSON body, if any.
	body any
}

type authLevel int

const (
	public authLevel = iota
	optional
	required
)

func (s *Server) handle(op operation) {
	handlers := []gin.HandlerFunc{}
	if op.before != nil {
		handlers = append(handlers, op.before)
	}
	if op.auth != public {
		handlers = append(handlers, s.authenticate(op.auth == required))
	}
	handlers = append(handlers, op.handler)
	s.engine.Handle(op.method, op.path, handlers...)
	if op.method == http.MethodGet {
		// HEAD is GET without the body, which net/http leaves out.
		s.engine.Handle(http.MethodHead, op.path, handlers...)
		s.heads[op.path] = true
	}
	s.ops = append(s.ops, op)
}

// withBody is a handler that decodes a JSON body of type T, runs do and answers with status.
func withBody[T any](s *Server, status int, do func(c *gin.Context, req T) (any, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req T
		if err := s.decode(c, &req); err != nil {
			s.fail(c, err)
			return
		}
		v, err := do(c, req)
		s.respond(c, status, v, err)
	}
}

// respond writes a successful answer, or the error.
func (s *Server) respond(c *gin.Context, status int, v any, err error) {
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(status, v)
}

type listAnswer[T any] struct {
	Items []T `json:"items"`
	Total int `json:"total"`
}

// listOf answers a list: items is [] when there are none, as the document says, never null.
func listOf[T any](items []T, total int) listAnswer[T] {
	if items == nil {
		items = []T{}
	}
	return listAnswer[T]{Items: items, Total: total}
}

// The request bodies the API's own types are for. Their jsonschema tags say, for the document,
// what the service requires of them; the service checks it.

type draftForm struct {
	Form     json.RawMessage `json:"form" jsonschema:"type=object,description=申请表数据（JSON 对象，按事项的 form.schema.json）"`
	Deferred []string        `json:"deferred,omitempty" jsonschema:"description=容缺：以后补交的材料编号（仅提交时）"`
}

type correctionRequest struct {
	Opinion   string   `json:"opinion" jsonschema:"required,minLength=1,maxLength=2000,description=需要补正的内容（必填，至多 2000 字）"`
	Materials []string `json:"materials" jsonschema:"description=需要补正的材料编号"`
}

type messageAnswer struct {
	Answer string `json:"answer" jsonschema:"required,minLength=1,maxLength=1000,description=答复（必填，至多 1000 字）"`
}

type revocation struct {
	Reason string `json:"reason" jsonschema:"required,minLength=1,description=注销理由（必填）"`
}

// question is a consultation or complaint as the public sends it; the server sets the rest of
// the message.
type question struct {
	Kind       string `json:"kind" jsonschema:"required,enum=consultation,enum=complaint,description=consultation 咨询或 complaint 投诉"`
	Matter     string `json:"matter" jsonschema:"required,minLength=1,description=所问事项的编号（slug），由其实施机关答复"`
	CaseNumber string `json:"caseNumber,omitempty" jsonschema:"description=投诉所涉的本人该事项的办件编号（可选）"`
	Body       string `json:"body" jsonschema:"required,minLength=1,maxLength=1000,description=留言内容（必填，至多 1000 字）"`
}

// rating is the applicant's evaluation as sent; the server records when.
type rating struct {
	Score   int    `json:"score" jsonschema:"required,minimum=1,maximum=5,description=1–5 分"`
	Comment string `json:"comment,omitempty" jsonschema:"maxLength=500,description=评价内容（至多 500 字）"`
}

// The bodies of the decisions on a case or task, each with only what its route reads.
type (
	opinionOnly struct {
		Opinion string `json:"opinion,omitempty" jsonschema:"maxLength=2000,description=意见（至多 2000 字）"`
	}
	reasoned struct {
		Opinion string `json:"opinion" jsonschema:"required,minLength=1,maxLength=2000,description=理由（必填，至多 2000 字）"`
	}
	decision struct {
		Outcome string `json:"outcome" jsonschema:"required,minLength=1,description=节点的结果之一：accept、not-accept、approve、deny 等"`
		Opinion string `json:"opinion,omitempty" jsonschema:"maxLength=2000,description=意见；deny、not-accept 时必填（至多 2000 字）"`
		// Data is free-form here: the node's own form (its JSON Schema) decides its shape.
		Data json.RawMessage `json:"data,omitempty" jsonschema:"description=环节自己的办理表单（节点定义了表单时必填，按其 JSON Schema 校验）"`
	}
	sendBack struct {
		To      string `json:"to" jsonschema:"required,minLength=1,description=退回到的之前的环节（节点编号）"`
		Opinion string `json:"opinion" jsonschema:"required,minLength=1,maxLength=2000,description=退回理由（必填，至多 2000 字）"`
	}
	handOver struct {
		User    int64  `json:"user,omitempty" jsonschema:"minimum=0,description=接手的同岗位同事的账号编号；0 或省略时退回待认领"`
		Opinion string `json:"opinion,omitempty" jsonschema:"maxLength=2000,description=说明（至多 2000 字）"`
	}
)

// taskRequest is a decision's body as the service takes it.
type taskRequest interface{ action() runtime.TaskAction }

func (r opinionOnly) action() runtime.TaskAction { return runtime.TaskAction{Opinion: r.Opinion} }
func (r reasoned) action() runtime.TaskAction    { return runtime.TaskAction{Opinion: r.Opinion} }
func (r decision) action() runtime.TaskAction {
	return runtime.TaskAction{Outcome: r.Outcome, Opinion: r.Opinion, Data: r.Data}
}
func (r sendBack) action() runtime.TaskAction {
	return runtime.TaskAction{To: r.To, Opinion: r.Opinion}
}
func (r handOver) action() runtime.TaskAction {
	return runtime.TaskAction{User: r.User, Opinion: r.Opinion}
}

// withAction is withBody for a decision's body of type T.
func withAction[T taskRequest](s *Server, do func(c *gin.Context, a runtime.TaskAction) (any, error)) gin.HandlerFunc {
	return withBody(s, http.StatusOK, func(c *gin.Context, req T) (any, error) { return do(c, req.action()) })
}

// onTask is a decision on the task of the path's id.
func onTask[T taskRequest](s *Server, do func(c *gin.Context, id int64, a runtime.TaskAction) (any, error)) gin.HandlerFunc {
	return withAction[T](s, func(c *gin.Context, a runtime.TaskAction) (any, error) {
		id, err := taskID(c)
		if err != nil {
			return nil, err
		}
		return do(c, id, a)
	})
}

// lookupAnswer is what a register answered a lookup.
type lookupAnswer struct {
	Result any `json:"result" jsonschema:"description=登记库返回的记录（JSON，按连接器的配置）"`
}

type ok struct {
	OK bool `json:"ok"`
}

func (s *Server) routes() {
	s.handle(operation{method: "GET", path: "/api/v1/openapi.json", summary: "本接口的 OpenAPI 3.1 文档", tag: "meta",
		response: map[string]any{}, handler: func(c *gin.Context) { c.JSON(http.StatusOK, s.OpenAPI()) }})

	s.handle(operation{method: "GET", path: "/api/v1/matters", summary: "事项列表与搜索", tag: "matters",
		query: []param{text("q", "按名称和关键词模糊查找"), text("serviceObject", "服务对象", "person", "enterprise"),
			text("org", "实施机构代码")}, response: listAnswer[runtime.MatterSummary]{},
		handler: func(c *gin.Context) {
			items, err := s.Matters.ListMatters(c.Request.Context(), runtime.MatterFilter{
				Query: c.Query("q"), ServiceObject: c.Query("serviceObject"), OrgCode: c.Query("org")})
			s.respond(c, http.StatusOK, listOf(items, len(items)), err)
		}})
	s.handle(operation{method: "GET", path: "/api/v1/matters/:slug", summary: "办事指南（含申请表和材料清单）", tag: "matters",
		response: runtime.Guide{}, handler: func(c *gin.Context) {
			g, err := s.Matters.MatterGuide(c.Request.Context(), c.Param("slug"))
			if err != nil {
				s.fail(c, err)
				return
			}
			encoded, ok := s.guides.Load(g)
			if !ok {
				raw, err := json.Marshal(g)
				if err != nil {
					s.fail(c, err)
					return
				}
				encoded, _ = s.guides.LoadOrStore(g, raw)
			}
			c.Data(http.StatusOK, "application/json; charset=utf-8", encoded.([]byte))
		}})

	s.handle(operation{method: "POST", path: "/api/v1/cases", summary: "申报（或保存草稿）；Idempotency-Key 请求头使重试不会重复申报", tag: "cases",
		auth: required, created: true, headers: []header{{name: "Idempotency-Key", about: "同一键、同一内容的重试返回第一次申报的办件；同一键用于不同内容时答 422（至多 128 个字符）"}},
		errors: []int{http.StatusUnprocessableEntity}, request: runtime.SubmitCase{}, response: runtime.CaseView{}, handler: withBody(s, http.StatusCreated, func(c *gin.Context, req runtime.SubmitCase) (any, error) {
			req.IdempotencyKey = c.GetHeader("Idempotency-Key")
			return s.Cases.SubmitCase(c.Request.Context(), user(c), req)
		})})
	if s.Files != nil {
		s.handle(operation{method: "POST", path: "/api/v1/files", summary: "先上传材料文件（multipart，字段名 file），申报时在 materials 中引用返回的 ref，一次请求完成申报", tag: "cases",
			auth: required, upload: true, errors: []int{http.StatusTooManyRequests}, response: runtime.UploadedFile{}, handler: func(c *gin.Context) {
				s.receiveFile(c, func(name string, r io.Reader) (any, error) {
					return s.Files.UploadFile(c.Request.Context(), user(c), name, r)
				})
			}})
	}
	s.handle(operation{method: "GET", path: "/api/v1/cases", summary: "我的办件（申请人）或本机构办件（工作人员）", tag: "cases",
		auth: required, query: []param{text("status", "办件状态"), text("matter", "事项编号"), offsetParam, limitParam}, response: listAnswer[runtime.CaseView]{},
		handler: func(c *gin.Context) {
			offset, limit, err := page(c)
			if err != nil {
				s.fail(c, err)
				return
			}
			items, total, err := s.Cases.ListCases(c.Request.Context(), user(c), runtime.CaseFilter{
				Status: runtime.Status(c.Query("status")), Matter: c.Query("matter"), Offset: offset, Limit: limit})
			s.respond(c, http.StatusOK, listOf(items, total), err)
		}})
	s.handle(operation{method: "GET", path: "/api/v1/cases/:number", summary: "办件详情", tag: "cases",
		auth: required, response: runtime.CaseView{}, handler: func(c *gin.Context) {
			v, err := s.Cases.GetCase(c.Request.Context(), user(c), c.Param("number"))
			s.respond(c, http.StatusOK, v, err)
		}})
	s.handle(operation{method: "PUT", path: "/api/v1/cases/:number/form", summary: "保存草稿", tag: "cases",
		auth: required, request: draftForm{}, response: runtime.CaseView{}, handler: withBody(s, http.StatusOK, func(c *gin.Context, req draftForm) (any, error) {
			return s.Cases.SaveDraft(c.Request.Context(), user(c), c.Param("number"), req.Form)
		})})
	s.handle(operation{method: "POST", path: "/api/v1/cases/:number/submit", summary: "提交草稿", tag: "cases",
		auth: required, request: draftForm{}, response: runtime.CaseView{}, handler: withBody(s, http.StatusOK, func(c *gin.Context, req draftForm) (any, error) {
			return s.Cases.SubmitDraft(c.Request.Context(), user(c), c.Param("number"), req.Form, req.Deferred)
		})})
	s.handle(operation{method: "GET", path: "/api/v1/cases/:number/events", summary: "办件全程留痕（审计链）", tag: "cases",
		auth: required, response: []runtime.Event{}, handler: func(c *gin.Context) {
			v, err := s.Cases.CaseEvents(c.Request.Context(), user(c), c.Param("number"))
			s.respond(c, http.StatusOK, v, err)
		}})
	s.handle(operation{method: "POST", path: "/api/v1/cases/:number/materials/:material", summary: "上传材料（multipart，字段名 file）", tag: "cases",
		auth: required, upload: true, errors: []int{http.StatusTooManyRequests}, response: runtime.MaterialFile{}, handler: s.uploadMaterial})
	s.handle(operation{method: "GET", path: "/api/v1/cases/:number/materials/:material/files/:index", summary: "打开材料文件（申请人或可查看该办件的工作人员；index 从 0 起；inline=1 在浏览器中查看 PDF 和图片），每次打开记入账号审计日志", tag: "cases",
		auth: required, query: []param{text("inline", "为 1 时在浏览器中直接查看（仅 PDF、PNG、JPEG），否则下载")}, download: "application/octet-stream", handler: s.openMaterialFile})
	s.handle(operation{method: "POST", path: "/api/v1/cases/:number/accept", summary: "受理（窗口人员）", tag: "acceptance",
		auth: required, request: opinionOnly{}, response: runtime.CaseView{}, handler: withAction[opinionOnly](s, s.acceptance("accept"))})
	s.handle(operation{method: "POST", path: "/api/v1/cases/:number/not-accept", summary: "不予受理（窗口人员，写明理由）", tag: "acceptance",
		auth: required, request: reasoned{}, response: runtime.CaseView{}, handler: withAction[reasoned](s, s.acceptance("not-accept"))})
	s.handle(operation{method: "POST", path: "/api/v1/cases/:number/pre-review", summary: "预审（网上申报的初步审查）", tag: "acceptance",
		auth: required, request: opinionOnly{}, response: runtime.CaseView{}, handler: withAction[opinionOnly](s, func(c *gin.Context, a runtime.TaskAction) (any, error) {
			return s.Cases.PreReview(c.Request.Context(), user(c), c.Param("number"), a)
		})})
	s.handle(operation{method: "POST", path: "/api/v1/cases/:number/archive", summary: "归档（已办结的办件）", tag: "acceptance",
		auth: required, response: runtime.CaseView{}, handler: func(c *gin.Context) {
			v, err := s.Cases.Archive(c.Request.Context(), user(c), c.Param("number"))
			s.respond(c, http.StatusOK, v, err)
		}})
	s.handle(operation{method: "POST", path: "/api/v1/cases/:number/special-procedure", summary: "启动（kind 为 hearing 等）或结束（kind 为空）特别程序，期间计时暂停", tag: "tasks",
		auth: required, request: runtime.SpecialProcedure{}, response: runtime.CaseView{}, handler: withBody(s, http.StatusOK, func(c *gin.Context, p runtime.SpecialProcedure) (any, error) {
			return s.Cases.SpecialProcedure(c.Request.Context(), user(c), c.Param("number"), p)
		})})
	s.handle(operation{method: "POST", path: "/api/v1/cases/:number/correction", summary: "要求补齐补正（计时暂停）", tag: "acceptance",
		auth: required, request: correctionRequest{}, response: runtime.CaseView{}, handler: withBody(s, http.StatusOK, func(c *gin.Context, req correctionRequest) (any, error) {
			return s.Cases.RequestCorrection(c.Request.Context(), user(c), c.Param("number"), req.Opinion, req.Materials)
		})})
	s.handle(operation{method: "POST", path: "/api/v1/cases/:number/correction/resume", summary: "补正后重新提交（计时恢复）", tag: "cases",
		auth: required, request: draftForm{}, response: runtime.CaseView{}, handler: withBody(s, http.StatusOK, func(c *gin.Context, req draftForm) (any, error) {
			return s.Cases.ResumeCorrection(c.Request.Context(), user(c), c.Param("number"), req.Form)
		})})
	s.handle(operation{method: "POST", path: "/api/v1/cases/:number/evaluation", summary: "好差评（1–5 分，每个账号每件一次）", tag: "cases",
		auth: required, request: rating{}, response: ok{}, handler: withBody(s, http.StatusOK, func(c *gin.Context, req rating) (any, error) {
			return ok{OK: true}, s.Cases.Evaluate(c.Request.Context(), user(c), c.Param("number"), runtime.Evaluation{Score: req.Score, Comment: req.Comment})
		})})
	s.handle(operation{method: "GET", path: "/api/v1/progress", summary: "凭办件编号和查询码查询进度（无需登录）", tag: "cases",
		errors: []int{http.StatusNotFound}, query: []param{needed("number", "办件编号"), needed("queryCode", "查询码")}, response: runtime.Progress{}, handler: func(c *gin.Context) {
			v, err := s.Cases.Progress(c.Request.Context(), c.Query("number"), c.Query("queryCode"))
			s.respond(c, http.StatusOK, v, err)
		}})

	if s.Certificates != nil {
		s.handle(operation{method: "GET", path: "/api/v1/certificates/:number/verification", summary: "核验证照：有效、已注销或已过期，个人信息已遮蔽（无需登录）", tag: "certificates",
			response: runtime.Verification{}, handler: func(c *gin.Context) {
				v, err := s.Certificates.VerifyCertificate(c.Request.Context(), c.Param("number"))
				s.respond(c, http.StatusOK, v, err)
			}})
		s.handle(operation{method: "GET", path: "/api/v1/certificates/:number/document", summary: "下载电子证照（PDF，持证人或可查看该办件的工作人员）", tag: "certificates",
			auth: required, download: "application/pdf", handler: func(c *gin.Context) {
				doc, err := s.Certificates.CertificateDocument(c.Request.Context(), user(c), c.Param("number"))
				s.sendFile(c, doc, err, c.Param("number")+".pdf", "application/pdf")
			}})
		s.handle(operation{method: "POST", path: "/api/v1/certificates/:number/revocation", summary: "注销证照（发证机关决定岗位）", tag: "certificates",
			auth: required, request: revocation{}, response: runtime.Verification{}, handler: withBody(s, http.StatusOK, func(c *gin.Context, req revocation) (any, error) {
				return s.Certificates.RevokeCertificate(c.Request.Context(), user(c), c.Param("number"), req.Reason)
			})})
	}

	if s.Lookups != nil {
		s.handle(operation{method: "POST", path: "/api/v1/matters/:slug/prefill", summary: "表单预填：按 form.ui.json 从账号和人口库、法人库等带出空白字段", tag: "matters",
			auth: required, errors: []int{http.StatusServiceUnavailable}, request: draftForm{}, response: runtime.Prefilled{}, handler: withBody(s, http.StatusOK, func(c *gin.Context, req draftForm) (any, error) {
				return s.Lookups.Prefill(c.Request.Context(), user(c), c.Param("slug"), req.Form)
			})})
		s.handle(operation{method: "GET", path: "/api/v1/lookups/:connector/:key", summary: "受理智能感知：按身份证号或统一社会信用代码查询人口库、法人库、电子证照库（工作人员）", tag: "matters",
			auth: required, errors: []int{http.StatusServiceUnavailable}, response: lookupAnswer{}, handler: func(c *gin.Context) {
				v, err := s.Lookups.LookupFor(c.Request.Context(), user(c), c.Param("connector"), c.Param("key"))
				s.respond(c, http.StatusOK, lookupAnswer{Result: v}, err)
			}})
	}

	if s.Outbox != nil {
		s.handle(operation{method: "GET", path: "/api/v1/outbox/dead-letters", summary: "投递失败的消息（管理员）", tag: "admin",
			auth: required, query: []param{offsetParam, limitParam}, response: listAnswer[runtime.DeadLetter]{}, handler: func(c *gin.Context) {
				offset, limit, err := page(c)
				if err != nil {
					s.fail(c, err)
					return
				}
				items, err := s.Outbox.ListDeadLetters(c.Request.Context(), user(c), offset, limit)
				s.respond(c, http.StatusOK, listOf(items, len(items)), err)
			}})
		s.handle(operation{method: "POST", path: "/api/v1/outbox/:id/replay", summary: "重新投递一条失败的消息（管理员）", tag: "admin",
			auth: required, response: ok{}, handler: func(c *gin.Context) {
				id, err := strconv.ParseInt(c.Param("id"), 10, 64)
				if err != nil {
					s.fail(c, runtime.Errorf(runtime.ENOTFOUND, "消息 %s 不存在", c.Param("id")))
					return
				}
				err = s.Outbox.ReplayMessage(c.Request.Context(), user(c), id)
				s.respond(c, http.StatusOK, ok{OK: true}, err)
			}})
	}

	if s.Trial != nil {
		s.handle(operation{method: "GET", path: "/api/v1/admin/clock", summary: "平台时间（管理员）；trial 表示是否为可调整的试运行时钟", tag: "admin",
			auth: required, response: runtime.TrialTime{}, handler: func(c *gin.Context) {
				v, err := s.Trial.TrialTime(c.Request.Context(), user(c))
				s.respond(c, http.StatusOK, v, err)
			}})
		s.handle(operation{method: "POST", path: "/api/v1/admin/clock", summary: "设置或向后拨平台时间（管理员，仅演示或测试模式）", tag: "admin",
			auth: required, request: runtime.TrialClockChange{}, response: runtime.TrialTime{}, handler: withBody(s, http.StatusOK, func(c *gin.Context, req runtime.TrialClockChange) (any, error) {
				return s.Trial.MoveTrialClock(c.Request.Context(), user(c), req)
			})})
		s.handle(operation{method: "POST", path: "/api/v1/admin/timers/fire", summary: "立即运行按平台时间已到期的定时、督办和容缺跟进（管理员，仅演示或测试模式）", tag: "admin",
			auth: required, response: runtime.FiredTimers{}, handler: func(c *gin.Context) {
				v, err := s.Trial.FireTimers(c.Request.Context(), user(c))
				s.respond(c, http.StatusOK, v, err)
			}})
	}

	if s.Documents != nil {
		s.handle(operation{method: "GET", path: "/api/v1/cases/:number/notices/:name", summary: "打印文书（PDF）：acceptance-notice 受理通知书、material-handover-list 材料交接清单、correction-notice 补正告知书、not-accepted-notice 不予受理通知书、fee-payment-notice 缴费通知单，以及事项自己的文书（如公示表），按模板名；办件当前有哪些见办件的 documents，其他状态下返回 409", tag: "documents",
			auth: required, errors: []int{http.StatusConflict}, download: "application/pdf", handler: func(c *gin.Context) {
				var buf bytes.Buffer
				if _, err := s.Documents.RenderNotice(c.Request.Context(), user(c), c.Param("number"), c.Param("name"), &buf); err != nil {
					s.fail(c, err)
					return
				}
				c.Header("Content-Disposition", "inline; filename*=UTF-8''"+url.PathEscape(c.Param("name")+".pdf"))
				c.Data(http.StatusOK, "application/pdf", buf.Bytes())
			}})
		s.handle(operation{method: "GET", path: "/api/v1/cases/:number/archive", summary: "下载归档包（zip，含清单和 SHA-256）", tag: "documents",
			auth: required, errors: []int{http.StatusConflict}, download: "application/zip", handler: func(c *gin.Context) {
				pkg, err := s.Documents.ArchivePackage(c.Request.Context(), user(c), c.Param("number"))
				s.sendFile(c, pkg, err, c.Param("number")+"-归档.zip", "application/zip")
			}})
	}

	if s.Exports != nil {
		s.handle(operation{method: "GET", path: "/api/v1/exports/cases.xlsx", summary: "导出办件清单（Excel，按状态、事项筛选）", tag: "exports",
			auth: required, query: []param{text("status", "办件状态"), text("matter", "事项编号")}, download: xlsxType, handler: func(c *gin.Context) {
				f := runtime.CaseFilter{Status: runtime.Status(c.Query("status")), Matter: c.Query("matter")}
				_, err := s.Exports.ExportCases(c.Request.Context(), user(c), f, download(c, "办件清单.xlsx"))
				s.finishDownload(c, err)
			}})
		s.handle(operation{method: "GET", path: "/api/v1/exports/statistics.xlsx", summary: "导出办件统计（Excel，各事项各状态件数）", tag: "exports",
			auth: required, download: xlsxType, handler: func(c *gin.Context) {
				err := s.Exports.ExportStatistics(c.Request.Context(), user(c), download(c, "办件统计.xlsx"))
				s.finishDownload(c, err)
			}})
	}

	if s.Datasets != nil {
		s.handle(operation{method: "GET", path: "/api/v1/datasets", summary: "统计数据集及其维度、度量", tag: "datasets",
			auth: required, response: listAnswer[runtime.Dataset]{}, handler: func(c *gin.Context) {
				s.respond(c, http.StatusOK, listAnswer[runtime.Dataset]{Items: runtime.Datasets, Total: len(runtime.Datasets)}, nil)
			}})
		s.handle(operation{method: "POST", path: "/api/v1/datasets/query", summary: "按维度汇总数据集的度量（工作人员，限本机构及下级机构；督办岗按其督办范围）", tag: "datasets",
			about: "只接受数据集、维度、度量和筛选的名称，不接受查询语句；不统计草稿",
			auth:  required, request: runtime.DatasetQuery{}, response: runtime.DatasetResult{}, handler: withBody(s, http.StatusOK, func(c *gin.Context, q runtime.DatasetQuery) (any, error) {
				return s.Datasets.QueryDataset(c.Request.Context(), user(c), q)
			})})
	}

	if s.Themes != nil {
		s.themeRoutes()
	}
	if s.Messages != nil {
		s.handle(operation{method: "POST", path: "/api/v1/messages", summary: "留言咨询或投诉（kind 为 consultation 或 complaint），由事项的实施机关答复", tag: "messages",
			auth: required, created: true, request: question{}, response: runtime.Message{}, handler: withBody(s, http.StatusCreated, func(c *gin.Context, q question) (any, error) {
				return s.Messages.Ask(c.Request.Context(), user(c), runtime.Message{Kind: q.Kind, Matter: q.Matter, CaseNumber: q.CaseNumber, Body: q.Body})
			})})
		s.handle(operation{method: "GET", path: "/api/v1/messages", summary: "我的咨询投诉及答复（scope=org：本单位收到的，工作人员）", tag: "messages",
			auth: required, query: []param{text("scope", "org：本单位收到的（工作人员）；省略时为我的", "org")}, response: listAnswer[runtime.Message]{}, handler: func(c *gin.Context) {
				list := s.Messages.MyMessages
				if c.Query("scope") == "org" {
					list = s.Messages.OrgMessages
				}
				items, err := list(c.Request.Context(), user(c))
				s.respond(c, http.StatusOK, listOf(items, len(items)), err)
			}})
		s.handle(operation{method: "POST", path: "/api/v1/messages/:id/answer", summary: "答复留言（本单位工作人员，每条一次）", tag: "messages",
			auth: required, request: messageAnswer{}, response: runtime.Message{}, handler: withBody(s, http.StatusOK, func(c *gin.Context, req messageAnswer) (any, error) {
				id, err := strconv.ParseInt(c.Param("id"), 10, 64)
				if err != nil || id <= 0 {
					return nil, runtime.Errorf(runtime.ENOTFOUND, "留言 %s 不存在", c.Param("id"))
				}
				return s.Messages.AnswerMessage(c.Request.Context(), user(c), id, req.Answer)
			})})
	}

	s.handle(operation{method: "GET", path: "/api/v1/tasks", summary: "待办（mine=1 只看我已认领的）", tag: "tasks",
		auth: required, query: []param{text("mine", "1：只看我已认领的", "0", "1")}, response: listAnswer[runtime.TaskView]{}, handler: func(c *gin.Context) {
			items, err := s.Tasks.ListTasks(c.Request.Context(), user(c), c.Query("mine") == "1")
			s.respond(c, http.StatusOK, listOf(items, len(items)), err)
		}})
	s.handle(operation{method: "POST", path: "/api/v1/tasks/:id/claim", summary: "认领待办", tag: "tasks",
		auth: required, response: runtime.TaskView{}, handler: func(c *gin.Context) {
			id, err := taskID(c)
			if err != nil {
				s.fail(c, err)
				return
			}
			v, err := s.Tasks.ClaimTask(c.Request.Context(), user(c), id)
			s.respond(c, http.StatusOK, v, err)
		}})
	s.handle(operation{method: "POST", path: "/api/v1/tasks/:id/complete", summary: "办理：受理/不予受理、准予/不予，附意见", tag: "tasks",
		auth: required, request: decision{}, response: runtime.CaseView{}, handler: onTask[decision](s, func(c *gin.Context, id int64, a runtime.TaskAction) (any, error) {
			return s.Tasks.CompleteTask(c.Request.Context(), user(c), id, a)
		})})
	s.handle(operation{method: "POST", path: "/api/v1/tasks/:id/return", summary: "退回到之前的环节", tag: "tasks",
		auth: required, request: sendBack{}, response: runtime.CaseView{}, handler: onTask[sendBack](s, func(c *gin.Context, id int64, a runtime.TaskAction) (any, error) {
			return s.Tasks.ReturnTask(c.Request.Context(), user(c), id, a)
		})})
	s.handle(operation{method: "POST", path: "/api/v1/tasks/:id/handover", summary: "转办给同岗位同事（user 为 0 时退回待认领）", tag: "tasks",
		auth: required, request: handOver{}, response: runtime.TaskView{}, handler: onTask[handOver](s, func(c *gin.Context, id int64, a runtime.TaskAction) (any, error) {
			return s.Tasks.HandOverTask(c.Request.Context(), user(c), id, a)
		})})

	if s.Resumable != nil {
		s.uploadRoutes()
	}
	if s.Design != nil {
		s.designRoutes()
	}
	if s.Dashboards != nil {
		s.dashboardRoutes()
	}
	if len(s.Callbacks) > 0 {
		s.handle(operation{method: "POST", path: CallbacksPath + ":connector", summary: "外部系统（推送类连接器）的签名回调：校验签名、时间戳和一次性随机数后按 messageId 只处理一次", tag: "callbacks",
			headers: callbackHeaders, request: callbackMessage{}, answers: []answer{
				{status: "200", about: "已处理（duplicate 为 true 时此前已处理过）", body: callbackAnswer{}},
				{status: "400", about: "缺少签名请求头、内容不是 JSON 或缺少消息标识", body: callbackRefusal{}},
				{status: "401", about: "签名、时间戳或随机数未通过校验", body: callbackRefusal{}},
				{status: "403", about: "该连接器未声明可回调此类消息（callbacks）", body: callbackRefusal{}},
				{status: "404", about: "没有这个连接器的回调接口", body: errorBody{}},
				{status: "413", about: "内容过大", body: callbackRefusal{}},
				{status: "500", about: "处理失败，请稍后重发", body: callbackRefusal{}},
			}, handler: s.callback})
	}
}

// tusVersion is the header of every request of a resumable upload but OPTIONS.
var tusVersion = header{name: "Tus-Resumable", about: "tus 协议版本，须为 1.0.0", required: true}

// uploadRoutes are the resumable uploads, the tus protocol 1.0.0 (creation and termination).
func (s *Server) uploadRoutes() {
	answered := header{name: "Tus-Resumable", about: "1.0.0"}
	offset := header{name: "Upload-Offset", about: "服务器已收到的字节数，从这里续传"}
	s.handle(operation{method: "OPTIONS", path: uploadsPath, summary: "断点续传（tus 1.0.0）协议发现：支持的版本和扩展", tag: "uploads",
		answers: []answer{{status: "200", about: "协议信息", headers: []header{answered,
			{name: "Tus-Version", about: "1.0.0"}, {name: "Tus-Extension", about: "creation,creation-with-upload,termination"}}}},
		handler: s.tus(nil)})
	s.handle(operation{method: "POST", path: uploadsPath, summary: "创建断点续传（大文件材料）：开始前即检查办件、材料和文件大小", tag: "uploads",
		auth: required, before: tusResumable, errors: []int{http.StatusPreconditionFailed, http.StatusTooManyRequests}, headers: []header{tusVersion,
			{name: "Upload-Length", about: "整个文件的字节数，须在材料的大小上限之内", required: true},
			{name: "Upload-Metadata", about: "逗号分隔的“键 base64(值)”：case 办件编号、material 材料编号、filename 文件名、sha256 整个文件的 SHA-256（十六进制），四项必填", required: true}},
		answers: []answer{{status: "201", about: "已创建", headers: []header{answered, {name: "Location", about: "这次上传的地址：查询、续传、取消都用它"}}}},
		handler: s.tus((*tusd.UnroutedHandler).PostFile)})
	s.handle(operation{method: "HEAD", path: uploadsPath + ":id", summary: "查询从哪里续传（仅创建者）", tag: "uploads",
		auth: required, before: tusResumable, errors: []int{http.StatusPreconditionFailed}, headers: []header{tusVersion},
		answers: []answer{{status: "200", about: "可从 Upload-Offset 续传", headers: []header{answered, offset, {name: "Upload-Length", about: "整个文件的字节数"}}}},
		handler: s.tus((*tusd.UnroutedHandler).HeadFile)})
	s.handle(operation{method: "PATCH", path: uploadsPath + ":id", summary: "续传一段（仅创建者）；最后一段在文件校验（类型、大小、SHA-256）并登记到办件材料后才应答", tag: "uploads",
		auth: required, before: tusResumable, errors: []int{http.StatusPreconditionFailed, http.StatusLocked}, body: "application/offset+octet-stream", headers: []header{tusVersion,
			{name: "Upload-Offset", about: "这一段从第几个字节开始，须等于服务器的 Upload-Offset", required: true}},
		answers: []answer{{status: "204", about: "已收到；文件完整时已登记到办件", headers: []header{answered, offset}}},
		handler: s.tus((*tusd.UnroutedHandler).PatchFile)})
	s.handle(operation{method: "DELETE", path: uploadsPath + ":id", summary: "取消上传并删除已收到的部分（仅创建者）", tag: "uploads",
		auth: required, before: tusResumable, errors: []int{http.StatusPreconditionFailed, http.StatusLocked}, headers: []header{tusVersion},
		answers: []answer{{status: "204", about: "已取消", headers: []header{answered}}},
		handler: s.tus((*tusd.UnroutedHandler).DelFile)})
}

// sendFile streams a stored file as an attachment named name, or answers the error that kept
// it from being opened.
func (s *Server) sendFile(c *gin.Context, file io.ReadCloser, err error, name, mediaType string) {
	if err != nil {
		s.fail(c, err)
		return
	}
	defer file.Close()
	c.Header("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	c.DataFromReader(http.StatusOK, -1, mediaType, file, nil)
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// downloadWriter sets the download headers on the first write, so that an error found before
// any byte is written can still be answered in the JSON error shape.
type downloadWriter struct {
	c       *gin.Context
	name    string
	started bool
}

func download(c *gin.Context, name string) *downloadWriter { return &downloadWriter{c: c, name: name} }

func (d *downloadWriter) Write(p []byte) (int, error) {
	if !d.started {
		d.started = true
		d.c.Header("Content-Type", xlsxType)
		d.c.Header("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(d.name))
		d.c.Status(http.StatusOK)
	}
	return d.c.Writer.Write(p)
}

func (s *Server) finishDownload(c *gin.Context, err error) {
	if err != nil && !c.Writer.Written() {
		s.fail(c, err)
	} else if err != nil {
		s.Logger.ErrorContext(c.Request.Context(), "download failed after it started", "path", c.Request.URL.Path, "err", err)
	}
}

// acceptance is the acceptance decision: the outcome is fixed by the route.
func (s *Server) acceptance(outcome string) func(c *gin.Context, a runtime.TaskAction) (any, error) {
	return func(c *gin.Context, a runtime.TaskAction) (any, error) {
		a.Outcome = outcome
		return s.Cases.Accept(c.Request.Context(), user(c), c.Param("number"), a)
	}
}

func taskID(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, runtime.Errorf(runtime.ENOTFOUND, "待办 %s 不存在", c.Param("id"))
	}
	return id, nil
}

// openMaterialFile sends a material's file, inline only for the types a browser shows without
// running anything in it.
func (s *Server) openMaterialFile(c *gin.Context) {
	index, err := strconv.Atoi(c.Param("index"))
	if err != nil {
		index = -1
	}
	f, rc, err := s.Cases.OpenMaterialFile(c.Request.Context(), user(c), c.Param("number"), c.Param("material"), index)
	if err != nil {
		s.fail(c, err)
		return
	}
	defer rc.Close()
	disposition := "attachment"
	if c.Query("inline") == "1" && viewable[f.MediaType] {
		disposition = "inline"
	}
	c.Header("Content-Disposition", disposition+"; filename*=UTF-8''"+url.PathEscape(f.Name))
	c.DataFromReader(http.StatusOK, f.Size, f.MediaType, rc, nil)
}

// viewable are the media types a material is shown as in the browser.
var viewable = map[string]bool{"application/pdf": true, "image/png": true, "image/jpeg": true}

func (s *Server) uploadMaterial(c *gin.Context) {
	s.receiveFile(c, func(name string, r io.Reader) (any, error) {
		return s.Cases.UploadMaterial(c.Request.Context(), user(c), c.Param("number"), c.Param("material"), name, r)
	})
}

// uploadTimeout is how long one file may take to arrive: 50 MB at 100 KB/s, a phone on a poor
// line. The server's read timeout is for everything else.
const uploadTimeout = 10 * time.Minute

// receiveFile streams the multipart field "file", within the upload limit, to keep: the file
// goes to its store as it arrives, never whole into memory.
func (s *Server) receiveFile(c *gin.Context, keep func(name string, r io.Reader) (any, error)) {
	// Not every writer supports a deadline (a recorder in tests).
	_ = http.NewResponseController(c.Writer).SetReadDeadline(time.Now().Add(uploadTimeout))
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.MaxUploadBytes+1<<20)
	missing := runtime.Invalid("请以 multipart/form-data 上传，文件字段名为 file", runtime.FieldError{Pointer: "/file", Message: "缺少文件"})
	parts, err := c.Request.MultipartReader()
	if err != nil {
		s.fail(c, missing)
		return
	}
	for {
		part, err := parts.NextPart()
		if err != nil {
			s.fail(c, s.uploadError(err, missing))
			return
		}
		if part.FormName() != "file" {
			continue
		}
		v, err := keep(part.FileName(), part)
		s.respond(c, http.StatusCreated, v, s.uploadError(err, err))
		return
	}
}

// uploadError is err as an upload's answer: too large over the limit, invalid for a body that
// broke off, otherwise otherwise.
func (s *Server) uploadError(err, otherwise error) error {
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return runtime.Errorf(runtime.ETOOLARGE, "文件超过 %d MB 的上限", s.MaxUploadBytes>>20)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return runtime.Invalid("文件没有传完整，请重新上传", runtime.FieldError{Pointer: "/file", Message: "文件没有传完整"})
	}
	return otherwise
}
