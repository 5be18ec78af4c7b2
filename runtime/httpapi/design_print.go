package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/xuchang-gov/tongban/runtime"
)

// printErrorsHeader carries a print preview's element errors beside the picture: the JSON
// array of {pointer, message}, percent-encoded (decodeURIComponent gives the JSON back).
const printErrorsHeader = "X-Print-Errors"

// designPrintRoutes are the print-template designer's routes.
func (s *Server) designPrintRoutes() {
	d := s.Design
	tag := "design"
	s.handle(operation{method: "POST", path: designPrefix + "matters/:slug/draft/print/:template",
		summary: "设计器：用制证的同一排版和绘制代码预览草稿的打印模板（PDF，format=png 为整页 PNG）", tag: tag,
		about: "form 缺省时用草稿的 sample.json；files 为设计器未保存的文件，代替已保存的；放不下或缺少必填内容的元素不画，" +
			"逐个列在响应头 " + printErrorsHeader + " 中（百分号编码的 JSON 数组，每项 pointer 为 /elements/序号，message 为中文说明）。",
		auth: required, query: []param{text("format", "pdf（缺省）或 png", runtime.PrintPDF, runtime.PrintPNG)},
		request: runtime.PrintPreviewRequest{}, download: "application/pdf", handler: func(c *gin.Context) {
			var req runtime.PrintPreviewRequest
			if err := s.decodeWithin(c, &req, maxDesignJSON); err != nil {
				s.fail(c, err)
				return
			}
			v, err := d.PrintPreview(c.Request.Context(), user(c), c.Param("slug"), c.Param("template"), c.Query("format"), req)
			if err != nil {
				s.fail(c, err)
				return
			}
			list, _ := json.Marshal(v.Errors)
			c.Header(printErrorsHeader, url.PathEscape(string(list)))
			c.Header("Cache-Control", "no-store")
			c.Data(http.StatusOK, v.ContentType, v.Data)
		}})
	s.handle(operation{method: "GET", path: designPrefix + "matters/:slug/print-variables",
		summary: "设计器：打印模板的表达式可用的变量（含 license、fees、notice、matter 及表格列的 row）及说明", tag: tag,
		auth: required, response: runtime.PrintVariables{}, handler: func(c *gin.Context) {
			v, err := d.PrintVariables(c.Request.Context(), user(c), c.Param("slug"))
			s.respond(c, http.StatusOK, v, err)
		}})
}
