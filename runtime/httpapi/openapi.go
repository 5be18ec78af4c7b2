package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/invopop/jsonschema"

	"github.com/xuchang-gov/tongban/runtime"
)

var ginParam = regexp.MustCompile(`[:*]([A-Za-z]+)`)

// openAPIPath turns gin's /cases/:number (and a catch-all *name) into OpenAPI's /cases/{number}.
func openAPIPath(p string) string { return ginParam.ReplaceAllString(p, "{$1}") }

// pathParams are the schemas of the path parameters, by name: ids are positive integers, a
// definition file's name may hold slashes (print/certificate.json), the rest are plain text.
var pathParams = map[string]map[string]any{
	"id":   {"type": "integer", "format": "int64", "minimum": 1},
	"name": {"type": "string", "description": "文件在事项目录中的路径，可含 /（如 print/certificate.json）"},
}

// tags are the groups of operations, in the order a reader meets them.
var tags = []map[string]any{
	{"name": "meta", "description": "本文档"},
	{"name": "matters", "description": "事项目录、办事指南、表单预填和受理智能感知"},
	{"name": "cases", "description": "申报、草稿、材料、进度和评价（申请人）"},
	{"name": "acceptance", "description": "预审、受理、补齐补正和归档（窗口人员）"},
	{"name": "tasks", "description": "待办：认领、办理、退回、转办和特别程序（工作人员）"},
	{"name": "certificates", "description": "电子证照：核验、下载和注销"},
	{"name": "documents", "description": "打印文书和归档包"},
	{"name": "exports", "description": "Excel 导出"},
	{"name": "datasets", "description": "统计数据集（调度监控、成绩单、数据看板的数据）"},
	{"name": "dashboards", "description": "数据看板：组件、布局和数据绑定，草稿与发布版本"},
	{"name": "messages", "description": "咨询和投诉"},
	{"name": "themes", "description": "一件事：主题、一表申报、综合受理与成员事项进度"},
	{"name": "admin", "description": "消息投递（管理员）"},
	{"name": "uploads", "description": "断点续传（tus 1.0.0）"},
	{"name": "callbacks", "description": "外部系统的签名回调"},
	{"name": "design", "description": "设计器：草稿、检查、预览、发布和版本"},
}

// components are the named schemas of the document: each Go type once, under a stable name (the
// type's, capitalised; a list of T is TList). A type that a request and an answer both use is
// two schemas, the request's named with an Input suffix: a request requires only what the server
// needs and refuses unknown fields, an answer has every field it always carries.
type components struct {
	schemas map[string]any
	// answered are the names of the types of answers.
	answered map[string]bool
}

// anyJSON is the schema of JSON the server does not constrain (a form, an event's data): an
// empty schema with its description, never the boolean schema true, which generators refuse.
func anyJSON() map[string]any { return map[string]any{"description": "任意 JSON 值"} }

// freeForm replaces the boolean schemas true that reflection gives values of any JSON (a
// json.RawMessage, an interface) with anyJSON, wherever a schema may stand within v.
func freeForm(v any) {
	replace := func(x any) any {
		if b, isBool := x.(bool); isBool && b {
			return anyJSON()
		}
		freeForm(x)
		return x
	}
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			switch k {
			case "properties", "$defs", "patternProperties":
				if m, isMap := x.(map[string]any); isMap {
					for name, p := range m {
						m[name] = replace(p)
					}
				}
			case "items", "additionalProperties", "not", "contains":
				v[k] = replace(x)
			case "allOf", "anyOf", "oneOf", "prefixItems":
				if list, isList := x.([]any); isList {
					for i, p := range list {
						list[i] = replace(p)
					}
				}
			}
		}
	}
}

// numberFormat gives 64-bit numbers their format, so that generated clients do not narrow an
// amount of money to a float32 or an id to an int32.
func numberFormat(t reflect.Type) *jsonschema.Schema {
	switch t.Kind() {
	case reflect.Float64:
		return &jsonschema.Schema{Type: "number", Format: "double"}
	case reflect.Int64:
		return &jsonschema.Schema{Type: "integer", Format: "int64"}
	}
	return nil
}

// schemaNames are the names of the API's own types whose Go names say less.
var schemaNames = map[string]string{"errorBody": "Error", "errorPayload": "ErrorDetail", "ok": "OK"}

