package httpapi

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/site"
)

// SessionAuthenticator lets the API accept the staff sign-in session of the pages (the
// studio's way in) besides bearer tokens: User is the signed-in user of the request, nil for
// none; CSRFToken is the token the session's changes must carry; CheckCSRF refuses a change
// without it.
type SessionAuthenticator interface {
	User(r *http.Request) *runtime.User
	CSRFToken(r *http.Request) string
	CheckCSRF(r *http.Request) error
}

// Limits of the design API's bodies: a definition file, an imported zip, and JSON requests
// (an expression may be long enough to be refused by the service with its own message).
const (
	maxDesignFile = 2 << 20
	maxDesignZip  = 8 << 20
	maxDesignJSON = 4 << 20
)

const designPrefix = "/api/v1/design/"

// designBody is withBody within the design API's JSON limit.
func designBody[T any](s *Server, do func(c *gin.Context, req T) (any, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req T
		if err := s.decodeWithin(c, &req, maxDesignJSON); err != nil {
			s.fail(c, err)
			return
		}
		v, err := do(c, req)
		s.respond(c, http.StatusOK, v, err)
	}
}

// readBody reads a raw body within limit; beyond it ETOOLARGE names the limit.
func readBody(c *gin.Context, limit int64, what string) ([]byte, error) {
	raw, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, runtime.Errorf(runtime.ETOOLARGE, "%s超过 %d MB 的上限", what, limit>>20)
	case err != nil:
		return nil, runtime.Errorf(runtime.EINVALID, "无法读取请求内容")
	}
	return raw, nil
}

// ifMatch is the revision of the If-Match header, 0 when absent or not a number.
func ifMatch(c *gin.Context) int {
	n, _ := strconv.Atoi(strings.Trim(strings.TrimPrefix(c.GetHeader("If-Match"), "W/"), `" `))
	return n
}

func fileName(c *gin.Context) string { return strings.TrimPrefix(c.Param("name"), "/") }

type designSessionAnswer = runtime.DesignSession

var revisionHeader = header{name: "If-Match", about: "草稿的修订号（GET 草稿时的 ETag）；已被他人修改时答 409", required: true}

