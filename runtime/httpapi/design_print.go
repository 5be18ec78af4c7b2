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

var formatParam = text("format", "pdf（缺省）或 png", runtime.PrintPDF, runtime.PrintPNG)

// printPreview answers a print preview: the document, with the element errors in a header.
func (s *Server) printPreview(render func(c *gin.Context, req runtime.PrintPreviewRequest) (*runtime.PrintPreview, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req runtime.PrintPreviewRequest
		if err := s.decodeWithin(c, &req, maxDesignJSON); err != nil {
			s.fail(c, err)
			return
		}
		v, err := render(c, req)
		if err != nil {
			s.fail(c, err)
			return
		}
		list, _ := json.Marshal(v.Errors)
		c.Header(printErrorsHeader, url.PathEscape(string(list)))
		c.Header("Cache-Control", "no-store")
		c.Data(http.StatusOK, v.ContentType, v.Data)
	}
}

// designPrintRoutes are the print-template designer's routes.
func (s *Server) designPrintRoutes() {
	d := s.Design
	tag := "design"
	s.handle(operation{method: "POST", path: designPrefix + "matters/:slug/draft/print/:template",
		summary: "设计器：用制证的同一排版和绘制代码预览草稿的打印模板（PDF，format=png 为整页 PNG）", tag: tag,
		about: "form 缺省时用草稿的 sample.json；files 为设计器未保存的文件，代替已保存的；放不下或缺少必填内容的元素不画，" +
			"逐个列在响应头 " + printErrorsHeader + " 中（百分号编码的 JSON 数组，每项 pointer 为 /elements/序号，message 为中文说明）。",
		auth: required, query: []param{formatParam}, request: runtime.PrintPreviewRequest{}, download: "application/pdf",
		handler: s.printPreview(func(c *gin.Context, req runtime.PrintPreviewRequest) (*runtime.PrintPreview, error) {
			return d.PrintPreview(c.Request.Context(), user(c), c.Param("slug"), c.Param("template"), c.Query("format"), req)
		})})
	s.handle(operation{method: "POST", path: designPrefix + "shared/print/:template",
		summary: "设计器：预览共用文书（按 matter 事项的最新发布版数据；files 为共用定义中未生效的修改，按定义包中的路径）", tag: tag,
		about: "排版问题同草稿预览，列在响应头 " + printErrorsHeader + " 中。仅系统管理员。",
		auth:  required, query: []param{formatParam, text("matter", "用哪个事项的数据排版")}, request: runtime.PrintPreviewRequest{}, download: "application/pdf",
		handler: s.printPreview(func(c *gin.Context, req runtime.PrintPreviewRequest) (*runtime.PrintPreview, error) {
			return d.SharedPrintPreview(c.Request.Context(), user(c), c.Query("matter"), c.Param("template"), c.Query("format"), req)
		})})
	s.handle(operation{method: "GET", path: designPrefix + "matters/:slug/print-variables",
		summary: "设计器：打印模板的表达式可用的变量（含 license、fees、notice、matter 及表格列的 row）及说明", tag: tag,
		auth: required, response: runtime.PrintVariables{}, handler: func(c *gin.Context) {
			v, err := d.PrintVariables(c.Request.Context(), user(c), c.Param("slug"))
			s.respond(c, http.StatusOK, v, err)
		}})
}