// schemaName is t's component name: no package path, no generic brackets.
func schemaName(t reflect.Type) string {
	name := t.Name()
	if base, arg, generic := strings.Cut(name, "["); generic {
		arg = strings.TrimSuffix(arg, "]")
		arg = arg[strings.LastIndexByte(arg, '.')+1:]
		return upperFirst(arg) + strings.TrimSuffix(upperFirst(base), "Answer")
	}
	if n, ok := schemaNames[name]; ok {
		return n
	}
	return upperFirst(name)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// ref returns the schema of v as a reference to its component, adding the components of the
// types it is made of; request says which side of the exchange v is on.
func (cs *components) ref(v any, request bool) map[string]any {
	r := &jsonschema.Reflector{
		Anonymous:                  true,
		AllowAdditionalProperties:  !request,
		RequiredFromJSONSchemaTags: request,
		Mapper:                     numberFormat,
		Namer: func(t reflect.Type) string {
			name := schemaName(t)
			if t.Kind() != reflect.Struct || name == "" {
				return name
			}
			if request && cs.answered[name] {
				return name + "Input"
			}
			if !request {
				cs.answered[name] = true
			}
			return name
		},
	}
	s := r.Reflect(v)
	defs := s.Definitions
	s.Definitions, s.Version = nil, ""
	for name, d := range defs {
		schema := refsToComponents(d)
		if old, ok := cs.schemas[name]; ok && !reflect.DeepEqual(old, schema) {
			panic(fmt.Sprintf("openapi: two different schemas named %s", name))
		}
		cs.schemas[name] = schema
	}
	return refsToComponents(s)
}

// refsToComponents is s as a JSON value, its references pointing into components/schemas.
func refsToComponents(s *jsonschema.Schema) map[string]any {
	raw, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	raw = []byte(strings.ReplaceAll(string(raw), `"#/$defs/`, `"#/components/schemas/`))
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		panic(err)
	}
	freeForm(out)
	return out
}

// errorNames are the error answers' descriptions, by status.
var errorNames = map[int]string{
	http.StatusBadRequest:            "请求有误：缺少或不合规的字段（fields 列出每个字段的 JSON 指针和原因）",
	http.StatusUnauthorized:          "未登录：缺少访问令牌，或令牌无效",
	http.StatusForbidden:             "无权进行此操作",
	http.StatusNotFound:              "不存在，或无权查看",
	http.StatusConflict:              "与当前状态冲突（办件已变化、已办理过、已被他人认领等）",
	http.StatusPreconditionFailed:    "缺少或不支持的 Tus-Resumable 协议版本",
	http.StatusRequestEntityTooLarge: "请求内容或文件超过上限",
	http.StatusUnsupportedMediaType:  "请求内容的类型不对（JSON 须以 Content-Type: application/json 发送）",
	http.StatusUnprocessableEntity:   "幂等键已用于内容不同的另一次申报",
	http.StatusLocked:                "这次上传正被另一个请求续传",
	http.StatusInternalServerError:   "系统内部错误，请稍后重试",
	http.StatusServiceUnavailable:    "外部系统暂不可用，请稍后重试",
}

