package httpapi

import (
	"errors"

	"github.com/gin-gonic/gin"

	"github.com/xuchang-gov/tongban/runtime"
)

// errorBody is the one JSON shape of every error answer.
type errorBody struct {
	Error errorPayload `json:"error"`
}

type errorPayload struct {
	Code    string               `json:"code"`
	Message string               `json:"message"`
	Fields  []runtime.FieldError `json:"fields,omitempty"`
}

// fail writes err as the error answer. Internal errors are logged and shown only as a generic
// message.
func (s *Server) fail(c *gin.Context, err error) {
	code := runtime.ErrorCode(err)
	body := errorBody{Error: errorPayload{Code: code, Message: runtime.ErrorMessage(err)}}
	var e *runtime.Error
	if errors.As(err, &e) {
		body.Error.Fields = e.Fields
	}
	if code == runtime.EINTERNAL {
		s.Logger.Error("internal error", "method", c.Request.Method, "path", c.Request.URL.Path, "err", err)
	}
	if code == runtime.EUNAUTHORIZED {
		c.Header("WWW-Authenticate", `Bearer realm="tongban"`)
	}
	c.AbortWithStatusJSON(runtime.HTTPStatus(code), body)
}
