package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/xuchang-gov/tongban/runtime"
)

// designSharedRoutes are the routes of the bundle's shared definitions (admins only).
func (s *Server) designSharedRoutes() {
	d := s.Design
	tag := "design"
	shared := designPrefix + "shared"
	s.handle(operation{method: "GET", path: shared, summary: "设计器：共用定义（机构、日历、连接器、共用文书）及每份共用文书被哪些事项使用（系统管理员）", tag: tag,
		auth: required, response: runtime.DesignShared{}, handler: func(c *gin.Context) {
			v, err := d.SharedDefinitions(c.Request.Context(), user(c))
			s.respond(c, http.StatusOK, v, err)
		}})
	s.handle(operation{method: "POST", path: shared + "/check", summary: "设计器：检查共用定义的修改会让哪些事项出错（如删去仍被环节使用的机构或岗位）", tag: tag,
		auth: required, request: runtime.SharedChange{}, response: runtime.CheckResult{},
		handler: designBody(s, func(c *gin.Context, req runtime.SharedChange) (any, error) {
			return d.CheckShared(c.Request.Context(), user(c), req)
		})})
	s.handle(operation{method: "POST", path: shared + "/publish", summary: "设计器：使共用定义的修改生效：各事项以之发布新版本并留痕（有问题时答 400 并列出）", tag: tag,
		auth: required, request: runtime.SharedChange{}, response: runtime.SharedPublished{},
		handler: designBody(s, func(c *gin.Context, req runtime.SharedChange) (any, error) {
			return d.ChangeShared(c.Request.Context(), user(c), req)
		})})
	s.handle(operation{method: "POST", path: shared + "/connectors/try", summary: "设计器：由服务器向连接器所配的外部系统试查询一次，答映射后的结果或错误", tag: tag,
		auth: required, request: runtime.ConnectorTry{}, response: runtime.ConnectorTried{},
		handler: designBody(s, func(c *gin.Context, req runtime.ConnectorTry) (any, error) {
			return d.TryConnector(c.Request.Context(), user(c), req)
		})})
}