// errorStatuses are the error answers op may give: what any request may meet, what its
// parameters, body and authentication may cause, and op's own.
func errorStatuses(op operation) []int {
	out := []int{http.StatusBadRequest, http.StatusInternalServerError}
	if strings.Contains(op.path, ":") || strings.Contains(op.path, "*") {
		out = append(out, http.StatusNotFound)
	}
	if op.auth == required {
		out = append(out, http.StatusUnauthorized, http.StatusForbidden)
		if op.method != http.MethodGet {
			out = append(out, http.StatusConflict, http.StatusNotFound)
		}
	}
	if op.request != nil || op.body != "" {
		out = append(out, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
	}
	if op.upload {
		out = append(out, http.StatusRequestEntityTooLarge)
	}
	out = append(out, op.errors...)
	slices.Sort(out)
	return slices.Compact(out)
}

// ownErrors says whether op's answers include its errors, in its own protocol's shape.
func ownErrors(op operation) bool {
	return slices.ContainsFunc(op.answers, func(a answer) bool { return a.status >= "400" })
}

// OpenAPI returns the OpenAPI 3.1 document of every route.
func (s *Server) OpenAPI() map[string]any {
	cs := &components{schemas: map[string]any{}, answered: map[string]bool{}}
	errorRef := cs.ref(errorBody{}, false)
	// Answers first, so that a type that is also a request is named as the answer.
	answers := make([]map[string]any, len(s.ops))
	for i, op := range s.ops {
		if op.response != nil {
			answers[i] = cs.ref(op.response, false)
		}
	}
	paths := map[string]map[string]any{}
	for i, op := range s.ops {
		p := openAPIPath(op.path)
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		params := []map[string]any{}
		for _, m := range ginParam.FindAllStringSubmatch(op.path, -1) {
			schema, ok := pathParams[m[1]]
			if !ok {
				schema = map[string]any{"type": "string", "minLength": 1}
			}
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": schema})
		}
		for _, q := range op.query {
			params = append(params, map[string]any{"name": q.name, "in": "query", "required": q.required, "description": q.about, "schema": q.schema})
		}
		for _, h := range op.headers {
			params = append(params, map[string]any{"name": h.name, "in": "header", "required": h.required,
				"description": h.about, "schema": map[string]any{"type": "string"}})
		}
		responses := map[string]any{}
		if !ownErrors(op) {
			for _, status := range errorStatuses(op) {
				responses[strconv.Itoa(status)] = map[string]any{"description": errorNames[status],
					"content": map[string]any{"application/json": map[string]any{"schema": errorRef}}}
			}
		}
		if len(op.answers) == 0 {
			okResponse := map[string]any{"description": "成功"}
			if answers[i] != nil {
				okResponse["content"] = map[string]any{"application/json": map[string]any{"schema": answers[i]}}
			}
			if op.download != "" {
				file := map[string]any{"type": "string", "format": "binary"}
				if op.download == "application/json" {
					file = anyJSON()
				}
				okResponse["content"] = map[string]any{op.download: map[string]any{"schema": file}}
			}
			status := "200"
			if op.created || op.upload {
				status = "201"
			}
			responses[status] = okResponse
		}
		for _, a := range op.answers {
			responses[a.status] = cs.documented(a)
		}
		entry := map[string]any{
			"summary":     op.summary,
			"description": description(op),
			"tags":        []string{op.tag},
			"operationId": operationID(op),
			"responses":   responses,
			"security":    []map[string]any{},
		}
		if len(params) > 0 {
			entry["parameters"] = params
		}
		if op.request != nil {
			entry["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": cs.ref(op.request, true)}}}
		}
		if op.body != "" {
			entry["requestBody"] = map[string]any{"required": true, "content": map[string]any{op.body: map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}}
		}
		if op.upload {
			entry["requestBody"] = map[string]any{"required": true, "content": map[string]any{"multipart/form-data": map[string]any{
				"schema": map[string]any{"type": "object", "properties": map[string]any{
					"file": map[string]any{"type": "string", "format": "binary", "description": "文件，不能为空"}}, "required": []string{"file"}},
			}}}
		}
		if op.auth == required {
			entry["security"] = []map[string]any{{"bearer": []string{}}}
		}
		paths[p][strings.ToLower(op.method)] = entry
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "tongban 通办 API",
			"version": "1.0.0",
			"license": map[string]any{"name": "Proprietary"},
			"description": "许昌市政务服务低代码平台的办件、事项与待办接口。错误统一为 Error：" +
				"{\"error\": {\"code\", \"message\", \"fields\": [{\"pointer\", \"message\"}]}}（外部系统回调的拒绝另有其格式，见 callbacks）。" +
				"JSON 请求须以 Content-Type: application/json 发送，不认识的字段会被拒绝；每个 GET 接口也接受 HEAD（状态和响应头相同，没有响应体）；" +
				"不支持的方法答 405 并在 Allow 头列出支持的方法。",
		},
		"servers": []map[string]any{{"url": "/"}},
		"tags":    tags,
		"paths":   paths,
		"components": map[string]any{
			"schemas": cs.schemas,
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer", "description": "账号的访问令牌：Authorization: Bearer <令牌>"},
			},
		},
	}
}

// description says what summary says and who may call op.
func description(op operation) string {
	d := op.summary
	if op.about != "" {
		d += "。" + op.about
	}
	if op.auth == required {
		return d + "。需要登录（Bearer 访问令牌）。"
	}
	return d + "。无需登录。"
}

// documented is an answer as the document gives it.
func (cs *components) documented(a answer) map[string]any {
	out := map[string]any{"description": a.about}
	if len(a.headers) > 0 {
		headers := map[string]any{}
		for _, h := range a.headers {
			headers[h.name] = map[string]any{"description": h.about, "schema": map[string]any{"type": "string"}}
		}
		out["headers"] = headers
	}
	if a.body != nil {
		out["content"] = map[string]any{"application/json": map[string]any{"schema": cs.ref(a.body, false)}}
	}
	return out
}

// operationID is op's method and path in camel case: POST /api/v1/cases/{number}/accept is
// postCasesNumberAccept.
func operationID(op operation) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(op.method))
	for _, part := range strings.Split(op.path, "/")[3:] {
		part = strings.TrimLeft(part, ":*")
		for _, w := range strings.FieldsFunc(part, func(r rune) bool { return r == '-' || r == '.' }) {
			b.WriteString(upperFirst(w))
		}
	}
	return b.String()
}

// JSONSchemaExtend lists the error codes in the document.
func (errorPayload) JSONSchemaExtend(s *jsonschema.Schema) {
	code, _ := s.Properties.Get("code")
	for _, c := range errorCodes {
		code.Enum = append(code.Enum, c)
	}
}

// errorCodes are the codes of the one error shape.
var errorCodes = []string{runtime.EINVALID, runtime.ETOOLARGE, runtime.ENOTFOUND, runtime.ECONFLICT,
	runtime.EUNAUTHORIZED, runtime.EFORBIDDEN, runtime.EINTERNAL, runtime.EUNAVAILABLE,
	runtime.EUNSUPPORTED, runtime.EKEYREUSED, runtime.ETOOMANY, codeMethodNotAllowed}
