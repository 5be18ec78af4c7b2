package httpapi

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/xuchang-gov/tongban/runtime"
)

// dashboardRoutes serve the dashboards (数据看板): their specs only; each widget's figures come
// from POST /api/v1/datasets/query as the viewer, within the viewer's scope.
func (s *Server) dashboardRoutes() {
	d := s.Dashboards
	tag := "dashboards"
	s.handle(operation{method: "GET", path: "/api/v1/dashboards", summary: "数据看板列表（编辑者另见未发布的草稿）", tag: tag,
		auth: required, response: listAnswer[runtime.DashboardSummary]{}, handler: func(c *gin.Context) {
			items, err := d.Dashboards(c.Request.Context(), user(c))
			s.respond(c, http.StatusOK, listOf(items, len(items)), err)
		}})
	s.handle(operation{method: "GET", path: "/api/v1/dashboards/:slug", summary: "读取看板（默认最新发布版本；version=draft 为草稿，限编辑者）", tag: tag,
		about: "返回的看板可作为 JSON 导出；导入即把该 JSON 保存为草稿",
		auth:  required, query: []param{text("version", "版本号，或 draft")}, response: runtime.Dashboard{}, handler: func(c *gin.Context) {
			version := -1
			switch v := c.Query("version"); v {
			case "":
			case "draft":
				version = 0
			default:
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 {
					s.fail(c, runtime.Invalid("版本有误", runtime.FieldError{Pointer: "/version", Message: "应为正整数或 draft"}))
					return
				}
				version = n
			}
			v, err := d.Dashboard(c.Request.Context(), user(c), c.Param("slug"), version)
			s.respond(c, http.StatusOK, v, err)
		}})
	s.handle(operation{method: "PUT", path: "/api/v1/dashboards/:slug/draft", summary: "保存看板草稿（新建、编辑或导入 JSON；限事项梳理人员和系统管理员）", tag: tag,
		auth: required, request: runtime.DashboardSpec{}, response: runtime.Dashboard{}, handler: withBody(s, http.StatusOK, func(c *gin.Context, spec runtime.DashboardSpec) (any, error) {
			if spec.Slug != c.Param("slug") {
				return nil, runtime.Invalid("看板有误", runtime.FieldError{Pointer: "/slug", Message: "应与地址中的标识相同"})
			}
			return d.SaveDashboard(c.Request.Context(), user(c), spec)
		})})
	s.handle(operation{method: "POST", path: "/api/v1/dashboards/:slug/publish", summary: "发布看板草稿为新版本", tag: tag,
		auth: required, response: runtime.Dashboard{}, handler: func(c *gin.Context) {
			v, err := d.PublishDashboard(c.Request.Context(), user(c), c.Param("slug"))
			s.respond(c, http.StatusOK, v, err)
		}})
}
