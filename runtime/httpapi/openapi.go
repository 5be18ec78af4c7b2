package httpapi

import (
	"regexp"
	"strings"

	"github.com/invopop/jsonschema"
)

var ginParam = regexp.MustCompile(`[:*]([A-Za-z]+)`)

// openAPIPath turns gin's /cases/:number (and a catch-all *name) into OpenAPI's /cases/{number}.
func openAPIPath(p string) string { return ginParam.ReplaceAllString(p, "{$1}") }

func schemaOf(v any) *jsonschema.Schema {
	r := &jsonschema.Reflector{ExpandedStruct: true, DoNotReference: true, AllowAdditionalProperties: true}
	s := r.Reflect(v)
	s.Version = ""
	return s
}

var errorSchema = schemaOf(errorBody{})

// OpenAPI returns the OpenAPI 3.1 document of every route.
func (s *Server) OpenAPI() map[string]any {
	paths := map[string]map[string]any{}
	for _, op := range s.ops {
		p := openAPIPath(op.path)
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		var params []map[string]any
		for _, m := range ginParam.FindAllStringSubmatch(op.path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range op.query {
			params = append(params, map[string]any{"name": q, "in": "query", "schema": map[string]any{"type": "string"}})
		}
		for _, h := range op.headers {
			params = append(params, map[string]any{"name": h.name, "in": "header", "required": h.required,
				"description": h.about, "schema": map[string]any{"type": "string"}})
		}
		errorResponse := map[string]any{"description": "错误（code、message、fields）", "content": map[string]any{"application/json": map[string]any{"schema": errorSchema}}}
		responses := map[string]any{"4XX": errorResponse, "5XX": errorResponse}
		okResponse := map[string]any{"description": "成功"}
		if op.response != nil {
			okResponse["content"] = map[string]any{"application/json": map[string]any{"schema": schemaOf(op.response)}}
		}
		if op.download != "" {
			okResponse["content"] = map[string]any{op.download: map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}
		}
		status := "200"
		if op.created || op.upload {
			status = "201"
		}
		responses[status] = okResponse
		if len(op.answers) > 0 {
			delete(responses, status)
		}
		for _, a := range op.answers {
			responses[a.status] = documented(a)
		}
		entry := map[string]any{
			"summary":     op.summary,
			"tags":        []string{op.tag},
			"operationId": operationID(op),
			"responses":   responses,
		}
		if len(params) > 0 {
			entry["parameters"] = params
		}
		if op.request != nil {
			entry["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": schemaOf(op.request)}}}
		}
		if op.body != "" {
			entry["requestBody"] = map[string]any{"required": true, "content": map[string]any{op.body: map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}}
		}
		if op.upload {
			entry["requestBody"] = map[string]any{"required": true, "content": map[string]any{"multipart/form-data": map[string]any{
				"schema": map[string]any{"type": "object", "properties": map[string]any{"file": map[string]any{"type": "string", "format": "binary"}}, "required": []string{"file"}},
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
			"title":       "tongban 通办 API",
			"version":     "1.0.0",
			"description": "许昌市政务服务低代码平台的办件、事项与待办接口。错误统一为 {\"error\": {\"code\", \"message\", \"fields\": [{\"pointer\", \"message\"}]}}（外部系统回调另有其应答格式，见 callbacks）。",
		},
		"servers": []map[string]any{{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{"securitySchemes": map[string]any{
			"bearer": map[string]any{"type": "http", "scheme": "bearer"},
		}},
	}
}

// documented is an answer as the document gives it.
func documented(a answer) map[string]any {
	out := map[string]any{"description": a.about}
	if len(a.headers) > 0 {
		headers := map[string]any{}
		for _, h := range a.headers {
			headers[h.name] = map[string]any{"description": h.about, "schema": map[string]any{"type": "string"}}
		}
		out["headers"] = headers
	}
	if a.body != nil {
		out["content"] = map[string]any{"application/json": map[string]any{"schema": schemaOf(a.body)}}
	}
	return out
}

func operationID(op operation) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(op.method))
	for _, part := range strings.Split(op.path, "/")[3:] {
		part = strings.TrimPrefix(part, ":")
		for _, w := range strings.FieldsFunc(part, func(r rune) bool { return r == '-' || r == '.' }) {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}