func (s *Server) designRoutes() {
	d := s.Design
	tag := "design"
	slug := func(c *gin.Context) string { return c.Param("slug") }
	s.handle(operation{method: "GET", path: designPrefix + "session", summary: "设计器：当前登录的人、可做什么，以及会话的 CSRF 令牌", tag: tag,
		auth: required, response: designSessionAnswer{}, handler: func(c *gin.Context) {
			v, err := d.Session(c.Request.Context(), user(c))
			if err == nil && s.Sessions != nil && bearer(c.Request) == "" {
				v.CSRFToken = s.Sessions.CSRFToken(c.Request)
			}
			s.respond(c, http.StatusOK, v, err)
		}})
	s.handle(operation{method: "GET", path: designPrefix + "matters", summary: "设计器：可编辑的事项及其草稿状态（谁在编辑、自何时、修订号）", tag: tag,
		auth: required, response: listAnswer[runtime.DesignMatter]{}, handler: func(c *gin.Context) {
			items, err := d.ListMatters(c.Request.Context(), user(c))
			s.respond(c, http.StatusOK, listAnswer[runtime.DesignMatter]{Items: items, Total: len(items)}, err)
		}})
	s.handle(operation{method: "POST", path: designPrefix + "matters", summary: "设计器：新建事项（from 为空时从头开始，否则复制该事项）", tag: tag,
		auth: required, request: runtime.NewMatter{}, response: runtime.DraftView{}, answers: []answer{{status: "201", about: "已新建，草稿已打开", body: runtime.DraftView{}}},
		handler: func(c *gin.Context) {
			var req runtime.NewMatter
			if err := s.decodeWithin(c, &req, maxDesignJSON); err != nil {
				s.fail(c, err)
				return
			}
			v, err := d.NewMatter(c.Request.Context(), user(c), req)
			s.respond(c, http.StatusCreated, v, err)
		}})
	draft := designPrefix + "matters/:slug/draft"
	s.handle(operation{method: "POST", path: draft, summary: "设计器：从最新版本打开草稿（已打开则返回它）", tag: tag,
		auth: required, response: runtime.DraftView{}, handler: func(c *gin.Context) {
			v, err := d.OpenDraft(c.Request.Context(), user(c), slug(c))
			s.respondDraft(c, v, err)
		}})
	s.handle(operation{method: "GET", path: draft, summary: "设计器：草稿的文件和修订号", tag: tag,
		auth: required, response: runtime.DraftView{}, handler: func(c *gin.Context) {
			v, err := d.Draft(c.Request.Context(), user(c), slug(c))
			s.respondDraft(c, v, err)
		}})
	s.handle(operation{method: "DELETE", path: draft, summary: "设计器：放弃草稿", tag: tag,
		auth: required, answers: []answer{{status: "204", about: "已放弃"}}, handler: func(c *gin.Context) {
			if err := d.DiscardDraft(c.Request.Context(), user(c), slug(c)); err != nil {
				s.fail(c, err)
				return
			}
			c.Status(http.StatusNoContent)
		}})
	files := draft + "/files/*name"
	s.handle(operation{method: "GET", path: files, summary: "设计器：草稿的一个定义文件（原样）", tag: tag,
		auth: required, download: "application/json", handler: func(c *gin.Context) {
			data, rev, err := d.DraftFile(c.Request.Context(), user(c), slug(c), fileName(c))
			if err != nil {
				s.fail(c, err)
				return
			}
			c.Header("ETag", strconv.Quote(strconv.Itoa(rev)))
			kind := "application/json; charset=utf-8"
			if !strings.HasSuffix(fileName(c), ".json") {
				kind = http.DetectContentType(data) // a print picture
			}
			c.Data(http.StatusOK, kind, data)
		}})
	s.handle(operation{method: "PUT", path: files, summary: "设计器：替换草稿的一个定义文件（请求体即文件的 JSON，或打印底图 print/名称.png、.jpg 的图片字节；至多 2 MB）", tag: tag,
		auth: required, body: "application/json", headers: []header{revisionHeader}, response: runtime.SavedFile{}, handler: func(c *gin.Context) {
			content, err := readBody(c, maxDesignFile, "文件 "+fileName(c)+" ")
			if err != nil {
				s.fail(c, err)
				return
			}
			v, err := d.PutDraftFile(c.Request.Context(), user(c), slug(c), fileName(c), ifMatch(c), content)
			s.respond(c, http.StatusOK, v, err)
		}})
	s.handle(operation{method: "DELETE", path: files, summary: "设计器：删除草稿的一个可选文件（打印模板、示例数据）", tag: tag,
		auth: required, headers: []header{revisionHeader}, response: runtime.SavedFile{}, handler: func(c *gin.Context) {
			v, err := d.DeleteDraftFile(c.Request.Context(), user(c), slug(c), fileName(c), ifMatch(c))
			s.respond(c, http.StatusOK, v, err)
		}})
	s.handle(operation{method: "POST", path: draft + "/check", summary: "设计器：检查草稿，列出全部问题（与 tongban validate 相同）", tag: tag,
		auth: required, response: runtime.CheckResult{}, handler: func(c *gin.Context) {
			v, err := d.CheckDraft(c.Request.Context(), user(c), slug(c))
			s.respond(c, http.StatusOK, v, err)
		}})
	s.handle(operation{method: "POST", path: designPrefix + "expressions/check", summary: "设计器：在草稿中某处检查一个表达式：类型，或错误及行列", tag: tag,
		auth: required, request: runtime.ExpressionCheck{}, response: runtime.ExpressionResult{},
		handler: designBody(s, func(c *gin.Context, req runtime.ExpressionCheck) (any, error) {
			return d.CheckExpression(c.Request.Context(), user(c), req)
		})})
	s.handle(operation{method: "GET", path: designPrefix + "expressions/vocabulary", summary: "设计器：表达式可用的函数、内置写法以及 applicant、case、材料的字段（与 README 的表达式表同源）", tag: tag,
		auth: required, response: runtime.ExpressionVocabulary{}, handler: func(c *gin.Context) {
			v, err := d.Vocabulary(c.Request.Context(), user(c))
			s.respond(c, http.StatusOK, v, err)
		}})
	s.handle(operation{method: "POST", path: draft + "/preview", summary: "设计器：用表单渲染器预览申请表（HTML，供 iframe）", tag: tag,
		auth: required, request: runtime.PreviewRequest{}, download: "text/html", handler: func(c *gin.Context) {
			var req runtime.PreviewRequest
			if err := s.decodeWithin(c, &req, maxDesignJSON); err != nil {
				s.fail(c, err)
				return
			}
			page, err := d.Preview(c.Request.Context(), user(c), slug(c), req)
			if err != nil {
				s.fail(c, err)
				return
			}
			site.PreviewHeaders(c.Writer)
			c.Data(http.StatusOK, "text/html; charset=utf-8", page)
		}})
	s.handle(operation{method: "POST", path: draft + "/try", summary: "设计器：试算一次申报（校验、适用材料、收费、规则、首批流程步骤），不保存任何东西", tag: tag,
		auth: required, request: runtime.TryRequest{}, response: runtime.TryResult{},
		handler: designBody(s, func(c *gin.Context, req runtime.TryRequest) (any, error) {
			return d.Try(c.Request.Context(), user(c), slug(c), req)
		})})
	s.handle(operation{method: "POST", path: draft + "/walk", summary: "设计器：逐步走查流程：用引擎按示例数据和所选的办理结果走一遍草稿的流程（含未保存的文件），返回引擎的轨迹，不保存任何东西", tag: tag,
		auth: required, request: runtime.WalkRequest{}, response: runtime.WalkResult{},
		handler: designBody(s, func(c *gin.Context, req runtime.WalkRequest) (any, error) {
			return d.Walk(c.Request.Context(), user(c), slug(c), req)
		})})
	s.handle(operation{method: "GET", path: draft + "/workflow-options", summary: "设计器：流程可以引用的机构和岗位、推送类连接器", tag: tag,
		auth: required, response: runtime.WorkflowOptions{}, handler: func(c *gin.Context) {
			v, err := d.WorkflowOptions(c.Request.Context(), user(c), slug(c))
			s.respond(c, http.StatusOK, v, err)
		}})
	s.handle(operation{method: "POST", path: draft + "/request", summary: "设计器：申请发布（事项梳理人员）", tag: tag,
		auth: required, request: runtime.DraftAction{}, response: runtime.DraftView{},
		handler: designBody(s, func(c *gin.Context, req runtime.DraftAction) (any, error) {
			return d.RequestPublication(c.Request.Context(), user(c), slug(c), req)
		})})
	s.handle(operation{method: "POST", path: draft + "/send-back", summary: "设计器：退回草稿并写明意见（事项审核人员）", tag: tag,
		auth: required, request: runtime.DraftAction{}, response: runtime.DraftView{},
		handler: designBody(s, func(c *gin.Context, req runtime.DraftAction) (any, error) {
			return d.SendBack(c.Request.Context(), user(c), slug(c), req)
		})})
	s.handle(operation{method: "POST", path: draft + "/publish", summary: "设计器：发布为新版本（有错误时答 400 并列出问题；有警告须 acknowledge）", tag: tag,
		auth: required, request: runtime.PublishRequest{}, response: runtime.Published{},
		handler: designBody(s, func(c *gin.Context, req runtime.PublishRequest) (any, error) {
			return d.Publish(c.Request.Context(), user(c), slug(c), req)
		})})
	s.handle(operation{method: "GET", path: designPrefix + "catalog", summary: "设计器：导出可编辑事项的事项目录（Excel，4.3.1 各列；有草稿的取草稿）", tag: tag,
		auth: required, download: xlsxType, handler: func(c *gin.Context) {
			var buf bytes.Buffer
			if err := d.ExportCatalog(c.Request.Context(), user(c), &buf); err != nil {
				s.fail(c, err)
				return
			}
			c.Header("Content-Disposition", "attachment; filename=catalog.xlsx")
			c.Data(http.StatusOK, xlsxType, buf.Bytes())
		}})
	s.handle(operation{method: "POST", path: designPrefix + "catalog", summary: "设计器：导入事项目录（Excel）：各行写入对应事项的草稿；有任何单元格不合格时逐格列出，不写入任何事项", tag: tag,
		auth: required, body: xlsxType, response: runtime.CatalogImported{}, handler: func(c *gin.Context) {
			data, err := readBody(c, maxDesignZip, "事项目录")
			if err != nil {
				s.fail(c, err)
				return
			}
			v, err := d.ImportCatalog(c.Request.Context(), user(c), data)
			s.respond(c, http.StatusOK, v, err)
		}})
	s.designPrintRoutes()
	s.designSharedRoutes()
	matter := designPrefix + "matters/:slug"
	s.handle(operation{method: "GET", path: matter + "/versions", summary: "设计器：事项的全部版本", tag: tag,
		auth: required, response: listAnswer[runtime.VersionInfo]{}, handler: func(c *gin.Context) {
			items, err := d.Versions(c.Request.Context(), user(c), slug(c))
			s.respond(c, http.StatusOK, listAnswer[runtime.VersionInfo]{Items: items, Total: len(items)}, err)
		}})
	s.handle(operation{method: "GET", path: matter + "/diff", summary: "设计器：两个版本的语义差异（from、to 为版本号或 draft）", tag: tag,
		auth: required, query: []param{text("from", "起始版本：版本号或 draft"), text("to", "目标版本：版本号或 draft")}, response: runtime.MatterDiff{}, handler: func(c *gin.Context) {
			v, err := d.Diff(c.Request.Context(), user(c), slug(c), c.Query("from"), c.Query("to"))
			s.respond(c, http.StatusOK, v, err)
		}})
	s.handle(operation{method: "POST", path: matter + "/rollback", summary: "设计器：把旧版本的文件发布为新版本（事项审核人员）", tag: tag,
		auth: required, request: runtime.RollbackRequest{}, response: runtime.Published{},
		handler: designBody(s, func(c *gin.Context, req runtime.RollbackRequest) (any, error) {
			return d.Rollback(c.Request.Context(), user(c), slug(c), req)
		})})
	s.handle(operation{method: "GET", path: matter + "/history", summary: "设计器：事项的设计留痕（保存、申请发布、发布、退回、回退）", tag: tag,
		auth: required, response: listAnswer[runtime.DesignEvent]{}, handler: func(c *gin.Context) {
			items, err := d.History(c.Request.Context(), user(c), slug(c))
			s.respond(c, http.StatusOK, listAnswer[runtime.DesignEvent]{Items: items, Total: len(items)}, err)
		}})
	s.handle(operation{method: "GET", path: matter + "/export", summary: "设计器：导出一个事项目录（zip；version 为版本号、draft 或空即最新发布版）", tag: tag,
		auth: required, query: []param{text("version", "版本号、draft，或省略即最新发布版")}, download: "application/zip", handler: func(c *gin.Context) {
			var buf strings.Builder
			if err := d.ExportMatter(c.Request.Context(), user(c), slug(c), c.Query("version"), &buf); err != nil {
				s.fail(c, err)
				return
			}
			c.Header("Content-Disposition", "attachment; filename="+slug(c)+".zip")
			c.Data(http.StatusOK, "application/zip", []byte(buf.String()))
		}})
	s.handle(operation{method: "POST", path: matter + "/import", summary: "设计器：导入一个事项目录的 zip 作为草稿", tag: tag,
		auth: required, body: "application/zip", response: runtime.DraftView{}, handler: func(c *gin.Context) {
			data, err := readBody(c, maxDesignZip, "压缩包")
			if err != nil {
				s.fail(c, err)
				return
			}
			v, err := d.ImportMatter(c.Request.Context(), user(c), slug(c), data)
			s.respondDraft(c, v, err)
		}})
}

// respondDraft answers a draft with its revision as the ETag.
func (s *Server) respondDraft(c *gin.Context, v *runtime.DraftView, err error) {
	if err == nil {
		c.Header("ETag", strconv.Quote(strconv.Itoa(v.Revision)))
	}
	s.respond(c, http.StatusOK, v, err)
}
