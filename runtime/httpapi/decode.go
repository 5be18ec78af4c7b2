package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/xuchang-gov/tongban/runtime"
)

// decode reads a JSON body into v: bounded in size, unknown fields refused, each mistake
// reported at its JSON pointer in Chinese.
func (s *Server) decode(c *gin.Context, v any) error { return s.decodeWithin(c, v, s.MaxJSONBytes) }

// decodeWithin is decode with its own bound.
func (s *Server) decodeWithin(c *gin.Context, v any, limit int64) error {
	raw, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return runtime.Errorf(runtime.ETOOLARGE, "请求内容超过 %d KB 的上限", limit>>10)
		}
		return runtime.Errorf(runtime.EINVALID, "无法读取请求内容")
	}
	if err := jsonMediaType(c.GetHeader("Content-Type"), len(raw)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if dec.More() {
		return runtime.Invalid("请求内容在 JSON 之后还有多余的内容")
	}
	return nil
}

// jsonMediaType refuses a body that is not declared JSON (application/json, or a type with the
// +json suffix): a client that sends JSON as text/plain or as a form has it wrong somewhere,
// and a browser sends a cross-site form without preflight only as those. An empty body without
// a type is left to the decoder, which says it is empty.
func jsonMediaType(contentType string, size int) error {
	if contentType == "" && size == 0 {
		return nil
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return runtime.Errorf(runtime.EUNSUPPORTED, "请求内容须为 JSON，并以 Content-Type: application/json 发送（收到的是 %q）", contentType)
	}
	return nil
}

func decodeError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return runtime.Invalid("请求内容为空，应为 JSON")
	case errors.As(err, &syntax):
		return runtime.Invalid(fmt.Sprintf("请求内容不是有效的 JSON（第 %d 个字节附近）", syntax.Offset))
	case errors.As(err, &typ):
		ptr := "/" + strings.ReplaceAll(typ.Field, ".", "/")
		return runtime.Invalid("请求内容有误", runtime.FieldError{Pointer: ptr, Message: fmt.Sprintf("类型不对：应为%s", jsonTypeName(typ.Type.Kind().String()))})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return runtime.Invalid("请求内容有误", runtime.FieldError{Pointer: "/" + name, Message: "不认识的字段"})
	}
	return runtime.Invalid("请求内容不是有效的 JSON")
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "文本"
	case "bool":
		return "是/否"
	case "slice", "array":
		return "列表"
	case "map", "struct":
		return "对象"
	}
	return "数字"
}

// bearer returns the bearer token of the request, or "".
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if token, ok := strings.CutPrefix(h, "Bearer "); ok {
		return strings.TrimSpace(token)
	}
	return ""
}

const userKey = "tongban.user"

// authenticate resolves the caller's token; required routes refuse anonymous callers.
func (s *Server) authenticate(required bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		token := bearer(c.Request)
		if token == "" && s.Sessions != nil {
			if u := s.Sessions.User(c.Request); u != nil {
				// A browser's session: a change must carry its CSRF token.
				if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
					if err := s.Sessions.CheckCSRF(c.Request); err != nil {
						s.fail(c, err)
						return
					}
				}
				c.Set(userKey, u)
				return
			}
		}
		if token == "" {
			if required {
				s.fail(c, runtime.Errorf(runtime.EUNAUTHORIZED, "请先登录（缺少访问令牌）"))
			}
			return
		}
		u, err := s.Users.Authenticate(c.Request.Context(), token)
		if err != nil {
			s.fail(c, err)
			return
		}
		c.Set(userKey, u)
	}
}

func user(c *gin.Context) *runtime.User {
	u, _ := c.Get(userKey)
	usr, _ := u.(*runtime.User)
	return usr
}
