package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/xuchang-gov/tongban/runtime"
)

// themeRoutes are the routes of 一件事: the themes and their guides, one application with the
// combined form, the window's one acceptance, the theme case's progress with its members, and
// where a member case's fields came from.
func (s *Server) themeRoutes() {
	s.handle(operation{method: "GET", path: "/api/v1/themes", summary: "一件事主题列表与搜索（q 匹配名称和关键词，如 开理发店、出生）", tag: "themes",
		query: []param{text("q", "搜索词")}, response: listAnswer[runtime.ThemeSummary]{}, handler: func(c *gin.Context) {
			items, err := s.Themes.ListThemes(c.Request.Context(), c.Query("q"))
			s.respond(c, http.StatusOK, listOf(items, len(items)), err)
		}})
	s.handle(operation{method: "GET", path: "/api/v1/themes/:slug", summary: "一件事办事指南：成员事项、去重后的材料清单、前后置关系、总时限和一表", tag: "themes",
		response: runtime.ThemeGuide{}, handler: func(c *gin.Context) {
			g, err := s.Themes.ThemeGuide(c.Request.Context(), c.Param("slug"))
			s.respond(c, http.StatusOK, g, err)
		}})
	s.handle(operation{method: "POST", path: "/api/v1/theme-cases", summary: "一表申报一件事：一次校验一表和共享材料，启动可启动的成员事项", tag: "themes",
		auth: required, created: true, request: runtime.SubmitTheme{}, response: runtime.ThemeCaseView{},
		handler: withBody(s, http.StatusCreated, func(c *gin.Context, req runtime.SubmitTheme) (any, error) {
			return s.Themes.SubmitTheme(c.Request.Context(), user(c), req)
		})})
	s.handle(operation{method: "GET", path: "/api/v1/theme-cases", summary: "我的一件事（申请人）或可跟进的一件事（工作人员，待综合受理的在前）", tag: "themes",
		auth: required, response: listAnswer[runtime.ThemeCaseView]{}, handler: func(c *gin.Context) {
			items, err := s.Themes.ThemeCases(c.Request.Context(), user(c))
			s.respond(c, http.StatusOK, listOf(items, len(items)), err)
		}})
	s.handle(operation{method: "GET", path: "/api/v1/theme-cases/:number", summary: "一件事办件（主件）及各成员事项的进度", tag: "themes",
		auth: required, response: runtime.ThemeCaseView{}, handler: func(c *gin.Context) {
			v, err := s.Themes.GetThemeCase(c.Request.Context(), user(c), c.Param("number"))
			s.respond(c, http.StatusOK, v, err)
		}})
	s.handle(operation{method: "POST", path: "/api/v1/theme-cases/:number/accept", summary: "综合受理（一件事窗口，一次受理全部可启动的成员事项）", tag: "themes",
		auth: required, request: opinionOnly{}, response: runtime.ThemeCaseView{}, handler: withAction[opinionOnly](s, s.themeAcceptance("accept"))})
	s.handle(operation{method: "POST", path: "/api/v1/theme-cases/:number/not-accept", summary: "一件事不予受理（写明理由）", tag: "themes",
		auth: required, request: reasoned{}, response: runtime.ThemeCaseView{}, handler: withAction[reasoned](s, s.themeAcceptance("not-accept"))})
	s.handle(operation{method: "GET", path: "/api/v1/cases/:number/theme", summary: "成员事项（子件）所属的一件事，及申请表各字段的来源", tag: "themes",
		auth: required, response: runtime.MemberOf{}, handler: func(c *gin.Context) {
			v, err := s.Themes.MemberOf(c.Request.Context(), user(c), c.Param("number"))
			s.respond(c, http.StatusOK, v, err)
		}})
}

func (s *Server) themeAcceptance(outcome string) func(c *gin.Context, a runtime.TaskAction) (any, error) {
	return func(c *gin.Context, a runtime.TaskAction) (any, error) {
		a.Outcome = outcome
		return s.Themes.AcceptTheme(c.Request.Context(), user(c), c.Param("number"), a)
	}
}
